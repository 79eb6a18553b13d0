//! The spreadsheet layout Vietnamese organisers use, shared by CSV and Excel:
//! STT | Câu hỏi | A | B | C | D | Đáp án | Chủ đề | Mức độ | Giải thích | Nguồn.
//! Headers match without regard to case or diacritics; extra columns are
//! ignored.

use super::{difficulty_or_default, topic_or_default, Defaults, ImportError, Parsed};
use crate::model::{
    parse_truth, QuestionDraft, QuestionKind, QuestionOption, FALSE_LABEL, MAX_OPTIONS, TRUE_LABEL,
};
use crate::text::{fold, format_number, parse_number};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Key,
    Text,
    Kind,
    Opt(usize),
    Answer,
    Tolerance,
    Topic,
    Difficulty,
    Explanation,
    Source,
    Image,
}

fn classify(header: &str) -> Option<Col> {
    let h = fold(header);
    let h = h.trim_end_matches([':', '.', '*']).trim();
    let letter = |s: &str| -> Option<usize> {
        let mut cs = s.chars();
        match (cs.next(), cs.next()) {
            (Some(c @ 'a'..='h'), None) => Some(c as usize - 'a' as usize),
            _ => None,
        }
    };
    if let Some(i) = letter(h) {
        return Some(Col::Opt(i));
    }
    for prefix in ["phuong an ", "lua chon ", "dap an ", "option ", "pa "] {
        if let Some(i) = h.strip_prefix(prefix).and_then(letter) {
            return Some(Col::Opt(i));
        }
    }
    Some(match h {
        "ma" | "ma cau" | "ma cau hoi" | "id" | "key" => Col::Key,
        "cau hoi" | "noi dung" | "noi dung cau hoi" | "question" => Col::Text,
        "loai" | "loai cau hoi" | "dang" | "dang cau hoi" | "type" => Col::Kind,
        "dap an" | "dap an dung" | "answer" | "correct" => Col::Answer,
        "sai so" | "tolerance" => Col::Tolerance,
        "chu de" | "topic" | "linh vuc" | "nhom chu de" => Col::Topic,
        "muc do" | "do kho" | "difficulty" | "level" => Col::Difficulty,
        "giai thich" | "explanation" | "feedback" | "huong dan" => Col::Explanation,
        "nguon" | "trich dan" | "can cu" | "source" | "nguon trich dan" => Col::Source,
        "hinh anh" | "anh" | "image" => Col::Image,
        _ => return None,
    })
}

/// Spreadsheet column letter for a 0-based index: 0 → A, 26 → AA.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push((b'A' + (i % 26) as u8) as char);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.iter().rev().collect()
}

