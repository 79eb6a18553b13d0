//! Citations as cadres read them: a question's `source` names the seed file
//! and quotes the passage (so reviewers can check it); a cadre's review
//! shows the article instead (title, author or publisher, date), from
//! `questions/sources.tsv`.

use std::collections::HashMap;
use std::sync::OnceLock;

const REGISTRY: &str = include_str!("../../../questions/sources.tsv");

fn registry() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        REGISTRY
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| l.split_once('\t'))
            .map(|(file, cite)| (file.trim(), cite.trim()))
            .collect()
    })
}

/// The article a seed file holds, if it is registered.
pub fn article(file: &str) -> Option<&'static str> {
    registry().get(file.trim()).copied()
}

/// "file — "passage"" as a cadre reads it: "Article — "passage"". A source
/// that names no registered file is shown as written.
pub fn cite(source: &str) -> String {
    let (file, passage) = match source.split_once(" — ") {
        Some((f, p)) => (f, Some(p)),
        None => (source, None),
    };
    match (article(file), passage) {
        (Some(a), Some(p)) => format!("{a} — {p}"),
        (Some(a), None) => a.to_string(),
        (None, _) => source.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_becomes_its_article_and_the_passage_stays() {
        let c = cite("002_dcd1f8a190016121.txt — \"vừa hồng, vừa chuyên\"");
        assert!(c.starts_with("«Bài 4: Những giải pháp để tôi luyện cán bộ»"), "{c}");
        assert!(c.ends_with("— \"vừa hồng, vừa chuyên\""), "{c}");
        assert!(!c.contains(".txt"));
        assert_eq!(cite("Sách khác, tr. 3"), "Sách khác, tr. 3");
    }

    #[cfg(feature = "store")]
    #[test]
    fn every_source_in_the_bank_is_a_registered_article() {
        let bank = crate::store::seed::bank().unwrap();
        for (line, q) in &bank {
            let file = q.source.split_once(" — ").map(|(f, _)| f).unwrap_or(&q.source);
            assert!(article(file).is_some(), "line {line}: {file} is not in questions/sources.tsv");
        }
    }
}
