//! Excel `.xlsx`, the first worksheet, in the organisers' table layout.

use super::table;
use super::{Defaults, ImportError, Parsed};
use crate::model::QuestionDraft;
use calamine::{Reader, Xlsx};
use std::io::Cursor;

/// Limits on what an uploaded workbook may hold: a bank, a unit tree or a
/// cadre list is far smaller. A file past them is refused with a message,
/// never unpacked or laid out in memory.
pub const MAX_ROWS: u32 = 50_000;
pub const MAX_COLS: u32 = 64;
pub const MAX_CELLS: usize = 1_000_000;
/// Unpacked size of the whole workbook (a zip bomb unpacks to gigabytes).
pub const MAX_UNPACKED: u64 = 200 * 1024 * 1024;

fn too_big(what: &str) -> ImportError {
    ImportError::at(0, format!("Tệp Excel quá lớn: {what}"))
}

/// Reads the first worksheet as rows of text, cell by cell: a sheet whose
/// cells lie far apart costs the cells it has, not the rectangle between them.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, ImportError> {
    let broken = || {
        ImportError::at(
            0,
            "Không đọc được tệp Excel (.xlsx): tệp hỏng hoặc không đúng định dạng",
        )
    };
    {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| broken())?;
        let mut unpacked = 0u64;
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i).map_err(|_| broken())?;
            unpacked = unpacked.saturating_add(f.size());
        }
        if unpacked > MAX_UNPACKED {
            return Err(too_big("nội dung giải nén vượt 200 MB"));
        }
    }
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| broken())?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| ImportError::at(0, "Tệp Excel không có trang tính nào"))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| ImportError::at(0, "Không đọc được trang tính đầu tiên"))?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut count = 0usize;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(_) => return Err(ImportError::at(0, "Không đọc được trang tính đầu tiên")),
        };
        let (r, c) = cell.get_position();
        let text = cell_ref_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if r >= MAX_ROWS {
            return Err(too_big(&format!("có dữ liệu ở dòng {} (tối đa {MAX_ROWS} dòng)", r + 1)));
        }
        if c >= MAX_COLS {
            return Err(too_big(&format!("có dữ liệu ở cột {} (tối đa {MAX_COLS} cột)", c + 1)));
        }
        count += 1;
        if count > MAX_CELLS {
            return Err(too_big(&format!("hơn {MAX_CELLS} ô có dữ liệu")));
        }
        let (r, c) = (r as usize, c as usize);
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= c {
            row.resize_with(c + 1, String::new);
        }
        row[c] = text;
    }
    Ok(rows)
}

fn cell_ref_text(c: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef as D;
    match c {
        D::Empty => String::new(),
        D::String(s) => s.clone(),
        D::SharedString(s) => s.to_string(),
        D::Float(f) => crate::text::format_number(*f),
        D::Int(i) => i.to_string(),
        D::Bool(b) => if *b { "Đúng" } else { "Sai" }.to_string(),
        D::DateTime(d) => d.to_string(),
        D::DateTimeIso(s) | D::DurationIso(s) => s.clone(),
        D::Error(e) => format!("#{e:?}"),
    }
}

pub fn parse(bytes: &[u8], defaults: &Defaults) -> Parsed {
    match read_rows(bytes) {
        Ok(rows) => table::parse_rows(&rows, defaults),
        Err(e) => Parsed {
            errors: vec![e],
            ..Parsed::default()
        },
    }
}

/// Excel's limit on one cell's text.
pub const MAX_CELL: usize = 32_767;
const CUT: &str = " …[đã cắt bớt]";

/// A cell's text within Excel's limit: a longer one is cut, with a marker.
fn fit(v: &str) -> std::borrow::Cow<'_, str> {
    if v.len() <= MAX_CELL || v.chars().count() <= MAX_CELL {
        return v.into();
    }
    let keep = MAX_CELL - CUT.chars().count();
    let mut out: String = v.chars().take(keep).collect();
    out.push_str(CUT);
    out.into()
}

/// Writes rows to a one-sheet workbook, every cell as text so nothing is
/// reinterpreted (numbers stay as typed, "=" starts no formula). Cells past
/// Excel's limits are cut (text) or left out (rows, columns), never a panic.
pub fn write_rows(sheet: &str, rows: &[Vec<String>]) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let _ = ws.set_name(sheet);
    let bold = Format::new().set_bold();
    for (r, row) in rows.iter().enumerate().take(1_048_576) {
        for (c, v) in row.iter().enumerate().take(16_384) {
            let v = fit(v);
            let res = if r == 0 {
                ws.write_string_with_format(r as u32, c as u16, v.as_ref(), &bold)
            } else {
                ws.write_string(r as u32, c as u16, v.as_ref())
            };
            if let Err(e) = res {
                tracing_free_warn(&e.to_string());
            }
        }
    }
    if let Some(header) = rows.first() {
        for (c, h) in header.iter().enumerate().take(16_384) {
            let width = match h.as_str() {
                "Câu hỏi" | "Giải thích" | "Nguồn" => 60.0,
                "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" => 28.0,
                _ => 12.0,
            };
            let _ = ws.set_column_width(c as u16, width);
        }
    }
    book.save_to_buffer().unwrap_or_default()
}

// The formats compile without the tracing dependency; a skipped cell is rare
// enough for stderr.
fn tracing_free_warn(msg: &str) {
    eprintln!("xlsx: cell skipped: {msg}");
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

    #[test]
    fn far_apart_cells_are_refused_not_laid_out() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "a").unwrap();
        ws.write_string(1_048_575, 16_383, "b").unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let err = read_rows(&bytes).unwrap_err();
        assert!(err.message.contains("quá lớn"), "{}", err.message);
    }

    #[test]
    fn overlong_cells_are_cut_not_a_panic() {
        let long = "ă".repeat(40_000);
        let bytes = write_rows("x", &[vec!["Tên".into()], vec![long]]);
        let back = read_rows(&bytes).unwrap();
        assert_eq!(back[1][0].chars().count(), MAX_CELL);
        assert!(back[1][0].ends_with("[đã cắt bớt]"));
    }
}