/// Parses rows (the first non-empty one is the header). `rows[i]` is row
/// `i + 1` of the sheet.
pub fn parse_rows(rows: &[Vec<String>], defaults: &Defaults) -> Parsed {
    let mut out = Parsed::default();
    let Some(header_idx) = rows
        .iter()
        .position(|r| r.iter().any(|c| !c.trim().is_empty()))
    else {
        out.errors.push(ImportError::at(0, "Tệp không có dữ liệu"));
        return out;
    };
    let header = &rows[header_idx];
    let mut cols: Vec<(usize, Col)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(c) = classify(h) {
            if let Some((j, _)) = cols.iter().find(|(_, d)| *d == c) {
                out.errors.push(ImportError::cell(
                    header_idx + 1,
                    format!("{} ({})", column_letter(i), h.trim()),
                    format!("Cột trùng với cột {}", column_letter(*j)),
                ));
            }
            cols.push((i, c));
        }
    }
    for (needed, name) in [(Col::Text, "Câu hỏi"), (Col::Answer, "Đáp án")] {
        if !cols.iter().any(|(_, c)| *c == needed) {
            out.errors.push(ImportError::at(
                header_idx + 1,
                format!("Thiếu cột \"{name}\" ở dòng tiêu đề"),
            ));
        }
    }
    if !out.errors.is_empty() {
        return out;
    }
    let label = |c: Col| -> String {
        let i = cols
            .iter()
            .find(|(_, d)| *d == c)
            .map(|(i, _)| *i)
            .unwrap_or(0);
        format!(
            "{} ({})",
            column_letter(i),
            header.get(i).map(|h| h.trim()).unwrap_or("")
        )
    };

    for (ri, row) in rows.iter().enumerate().skip(header_idx + 1) {
        let line = ri + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |c: Col| -> String {
            cols.iter()
                .find(|(_, d)| *d == c)
                .and_then(|(i, _)| row.get(*i))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let mut errors = Vec::new();
        let mut options: Vec<(usize, String)> = Vec::new();
        for (i, c) in &cols {
            if let Col::Opt(k) = c {
                let v = row.get(*i).map(|s| s.trim()).unwrap_or("");
                if !v.is_empty() {
                    options.push((*k, v.to_string()));
                }
            }
        }
        options.sort_by_key(|(k, _)| *k);
        // Options must be contiguous from A: a gap usually means a shifted cell.
        for (pos, (k, _)) in options.iter().enumerate() {
            if *k != pos {
                errors.push(ImportError::cell(
                    line,
                    label(Col::Opt(*k)),
                    format!(
                        "Phương án {} có nội dung nhưng phương án {} để trống",
                        letter(*k),
                        letter(pos)
                    ),
                ));
                break;
            }
        }
        let kind_cell = get(Col::Kind);
        let mut kind = None;
        if !kind_cell.is_empty() {
            match QuestionKind::parse(&kind_cell) {
                Some(k) => kind = Some(k),
                None => errors.push(ImportError::cell(
                    line,
                    label(Col::Kind),
                    format!("Loại câu hỏi \"{kind_cell}\" không hợp lệ"),
                )),
            }
        }
        let answer = get(Col::Answer);
        if answer.is_empty() {
            errors.push(ImportError::cell(line, label(Col::Answer), "Thiếu đáp án"));
        }
        let is_tf_options = options.len() == 2
            && fold(&options[0].1) == fold(TRUE_LABEL)
            && fold(&options[1].1) == fold(FALSE_LABEL);
        let mut draft_options = Vec::new();
        let mut answers = Vec::new();
        if !answer.is_empty() {
            if kind == Some(QuestionKind::TrueFalse) || (kind.is_none() && is_tf_options) {
                let v = match (parse_truth(&answer), letters(&answer, 2).as_deref()) {
                    (Some(v), _) => Some(v),
                    (None, Some([0])) => Some(true),
                    (None, Some([1])) => Some(false),
                    _ => None,
                };
                match v {
                    Some(v) => {
                        kind = Some(QuestionKind::TrueFalse);
                        draft_options = QuestionDraft::true_false(v);
                    }
                    None => errors.push(ImportError::cell(
                        line,
                        label(Col::Answer),
                        format!("Đáp án \"{answer}\" phải là Đúng hoặc Sai"),
                    )),
                }
            } else if !options.is_empty() {
                let chosen = letters(&answer, options.len()).or_else(|| {
                    options
                        .iter()
                        .position(|(_, t)| fold(t) == fold(&answer))
                        .map(|i| vec![i])
                });
                match chosen {
                    Some(chosen) => {
                        draft_options = options
                            .iter()
                            .enumerate()
                            .map(|(i, (_, t))| QuestionOption { text: t.clone(), correct: chosen.contains(&i) })
                            .collect();
                        if kind.is_none() {
                            kind = Some(if chosen.len() > 1 { QuestionKind::Multiple } else { QuestionKind::Single });
                        }
                    }
                    None => errors.push(ImportError::cell(
                        line,
                        label(Col::Answer),
                        format!(
                            "Đáp án \"{answer}\" không khớp phương án nào (ghi chữ cái {}–{}, ví dụ \"A\" hoặc \"A, C\")",
                            letter(0),
                            letter(options.len() - 1)
                        ),
                    )),
                }
            } else {
                let k = kind.unwrap_or(if parse_number(&answer).is_some() {
                    QuestionKind::Numeric
                } else {
                    QuestionKind::Short
                });
                kind = Some(k);
                answers = answer
                    .split('|')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                if k == QuestionKind::Numeric {
                    answers = answers
                        .iter()
                        .map(|a| {
                            parse_number(a)
                                .map(format_number)
                                .unwrap_or_else(|| a.clone())
                        })
                        .collect();
                }
            }
        }
        let topic = topic_or_default(&get(Col::Topic), defaults)
            .map_err(|m| errors.push(ImportError::cell(line, label(Col::Topic), m)))
            .unwrap_or_default();
        let difficulty = difficulty_or_default(&get(Col::Difficulty), defaults)
            .map_err(|m| errors.push(ImportError::cell(line, label(Col::Difficulty), m)))
            .ok();
        let tol_cell = get(Col::Tolerance);
        let tolerance = if tol_cell.is_empty() {
            None
        } else {
            let t = parse_number(&tol_cell);
            if t.is_none() {
                errors.push(ImportError::cell(
                    line,
                    label(Col::Tolerance),
                    format!("Sai số \"{tol_cell}\" không phải là số"),
                ));
            }
            t
        };
        let text = get(Col::Text);
        if text.is_empty() {
            errors.push(ImportError::cell(
                line,
                label(Col::Text),
                "Thiếu nội dung câu hỏi",
            ));
        }
        let key = get(Col::Key);
        if !errors.is_empty() {
            out.errors.extend(errors);
            continue;
        }
        let image = get(Col::Image);
        out.push(
            line,
            QuestionDraft {
                key: (!key.is_empty()).then_some(key),
                kind: kind.unwrap_or(QuestionKind::Single),
                topic,
                difficulty: difficulty.unwrap_or(crate::model::Difficulty::Tb),
                text,
                options: draft_options,
                answers,
                tolerance,
                explanation: get(Col::Explanation),
                source: get(Col::Source),
                image: (!image.is_empty()).then_some(image),
            },
        );
    }
    out
}

fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

/// "A", "a, c", "B;D", "AC" → option indexes, when every letter names one of
/// the `n` options.
fn letters(s: &str, n: usize) -> Option<Vec<usize>> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | ';' | '/' | '+' | ' ' | '&'))
        .collect();
    if cleaned.is_empty() || cleaned.chars().count() > MAX_OPTIONS {
        return None;
    }
    let mut out = Vec::new();
    for c in cleaned.chars() {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            return None;
        }
        let i = (c as u8 - b'A') as usize;
        if i >= n {
            return None;
        }
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out.sort_unstable();
    Some(out)
}

/// The export layout: every column this module reads, so that export then
/// import gives the same bank.
pub fn to_rows(questions: &[QuestionDraft]) -> Vec<Vec<String>> {
    let n_opts = questions
        .iter()
        .filter(|q| q.kind != QuestionKind::TrueFalse)
        .map(|q| q.options.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let mut header: Vec<String> = vec!["STT".into(), "Mã".into(), "Câu hỏi".into(), "Loại".into()];
    header.extend((0..n_opts).map(|i| letter(i).to_string()));
    header.extend(
        [
            "Đáp án",
            "Sai số",
            "Chủ đề",
            "Mức độ",
            "Giải thích",
            "Nguồn",
            "Hình ảnh",
        ]
        .map(String::from),
    );
    let mut rows = vec![header];
    for (i, q) in questions.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            q.key.clone().unwrap_or_default(),
            q.text.clone(),
            q.kind.label().to_string(),
        ];
        let answer = match q.kind {
            QuestionKind::TrueFalse => {
                row.extend((0..n_opts).map(|_| String::new()));
                // Neither marked (a bank exported without its key): no answer.
                if q.options.first().is_some_and(|o| o.correct) {
                    TRUE_LABEL.to_string()
                } else if q.options.iter().any(|o| o.correct) {
                    FALSE_LABEL.to_string()
                } else {
                    String::new()
                }
            }
            QuestionKind::Single | QuestionKind::Multiple => {
                row.extend(
                    (0..n_opts)
                        .map(|k| q.options.get(k).map(|o| o.text.clone()).unwrap_or_default()),
                );
                q.options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.correct)
                    .map(|(k, _)| letter(k).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
            QuestionKind::Short | QuestionKind::Numeric => {
                row.extend((0..n_opts).map(|_| String::new()));
                q.answers.join(" | ")
            }
        };
        row.push(answer);
        row.push(q.tolerance.map(format_number).unwrap_or_default());
        row.push(q.topic.clone());
        row.push(q.difficulty.label().to_string());
        row.push(q.explanation.clone());
        row.push(q.source.clone());
        row.push(q.image.clone().unwrap_or_default());
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[&[&str]]) -> Vec<Vec<String>> {
        data.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn organiser_layout_without_diacritics_in_headers() {
        let r = rows(&[
            &[
                "stt",
                "CAU HOI",
                "a",
                "b",
                "c",
                "d",
                "dap an",
                "chu de",
                "muc do",
                "giai thich",
                "nguon",
                "Ghi chú",
            ],
            &[
                "1",
                "Hỏi một?",
                "x",
                "y",
                "z",
                "t",
                "B",
                "ct24.nv1",
                "Khó",
                "vì",
                "000",
                "bỏ qua",
            ],
            &[
                "2",
                "Hỏi nhiều?",
                "x",
                "y",
                "z",
                "",
                "a,c",
                "Kế hoạch 171-KH/TU",
                "de",
                "",
                "",
                "",
            ],
            &[
                "3",
                "Đúng hay sai?",
                "Đúng",
                "Sai",
                "",
                "",
                "Sai",
                "kh171",
                "",
                "",
                "",
                "",
            ],
            &[
                "4",
                "Bao nhiêu?",
                "",
                "",
                "",
                "",
                "23041",
                "kh171",
                "tb",
                "",
                "",
                "",
            ],
            &["", "", "", "", "", "", "", "", "", "", "", ""],
        ]);
        let p = parse_rows(&r, &Defaults::default());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let kinds: Vec<_> = p.questions.iter().map(|(_, q)| q.kind).collect();
        assert_eq!(
            kinds,
            [
                QuestionKind::Single,
                QuestionKind::Multiple,
                QuestionKind::TrueFalse,
                QuestionKind::Numeric
            ]
        );
        assert_eq!(p.questions[1].1.topic, "kh171");
        assert_eq!(p.questions[1].1.options.len(), 3);
        assert_eq!(p.questions[0].0, 2);
    }

    #[test]
    fn every_bad_cell_is_reported() {
        let r = rows(&[
            &["Câu hỏi", "A", "B", "Đáp án", "Chủ đề", "Mức độ"],
            &["Q1", "x", "y", "E", "kh171", "de"],
            &["Q2", "x", "y", "A", "không có", "siêu khó"],
            &["", "x", "y", "A", "kh171", "de"],
        ]);
        let p = parse_rows(&r, &Defaults::default());
        assert!(p.questions.is_empty());
        let places: Vec<_> = p
            .errors
            .iter()
            .map(|e| (e.line, e.column.clone().unwrap_or_default()))
            .collect();
        assert!(places.contains(&(2, "D (Đáp án)".into())), "{places:?}");
        assert!(places.contains(&(3, "E (Chủ đề)".into())));
        assert!(places.contains(&(3, "F (Mức độ)".into())));
        assert!(places.contains(&(4, "A (Câu hỏi)".into())));
    }

    #[test]
    fn missing_answer_column() {
        let p = parse_rows(&rows(&[&["Câu hỏi", "A"]]), &Defaults::default());
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("Đáp án"));
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
