//! Moodle GIFT: categories, titles, comments, `=`/`~` answers with weights and
//! feedback, true/false, short answer, numeric and backslash escapes.
//! Matching and essay questions have no counterpart in the bank and are
//! reported as errors.

use super::{difficulty_or_default, topic_or_default, Defaults, ImportError, Parsed};
use crate::model::{Difficulty, QuestionDraft, QuestionKind, QuestionOption};
use crate::text::{format_number, parse_number};

/// A character and whether it was escaped with a backslash.
type Ch = (char, bool);

fn scan(s: &str) -> Vec<Ch> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.peek().copied() {
                Some(n @ ('~' | '=' | '#' | '{' | '}' | ':' | '\\')) => {
                    it.next();
                    out.push((n, true));
                }
                Some('n') => {
                    it.next();
                    out.push((' ', true));
                }
                _ => out.push((c, false)),
            }
        } else {
            out.push((c, false));
        }
    }
    out
}

fn text(chs: &[Ch]) -> String {
    chs.iter()
        .map(|(c, _)| *c)
        .collect::<String>()
        .trim()
        .to_string()
}

fn find(chs: &[Ch], start: usize, want: char) -> Option<usize> {
    (start..chs.len()).find(|&i| chs[i] == (want, false))
}

fn find_seq(chs: &[Ch], start: usize, a: char, b: char) -> Option<usize> {
    (start..chs.len().saturating_sub(1)).find(|&i| chs[i] == (a, false) && chs[i + 1] == (b, false))
}

/// Drops a leading `[html]`, `[moodle]`, `[plain]` or `[markdown]` marker;
/// HTML (marked so, or with tags in it) becomes plain text.
fn strip_format(s: &str) -> String {
    let t = s.trim_start();
    if let Some(rest) = t.strip_prefix("[html]") {
        return crate::text::html_to_text(rest);
    }
    for m in ["[moodle]", "[plain]", "[markdown]"] {
        if let Some(rest) = t.strip_prefix(m) {
            return rest.trim().to_string();
        }
    }
    if t.contains("</") || t.contains("<br") || t.contains("<p>") {
        return crate::text::html_to_text(t);
    }
    t.trim().to_string()
}

pub fn parse(input: &str, defaults: &Defaults) -> Parsed {
    let mut out = Parsed::default();
    let mut category: Vec<String> = Vec::new();
    // Blocks of non-blank, non-comment lines, with the line where each starts.
    let mut blocks: Vec<(usize, Vec<String>)> = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for (i, line) in input.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("//") {
            continue;
        }
        if t.is_empty() {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            continue;
        }
        if t.to_ascii_uppercase().starts_with("$CATEGORY:") {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            blocks.push((i + 1, vec![t.to_string()]));
            continue;
        }
        current
            .get_or_insert_with(|| (i + 1, Vec::new()))
            .1
            .push(line.to_string());
    }
    if let Some(b) = current.take() {
        blocks.push(b);
    }

    // The current category's topic; an unknown one is reported once, at
    // its `$CATEGORY` line, and its questions are not each refused for it.
    let mut category_topic: Option<String> = None;
    let mut category_unknown = false;
    for (line, lines) in blocks {
        let joined = lines.join("\n");
        if joined.to_ascii_uppercase().starts_with("$CATEGORY:") {
            let path = joined["$CATEGORY:".len()..].trim();
            // Moodle writes a "/" inside a category's name as "//".
            category = path
                .replace("//", "\u{0}")
                .split('/')
                .map(|s| s.replace('\u{0}', "/").trim().to_string())
                .filter(|s| !s.is_empty() && s != "$course$" && s != "$system$" && s != "top")
                .collect();
            category_topic = defaults.category_topic(&category);
            category_unknown = false;
            if category_topic.is_none() && !category.is_empty() && defaults.topic.is_none() {
                category_unknown = true;
                let name = super::category_name(&category);
                if !out.unknown_categories.iter().any(|(_, n)| *n == name) {
                    out.errors.push(ImportError::at(
                        line,
                        format!("Danh mục «{name}» không khớp chủ đề nào: chọn chủ đề cho danh mục này ở bước xem trước (hoặc chủ đề mặc định khi tải lên)"),
                    ));
                    out.unknown_categories.push((line, name));
                }
            }
            continue;
        }
        match question(&joined, line, &category, category_topic.as_deref(), defaults) {
            Ok(draft) => out.push(line, draft),
            // Its category's error says it already.
            Err(Refusal::NoTopic) if category_unknown => {}
            Err(Refusal::NoTopic) => out.errors.push(ImportError::at(
                line,
                "Thiếu chủ đề (chọn chủ đề mặc định khi nhập tệp)",
            )),
            Err(Refusal::Unsupported(msg)) if defaults.skip_unsupported => {
                out.skipped.push(ImportError::at(line, msg))
            }
            Err(Refusal::Unsupported(msg)) => out.errors.push(ImportError::at(
                line,
                format!("{msg} (có thể chọn «bỏ qua các câu không hỗ trợ»)"),
            )),
            Err(Refusal::Invalid(msg)) => out.errors.push(ImportError::at(line, msg)),
        }
    }
    out
}

