//! From what an organizer fills in to a program: questions picked from the
//! bank by key or drawn by topic, copied into the program so later edits of
//! the bank do not change a final that has been set up.

use super::program::{Finalist, Item, Points, Program, Segment, SegmentKind};
use crate::model::QuestionDraft;
use crate::round::rules::Prize;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One segment as the organizer's form sends it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SegmentSpec {
    pub title: String,
    pub kind: SegmentKind,
    pub timer_secs: u32,
    pub points: Points,
    /// Bank keys asked first, in this order.
    pub keys: Vec<String>,
    /// Topic to draw the rest from; `None` for the whole bank.
    pub topic: Option<String>,
    /// How many questions in all (keys included).
    pub count: u32,
    /// Situations for the judges (judged segments only).
    pub prompts: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramSpec {
    pub finalists: Vec<Finalist>,
    pub judges: Vec<String>,
    pub segments: Vec<SegmentSpec>,
    pub prizes: Vec<Prize>,
}

/// A fresh random source for the draw (server side).
#[cfg(feature = "store")]
pub fn rng() -> rand::rngs::ThreadRng {
    rand::thread_rng()
}

/// Builds the program; every problem is reported, in Vietnamese.
pub fn build<R: Rng>(
    spec: &ProgramSpec,
    bank: &[QuestionDraft],
    rng: &mut R,
) -> Result<Program, Vec<String>> {
    let mut errors = Vec::new();
    let mut used: HashSet<&str> = HashSet::new();
    let mut segments = Vec::new();
    for (i, s) in spec.segments.iter().enumerate() {
        let n = i + 1;
        let title = crate::text::clean(&s.title);
        if title.is_empty() {
            errors.push(format!("Phần thi {n} chưa có tên"));
        }
        let points_ok = [s.points.right, s.points.wrong, s.points.speed_bonus]
            .iter()
            .all(|p| p.is_finite() && *p >= 0.0);
        if !points_ok {
            errors.push(format!("Phần thi {n}: điểm phải là số không âm"));
        }
        let items = if let SegmentKind::Judged { max, .. } = s.kind {
            if max == 0 {
                errors.push(format!(
                    "Phần thi {n}: điểm tối đa của giám khảo phải lớn hơn 0"
                ));
            }
            let prompts: Vec<Item> = s
                .prompts
                .iter()
                .map(|p| p.trim())
                .filter(|p| !p.is_empty())
                .map(|p| Item::Prompt(p.to_string()))
                .collect();
            if prompts.is_empty() {
                errors.push(format!(
                    "Phần thi {n} cần ít nhất một tình huống cho giám khảo"
                ));
            }
            prompts
        } else {
            let mut picked: Vec<&QuestionDraft> = Vec::new();
            for key in s.keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
                match bank.iter().find(|q| q.key.as_deref() == Some(key)) {
                    None => errors.push(format!(
                        "Phần thi {n}: không có câu hỏi mã «{key}» trong ngân hàng"
                    )),
                    Some(_) if used.contains(key) => {
                        errors.push(format!("Phần thi {n}: câu hỏi «{key}» đã dùng ở phần khác"))
                    }
                    Some(q) => {
                        used.insert(key);
                        picked.push(q);
                    }
                }
            }
            let wanted = (s.count as usize).max(picked.len());
            let topic = s.topic.as_deref().filter(|t| !t.is_empty());
            if let Some(t) = topic {
                if crate::taxonomy::find(t).is_none() {
                    errors.push(format!("Phần thi {n}: chủ đề «{t}» không có"));
                }
            }
            let mut pool: Vec<&QuestionDraft> = bank
                .iter()
                .filter(|q| topic.is_none_or(|t| q.topic == t))
                .filter(|q| q.key.as_deref().is_none_or(|k| !used.contains(k)))
                .collect();
            pool.shuffle(rng);
            let missing = wanted - picked.len();
            if pool.len() < missing {
                errors.push(format!(
                    "Phần thi {n}: cần thêm {missing} câu nhưng ngân hàng chỉ còn {} câu phù hợp",
                    pool.len()
                ));
            }
            for q in pool.into_iter().take(missing) {
                if let Some(k) = q.key.as_deref() {
                    used.insert(k);
                }
                picked.push(q);
            }
            if picked.is_empty() {
                errors.push(format!("Phần thi {n} chưa có câu hỏi"));
            }
            picked
                .into_iter()
                .map(|q| Item::Question(q.clone()))
                .collect()
        };
        segments.push(Segment {
            title,
            kind: s.kind.clone(),
            items,
            timer_secs: s.timer_secs,
            points: s.points,
        });
    }
    let finalists: Vec<Finalist> = spec
        .finalists
        .iter()
        .map(|f| Finalist {
            seat: f.seat,
            name: crate::text::clean(&f.name),
            unit: crate::text::clean(&f.unit),
        })
        .collect();
    let program = Program {
        finalists,
        judges: spec
            .judges
            .iter()
            .map(|j| crate::text::clean(j))
            .filter(|j| !j.is_empty())
            .collect(),
        segments,
        prizes: spec
            .prizes
            .iter()
            .filter(|p| p.count > 0)
            .cloned()
            .collect(),
    };
    for p in program.problems() {
        if !errors.contains(&p) {
            errors.push(p);
        }
    }
    if errors.is_empty() {
        Ok(program)
    } else {
        Err(errors)
    }
}

