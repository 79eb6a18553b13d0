//! Moodle XML, the format Moodle's question bank exports by default:
//! categories, multiple choice (one or several right), true/false, short
//! answer and numerical questions with their feedback; HTML made plain;
//! an embedded image (base64, in `<file>` or Moodle 1.9's `<image_base64>`)
//! kept with the question. Other kinds are refused, or skipped with their
//! lines when the admin chooses so.

use super::{category_name, difficulty_or_default, Defaults, ImportError, Parsed};
use crate::model::{Difficulty, QuestionDraft, QuestionKind, QuestionOption};
use crate::text::{format_number, html_to_text, parse_number};
use base64::Engine;
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::model::MAX_IMAGE_BYTES;

/// An element, with the line it starts on.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
    line: usize,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The `<text>` inside, as plain text (HTML unless the format says
    /// otherwise).
    fn plain(&self) -> String {
        let raw = self.child("text").map(|t| t.text.as_str()).unwrap_or("");
        match self.attr("format") {
            Some("plain_text") | Some("markdown") => crate::text::clean(raw),
            _ => html_to_text(raw),
        }
    }

    fn text_of(&self, name: &str) -> String {
        self.child(name).map(Node::plain).unwrap_or_default()
    }
}

/// 1-based line of a byte offset.
fn line_at(starts: &[usize], pos: usize) -> usize {
    starts.partition_point(|&s| s <= pos)
}

fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        n if n.starts_with("#x") || n.starts_with("#X") => {
            u32::from_str_radix(&n[2..], 16).ok().and_then(char::from_u32)
        }
        n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
        _ => None,
    }
}

/// The document as a tree, or where it is broken.
fn tree(input: &str) -> Result<Node, ImportError> {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(input.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut reader = Reader::from_str(input);
    let broken = |pos: u64, e: &dyn std::fmt::Display| {
        ImportError::at(line_at(&starts, pos as usize), format!("Tệp XML hỏng: {e}"))
    };
    let mut stack = vec![Node::default()];
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| broken(reader.error_position(), &e))?;
        match event {
            Event::Start(e) | Event::Empty(e) if stack.len() > 64 => {
                let _ = e;
                return Err(ImportError::at(line_at(&starts, pos), "Tệp XML lồng quá sâu"));
            }
            Event::Start(e) => stack.push(element(&e, line_at(&starts, pos))),
            Event::Empty(e) => {
                let node = element(&e, line_at(&starts, pos));
                if let Some(top) = stack.last_mut() {
                    top.children.push(node);
                }
            }
            Event::End(_) => {
                let node = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(top) => top.children.push(node),
                    None => return Err(ImportError::at(line_at(&starts, pos), "Tệp XML hỏng: thẻ đóng thừa")),
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| broken(pos as u64, &e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| broken(pos as u64, &e))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| broken(pos as u64, &e))?;
                if let Some(top) = stack.last_mut() {
                    match entity(&name) {
                        Some(c) => top.text.push(c),
                        None => {
                            top.text.push('&');
                            top.text.push_str(&name);
                            top.text.push(';');
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(ImportError::at(starts.len(), "Tệp XML hỏng: thiếu thẻ đóng"));
    }
    Ok(stack.pop().unwrap_or_default())
}

fn element(e: &quick_xml::events::BytesStart<'_>, line: usize) -> Node {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            (
                String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                {
                    let raw = String::from_utf8_lossy(&a.value).into_owned();
                    quick_xml::escape::unescape(&raw).map(|v| v.into_owned()).unwrap_or(raw)
                },
            )
        })
        .collect();
    Node {
        name,
        attrs,
        line,
        ..Node::default()
    }
}

/// Why a `<question>` is not a question of the bank.
enum Refusal {
    NoTopic,
    Unsupported(String),
    Invalid(String),
}

