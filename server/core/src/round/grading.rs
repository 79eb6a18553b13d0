//! Grading a response against a question version. One point a question:
//! multiple choice scores only with all and only the correct options.

use crate::model::{QuestionDraft, QuestionKind};
use crate::text::{clean, fold, parse_number};
use serde::{Deserialize, Serialize};

/// A contestant's answer. Choices are indices into the question's stored
/// options (not the shuffled display order).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
pub enum Response {
    Choices(Vec<usize>),
    Text(String),
}

impl Response {
    /// An empty response clears the saved answer.
    pub fn is_empty(&self) -> bool {
        match self {
            Response::Choices(c) => c.is_empty(),
            Response::Text(t) => t.trim().is_empty(),
        }
    }
}

/// Rejects responses no honest page can send, so nothing malformed is stored.
pub fn check(q: &QuestionDraft, r: &Response) -> Result<(), &'static str> {
    match (q.kind, r) {
        (QuestionKind::Single | QuestionKind::TrueFalse, Response::Choices(c)) if c.len() > 1 => {
            Err("Câu này chỉ chọn một phương án")
        }
        (
            QuestionKind::Single | QuestionKind::TrueFalse | QuestionKind::Multiple,
            Response::Choices(c),
        ) => {
            if c.iter().any(|&i| i >= q.options.len()) {
                Err("Phương án không tồn tại")
            } else if (1..c.len()).any(|i| c[..i].contains(&c[i])) {
                Err("Phương án bị chọn lặp")
            } else {
                Ok(())
            }
        }
        (QuestionKind::Short | QuestionKind::Numeric, Response::Text(t))
            if t.chars().count() > 500 =>
        {
            Err("Câu trả lời quá dài")
        }
        (QuestionKind::Short | QuestionKind::Numeric, Response::Text(_)) => Ok(()),
        _ => Err("Kiểu câu trả lời không khớp với câu hỏi"),
    }
}

/// Lower case, NFC, trimmed of surrounding punctuation, spaces folded.
fn loose(s: &str) -> String {
    clean(s)
        .to_lowercase()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn is_correct(q: &QuestionDraft, r: &Response) -> bool {
    if check(q, r).is_err() {
        return false;
    }
    match (q.kind, r) {
        (QuestionKind::Short, Response::Text(t)) => {
            let given = loose(t);
            if given.is_empty() {
                return false;
            }
            // A phone without a Vietnamese keyboard types no diacritics: an
            // answer typed wholly without them is compared without them.
            let plain = given.is_ascii();
            q.answers.iter().any(|a| {
                let a = loose(a);
                a == given || (plain && fold(&a) == given)
            })
        }
        (QuestionKind::Numeric, Response::Text(t)) => {
            let (Some(given), Some(expected)) = (
                parse_number(t),
                q.answers.first().and_then(|a| parse_number(a)),
            ) else {
                return false;
            };
            (given - expected).abs() <= q.tolerance.unwrap_or(0.0) + 1e-9
        }
        (_, Response::Choices(c)) => {
            !c.is_empty()
                && q.options
                    .iter()
                    .enumerate()
                    .all(|(i, o)| o.correct == c.contains(&i))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::QuestionOption;

    fn opts(correct: &[bool]) -> Vec<QuestionOption> {
        correct
            .iter()
            .enumerate()
            .map(|(i, &c)| QuestionOption {
                text: format!("PA {i}"),
                correct: c,
            })
            .collect()
    }

    #[test]
    fn single_and_true_false() {
        let q = QuestionDraft::sample(None, "?");
        assert!(is_correct(&q, &Response::Choices(vec![0])));
        assert!(!is_correct(&q, &Response::Choices(vec![1])));
        assert!(!is_correct(&q, &Response::Choices(vec![])));
        assert!(
            !is_correct(&q, &Response::Choices(vec![0, 1])),
            "two picks on single choice"
        );
        let mut tf = QuestionDraft::sample(None, "?");
        tf.kind = QuestionKind::TrueFalse;
        tf.options = QuestionDraft::true_false(false);
        assert!(is_correct(&tf, &Response::Choices(vec![1])));
        assert!(!is_correct(&tf, &Response::Choices(vec![0])));
    }

    #[test]
    fn multiple_needs_all_and_only_the_correct_options() {
        let mut q = QuestionDraft::sample(None, "?");
        q.kind = QuestionKind::Multiple;
        q.options = opts(&[true, false, true, false]);
        assert!(is_correct(&q, &Response::Choices(vec![0, 2])));
        assert!(is_correct(&q, &Response::Choices(vec![2, 0])));
        assert!(!is_correct(&q, &Response::Choices(vec![0])), "only some");
        assert!(
            !is_correct(&q, &Response::Choices(vec![0, 1, 2])),
            "one too many"
        );
        assert!(
            !is_correct(&q, &Response::Choices(vec![0, 1, 2, 3])),
            "everything"
        );
        assert!(
            !is_correct(&q, &Response::Choices(vec![0, 2, 2])),
            "repeats are malformed"
        );
        assert!(
            !is_correct(&q, &Response::Choices(vec![0, 2, 9])),
            "out of range"
        );
    }

    #[test]
    fn short_answer() {
        let mut q = QuestionDraft::sample(None, "?");
        q.kind = QuestionKind::Short;
        q.options.clear();
        q.answers = vec!["Ứng Hòa".into(), "huyện Ứng Hòa".into()];
        assert!(is_correct(&q, &Response::Text("ứng hòa".into())));
        assert!(is_correct(&q, &Response::Text("  Huyện  Ứng Hòa. ".into())));
        assert!(
            is_correct(&q, &Response::Text("Ung Hoa".into())),
            "typed without diacritics"
        );
        // NFD input is the same text.
        assert!(is_correct(
            &q,
            &Response::Text("U\u{31b}\u{301}ng Ho\u{300}a".into())
        ));
        assert!(
            !is_correct(&q, &Response::Text("Ứng Hóa".into())),
            "wrong diacritics are wrong"
        );
        assert!(!is_correct(&q, &Response::Text("".into())));
        assert!(!is_correct(&q, &Response::Choices(vec![0])));
    }

    #[test]
    fn numeric_with_tolerance() {
        let mut q = QuestionDraft::sample(None, "?");
        q.kind = QuestionKind::Numeric;
        q.options.clear();
        q.answers = vec!["23041".into()];
        assert!(is_correct(&q, &Response::Text("23 041".into())));
        assert!(is_correct(&q, &Response::Text("23041".into())));
        assert!(!is_correct(&q, &Response::Text("23040".into())));
        assert!(!is_correct(&q, &Response::Text("hai ba nghìn".into())));
        q.answers = vec!["96.5".into()];
        q.tolerance = Some(0.5);
        assert!(is_correct(&q, &Response::Text("96".into())));
        assert!(is_correct(&q, &Response::Text("97,0".into())));
        assert!(!is_correct(&q, &Response::Text("95,9".into())));
    }

    #[test]
    fn malformed_responses_are_refused() {
        let q = QuestionDraft::sample(None, "?");
        assert!(check(&q, &Response::Choices(vec![5])).is_err());
        assert!(check(&q, &Response::Text("A".into())).is_err());
        assert!(check(&q, &Response::Choices(vec![1])).is_ok());
        assert!(Response::Choices(vec![]).is_empty());
    }
}