/// Parses "seat; name; unit" lines (tab or semicolon), as pasted from a
/// spreadsheet. A line without a seat number takes the next free seat.
pub fn parse_finalists(text: &str) -> Result<Vec<Finalist>, Vec<String>> {
    let mut out: Vec<Finalist> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(['\t', ';']).map(str::trim).collect();
        let (seat, rest) = match cells[0].parse::<u32>() {
            Ok(s) => (Some(s), &cells[1..]),
            Err(_) => (None, &cells[..]),
        };
        let name = rest.first().copied().unwrap_or("");
        if name.is_empty() {
            errors.push(format!("Dòng {}: thiếu họ tên thí sinh", i + 1));
            continue;
        }
        let seat = seat.unwrap_or_else(|| out.iter().map(|f| f.seat).max().unwrap_or(0) + 1);
        if seat == 0 {
            errors.push(format!("Dòng {}: số ghế bắt đầu từ 1", i + 1));
            continue;
        }
        if out.iter().any(|f| f.seat == seat) {
            errors.push(format!("Dòng {}: ghế số {seat} đã có thí sinh", i + 1));
            continue;
        }
        out.push(Finalist {
            seat,
            name: crate::text::clean(name),
            unit: crate::text::clean(rest.get(1).copied().unwrap_or("")),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The program Ứng Hòa's final follows, as a starting point for the form.
pub fn template() -> Vec<SegmentSpec> {
    let seg = |title: &str,
               kind: SegmentKind,
               timer_secs: u32,
               right: f64,
               wrong: f64,
               speed_bonus: f64,
               count: u32| SegmentSpec {
        title: title.into(),
        kind,
        timer_secs,
        points: Points {
            right,
            wrong,
            speed_bonus,
        },
        keys: Vec::new(),
        topic: None,
        count,
        prompts: Vec::new(),
    };
    let mut judged = seg(
        "Xử lý tình huống",
        SegmentKind::Judged {
            max: 30,
            drop_extremes: true,
        },
        0,
        0.0,
        0.0,
        0.0,
        0,
    );
    judged.prompts = vec!["Tình huống: Một cán bộ được giao việc nhưng để quá hạn nhiều lần, khi được nhắc nhở lại đổ lỗi cho đơn vị phối hợp. Là người đứng đầu cơ quan, đồng chí xử lý thế nào theo tinh thần Chỉ thị 24-CT/TU?".into()];
    vec![
        seg("Khởi động", SegmentKind::Everyone, 15, 10.0, 0.0, 5.0, 5),
        seg("Tăng tốc", SegmentKind::Buzzer, 10, 20.0, 10.0, 0.0, 4),
        seg(
            "Rung chuông vàng",
            SegmentKind::Elimination,
            15,
            10.0,
            0.0,
            0.0,
            5,
        ),
        judged,
        seg(
            "Về đích",
            SegmentKind::Wager { penalty: 20.0 },
            20,
            20.0,
            0.0,
            0.0,
            3,
        ),
        seg("Câu hỏi phụ", SegmentKind::TieBreak, 15, 0.0, 0.0, 0.0, 3),
    ]
}
