//! CSV in the organisers' table layout; comma or semicolon separated (Excel
//! in a Vietnamese locale writes semicolons).

use super::table;
use super::{Defaults, ImportError, Parsed};
use crate::model::QuestionDraft;

/// Reads CSV rows; `rows[i]` is the record that starts on line `i + 1`.
pub fn read_rows(text: &str) -> Result<Vec<Vec<String>>, ImportError> {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in reader.records() {
        match rec {
            Ok(r) => {
                // Records may span lines (quoted line breaks): keep row numbers
                // aligned with the file's lines where a record starts.
                let line = r
                    .position()
                    .map(|p| p.line() as usize)
                    .unwrap_or(rows.len() + 1);
                while rows.len() + 1 < line {
                    rows.push(Vec::new());
                }
                rows.push(r.iter().map(|c| unneutralise(c).to_string()).collect());
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                return Err(ImportError::at(line, format!("CSV không hợp lệ: {e}")));
            }
        }
    }
    Ok(rows)
}

pub fn parse(text: &str, defaults: &Defaults) -> Parsed {
    match read_rows(text) {
        Ok(rows) => table::parse_rows(&rows, defaults),
        Err(e) => Parsed {
            errors: vec![e],
            ..Parsed::default()
        },
    }
}

/// Spreadsheet programs run a cell that starts with one of these as a
/// formula (`=HYPERLINK(...)`, `@SUM(...)`, DDE): such a cell is written with
/// a leading apostrophe, which they show as text, and read back without it.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell that already starts with apostrophes before such a character gets
/// one more, so reading back (which drops one) is exact.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.trim_start_matches('\'').starts_with(FORMULA_START) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn unneutralise(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.trim_start_matches('\'').starts_with(FORMULA_START) => rest,
        _ => cell,
    }
}

pub fn write(questions: &[QuestionDraft]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for row in table::to_rows(questions) {
        let row: Vec<_> = row.iter().map(|c| neutralise(c)).collect();
        w.write_record(row.iter().map(|c| c.as_bytes()))
            .expect("writing to memory");
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec(); // BOM: Excel then reads UTF-8
    bytes.extend(w.into_inner().expect("flush to memory"));
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolons_bom_crlf_and_nfd() {
        let nfd = "Ca\u{302}u ho\u{309}i;A;B;\u{110}a\u{301}p a\u{301}n;Chu\u{309} \u{111}e\u{302}\u{300}\r\nHỏi?;x;y;A;kh171\r\n";
        let bytes = [b"\xEF\xBB\xBF".as_slice(), nfd.as_bytes()].concat();
        let p = super::super::parse(super::super::Format::Csv, &bytes, &Defaults::default());
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.questions.len(), 1);
    }

    #[test]
    fn formula_cells_are_neutralised_and_read_back() {
        let rows = vec![vec!["=HYPERLINK(\"http://x\")".to_string(), "-5".into(), "@SUM(A1)".into(), "bình thường".into(), "'=a".into(), "'x".into()]];
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        for row in &rows {
            let row: Vec<_> = row.iter().map(|c| neutralise(c)).collect();
            w.write_record(row.iter().map(|c| c.as_bytes())).unwrap();
        }
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert!(text.starts_with("\"'=HYPERLINK"), "{text}");
        assert!(text.contains(",'-5,'@SUM(A1),"), "{text}");
        assert_eq!(read_rows(&text).unwrap(), rows);
    }

    #[test]
    fn quoted_line_breaks_keep_row_numbers() {
        let text = "Câu hỏi,A,B,Đáp án,Chủ đề\n\"Hai\ndòng\",x,y,A,kh171\nQ,x,y,Z,kh171\n";
        let p = parse(text, &Defaults::default());
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 4, "{:?}", p.errors);
    }
}
