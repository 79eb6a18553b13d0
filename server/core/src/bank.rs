//! Import planning: what an import would do to the bank. Pure, so the dry run
//! and the real import agree by construction.

use crate::model::QuestionDraft;
use crate::text::duplicate_key;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

/// One problem in an imported file, where it is and what is wrong, in Vietnamese.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportError {
    /// 1-based line (text formats) or row (CSV, Excel).
    pub line: usize,
    /// Column, for tables: letter and header, e.g. `G (Đáp án)`.
    pub column: Option<String>,
    pub message: String,
}

impl ImportError {
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        ImportError {
            line,
            column: None,
            message: message.into(),
        }
    }

    pub fn cell(line: usize, column: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            line,
            column: Some(column.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "Dòng {}, cột {}: {}", self.line, c, self.message),
            None if self.line == 0 => write!(f, "{}", self.message),
            None => write!(f, "Dòng {}: {}", self.line, self.message),
        }
    }
}

/// A question already in the bank, at its current version.
#[derive(Clone, Debug)]
pub struct Existing {
    pub question_id: String,
    pub key: String,
    pub draft: QuestionDraft,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Action {
    New,
    NewVersion {
        question_id: String,
    },
    Unchanged {
        question_id: String,
    },
    /// Same normalised text as an existing question or an earlier one in the
    /// file; skipped.
    Duplicate {
        of: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanEntry {
    pub line: usize,
    pub draft: QuestionDraft,
    pub action: Action,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
    pub errors: Vec<ImportError>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    pub new: usize,
    pub new_versions: usize,
    pub unchanged: usize,
    pub duplicates: usize,
}

impl Plan {
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts::default();
        for e in &self.entries {
            match e.action {
                Action::New => c.new += 1,
                Action::NewVersion { .. } => c.new_versions += 1,
                Action::Unchanged { .. } => c.unchanged += 1,
                Action::Duplicate { .. } => c.duplicates += 1,
            }
        }
        c
    }
}

/// Decides, for each incoming question, whether it is new, a new version of a
/// question with the same key, unchanged, or a duplicate by text. A key used
/// twice in one file is an error.
pub fn plan(existing: &[Existing], incoming: Vec<(usize, QuestionDraft)>) -> Plan {
    let by_key: HashMap<&str, &Existing> = existing.iter().map(|e| (e.key.as_str(), e)).collect();
    let mut by_text: HashMap<String, String> = existing
        .iter()
        .map(|e| (duplicate_key(&e.draft.text), e.key.clone()))
        .collect();
    let mut seen_keys: HashMap<String, usize> = HashMap::new();
    let mut out = Plan::default();

    for (line, draft) in incoming {
        let text_key = duplicate_key(&draft.text);
        if let Some(key) = &draft.key {
            if let Some(first) = seen_keys.get(key) {
                out.errors.push(ImportError::at(
                    line,
                    format!("Mã câu hỏi \"{key}\" đã dùng ở dòng {first}"),
                ));
                continue;
            }
            seen_keys.insert(key.clone(), line);
            if let Some(e) = by_key.get(key.as_str()) {
                let action = if e.draft.same_content(&draft) {
                    Action::Unchanged {
                        question_id: e.question_id.clone(),
                    }
                } else {
                    Action::NewVersion {
                        question_id: e.question_id.clone(),
                    }
                };
                out.entries.push(PlanEntry {
                    line,
                    draft,
                    action,
                });
                continue;
            }
        }
        let action = match by_text.get(&text_key) {
            Some(of) => Action::Duplicate { of: of.clone() },
            None => {
                let label = draft.key.clone().unwrap_or_else(|| format!("dòng {line}"));
                by_text.insert(text_key, label);
                Action::New
            }
        };
        out.entries.push(PlanEntry {
            line,
            draft,
            action,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(key: Option<&str>, text: &str) -> QuestionDraft {
        QuestionDraft::sample(key, text)
    }

    #[test]
    fn classifies_every_case() {
        let existing = vec![
            Existing {
                question_id: "1".into(),
                key: "a".into(),
                draft: q(Some("a"), "Câu A?"),
            },
            Existing {
                question_id: "2".into(),
                key: "b".into(),
                draft: q(Some("b"), "Câu B?"),
            },
        ];
        let incoming = vec![
            (1, q(Some("a"), "Câu A?")),         // unchanged
            (2, q(Some("b"), "Câu B sửa?")),     // new version
            (3, q(None, "câu a")),               // duplicate of a by text
            (4, q(None, "Câu C?")),              // new
            (5, q(Some("d"), "Câu C")),          // duplicate of line 4 by text
            (6, q(Some("a"), "Câu A lần hai?")), // key repeated in the file
        ];
        let p = plan(&existing, incoming);
        let actions: Vec<_> = p.entries.iter().map(|e| e.action.clone()).collect();
        assert_eq!(
            actions,
            vec![
                Action::Unchanged {
                    question_id: "1".into()
                },
                Action::NewVersion {
                    question_id: "2".into()
                },
                Action::Duplicate { of: "a".into() },
                Action::New,
                Action::Duplicate {
                    of: "dòng 4".into()
                },
            ]
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 6);
        assert_eq!(
            p.counts(),
            PlanCounts {
                new: 1,
                new_versions: 1,
                unchanged: 1,
                duplicates: 2
            }
        );
    }
}