/// Why a block is not a question of the bank.
enum Refusal {
    /// No topic: neither the category nor the upload's default gives one.
    NoTopic,
    /// A kind the bank has no counterpart for (essay, matching).
    Unsupported(String),
    Invalid(String),
}

impl From<String> for Refusal {
    fn from(s: String) -> Self {
        Refusal::Invalid(s)
    }
}

impl From<&str> for Refusal {
    fn from(s: &str) -> Self {
        Refusal::Invalid(s.to_string())
    }
}

fn question(
    raw: &str,
    _line: usize,
    category: &[String],
    category_topic: Option<&str>,
    defaults: &Defaults,
) -> Result<QuestionDraft, Refusal> {
    let chs = scan(raw);
    let mut pos = 0;
    let mut title = None;
    let lead = chs.iter().take_while(|(c, _)| c.is_whitespace()).count();
    if find_seq(&chs, lead, ':', ':') == Some(lead) {
        let end =
            find_seq(&chs, lead + 2, ':', ':').ok_or("Tiêu đề \"::...::\" không được đóng")?;
        title = Some(text(&chs[lead + 2..end]));
        pos = end + 2;
    }
    let open = find(&chs, pos, '{').ok_or("Thiếu phần đáp án trong ngoặc { }")?;
    let close = find(&chs, open + 1, '}').ok_or("Ngoặc { của phần đáp án không được đóng")?;
    let before = text(&chs[pos..open]);
    let after = text(&chs[close + 1..]);
    let stem = if after.is_empty() {
        before
    } else {
        format!("{before} _____ {after}")
    };
    let stem = strip_format(&stem);
    if stem.is_empty() {
        return Err("Thiếu nội dung câu hỏi".into());
    }
    let body = &chs[open + 1..close];
    // Kinds the bank cannot hold, told before anything else about them.
    if text(body).is_empty() {
        return Err(Refusal::Unsupported("Câu tự luận (ngoặc { } rỗng) không được hỗ trợ".into()));
    }
    if find_seq(body, 0, '-', '>').is_some() && !text(body).starts_with('#') {
        return Err(Refusal::Unsupported("Câu ghép đôi (->) không được hỗ trợ".into()));
    }

    // Topic: the category's, else the upload's default. Difficulty: any
    // category segment naming one.
    let difficulty = category.iter().find_map(|seg| Difficulty::parse(seg));
    let topic = match category_topic {
        Some(t) => t.to_string(),
        None if defaults.topic.is_none() => return Err(Refusal::NoTopic),
        None => topic_or_default("", defaults)?,
    };
    let difficulty = match difficulty {
        Some(d) => d,
        None => difficulty_or_default("", defaults)?,
    };
    let key = title.filter(|t| crate::model::valid_key(t));
    let mut draft = QuestionDraft {
        key,
        kind: QuestionKind::Single,
        topic,
        difficulty,
        text: stem,
        options: vec![],
        answers: vec![],
        tolerance: None,
        explanation: String::new(),
        source: String::new(),
        image: None,
    };

    // General feedback: "####..." at the end of the answer block.
    let (body, general) = match find_seq(body, 0, '#', '#') {
        Some(i) if body[i..].len() >= 4 && body[i..i + 4].iter().all(|c| *c == ('#', false)) => {
            (&body[..i], Some(text(&body[i + 4..])))
        }
        _ => (body, None),
    };
    let trimmed = text(body);

    let lead = body.iter().take_while(|(c, _)| c.is_whitespace()).count();
    if body.get(lead) == Some(&('#', false)) {
        numeric(&body[lead + 1..], &mut draft)?;
    } else if let Some(v) = truth(&trimmed) {
        draft.kind = QuestionKind::TrueFalse;
        draft.options = QuestionDraft::true_false(v.0);
        if draft.explanation.is_empty() {
            draft.explanation = v.1;
        }
    } else {
        choices(body, &mut draft)?;
    }
    if let Some(g) = general.filter(|g| !g.is_empty()) {
        draft.explanation = g;
    }
    Ok(draft)
}

