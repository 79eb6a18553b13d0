//! The project's own text format (`questions/FORMAT.md`).

use super::{ImportError, Parsed};
use crate::model::{parse_truth, Difficulty, QuestionDraft, QuestionKind, QuestionOption};
use crate::text::{format_number, parse_number};

#[derive(Default)]
struct Block {
    line: usize,
    key: String,
    fields: Vec<(String, String, usize)>,
    options: Vec<(bool, String)>,
    /// What the next continuation line extends.
    last: Option<Target>,
}

#[derive(Clone, Copy)]
enum Target {
    Field(usize),
    Option(usize),
}

pub fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut blocks: Vec<Block> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            if let Some(b) = blocks.last_mut() {
                b.last = None;
            }
            continue;
        }
        if let Some(id) = line.strip_prefix("=== ") {
            blocks.push(Block {
                line: n,
                key: id.trim().to_string(),
                ..Default::default()
            });
            continue;
        }
        let Some(b) = blocks.last_mut() else {
            out.errors.push(ImportError::at(
                n,
                "Câu hỏi phải bắt đầu bằng dòng \"=== mã-câu-hỏi\"",
            ));
            continue;
        };
        if let Some(rest) = line.strip_prefix("  ") {
            match b.last {
                Some(Target::Field(i)) => {
                    b.fields[i].1.push(' ');
                    b.fields[i].1.push_str(rest.trim());
                }
                Some(Target::Option(i)) => {
                    b.options[i].1.push(' ');
                    b.options[i].1.push_str(rest.trim());
                }
                None => out
                    .errors
                    .push(ImportError::at(n, "Dòng tiếp nối không thuộc trường nào")),
            }
            continue;
        }
        if let Some(rest) = line
            .strip_prefix("* ")
            .or_else(|| (line == "*").then_some(""))
        {
            b.options.push((true, rest.to_string()));
            b.last = Some(Target::Option(b.options.len() - 1));
            continue;
        }
        if let Some(rest) = line
            .strip_prefix("- ")
            .or_else(|| (line == "-").then_some(""))
        {
            b.options.push((false, rest.to_string()));
            b.last = Some(Target::Option(b.options.len() - 1));
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase()) => {
                b.fields.push((k.to_string(), v.trim().to_string(), n));
                b.last = Some(Target::Field(b.fields.len() - 1));
            }
            _ => out.errors.push(ImportError::at(
                n,
                format!(
                    "Dòng không hợp lệ: \"{}\" (cần \"khóa: giá trị\", \"* \" hoặc \"- \")",
                    short(line)
                ),
            )),
        }
    }
    for b in blocks {
        build(b, &mut out);
    }
    out
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

fn build(b: Block, out: &mut Parsed) {
    let mut errors = Vec::new();
    let mut one = |name: &str| -> Option<String> {
        let found: Vec<_> = b.fields.iter().filter(|(k, _, _)| k == name).collect();
        if found.len() > 1 {
            errors.push(ImportError::at(
                found[1].2,
                format!("Khóa \"{name}\" lặp lại"),
            ));
        }
        found.first().map(|(_, v, _)| v.clone())
    };
    let topic = one("topic");
    let difficulty = one("difficulty");
    let kind = one("type");
    let question = one("question");
    let tolerance = one("tolerance");
    let explanation = one("explanation").unwrap_or_default();
    let source = one("source").unwrap_or_default();
    let image = one("image");
    let answers: Vec<String> = b
        .fields
        .iter()
        .filter(|(k, _, _)| k == "answer")
        .map(|(_, v, _)| v.clone())
        .collect();
    for (k, _, n) in &b.fields {
        if !matches!(
            k.as_str(),
            "topic"
                | "difficulty"
                | "type"
                | "question"
                | "answer"
                | "tolerance"
                | "explanation"
                | "source"
                | "image"
        ) {
            errors.push(ImportError::at(
                *n,
                format!("Khóa \"{k}\" không được hỗ trợ"),
            ));
        }
    }
    let line = b.line;
    let missing =
        |name: &str| ImportError::at(line, format!("Câu \"{}\" thiếu \"{name}:\"", b.key));
    let topic = topic.ok_or_else(|| missing("topic"));
    let question = question.ok_or_else(|| missing("question"));
    let difficulty = match difficulty {
        None => Err(missing("difficulty")),
        Some(d) => Difficulty::parse(&d).ok_or_else(|| {
            ImportError::at(line, format!("Mức độ \"{d}\" không hợp lệ (de, tb, kho)"))
        }),
    };
    let kind = match kind {
        None => Err(missing("type")),
        Some(t) => QuestionKind::parse(&t).ok_or_else(|| {
            ImportError::at(
                line,
                format!("Loại \"{t}\" không hợp lệ (single, multiple, truefalse, short, numeric)"),
            )
        }),
    };
    let tolerance = match tolerance.as_deref().map(|t| (t, parse_number(t))) {
        None => Ok(None),
        Some((_, Some(v))) => Ok(Some(v)),
        Some((t, None)) => Err(ImportError::at(
            line,
            format!("Sai số \"{t}\" không phải là số"),
        )),
    };
    let (topic, question, difficulty, kind, tolerance) =
        match (topic, question, difficulty, kind, tolerance) {
            (Ok(a), Ok(b), Ok(c), Ok(d), Ok(e)) => (a, b, c, d, e),
            (a, b, c, d, e) => {
                errors.extend(
                    [a.err(), b.err(), c.err(), d.err(), e.err()]
                        .into_iter()
                        .flatten(),
                );
                out.errors.extend(errors);
                return;
            }
        };
    let mut draft = QuestionDraft {
        key: Some(b.key.clone()),
        kind,
        topic,
        difficulty,
        text: question,
        options: b
            .options
            .iter()
            .map(|(c, t)| QuestionOption {
                text: t.clone(),
                correct: *c,
            })
            .collect(),
        answers: vec![],
        tolerance,
        explanation,
        source,
        image,
    };
    match kind {
        QuestionKind::TrueFalse => {
            if !draft.options.is_empty() {
                errors.push(ImportError::at(
                    line,
                    "Câu đúng/sai ghi đáp án bằng \"answer: đúng\" hoặc \"answer: sai\"",
                ));
            }
            match answers.as_slice() {
                [a] => match parse_truth(a) {
                    Some(v) => draft.options = QuestionDraft::true_false(v),
                    None => errors.push(ImportError::at(
                        line,
                        format!("Đáp án \"{a}\" phải là \"đúng\" hoặc \"sai\""),
                    )),
                },
                _ => errors.push(ImportError::at(
                    line,
                    "Câu đúng/sai cần đúng một dòng \"answer:\"",
                )),
            }
        }
        _ => draft.answers = answers,
    }
    if errors.is_empty() {
        out.push(line, draft);
    } else {
        out.errors.extend(errors);
    }
}