pub fn parse(input: &str, defaults: &Defaults) -> Parsed {
    let mut out = Parsed::default();
    let root = match tree(input) {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(e);
            return out;
        }
    };
    let Some(quiz) = root.child("quiz") else {
        out.errors.push(ImportError::at(1, "Không phải tệp Moodle XML: thiếu thẻ <quiz>"));
        return out;
    };
    let mut category: Vec<String> = Vec::new();
    let mut category_topic: Option<String> = None;
    let mut category_unknown = false;
    for q in quiz.all("question") {
        let kind = q.attr("type").unwrap_or("");
        if kind == "category" {
            let path = q
                .child("category")
                .and_then(|c| c.child("text"))
                .map(|t| t.text.trim().to_string())
                .unwrap_or_default();
            // Moodle writes a "/" inside a category's name as "//".
            category = path
                .replace("//", "\u{0}")
                .split('/')
                .map(|s| s.replace('\u{0}', "/").trim().to_string())
                .filter(|s| !s.is_empty() && !(s.starts_with('$') && s.ends_with('$')) && s != "top")
                .collect();
            category_topic = defaults.category_topic(&category);
            category_unknown = false;
            if category_topic.is_none() && !category.is_empty() && defaults.topic.is_none() {
                category_unknown = true;
                let name = category_name(&category);
                if !out.unknown_categories.iter().any(|(_, n)| *n == name) {
                    out.errors.push(ImportError::at(
                        q.line,
                        format!("Danh mục «{name}» không khớp chủ đề nào: chọn chủ đề cho danh mục này ở bước xem trước (hoặc chủ đề mặc định khi tải lên)"),
                    ));
                    out.unknown_categories.push((q.line, name));
                }
            }
            continue;
        }
        match question(q, kind, &category, category_topic.as_deref(), defaults) {
            Ok(draft) => out.push(q.line, draft),
            Err(Refusal::NoTopic) if category_unknown => {}
            Err(Refusal::NoTopic) => out.errors.push(ImportError::at(
                q.line,
                "Thiếu chủ đề (chọn chủ đề mặc định khi nhập tệp)",
            )),
            Err(Refusal::Unsupported(m)) if defaults.skip_unsupported => {
                out.skipped.push(ImportError::at(q.line, m))
            }
            Err(Refusal::Unsupported(m)) => out.errors.push(ImportError::at(
                q.line,
                format!("{m} (có thể chọn «bỏ qua các câu không hỗ trợ»)"),
            )),
            Err(Refusal::Invalid(m)) => out.errors.push(ImportError::at(q.line, m)),
        }
    }
    out
}

fn label(kind: &str) -> &str {
    match kind {
        "essay" => "tự luận",
        "matching" | "randomsamatch" => "ghép đôi",
        "cloze" | "multianswer" => "điền khuyết nhiều chỗ (cloze)",
        "description" => "mô tả (không phải câu hỏi)",
        "ddwtos" | "ddimageortext" | "ddmarker" | "gapselect" => "kéo thả, chọn chỗ trống",
        "calculated" | "calculatedsimple" | "calculatedmulti" => "tính toán",
        "ordering" => "sắp xếp",
        other => other,
    }
}

