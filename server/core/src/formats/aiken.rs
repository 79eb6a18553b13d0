//! Aiken: the question, options `A.` or `A)`, then `ANSWER: X`. Several
//! letters (`ANSWER: A, C`) make a multiple-choice question.

use super::{difficulty_or_default, topic_or_default, Defaults, ImportError, Parsed};
use crate::model::{QuestionDraft, QuestionKind, QuestionOption};

fn option_line(line: &str) -> Option<(char, &str)> {
    let mut cs = line.chars();
    let letter = cs.next()?;
    let sep = cs.next()?;
    if letter.is_ascii_uppercase() && (sep == '.' || sep == ')') {
        let rest = &line[2..];
        if rest.starts_with(' ') || rest.starts_with('\t') {
            return Some((letter, rest.trim()));
        }
    }
    None
}

pub fn parse(text: &str, defaults: &Defaults) -> Parsed {
    let mut out = Parsed::default();
    let mut start = 0usize;
    let mut stem: Vec<String> = Vec::new();
    let mut options: Vec<String> = Vec::new();

    let topic = topic_or_default("", defaults);
    let difficulty = difficulty_or_default("", defaults);

    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(ans) = line
            .strip_prefix("ANSWER:")
            .or_else(|| line.strip_prefix("ANSWER :"))
            .or_else(|| line.strip_prefix("Answer:"))
        {
            if stem.is_empty() {
                out.errors
                    .push(ImportError::at(n, "Dòng ANSWER không thuộc câu hỏi nào"));
                continue;
            }
            if options.len() < 2 {
                out.errors.push(ImportError::at(
                    start,
                    "Câu hỏi cần ít nhất 2 phương án (A. hoặc A))",
                ));
            } else {
                let mut chosen = Vec::new();
                let mut bad = false;
                for c in ans.chars().filter(|c| !matches!(c, ',' | ';' | ' ' | '\t')) {
                    let idx = (c as u32).wrapping_sub('A' as u32) as usize;
                    if !c.is_ascii_uppercase() || idx >= options.len() {
                        bad = true;
                    } else if !chosen.contains(&idx) {
                        chosen.push(idx);
                    }
                }
                if bad || chosen.is_empty() {
                    out.errors.push(ImportError::at(
                        n,
                        format!(
                            "Đáp án \"{}\" không phải chữ cái của phương án (A–{})",
                            ans.trim(),
                            (b'A' + options.len() as u8 - 1) as char
                        ),
                    ));
                } else {
                    match (&topic, &difficulty) {
                        (Ok(topic), Ok(difficulty)) => out.push(
                            start,
                            QuestionDraft {
                                key: None,
                                kind: if chosen.len() > 1 {
                                    QuestionKind::Multiple
                                } else {
                                    QuestionKind::Single
                                },
                                topic: topic.clone(),
                                difficulty: *difficulty,
                                text: stem.join(" "),
                                options: options
                                    .iter()
                                    .enumerate()
                                    .map(|(k, t)| QuestionOption {
                                        text: t.clone(),
                                        correct: chosen.contains(&k),
                                    })
                                    .collect(),
                                answers: vec![],
                                tolerance: None,
                                explanation: String::new(),
                                source: String::new(),
                                image: None,
                            },
                        ),
                        (Err(m), _) | (_, Err(m)) => {
                            out.errors.push(ImportError::at(start, m.clone()))
                        }
                    }
                }
            }
            stem.clear();
            options.clear();
            continue;
        }
        if let Some((letter, rest)) = option_line(line) {
            if !stem.is_empty() {
                let expected = (b'A' + options.len() as u8) as char;
                if letter != expected {
                    out.errors.push(ImportError::at(
                        n,
                        format!("Phương án {letter} đứng sai thứ tự (cần {expected})"),
                    ));
                }
                options.push(rest.to_string());
                continue;
            }
        }
        if !options.is_empty() {
            out.errors.push(ImportError::at(
                n,
                "Sau các phương án cần dòng \"ANSWER: X\"",
            ));
            // Start over from this line as a new question.
            options.clear();
            stem.clear();
        }
        if stem.is_empty() {
            start = n;
        }
        stem.push(line.to_string());
    }
    if !stem.is_empty() {
        out.errors
            .push(ImportError::at(start, "Câu hỏi thiếu dòng \"ANSWER: X\""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Defaults {
        Defaults {
            topic: Some("kh171".into()),
            difficulty: None,
            ..Default::default()
        }
    }

    #[test]
    fn dots_parens_and_multi() {
        let src = "Kế hoạch số mấy?\nA. 171-KH/TU\nB. 195-KH/TU\nANSWER: A\n\nNhững gì\nđúng?\nA) x\nB) y\nC) z\nANSWER: A, C\n";
        let p = parse(src, &d());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.questions.len(), 2);
        assert_eq!(p.questions[1].0, 6);
        assert_eq!(p.questions[1].1.text, "Những gì đúng?");
        assert_eq!(p.questions[1].1.kind, QuestionKind::Multiple);
    }

    #[test]
    fn errors_with_lines() {
        let src = "Q1?\nA. x\nB. y\nANSWER: D\n\nQ2?\nA. x\nC. y\nANSWER: A\n\nQ3?\nA. x\nB. y\n";
        let p = parse(src, &d());
        assert!(p.questions.len() <= 1);
        let lines: Vec<_> = p.errors.iter().map(|e| e.line).collect();
        assert!(lines.contains(&4), "{lines:?}");
        assert!(lines.contains(&8));
        assert!(lines.contains(&11));
    }
}