/// Writes questions in the native format; `parse` reads back the same drafts.
pub fn write(questions: &[QuestionDraft]) -> String {
    let mut s =
        String::from("# Ngân hàng câu hỏi Hội thi — định dạng gốc (xem questions/FORMAT.md)\n");
    for q in questions {
        s.push('\n');
        s.push_str(&format!("=== {}\n", q.key.as_deref().unwrap_or("")));
        s.push_str(&format!("topic: {}\n", q.topic));
        s.push_str(&format!("difficulty: {}\n", q.difficulty.as_str()));
        s.push_str(&format!("type: {}\n", q.kind.as_str()));
        s.push_str(&format!("question: {}\n", q.text));
        match q.kind {
            QuestionKind::TrueFalse => {
                let v = q.options.first().map(|o| o.correct).unwrap_or(false);
                s.push_str(if v {
                    "answer: đúng\n"
                } else {
                    "answer: sai\n"
                });
            }
            _ => {
                for o in &q.options {
                    s.push_str(if o.correct { "* " } else { "- " });
                    s.push_str(&o.text);
                    s.push('\n');
                }
                for a in &q.answers {
                    s.push_str(&format!("answer: {a}\n"));
                }
            }
        }
        if let Some(t) = q.tolerance {
            s.push_str(&format!("tolerance: {}\n", format_number(t)));
        }
        s.push_str(&format!("explanation: {}\n", q.explanation));
        s.push_str(&format!("source: {}\n", q.source));
        if let Some(i) = &q.image {
            s.push_str(&format!("image: {i}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# bank\n=== kh171.001\ntopic: kh171\ndifficulty: de\ntype: single\nquestion: Kế hoạch nào\n  triển khai Chỉ thị?\n* 171-KH/TU\n- 195-KH/TU\nexplanation: Vì vậy.\nsource: 000.txt — \"x\"\n\n=== kh171.002\ntopic: kh171\ndifficulty: kho\ntype: truefalse\nquestion: Đúng không?\nanswer: sai\nexplanation: e\nsource: s\n\n=== x.3\ntopic: lien-quan\ndifficulty: tb\ntype: numeric\nquestion: Bao nhiêu điểm cầu?\nanswer: 649\ntolerance: 0\nexplanation: e\nsource: s\n";

    #[test]
    fn reads_every_field() {
        let p = parse(SAMPLE);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.questions.len(), 3);
        let (line, q) = &p.questions[0];
        assert_eq!(*line, 2);
        assert_eq!(q.text, "Kế hoạch nào triển khai Chỉ thị?");
        assert_eq!(q.correct_count(), 1);
        let tf = &p.questions[1].1;
        assert_eq!(tf.options, QuestionDraft::true_false(false));
        assert_eq!(p.questions[2].1.tolerance, Some(0.0));
    }

    #[test]
    fn write_then_parse_is_identity() {
        let p = parse(SAMPLE);
        let drafts: Vec<_> = p.questions.iter().map(|(_, q)| q.clone()).collect();
        let again = parse(&write(&drafts));
        assert!(again.errors.is_empty(), "{:?}", again.errors);
        let back: Vec<_> = again.questions.into_iter().map(|(_, q)| q).collect();
        assert_eq!(back, drafts);
    }

    #[test]
    fn reports_every_error_with_its_line() {
        let bad = "topic: x\n=== a\ntopic: kh171\ndifficulty: rất khó\ntype: single\nquestion: Q\n* a\n* b\nexplanation: e\nsource: s\nwhat is this\n=== b\ntopic: nope\ndifficulty: de\ntype: numeric\nquestion: Q2\nanswer: nhiều\nexplanation: e\nsource: s\n";
        let p = parse(bad);
        assert!(p.questions.is_empty());
        let lines: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
        assert!(lines.contains(&1), "{:?}", p.errors); // text before the first ===
        assert!(lines.contains(&11)); // unrecognised line
        assert!(lines.contains(&2)); // bad difficulty
        assert!(lines.contains(&12)); // unknown topic and non-numeric answer
        assert!(p.errors.iter().all(|e| !e.message.is_empty()));
    }
}