fn question(
    q: &Node,
    kind: &str,
    category: &[String],
    category_topic: Option<&str>,
    defaults: &Defaults,
) -> Result<QuestionDraft, Refusal> {
    let kind = match kind {
        "multichoice" => QuestionKind::Single,
        "truefalse" => QuestionKind::TrueFalse,
        "shortanswer" => QuestionKind::Short,
        "numerical" => QuestionKind::Numeric,
        other => {
            return Err(Refusal::Unsupported(format!("Loại câu «{}» không được hỗ trợ", label(other))))
        }
    };
    let text = q.text_of("questiontext");
    if text.is_empty() {
        return Err(Refusal::Invalid("Thiếu nội dung câu hỏi".into()));
    }
    let topic = match category_topic {
        Some(t) => t.to_string(),
        None => defaults.topic.clone().ok_or(Refusal::NoTopic)?,
    };
    let difficulty = match category.iter().find_map(|s| Difficulty::parse(s)) {
        Some(d) => d,
        None => difficulty_or_default("", defaults).map_err(Refusal::Invalid)?,
    };
    let name = q.text_of("name");
    let mut draft = QuestionDraft {
        key: crate::model::valid_key(&name).then_some(name),
        kind,
        topic,
        difficulty,
        text,
        options: vec![],
        answers: vec![],
        tolerance: None,
        explanation: q.text_of("generalfeedback"),
        source: String::new(),
        image: image(q)?,
    };
    // (fraction, answer node)
    let answers: Vec<(f64, &Node)> = q
        .all("answer")
        .map(|a| (a.attr("fraction").and_then(parse_number).unwrap_or(0.0), a))
        .collect();
    let feedback_of_right = || {
        answers
            .iter()
            .filter(|(f, _)| *f > 0.0)
            .map(|(_, a)| a.text_of("feedback"))
            .find(|f| !f.is_empty())
            .unwrap_or_default()
    };
    match kind {
        QuestionKind::Single => {
            let single = q
                .child("single")
                .map(|s| !matches!(s.text.trim(), "false" | "0"))
                .unwrap_or(true);
            draft.kind = if single { QuestionKind::Single } else { QuestionKind::Multiple };
            draft.options = answers
                .iter()
                .map(|(f, a)| QuestionOption {
                    text: a.plain(),
                    correct: *f > 0.0,
                })
                .collect();
        }
        QuestionKind::TrueFalse => {
            let truth = answers
                .iter()
                .find(|(f, _)| *f >= 100.0)
                .map(|(_, a)| a.plain().to_lowercase())
                .ok_or_else(|| Refusal::Invalid("Câu đúng/sai không có đáp án đúng".into()))?;
            draft.options = QuestionDraft::true_false(truth == "true" || truth == "đúng");
        }
        QuestionKind::Short => {
            // Full credit only, and not Moodle's "*" catch-all.
            draft.answers = answers
                .iter()
                .filter(|(f, _)| *f >= 100.0)
                .map(|(_, a)| a.plain())
                .filter(|a| !a.is_empty() && a != "*")
                .collect();
        }
        QuestionKind::Numeric => {
            let (_, a) = answers
                .iter()
                .find(|(f, a)| *f >= 100.0 && a.plain() != "*")
                .ok_or_else(|| Refusal::Invalid("Câu số không có đáp án đúng (trọng số 100%)".into()))?;
            let raw = a.plain();
            let value = parse_number(&raw)
                .ok_or_else(|| Refusal::Invalid(format!("Đáp án số \"{raw}\" không hợp lệ")))?;
            draft.answers = vec![format_number(value)];
            let tol = a.child("tolerance").map(|t| t.text.trim().to_string()).unwrap_or_default();
            if !tol.is_empty() {
                let t = parse_number(&tol)
                    .ok_or_else(|| Refusal::Invalid(format!("Sai số \"{tol}\" không hợp lệ")))?;
                draft.tolerance = (t > 0.0).then_some(t);
            }
        }
        QuestionKind::Multiple => unreachable!("multichoice starts as Single"),
    }
    if draft.explanation.is_empty() {
        draft.explanation = feedback_of_right();
    }
    Ok(draft)
}

/// The first image embedded in the question text (or Moodle 1.9's image
/// field) as a `data:` address the pages show as they are.
fn image(q: &Node) -> Result<Option<String>, Refusal> {
    let mut found: Vec<(String, &str)> = Vec::new();
    if let Some(qt) = q.child("questiontext") {
        for f in qt.all("file") {
            if f.attr("encoding") == Some("base64") {
                found.push((f.attr("name").unwrap_or("").to_string(), f.text.as_str()));
            }
        }
    }
    if let Some(b) = q.child("image_base64") {
        let name = q.child("image").map(|n| n.text.trim().to_string()).unwrap_or_default();
        found.push((name, b.text.as_str()));
    }
    for (name, data) in found {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let mime = match ext.as_str() {
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "webp" => "image/webp",
            // Sound, video and SVG (which can carry scripts) are not kept.
            _ => continue,
        };
        let compact: String = data.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .map_err(|_| Refusal::Invalid(format!("Hình «{name}» không đọc được (base64 hỏng)")))?;
        if bytes.len() > MAX_IMAGE_BYTES {
            return Err(Refusal::Invalid(format!(
                "Hình «{name}» lớn {} KB, quá giới hạn {} KB: hãy thu nhỏ ảnh",
                bytes.len() / 1024,
                MAX_IMAGE_BYTES / 1024
            )));
        }
        return Ok(Some(format!(
            "data:{mime};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        )));
    }
    Ok(None)
}
