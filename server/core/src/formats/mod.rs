//! Import and export formats. Every parser reports every error it finds with
//! its line (or row and column) in Vietnamese and never returns a partial
//! result as if it were whole: the caller imports nothing when `errors` is not
//! empty.

pub mod aiken;
pub mod cadres;
pub mod csv_fmt;
pub mod gift;
pub mod moodle_xml;
pub mod native;
pub mod table;
pub mod units;
pub mod xlsx;

pub use crate::bank::ImportError;
use crate::model::{Difficulty, QuestionDraft};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    Native,
    Csv,
    Xlsx,
    Gift,
    Aiken,
    MoodleXml,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Gift => "gift",
            Format::Aiken => "aiken",
            Format::MoodleXml => "moodlexml",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Native => "Định dạng Hội thi (.hq)",
            Format::Csv => "CSV",
            Format::Xlsx => "Excel (.xlsx)",
            Format::Gift => "Moodle GIFT",
            Format::Aiken => "Aiken",
            Format::MoodleXml => "Moodle XML",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "native" | "hq" => Some(Format::Native),
            "csv" => Some(Format::Csv),
            "xlsx" | "excel" => Some(Format::Xlsx),
            "gift" => Some(Format::Gift),
            "aiken" => Some(Format::Aiken),
            "moodlexml" | "xml" => Some(Format::MoodleXml),
            _ => None,
        }
    }

    /// Picks the format from the file name, looking at the content when the
    /// extension says only "text".
    pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "hq" => Some(Format::Native),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "gift" => Some(Format::Gift),
            "aiken" => Some(Format::Aiken),
            "xml" => Some(Format::MoodleXml),
            "txt" | "" => {
                let text = String::from_utf8_lossy(bytes);
                let head = text.trim_start();
                if head.starts_with("<?xml") || head.starts_with("<quiz") {
                    Some(Format::MoodleXml)
                } else if text.lines().any(|l| l.starts_with("=== ")) {
                    Some(Format::Native)
                } else if text
                    .lines()
                    .any(|l| l.trim_start().to_ascii_uppercase().starts_with("ANSWER:"))
                {
                    Some(Format::Aiken)
                } else if text.contains('{') {
                    Some(Format::Gift)
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// What a format gives for questions it does not say itself (Aiken has no
/// topic; GIFT has no difficulty).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Defaults {
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    /// Topics the admin chose, in the preview, for categories of the file
    /// (GIFT `$CATEGORY`, Moodle XML) that name none: category → topic key.
    #[serde(default)]
    pub categories: std::collections::BTreeMap<String, String>,
    /// Skip the questions the bank cannot hold (essay, matching), listing
    /// them, instead of refusing the whole file.
    #[serde(default)]
    pub skip_unsupported: bool,
}

impl Defaults {
    /// The topic a category path stands for: its last part (else any part)
    /// as a topic key or name, whatever the case and diacritics; else what
    /// the admin mapped it to.
    pub fn category_topic(&self, path: &[String]) -> Option<String> {
        let last = path.last()?;
        if let Some(t) = crate::taxonomy::find(last) {
            return Some(t.key.to_string());
        }
        if let Some(t) = path.iter().rev().find_map(|p| crate::taxonomy::find(p)) {
            return Some(t.key.to_string());
        }
        let wanted = crate::text::fold(&category_name(path));
        self.categories
            .iter()
            .find(|(c, _)| crate::text::fold(c) == wanted)
            .and_then(|(_, key)| crate::taxonomy::find(key))
            .map(|t| t.key.to_string())
    }
}

/// How a category is named to the admin: its path below the course.
pub fn category_name(path: &[String]) -> String {
    path.join("/")
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// Each question with the line (or row) where it starts.
    pub questions: Vec<(usize, QuestionDraft)>,
    pub errors: Vec<ImportError>,
    /// Questions left out because the admin chose to skip what the bank
    /// cannot hold: their line and why.
    pub skipped: Vec<ImportError>,
    /// Categories that name no topic and were not mapped: (line, name),
    /// each once.
    pub unknown_categories: Vec<(usize, String)>,
}

impl Parsed {
    /// Normalises and checks a question the parser built, recording its
    /// problems against its line.
    pub(crate) fn push(&mut self, line: usize, mut draft: QuestionDraft) {
        draft.normalize();
        let problems = draft.problems();
        if problems.is_empty() {
            self.questions.push((line, draft));
        } else {
            self.errors
                .extend(problems.into_iter().map(|m| ImportError::at(line, m)));
        }
    }
}

pub fn parse(format: Format, bytes: &[u8], defaults: &Defaults) -> Parsed {
    if format == Format::Xlsx {
        return xlsx::parse(bytes, defaults);
    }
    let text = match decode(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Parsed {
                errors: vec![e],
                ..Parsed::default()
            }
        }
    };
    match format {
        Format::Native => native::parse(&text),
        Format::Csv => csv_fmt::parse(&text, defaults),
        Format::Gift => gift::parse(&text, defaults),
        Format::Aiken => aiken::parse(&text, defaults),
        Format::MoodleXml => moodle_xml::parse(&text, defaults),
        Format::Xlsx => unreachable!(),
    }
}

/// Rows of a CSV or Excel file, for the tables that are not questions (units,
/// cadres).
pub fn read_table(format: Format, bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    match format {
        Format::Xlsx => xlsx::read_rows(bytes),
        Format::Csv => csv_fmt::read_rows(&decode(bytes)?),
        _ => Err(ImportError::at(0, "Chỉ nhận tệp CSV hoặc Excel (.xlsx)")),
    }
}

/// UTF-8 text without a BOM, with LF line ends. Vietnamese in NFD is composed
/// later, field by field.
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        ImportError::at(
            line,
            "Tệp không phải văn bản UTF-8: hãy lưu lại với bảng mã UTF-8",
        )
    })?;
    Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
}

pub(crate) fn topic_or_default(value: &str, defaults: &Defaults) -> Result<String, String> {
    if value.trim().is_empty() {
        return defaults
            .topic
            .clone()
            .ok_or_else(|| "Thiếu chủ đề (chọn chủ đề mặc định khi nhập tệp)".to_string());
    }
    crate::taxonomy::find(value)
        .map(|t| t.key.to_string())
        .ok_or_else(|| format!("Chủ đề \"{}\" không có trong danh mục", value.trim()))
}

pub(crate) fn difficulty_or_default(
    value: &str,
    defaults: &Defaults,
) -> Result<Difficulty, String> {
    if value.trim().is_empty() {
        return Ok(defaults.difficulty.unwrap_or(Difficulty::Tb));
    }
    Difficulty::parse(value).ok_or_else(|| {
        format!(
            "Mức độ \"{}\" không hợp lệ (dễ, trung bình, khó)",
            value.trim()
        )
    })
}
