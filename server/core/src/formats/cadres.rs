//! Bulk registration of a unit's cadres from Excel or CSV:
//! Họ và tên | Số điện thoại hoặc e-mail | Đơn vị (mã hoặc tên) | Chức vụ |
//! Mật khẩu (optional: one is generated when empty).

use super::table::column_letter;
use super::ImportError;
use crate::text::{clean, fold, normalize_login};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CadreRow {
    pub line: usize,
    pub full_name: String,
    pub login: String,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub position: String,
    pub password: Option<String>,
}

/// A unit the file may name: by its code or its name.
pub struct KnownUnit<'a> {
    pub id: &'a str,
    pub code: &'a str,
    pub name: &'a str,
}

pub fn parse_rows(
    rows: &[Vec<String>],
    units: &[KnownUnit<'_>],
    taken: &HashSet<String>,
) -> Result<Vec<CadreRow>, Vec<ImportError>> {
    let Some(hi) = rows
        .iter()
        .position(|r| r.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err(vec![ImportError::at(0, "Tệp không có dữ liệu")]);
    };
    let header = &rows[hi];
    let mut idx: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let key = match fold(h).as_str() {
            "ho va ten" | "ho ten" | "ten" | "full name" | "name" => "name",
            "so dien thoai"
            | "dien thoai"
            | "sdt"
            | "e-mail"
            | "email"
            | "so dien thoai hoac e-mail"
            | "so dien thoai/e-mail"
            | "dien thoai/email"
            | "tai khoan"
            | "login"
            | "phone" => "login",
            "don vi" | "ma don vi" | "chi bo" | "unit" => "unit",
            "chuc vu" | "position" => "position",
            "mat khau" | "password" => "password",
            _ => continue,
        };
        idx.insert(key, i);
    }
    let mut errors = Vec::new();
    for (k, label) in [
        ("name", "Họ và tên"),
        ("login", "Số điện thoại hoặc e-mail"),
    ] {
        if !idx.contains_key(k) {
            errors.push(ImportError::at(
                hi + 1,
                format!("Thiếu cột \"{label}\" ở dòng tiêu đề"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let col = |k: &str| {
        let i = idx[k];
        format!("{} ({})", column_letter(i), header[i].trim())
    };
    let by_code: HashMap<&str, &KnownUnit> = units.iter().map(|u| (u.code, u)).collect();
    let mut by_name: HashMap<String, Vec<&KnownUnit>> = HashMap::new();
    for u in units {
        by_name.entry(fold(u.name)).or_default().push(u);
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for (ri, row) in rows.iter().enumerate().skip(hi + 1) {
        let line = ri + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let get = |k: &str| {
            idx.get(k)
                .and_then(|i| row.get(*i))
                .map(|s| clean(s))
                .unwrap_or_default()
        };
        let before = errors.len();
        let full_name = get("name");
        if full_name.chars().count() < 2 {
            errors.push(ImportError::cell(line, col("name"), "Thiếu họ và tên"));
        }
        let login = match normalize_login(&get("login")) {
            Ok(l) if taken.contains(&l) => {
                errors.push(ImportError::cell(
                    line,
                    col("login"),
                    format!("Tài khoản \"{l}\" đã được đăng ký"),
                ));
                l
            }
            Ok(l) => {
                if let Some(first) = seen.get(&l) {
                    errors.push(ImportError::cell(
                        line,
                        col("login"),
                        format!("Tài khoản \"{l}\" trùng với dòng {first}"),
                    ));
                }
                l
            }
            Err(m) => {
                errors.push(ImportError::cell(line, col("login"), m));
                String::new()
            }
        };
        let unit_s = get("unit");
        let unit = if unit_s.is_empty() {
            None
        } else if let Some(u) = by_code.get(unit_s.as_str()) {
            Some(*u)
        } else {
            match by_name.get(&fold(&unit_s)).map(Vec::as_slice) {
                Some([u]) => Some(*u),
                Some(_) => {
                    errors.push(ImportError::cell(
                        line,
                        col("unit"),
                        format!("Có nhiều đơn vị tên \"{unit_s}\": hãy ghi mã đơn vị"),
                    ));
                    None
                }
                None => {
                    errors.push(ImportError::cell(
                        line,
                        col("unit"),
                        format!("Không tìm thấy đơn vị \"{unit_s}\" trong cây đơn vị"),
                    ));
                    None
                }
            }
        };
        let password = get("password");
        if !password.is_empty() && password.chars().count() < 8 {
            errors.push(ImportError::cell(
                line,
                col("password"),
                "Mật khẩu cần ít nhất 8 ký tự",
            ));
        }
        if errors.len() == before {
            seen.insert(login.clone(), line);
            out.push(CadreRow {
                line,
                full_name,
                login,
                unit_id: unit.map(|u| u.id.to_string()),
                unit_name: unit.map(|u| u.name.to_string()),
                position: get("position"),
                password: (!password.is_empty()).then_some(password),
            });
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(ImportError::at(hi + 1, "Tệp không có dòng dữ liệu nào"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    fn units() -> Vec<KnownUnit<'static>> {
        vec![
            KnownUnit {
                id: "u1",
                code: "UH",
                name: "Huyện Ứng Hòa",
            },
            KnownUnit {
                id: "u2",
                code: "UH-VD",
                name: "Thị trấn Vân Đình",
            },
            KnownUnit {
                id: "u3",
                code: "X1",
                name: "Chi bộ thôn 1",
            },
            KnownUnit {
                id: "u4",
                code: "X2",
                name: "Chi bộ thôn 1",
            },
        ]
    }

    #[test]
    fn reads_the_organizers_layout() {
        let r = rows(&[
            &["STT", "HỌ VÀ TÊN", "Số điện thoại", "Đơn vị", "Chức vụ"],
            &[
                "1",
                "Nguyễn Văn An",
                "0912 345 678",
                "UH-VD",
                "Bí thư chi bộ",
            ],
            &[
                "2",
                "Trần Thị Bình",
                "binh@unghoa.gov.vn",
                "thi tran van dinh",
                "",
            ],
            &["", "", "", "", ""],
        ]);
        let out = parse_rows(&r, &units(), &HashSet::new()).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].login, "0912345678");
        assert_eq!(out[0].unit_id.as_deref(), Some("u2"));
        assert_eq!(
            out[1].unit_id.as_deref(),
            Some("u2"),
            "unit by name, without diacritics"
        );
        assert_eq!(out[1].line, 3);
    }

    #[test]
    fn every_row_error_with_its_cell() {
        let taken: HashSet<String> = ["0900000000".to_string()].into();
        let r = rows(&[
            &["Họ và tên", "Điện thoại", "Đơn vị", "Mật khẩu"],
            &["Nguyễn Văn An", "0912345678", "", ""],
            &["Lê Văn C", "0912345678", "", ""],
            &["X", "12", "Không có", "ngan"],
            &["Đỗ D", "0900000000", "Chi bộ thôn 1", ""],
        ]);
        let errs = parse_rows(&r, &units(), &taken).unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 7, "{text:#?}");
        assert!(text.iter().any(|t| t.contains("trùng với dòng 2")));
        assert!(text.iter().any(|t| t.contains("Không tìm thấy đơn vị")));
        assert!(text.iter().any(|t| t.contains("hãy ghi mã")));
        assert!(text.iter().any(|t| t.contains("đã được đăng ký")));
        assert!(errs.iter().all(|e| e.line >= 2));
    }

    #[test]
    fn missing_columns_are_named() {
        let errs = parse_rows(
            &rows(&[&["Tên đơn vị", "Chức vụ"], &["a", "b"]]),
            &units(),
            &HashSet::new(),
        )
        .unwrap_err();
        assert_eq!(errs.len(), 2);
    }
}