/// `T`, `TRUE`, `F`, `FALSE`, optionally followed by `#feedback`.
fn truth(body: &str) -> Option<(bool, String)> {
    let (head, fb) = match body.split_once('#') {
        Some((h, f)) => (
            h.trim(),
            f.split('#').next().unwrap_or("").trim().to_string(),
        ),
        None => (body.trim(), String::new()),
    };
    match head.to_ascii_uppercase().as_str() {
        "T" | "TRUE" => Some((true, fb)),
        "F" | "FALSE" => Some((false, fb)),
        _ => None,
    }
}

/// Every numeric form Moodle writes: `#value`, `#value:tolerance`,
/// `#min..max`, each with `#feedback`; several `=` alternatives, weighted
/// `=%50%…` ones for partial credit, and `~#feedback` for any other answer.
/// The bank grades right or wrong: the full-credit answer is kept, partial
/// and wrong alternatives only tell what Moodle would have said.
fn numeric(body: &[Ch], draft: &mut QuestionDraft) -> Result<(), Refusal> {
    draft.kind = QuestionKind::Numeric;
    // Split at unescaped "=" and "~"; text before the first is an "=" answer.
    let mut parts: Vec<(char, &[Ch])> = Vec::new();
    let mut start = 0;
    let mut marker = '=';
    for (i, c) in body.iter().enumerate() {
        if matches!(c, ('=', false) | ('~', false)) {
            if !text(&body[start..i]).is_empty() {
                parts.push((marker, &body[start..i]));
            }
            marker = c.0;
            start = i + 1;
        }
    }
    if !text(&body[start..]).is_empty() || marker == '=' {
        parts.push((marker, &body[start..]));
    }
    let mut chosen: Option<(String, String)> = None;
    for (m, part) in &parts {
        if *m != '=' {
            continue;
        }
        let (main, feedback) = match find(part, 0, '#') {
            Some(h) => (text(&part[..h]), strip_format(&text(&part[h + 1..]))),
            None => (text(part), String::new()),
        };
        let (weight, value) = match main.strip_prefix('%') {
            Some(rest) => {
                let (w, v) = rest.split_once('%').ok_or("Trọng số \"%...%\" không được đóng")?;
                let w = parse_number(w).ok_or_else(|| format!("Trọng số \"{w}\" không hợp lệ"))?;
                (w, v.trim().to_string())
            }
            None => (100.0, main),
        };
        if weight >= 100.0 && chosen.is_none() {
            chosen = Some((value, feedback));
        }
    }
    let (value_part, feedback) = chosen.ok_or("Câu số không có đáp án đúng (trọng số 100%)")?;
    let (value, tol) = if let Some((lo, hi)) = value_part.split_once("..") {
        let (lo, hi) = (parse_number(lo), parse_number(hi));
        match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => ((lo + hi) / 2.0, Some((hi - lo) / 2.0)),
            _ => return Err(format!("Khoảng số \"{value_part}\" không hợp lệ").into()),
        }
    } else if let Some((v, t)) = value_part.split_once(':') {
        let v =
            parse_number(v).ok_or_else(|| format!("Đáp án số \"{value_part}\" không hợp lệ"))?;
        let t =
            parse_number(t).ok_or_else(|| format!("Sai số trong \"{value_part}\" không hợp lệ"))?;
        (v, Some(t))
    } else {
        (
            parse_number(&value_part)
                .ok_or_else(|| format!("Đáp án số \"{value_part}\" không hợp lệ"))?,
            None,
        )
    };
    draft.answers = vec![format_number(value)];
    draft.tolerance = tol;
    if !feedback.is_empty() {
        draft.explanation = feedback;
    }
    Ok(())
}

