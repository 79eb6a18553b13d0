//! The final ranking with prizes, and the event log in words.

use super::engine::{Actor, Event, EventKind, State};
use super::program::Program;
use crate::round::ranking::award;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standing {
    pub rank: u32,
    pub seat: u32,
    pub name: String,
    pub unit: String,
    pub score: f64,
    pub prize: Option<String>,
}

/// Standings in rank order; ties share a rank (and a prize) unless the
/// tie-break separated them.
pub fn standings(program: &Program, state: &State) -> Vec<Standing> {
    let ranked = state.ranking();
    let ranks: Vec<u32> = ranked.iter().map(|r| r.2).collect();
    let prizes = award(&ranks, &program.prizes);
    ranked
        .iter()
        .zip(prizes)
        .filter_map(|((seat, score, rank), prize)| {
            let f = program.finalists.iter().find(|f| f.seat == *seat)?;
            Some(Standing {
                rank: *rank,
                seat: *seat,
                name: f.name.clone(),
                unit: f.unit.clone(),
                score: *score,
                prize: prize.map(|i| program.prizes[i].name.clone()),
            })
        })
        .collect()
}

/// Seats tied on points across a prize boundary (two finalists level
/// where only one Nhất is given): the host is offered these for the
/// tie-break.
pub fn ties_for_prizes(program: &Program, state: &State) -> Vec<u32> {
    let rows = standings(program, state);
    let mut bounds = Vec::new();
    let mut acc = 0usize;
    for p in &program.prizes {
        acc += p.count as usize;
        bounds.push(acc);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let j = i + rows[i..]
            .iter()
            .take_while(|r| r.rank == rows[i].rank)
            .count();
        if j - i > 1 && bounds.iter().any(|&b| i < b && j > b) {
            out.extend(rows[i..j].iter().map(|r| r.seat));
        }
        i = j;
    }
    out
}

fn seat_name(program: &Program, seat: u32) -> String {
    program
        .finalists
        .iter()
        .find(|f| f.seat == seat)
        .map(|f| format!("Ghế {seat} – {}", f.name))
        .unwrap_or_else(|| format!("Ghế {seat}"))
}

/// Points as Vietnamese write them: "12,5", "30", "-10".
pub fn points(x: f64) -> String {
    let s = format!("{:.2}", (x * 100.0).round() / 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    let s = if s == "-0" { "0" } else { s };
    s.replace('.', ",")
}

/// A change of points, always signed: "+10", "-2,5".
fn pts(x: f64) -> String {
    let p = points(x);
    if p.starts_with('-') {
        p
    } else {
        format!("+{p}")
    }
}

/// Who sent a command, in words.
pub fn actor_label(program: &Program, actor: &Actor) -> String {
    match actor {
        Actor::Host => "Người dẫn".into(),
        Actor::Seat(s) => seat_name(program, *s),
        Actor::Judge(j) => program
            .judges
            .get(*j)
            .cloned()
            .unwrap_or_else(|| format!("Giám khảo {}", j + 1)),
    }
}

/// One event in words, for the organizer's log.
pub fn describe(program: &Program, e: &Event) -> String {
    match &e.kind {
        EventKind::Opened { segment, item } => {
            let title = program
                .segments
                .get(*segment)
                .map(|s| s.title.as_str())
                .unwrap_or("?");
            format!("Mở câu {} phần «{title}»", item + 1)
        }
        EventKind::TimerStarted { deadline } => {
            format!("Bắt đầu tính giờ ({} giây)", (deadline - e.at + 500) / 1000)
        }
        EventKind::Answered { seat, .. } => format!("{} gửi đáp án", seat_name(program, *seat)),
        EventKind::Buzzed { seat } => format!("{} bấm chuông", seat_name(program, *seat)),
        EventKind::BuzzJudged {
            seat,
            correct,
            delta,
        } => {
            format!(
                "{}: trả lời {} ({})",
                seat_name(program, *seat),
                if *correct { "đúng" } else { "sai" },
                pts(*delta)
            )
        }
        EventKind::Revealed { deltas, out } => {
            let mut s = String::from("Công bố đáp án");
            if !deltas.is_empty() {
                let d: Vec<String> = deltas
                    .iter()
                    .map(|(seat, d)| format!("ghế {seat} {}", pts(*d)))
                    .collect();
                s.push_str(&format!("; điểm: {}", d.join(", ")));
            }
            if !out.is_empty() {
                let o: Vec<String> = out.iter().map(|s| s.to_string()).collect();
                s.push_str(&format!("; bị loại: ghế {}", o.join(", ")));
            }
            s
        }
        EventKind::Awarded {
            seat,
            delta,
            reason,
        } => format!(
            "{} {} điểm: {reason}",
            seat_name(program, *seat),
            pts(*delta)
        ),
        EventKind::Rescued { seat } => format!("Cứu trợ {}", seat_name(program, *seat)),
        EventKind::Staked { seat } => {
            format!("{} chọn ngôi sao hy vọng", seat_name(program, *seat))
        }
        EventKind::Scored { judge, seat, score } => {
            let j = program
                .judges
                .get(*judge)
                .cloned()
                .unwrap_or_else(|| format!("Giám khảo {}", judge + 1));
            format!(
                "{j} chấm {} : {}",
                seat_name(program, *seat),
                points(*score)
            )
        }
        EventKind::JudgedTotal { seat, delta } => format!(
            "{}: điểm giám khảo {}",
            seat_name(program, *seat),
            pts(*delta)
        ),
        EventKind::TieBreakStarted { seats } => {
            let s: Vec<String> = seats.iter().map(|s| s.to_string()).collect();
            format!("Bắt đầu câu hỏi phụ cho ghế {}", s.join(", "))
        }
        EventKind::Paused => "Tạm dừng".into(),
        EventKind::Resumed { .. } => "Tiếp tục".into(),
        EventKind::Undone { seq } => format!("Hoàn tác thao tác #{seq}"),
    }
}
