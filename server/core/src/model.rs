//! The question model shared by the server and the browser. No web or database
//! types here.

use crate::text::{clean, fold, parse_number};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Admin,
    Organizer,
    Judge,
    Contestant,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Organizer, Role::Judge, Role::Contestant];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organizer => "organizer",
            Role::Judge => "judge",
            Role::Contestant => "contestant",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị",
            Role::Organizer => "Ban tổ chức",
            Role::Judge => "Giám khảo",
            Role::Contestant => "Thí sinh",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    Short,
    Numeric,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 5] = [
        QuestionKind::Single,
        QuestionKind::Multiple,
        QuestionKind::TrueFalse,
        QuestionKind::Short,
        QuestionKind::Numeric,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "truefalse",
            QuestionKind::Short => "short",
            QuestionKind::Numeric => "numeric",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "Một lựa chọn",
            QuestionKind::Multiple => "Nhiều lựa chọn",
            QuestionKind::TrueFalse => "Đúng/Sai",
            QuestionKind::Short => "Trả lời ngắn",
            QuestionKind::Numeric => "Điền số",
        }
    }

    /// Accepts the code, the Vietnamese label and common English words.
    pub fn parse(s: &str) -> Option<QuestionKind> {
        let f = fold(s);
        let kind = match f.as_str() {
            "single" | "mot lua chon" | "mot dap an" | "trac nghiem" | "single choice" => {
                QuestionKind::Single
            }
            "multiple" | "nhieu lua chon" | "nhieu dap an" | "multiple choice" => {
                QuestionKind::Multiple
            }
            "truefalse" | "dung/sai" | "dung sai" | "true/false" | "true false" => {
                QuestionKind::TrueFalse
            }
            "short" | "tra loi ngan" | "dien tu" | "short answer" => QuestionKind::Short,
            "numeric" | "dien so" | "so" | "number" => QuestionKind::Numeric,
            _ => return None,
        };
        Some(kind)
    }

    pub fn has_options(self) -> bool {
        matches!(
            self,
            QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Difficulty {
    De,
    Tb,
    Kho,
}

impl Difficulty {
    pub const ALL: [Difficulty; 3] = [Difficulty::De, Difficulty::Tb, Difficulty::Kho];

    pub fn as_str(self) -> &'static str {
        match self {
            Difficulty::De => "de",
            Difficulty::Tb => "tb",
            Difficulty::Kho => "kho",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Difficulty::De => "Dễ",
            Difficulty::Tb => "Trung bình",
            Difficulty::Kho => "Khó",
        }
    }

    pub fn parse(s: &str) -> Option<Difficulty> {
        match fold(s).as_str() {
            "de" | "easy" | "1" => Some(Difficulty::De),
            "tb" | "trung binh" | "medium" | "2" => Some(Difficulty::Tb),
            "kho" | "hard" | "3" => Some(Difficulty::Kho),
            _ => None,
        }
    }
}

pub const TRUE_LABEL: &str = "Đúng";
pub const FALSE_LABEL: &str = "Sai";

/// Parses "đúng"/"sai" (and true/false, đ/s) into a boolean.
pub fn parse_truth(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "dung" | "d" | "true" | "t" | "yes" => Some(true),
        "sai" | "s" | "false" | "f" | "no" => Some(false),
        _ => None,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionOption {
    pub text: String,
    pub correct: bool,
}

/// One version of a question's content, as every format reads and writes it.
///
/// True/false questions carry the two options "Đúng" and "Sai" so that drawing
/// and grading treat them like single choice. Short-answer questions list
/// their accepted answers in `answers`; numeric ones hold the value there and
/// the accepted distance in `tolerance`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionDraft {
    pub key: Option<String>,
    pub kind: QuestionKind,
    pub topic: String,
    pub difficulty: Difficulty,
    pub text: String,
    pub options: Vec<QuestionOption>,
    pub answers: Vec<String>,
    pub tolerance: Option<f64>,
    pub explanation: String,
    pub source: String,
    pub image: Option<String>,
}

pub const MAX_OPTIONS: usize = 8;

/// A key is what identifies a question across versions and files.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 80
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

impl QuestionDraft {
    /// The question without what answers it: no correct marks, accepted
    /// answers, tolerance or explanation (which usually states the answer).
    pub fn without_key(mut self) -> QuestionDraft {
        for o in &mut self.options {
            o.correct = false;
        }
        self.answers.clear();
        self.tolerance = None;
        self.explanation.clear();
        self
    }

    pub fn true_false(value: bool) -> Vec<QuestionOption> {
        vec![
            QuestionOption {
                text: TRUE_LABEL.into(),
                correct: value,
            },
            QuestionOption {
                text: FALSE_LABEL.into(),
                correct: !value,
            },
        ]
    }

    /// Brings every text field to its stored form (NFC, folded white space).
    pub fn normalize(&mut self) {
        self.text = clean(&self.text);
        self.topic = clean(&self.topic);
        self.explanation = clean(&self.explanation);
        self.source = clean(&self.source);
        for o in &mut self.options {
            o.text = clean(&o.text);
        }
        for a in &mut self.answers {
            *a = clean(a);
        }
        self.answers.retain(|a| !a.is_empty());
        self.image = self.image.as_deref().map(clean).filter(|s| !s.is_empty());
        if let Some(k) = &self.key {
            let k = k.trim().to_string();
            self.key = if k.is_empty() { None } else { Some(k) };
        }
    }

    pub fn correct_count(&self) -> usize {
        self.options.iter().filter(|o| o.correct).count()
    }

    /// The shape rules every question obeys, whatever format it came from.
    /// Messages are Vietnamese, for the people who fix the file.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = self.image.as_deref().and_then(image_problem) {
            out.push(p);
        }
        if let Some(k) = &self.key {
            if !valid_key(k) {
                out.push(format!(
                    "Mã câu hỏi \"{k}\" không hợp lệ: chỉ dùng chữ thường không dấu, số, dấu chấm, gạch ngang, gạch dưới"
                ));
            }
        }
        if self.text.is_empty() {
            out.push("Thiếu nội dung câu hỏi".into());
        }
        if crate::taxonomy::TOPICS.iter().all(|t| t.key != self.topic) {
            if self.topic.is_empty() {
                out.push("Thiếu chủ đề".into());
            } else {
                out.push(format!("Chủ đề \"{}\" không có trong danh mục", self.topic));
            }
        }
        if self.options.len() > MAX_OPTIONS {
            out.push(format!("Tối đa {MAX_OPTIONS} phương án"));
        }
        if self.options.iter().any(|o| o.text.is_empty()) {
            out.push("Có phương án để trống".into());
        }
        let correct = self.correct_count();
        match self.kind {
            QuestionKind::Single => {
                if self.options.len() < 2 {
                    out.push("Câu một lựa chọn cần ít nhất 2 phương án".into());
                }
                if correct != 1 {
                    out.push(format!(
                        "Câu một lựa chọn cần đúng 1 đáp án đúng (đang có {correct})"
                    ));
                }
            }
            QuestionKind::Multiple => {
                if self.options.len() < 2 {
                    out.push("Câu nhiều lựa chọn cần ít nhất 2 phương án".into());
                }
                if correct == 0 {
                    out.push("Câu nhiều lựa chọn cần ít nhất 1 đáp án đúng".into());
                }
            }
            QuestionKind::TrueFalse => {
                let shape_ok = self.options.len() == 2
                    && self.options[0].text == TRUE_LABEL
                    && self.options[1].text == FALSE_LABEL
                    && correct == 1;
                if !shape_ok {
                    out.push("Câu đúng/sai cần đáp án là \"Đúng\" hoặc \"Sai\"".into());
                }
            }
            QuestionKind::Short => {
                if !self.options.is_empty() {
                    out.push("Câu trả lời ngắn không có phương án lựa chọn".into());
                }
                if self.answers.is_empty() {
                    out.push("Câu trả lời ngắn cần ít nhất một đáp án được chấp nhận".into());
                }
            }
            QuestionKind::Numeric => {
                if !self.options.is_empty() {
                    out.push("Câu điền số không có phương án lựa chọn".into());
                }
                match self.answers.as_slice() {
                    [one] if parse_number(one).is_some() => {}
                    [one] => out.push(format!("Đáp án \"{one}\" không phải là số")),
                    [] => out.push("Câu điền số cần đáp án là một số".into()),
                    _ => out.push("Câu điền số chỉ có một đáp án".into()),
                }
            }
        }
        if !matches!(self.kind, QuestionKind::Numeric) && self.tolerance.is_some() {
            out.push("Sai số chỉ dùng cho câu điền số".into());
        }
        if let Some(t) = self.tolerance {
            if !(t >= 0.0 && t.is_finite()) {
                out.push("Sai số phải là số không âm".into());
            }
        }
        if matches!(
            self.kind,
            QuestionKind::Single | QuestionKind::Multiple | QuestionKind::TrueFalse
        ) && !self.answers.is_empty()
        {
            out.push("Câu có phương án lựa chọn đánh dấu đáp án trên phương án".into());
        }
        out
    }

    /// Same content, ignoring the key: an import of an unchanged question is
    /// not a new version.
    pub fn same_content(&self, other: &QuestionDraft) -> bool {
        let mut a = self.clone();
        a.key = other.key.clone();
        a == *other
    }
}


