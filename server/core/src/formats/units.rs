//! The unit tree (district → commune/ward → party cell or agency, with
//! headcount) from CSV or Excel: Mã | Tên đơn vị | Cấp | Mã cấp trên | Số người.

use super::table::column_letter;
use super::ImportError;
use crate::text::{clean, fold};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitKind {
    District,
    Commune,
    Cell,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
            UnitKind::Cell => "cell",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            UnitKind::District => "Quận/huyện",
            UnitKind::Commune => "Xã/phường",
            UnitKind::Cell => "Chi bộ/cơ quan",
        }
    }

    pub fn parse(s: &str) -> Option<UnitKind> {
        let f = fold(s);
        match f.as_str() {
            "district" | "huyen" | "quan" | "thi xa" | "quan/huyen" | "cap huyen" | "1" => {
                Some(UnitKind::District)
            }
            "commune" | "xa" | "phuong" | "thi tran" | "xa/phuong" | "cap xa" | "2" => {
                Some(UnitKind::Commune)
            }
            "cell" | "chi bo" | "co quan" | "don vi" | "chi bo/co quan" | "3" => {
                Some(UnitKind::Cell)
            }
            _ => None,
        }
    }

    fn allowed_under(self, parent: Option<UnitKind>) -> bool {
        matches!(
            (self, parent),
            (UnitKind::District, None)
                | (UnitKind::Commune, Some(UnitKind::District))
                | (UnitKind::Cell, Some(UnitKind::Commune | UnitKind::District))
        )
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitRow {
    pub line: usize,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_code: Option<String>,
    pub headcount: i64,
}

/// Parses and checks unit rows. `existing` maps the codes already stored to
/// their kinds, so a file may add communes under districts loaded earlier.
pub fn parse_rows(
    rows: &[Vec<String>],
    existing: &HashMap<String, UnitKind>,
) -> Result<Vec<UnitRow>, Vec<ImportError>> {
    let mut errors = Vec::new();
    let Some(hi) = rows
        .iter()
        .position(|r| r.iter().any(|c| !c.trim().is_empty()))
    else {
        return Err(vec![ImportError::at(0, "Tệp không có dữ liệu")]);
    };
    let header = &rows[hi];
    let mut idx: HashMap<&str, usize> = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let name = match fold(h).as_str() {
            "ma" | "ma don vi" | "code" => "code",
            "ten" | "ten don vi" | "don vi" | "name" => "name",
            "cap" | "loai" | "cap don vi" | "kind" | "level" => "kind",
            "ma cap tren" | "ma don vi cap tren" | "cap tren" | "parent" | "parent code" => {
                "parent"
            }
            "so nguoi" | "so can bo" | "bien che" | "so luong" | "headcount" | "so dang vien" => {
                "headcount"
            }
            _ => continue,
        };
        idx.insert(name, i);
    }
    for (k, label) in [("code", "Mã"), ("name", "Tên đơn vị"), ("kind", "Cấp")] {
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
    let col = |k: &str| -> String {
        let i = idx[k];
        format!("{} ({})", column_letter(i), header[i].trim())
    };
    let mut out: Vec<UnitRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
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
        let code = get("code");
        let name = get("name");
        let kind_s = get("kind");
        let parent = get("parent");
        let head_s = get("headcount");
        let before = errors.len();
        if code.is_empty() {
            errors.push(ImportError::cell(line, col("code"), "Thiếu mã đơn vị"));
        } else if let Some(first) = seen.get(&code) {
            errors.push(ImportError::cell(
                line,
                col("code"),
                format!("Mã \"{code}\" đã dùng ở dòng {first}"),
            ));
        }
        if name.is_empty() {
            errors.push(ImportError::cell(line, col("name"), "Thiếu tên đơn vị"));
        }
        let kind = UnitKind::parse(&kind_s);
        if kind.is_none() {
            errors.push(ImportError::cell(
                line,
                col("kind"),
                format!("Cấp \"{kind_s}\" không hợp lệ (huyện, xã, chi bộ)"),
            ));
        }
        let headcount = if head_s.is_empty() {
            0
        } else {
            match crate::text::parse_number(&head_s) {
                Some(v) if v >= 0.0 && v.fract() == 0.0 => v as i64,
                _ => {
                    errors.push(ImportError::cell(
                        line,
                        col("headcount"),
                        format!("Số người \"{head_s}\" phải là số nguyên không âm"),
                    ));
                    0
                }
            }
        };
        if errors.len() == before {
            seen.insert(code.clone(), line);
            out.push(UnitRow {
                line,
                code,
                name,
                kind: kind.expect("checked"),
                parent_code: (!parent.is_empty()).then_some(parent),
                headcount,
            });
        }
    }
    // Parents: in this file or already stored, and of a level above.
    let kinds: HashMap<&str, UnitKind> = out.iter().map(|u| (u.code.as_str(), u.kind)).collect();
    for u in &out {
        let parent_kind = match &u.parent_code {
            None => None,
            Some(p) => match kinds
                .get(p.as_str())
                .copied()
                .or_else(|| existing.get(p).copied())
            {
                Some(k) => Some(k),
                None => {
                    errors.push(ImportError::at(
                        u.line,
                        format!("Không tìm thấy đơn vị cấp trên có mã \"{p}\""),
                    ));
                    continue;
                }
            },
        };
        if u.parent_code.as_deref() == Some(u.code.as_str()) {
            errors.push(ImportError::at(
                u.line,
                "Đơn vị không thể là cấp trên của chính nó",
            ));
        } else if !u.kind.allowed_under(parent_kind) {
            errors.push(ImportError::at(
                u.line,
                match parent_kind {
                    None => format!("{} cần có đơn vị cấp trên", u.kind.label()),
                    Some(pk) => format!("{} không thể thuộc {}", u.kind.label(), pk.label()),
                },
            ));
        }
    }
    if errors.is_empty() {
        // The level rules make cycles impossible; order parents first for insertion.
        let mut ordered = Vec::with_capacity(out.len());
        let mut placed: HashSet<String> = HashSet::new();
        for level in [UnitKind::District, UnitKind::Commune, UnitKind::Cell] {
            for u in out.iter().filter(|u| u.kind == level) {
                placed.insert(u.code.clone());
                ordered.push(u.clone());
            }
        }
        Ok(ordered)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
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
    fn tree_in_any_order() {
        let r = rows(&[
            &["Mã", "Tên đơn vị", "Cấp", "Mã cấp trên", "Số người"],
            &["UH-VD", "Xã Vân Đình", "Xã", "UH", "120"],
            &["UH", "Huyện Ứng Hòa", "Huyện", "", "2500"],
            &["UH-VD-CB1", "Chi bộ thôn 1", "Chi bộ", "UH-VD", "15"],
        ]);
        let units = parse_rows(&r, &HashMap::new()).unwrap();
        assert_eq!(
            units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
            ["UH", "UH-VD", "UH-VD-CB1"]
        );
        assert_eq!(units[0].headcount, 2500);
    }

    #[test]
    fn wrong_levels_and_missing_parents() {
        let r = rows(&[
            &["Mã", "Tên", "Cấp", "Mã cấp trên", "Biên chế"],
            &["A", "Xã A", "Xã", "", "-3"],
            &["B", "Xã B", "Xã", "KHONG", ""],
            &["C", "Huyện C", "Huyện", "B", ""],
            &["C", "Trùng", "cấp lạ", "", ""],
        ]);
        let errs = parse_rows(&r, &HashMap::new()).unwrap_err();
        let lines: Vec<_> = errs.iter().map(|e| e.line).collect();
        assert!(
            lines.contains(&2) && lines.contains(&3) && lines.contains(&4) && lines.contains(&5),
            "{errs:?}"
        );
    }
}
