//! Excel `.xlsx`, the first worksheet, in the organisers' table layout.

use super::table;
use super::{Defaults, ImportError, Parsed};
use crate::model::QuestionDraft;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

/// Reads the first worksheet as rows of trimmed text.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| {
        ImportError::at(
            0,
            "Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng",
        )
    })?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::at(0, "Tệp Excel không có trang tính nào"))?
        .map_err(|_| ImportError::at(0, "Không đọc được trang tính đầu tiên"))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = (0..row0).map(|_| Vec::new()).collect();
    for r in range.rows() {
        let mut out: Vec<String> = (0..col0).map(|_| String::new()).collect();
        out.extend(r.iter().map(cell_text));
        rows.push(out);
    }
    Ok(rows)
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => crate::text::format_number(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "Đúng" } else { "Sai" }.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

pub fn parse(bytes: &[u8], defaults: &Defaults) -> Parsed {
    match read_rows(bytes) {
        Ok(rows) => table::parse_rows(&rows, defaults),
        Err(e) => Parsed {
            questions: vec![],
            errors: vec![e],
        },
    }
}

/// Writes rows to a one-sheet workbook, every cell as text so nothing is
/// reinterpreted (numbers stay as typed, "=" starts no formula).
pub fn write_rows(sheet: &str, rows: &[Vec<String>]) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let _ = ws.set_name(sheet);
    let bold = Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let res = if r == 0 {
                ws.write_string_with_format(r as u32, c as u16, v, &bold)
            } else {
                ws.write_string(r as u32, c as u16, v)
            };
            res.expect("cell within limits");
        }
    }
    if let Some(header) = rows.first() {
        for (c, h) in header.iter().enumerate() {
            let width = match h.as_str() {
                "Câu hỏi" | "Giải thích" | "Nguồn" => 60.0,
                "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" => 28.0,
                _ => 12.0,
            };
            let _ = ws.set_column_width(c as u16, width);
        }
    }
    book.save_to_buffer().expect("xlsx to memory")
}

pub fn write(questions: &[QuestionDraft]) -> Vec<u8> {
    write_rows("Câu hỏi", &table::to_rows(questions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_file_is_one_clear_error() {
        let p = parse(b"not a zip", &Defaults::default());
        assert_eq!(p.errors.len(), 1);
        assert!(p.errors[0].message.contains("Excel"));
    }

    #[test]
    fn rows_written_are_rows_read() {
        let rows = vec![
            vec!["Câu hỏi".to_string(), "Đáp án".to_string()],
            vec!["Có =1+1 không?".to_string(), "0123".to_string()],
        ];
        assert_eq!(read_rows(&write_rows("x", &rows)).unwrap(), rows);
    }
}