/// Largest image kept with a question (decoded): it travels with the
/// question to every phone that draws it.
pub const MAX_IMAGE_BYTES: usize = 200 * 1024;

/// What is wrong with a question's image, if anything: an `http(s)` or
/// site path, or an image uploaded (or imported) as a `data:` address of a
/// PNG, JPEG, GIF or WebP up to `MAX_IMAGE_BYTES` (SVG can carry scripts).
pub fn image_problem(s: &str) -> Option<String> {
    if let Some(rest) = s.strip_prefix("data:") {
        let Some((mime, data)) = rest.split_once(";base64,") else {
            return Some("Hình ảnh nhúng phải ở dạng data:…;base64,…".into());
        };
        if !["image/png", "image/jpeg", "image/gif", "image/webp"].contains(&mime) {
            return Some("Hình ảnh phải là PNG, JPEG, GIF hoặc WebP".into());
        }
        if data.is_empty() || !data.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)) {
            return Some("Hình ảnh nhúng hỏng (base64 không hợp lệ)".into());
        }
        if data.len() / 4 * 3 > MAX_IMAGE_BYTES {
            return Some(format!("Hình ảnh lớn quá {} KB: hãy thu nhỏ ảnh", MAX_IMAGE_BYTES / 1024));
        }
        return None;
    }
    let lower = s.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || (s.starts_with('/') && !s.starts_with("//")) {
        None
    } else {
        Some("Hình ảnh phải là đường dẫn http(s) hoặc ảnh tải lên".into())
    }
}
#[cfg(test)]
impl QuestionDraft {
    /// A valid two-option single-choice question for unit tests.
    pub(crate) fn sample(key: Option<&str>, text: &str) -> Self {
        QuestionDraft {
            key: key.map(Into::into),
            kind: QuestionKind::Single,
            topic: "ct24.nv1".into(),
            difficulty: Difficulty::Tb,
            text: text.into(),
            options: vec![
                QuestionOption {
                    text: "A".into(),
                    correct: true,
                },
                QuestionOption {
                    text: "B".into(),
                    correct: false,
                },
            ],
            answers: vec![],
            tolerance: None,
            explanation: String::new(),
            source: String::new(),
            image: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single() -> QuestionDraft {
        QuestionDraft::sample(Some("ct24.nv1.001"), "Câu hỏi?")
    }

    #[test]
    fn valid_single_has_no_problems() {
        assert!(single().problems().is_empty());
    }

    #[test]
    fn single_with_two_correct_is_rejected() {
        let mut q = single();
        q.options[1].correct = true;
        assert_eq!(q.problems().len(), 1);
    }

    #[test]
    fn unknown_topic_and_bad_key() {
        let mut q = single();
        q.topic = "ct24.nv9".into();
        q.key = Some("Câu 1".into());
        let p = q.problems();
        assert!(p.iter().any(|m| m.contains("Chủ đề")));
        assert!(p.iter().any(|m| m.contains("Mã câu hỏi")));
    }

    #[test]
    fn numeric_needs_a_number() {
        let mut q = single();
        q.kind = QuestionKind::Numeric;
        q.options.clear();
        q.answers = vec!["nhiều".into()];
        assert!(q.problems()[0].contains("không phải là số"));
        q.answers = vec!["649".into()];
        q.tolerance = Some(0.0);
        assert!(q.problems().is_empty());
    }

    #[test]
    fn parse_labels() {
        assert_eq!(Difficulty::parse("Khó"), Some(Difficulty::Kho));
        assert_eq!(Difficulty::parse("trung bình"), Some(Difficulty::Tb));
        assert_eq!(
            QuestionKind::parse("Đúng/Sai"),
            Some(QuestionKind::TrueFalse)
        );
        assert_eq!(parse_truth("ĐÚNG"), Some(true));
        assert_eq!(Role::parse("judge"), Some(Role::Judge));
    }
}
