//! What an organizer sets up before the show.

use crate::model::QuestionDraft;
use crate::round::rules::Prize;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finalist {
    /// Seat number on stage, 1-based; it is how pads and events name them.
    pub seat: u32,
    pub name: String,
    pub unit: String,
}

/// A question from the bank (graded) or a prompt for the judges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Item {
    Question(QuestionDraft),
    Prompt(String),
}

/// Points for a right answer, deducted for a wrong one, and the most a fast
/// right answer adds (in proportion to the time left).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Points {
    pub right: f64,
    pub wrong: f64,
    pub speed_bonus: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SegmentKind {
    /// Everyone answers within the timer.
    Everyone,
    /// The first to press answers aloud; a wrong answer passes the turn.
    Buzzer,
    /// Everyone answers; wrong answers are out until rescued.
    Elimination,
    /// Judges score each finalist; the mean counts, optionally without the
    /// highest and the lowest score.
    Judged { max: u32, drop_extremes: bool },
    /// A finalist may stake a star before the question: double if right,
    /// `penalty` deducted if wrong.
    Wager { penalty: f64 },
    /// Sudden death among tied finalists until one is left.
    TieBreak,
}

impl SegmentKind {
    pub fn label(&self) -> &'static str {
        match self {
            SegmentKind::Everyone => "Cùng trả lời",
            SegmentKind::Buzzer => "Giành quyền trả lời",
            SegmentKind::Elimination => "Rung chuông vàng",
            SegmentKind::Judged { .. } => "Giám khảo chấm điểm",
            SegmentKind::Wager { .. } => "Ngôi sao hy vọng",
            SegmentKind::TieBreak => "Câu hỏi phụ",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub title: String,
    pub kind: SegmentKind,
    pub items: Vec<Item>,
    pub timer_secs: u32,
    pub points: Points,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub finalists: Vec<Finalist>,
    /// Judges by name; events name them by index.
    pub judges: Vec<String>,
    pub segments: Vec<Segment>,
    /// Prize levels in order, awarded down the final ranking.
    #[serde(default = "final_prizes")]
    pub prizes: Vec<Prize>,
}

/// The usual prizes of a 16-finalist district final.
pub fn final_prizes() -> Vec<Prize> {
    [
        ("Giải Nhất", 1),
        ("Giải Nhì", 2),
        ("Giải Ba", 3),
        ("Giải Khuyến khích", 4),
    ]
    .into_iter()
    .map(|(name, count)| Prize {
        name: name.into(),
        count,
    })
    .collect()
}

impl Program {
    pub fn seat_index(&self, seat: u32) -> Option<usize> {
        self.finalists.iter().position(|f| f.seat == seat)
    }

    /// Shape errors in Vietnamese.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.finalists.is_empty() {
            out.push("Chưa có thí sinh".into());
        }
        let mut seats: Vec<u32> = self.finalists.iter().map(|f| f.seat).collect();
        seats.sort_unstable();
        if seats.windows(2).any(|w| w[0] == w[1]) {
            out.push("Hai thí sinh trùng số ghế".into());
        }
        if seats.first() == Some(&0) {
            out.push("Số ghế bắt đầu từ 1".into());
        }
        if self.finalists.iter().any(|f| f.name.trim().is_empty()) {
            out.push("Thí sinh chưa có họ tên".into());
        }
        if self.segments.is_empty() {
            out.push("Chương trình chưa có phần thi nào".into());
        }
        for (i, s) in self.segments.iter().enumerate() {
            if s.items.is_empty() {
                out.push(format!("Phần thi {} chưa có câu hỏi", i + 1));
            }
            let judged = matches!(s.kind, SegmentKind::Judged { .. });
            if judged && self.judges.is_empty() {
                out.push(format!("Phần thi {} cần giám khảo", i + 1));
            }
            if !judged && s.items.iter().any(|it| matches!(it, Item::Prompt(_))) {
                out.push(format!("Phần thi {} chỉ dùng câu hỏi có đáp án", i + 1));
            }
            if !judged && s.timer_secs == 0 {
                out.push(format!("Phần thi {} cần thời gian trả lời", i + 1));
            }
        }
        out
    }
}