struct Answer {
    correct_marker: bool,
    weight: Option<f64>,
    text: String,
    feedback: String,
}

fn choices(body: &[Ch], draft: &mut QuestionDraft) -> Result<(), Refusal> {
    let mut answers: Vec<Answer> = Vec::new();
    let mut i = 0;
    while i < body.len() && body[i].0.is_whitespace() {
        i += 1;
    }
    if i < body.len() && !matches!(body[i], ('=', false) | ('~', false)) {
        return Err("Mỗi đáp án phải bắt đầu bằng \"=\" (đúng) hoặc \"~\" (sai)".into());
    }
    while i < body.len() {
        let marker = body[i].0;
        let start = i + 1;
        let mut end = start;
        while end < body.len() && !matches!(body[end], ('=', false) | ('~', false)) {
            end += 1;
        }
        let part = &body[start..end];
        let (main, fb) = match find(part, 0, '#') {
            Some(h) => (&part[..h], strip_format(&text(&part[h + 1..]))),
            None => (part, String::new()),
        };
        let mut main_s = text(main);
        let mut weight = None;
        if let Some(rest) = main_s.strip_prefix('%') {
            let (w, t) = rest
                .split_once('%')
                .ok_or("Trọng số \"%...%\" không được đóng")?;
            weight = Some(parse_number(w).ok_or_else(|| format!("Trọng số \"{w}\" không hợp lệ"))?);
            main_s = t.trim().to_string();
        }
        let main_s = strip_format(&main_s);
        if main_s.contains("->") {
            return Err(Refusal::Unsupported("Câu ghép đôi (->) không được hỗ trợ".into()));
        }
        answers.push(Answer {
            correct_marker: marker == '=',
            weight,
            text: main_s,
            feedback: fb,
        });
        i = end;
    }
    if answers.is_empty() {
        return Err("Không có đáp án nào".into());
    }
    let any_wrong_marker = answers.iter().any(|a| !a.correct_marker);
    if !any_wrong_marker {
        // Only "=" answers: short answer, every full-credit answer accepted.
        draft.kind = QuestionKind::Short;
        draft.answers = answers
            .iter()
            .filter(|a| a.weight.map(|w| w >= 100.0).unwrap_or(true))
            .map(|a| a.text.clone())
            .collect();
        if let Some(a) = answers.iter().find(|a| !a.feedback.is_empty()) {
            draft.explanation = a.feedback.clone();
        }
        return Ok(());
    }
    let correct = |a: &Answer| match a.weight {
        Some(w) => w > 0.0,
        None => a.correct_marker,
    };
    let n_correct = answers.iter().filter(|a| correct(a)).count();
    let weighted = answers
        .iter()
        .any(|a| !a.correct_marker && a.weight.map(|w| w > 0.0).unwrap_or(false));
    draft.kind = if n_correct > 1 || weighted {
        QuestionKind::Multiple
    } else {
        QuestionKind::Single
    };
    draft.options = answers
        .iter()
        .map(|a| QuestionOption {
            text: a.text.clone(),
            correct: correct(a),
        })
        .collect();
    if let Some(a) = answers
        .iter()
        .find(|a| correct(a) && !a.feedback.is_empty())
    {
        draft.explanation = a.feedback.clone();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            topic: Some("ct24.tong-quan".into()),
            difficulty: None,
            ..Default::default()
        }
    }

    #[test]
    fn every_question_type() {
        let src = r#"// comment line
$CATEGORY: $course$/ct24.nv1/Khó

::ct24.g.1::[html]Chỉ thị 24 do ai ban hành? {
  =Ban Thường vụ Thành ủy#Đúng vậy
  ~Ủy ban nhân dân thành phố#Sai
  ~Hội đồng nhân dân
  ####Theo bài 000.
}

Nhóm nhiệm vụ nào? {~%50%Nhóm 1 ~%50%Nhóm 2 ~%-100%Nhóm 3}

Chỉ thị ban hành năm 2023. {T#Đúng, ngày 7-8-2023}

Hội nghị có bao nhiêu điểm cầu? {#649:0}

Biểu hiện trong phụ lục? {#20..30}

Tên gọi "3 rõ" là gì? {=3 rõ =ba rõ}

Dấu \{ngoặc\} và \= bằng \~ ngã \: hai chấm? {=có ~không}

Hà Nội là {=địa phương đầu tiên ~thứ hai} ban hành khung biểu hiện.
"#;
        let p = parse(src, &defaults());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let qs: Vec<_> = p.questions.iter().map(|(_, q)| q).collect();
        assert_eq!(qs.len(), 8);
        assert_eq!(qs[0].key.as_deref(), Some("ct24.g.1"));
        assert_eq!(qs[0].topic, "ct24.nv1");
        assert_eq!(qs[0].difficulty, Difficulty::Kho);
        assert_eq!(qs[0].text, "Chỉ thị 24 do ai ban hành?");
        assert_eq!(qs[0].explanation, "Theo bài 000.");
        assert_eq!(qs[1].kind, QuestionKind::Multiple);
        assert_eq!(qs[1].correct_count(), 2);
        assert_eq!(qs[2].kind, QuestionKind::TrueFalse);
        assert_eq!(qs[2].explanation, "Đúng, ngày 7-8-2023");
        assert_eq!(
            (qs[3].answers[0].as_str(), qs[3].tolerance),
            ("649", Some(0.0))
        );
        assert_eq!(
            (qs[4].answers[0].as_str(), qs[4].tolerance),
            ("25", Some(5.0))
        );
        assert_eq!(qs[5].answers, vec!["3 rõ", "ba rõ"]);
        assert_eq!(qs[6].text, "Dấu {ngoặc} và = bằng ~ ngã : hai chấm?");
        assert_eq!(qs[7].text, "Hà Nội là _____ ban hành khung biểu hiện.");
        assert_eq!(p.questions[0].0, 4);
    }

    #[test]
    fn unsupported_and_broken_are_reported_with_lines() {
        let src =
            "Ghép đôi {=a -> 1 =b -> 2}\n\nTự luận {}\n\nKhông có đáp án\n\nChưa đóng {=a ~b\n";
        let p = parse(src, &defaults());
        assert!(p.questions.is_empty());
        let lines: Vec<_> = p.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![1, 3, 5, 7]);
    }

    #[test]
    fn topic_required_without_default() {
        let p = parse("Hỏi? {=a ~b}", &Defaults::default());
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("chủ đề"));
    }
}
