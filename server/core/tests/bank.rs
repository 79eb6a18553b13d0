//! The directive bank shipped in `questions/`: valid, large enough, balanced,
//! cited, without duplicates.

#![cfg(feature = "store")]

use hoithi_core::bank::{plan, Action};
use hoithi_core::model::Difficulty;
use hoithi_core::store::seed;
use hoithi_core::taxonomy::TOPICS;
use std::collections::HashMap;

#[test]
fn directive_bank_meets_the_bar() {
    let bank = seed::bank().expect("every file in questions/ parses");
    assert!(bank.len() >= 200, "{} questions", bank.len());

    let mut per_topic: HashMap<&str, usize> = HashMap::new();
    for (_, q) in &bank {
        *per_topic.entry(q.topic.as_str()).or_default() += 1;
    }
    for t in TOPICS {
        let n = per_topic.get(t.key).copied().unwrap_or(0);
        assert!(n >= 5, "topic {} has {n} questions", t.key);
    }
    let hard = bank
        .iter()
        .filter(|(_, q)| q.difficulty == Difficulty::Kho)
        .count();
    assert!(hard * 4 >= bank.len(), "{hard} of {} are hard", bank.len());

    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    let seed_names: Vec<String> = std::fs::read_dir(&seeds)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    for (line, q) in &bank {
        let key = q.key.as_deref().unwrap_or("?");
        assert!(
            !q.explanation.is_empty(),
            "{key} (line {line}) has no explanation"
        );
        assert!(
            q.source.contains(" — "),
            "{key} (line {line}) cites no passage: {}",
            q.source
        );
        let file = q.source.split(" — ").next().unwrap();
        assert!(
            file.ends_with(".txt"),
            "{key}: citation names no seed file: {}",
            q.source
        );
        if !seed_names.is_empty() {
            assert!(
                seed_names.iter().any(|s| s == file),
                "{key}: cites {file}, which is not a seed article"
            );
        }
    }

    let p = plan(&[], bank);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let dups: Vec<_> = p
        .entries
        .iter()
        .filter(|e| matches!(e.action, Action::Duplicate { .. }))
        .map(|e| e.draft.key.clone())
        .collect();
    assert!(dups.is_empty(), "duplicate questions: {dups:?}");
}

/// Every quoted passage is in the cited article, so every answer can be
/// checked against its source.
#[test]
fn citations_quote_their_articles() {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    if !seeds.exists() {
        return; // shared/ sits beside the clone in CI and on developer machines
    }
    let norm = |s: &str| hoithi_core::text::clean(s).replace(['“', '”'], "\"");
    let mut missing = Vec::new();
    for (_, q) in seed::bank().unwrap() {
        let (file, passage) = q.source.split_once(" — ").unwrap();
        let article = norm(&std::fs::read_to_string(seeds.join(file)).unwrap_or_default());
        let quoted = passage.trim().trim_matches('"');
        // Quotes may elide with "…" or "...": each piece must appear.
        let pieces: Vec<&str> = quoted
            .split(['…'])
            .flat_map(|p| p.split("..."))
            .map(str::trim)
            .filter(|p| p.len() > 3)
            .collect();
        if pieces.is_empty() || !pieces.iter().all(|p| article.contains(&norm(p))) {
            missing.push(format!("{}: {passage}", q.key.unwrap_or_default()));
        }
    }
    assert!(
        missing.is_empty(),
        "{} citations not found in their articles:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
