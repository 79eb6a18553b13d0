//! Commands, events and the state they fold into.

use super::program::{Item, Program, SegmentKind};
use crate::round::grading::{self, Response};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Who sends a command; the server sets it from the screen's credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    Host,
    Seat(u32),
    Judge(usize),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Command {
    /// Show an item of a segment (host).
    Open {
        segment: usize,
        item: usize,
    },
    StartTimer,
    Reveal,
    /// The host's verdict on the finalist whose buzz has the turn.
    JudgeBuzz {
        correct: bool,
    },
    Award {
        seat: u32,
        points: f64,
        reason: String,
    },
    Rescue {
        seat: u32,
    },
    StartTieBreak {
        seats: Vec<u32>,
    },
    Pause,
    Resume,
    Undo,
    Answer {
        seat: u32,
        response: Response,
    },
    Buzz {
        seat: u32,
    },
    Stake {
        seat: u32,
    },
    Score {
        seat: u32,
        score: f64,
    },
}

/// A stored fact: numbered in order and stamped with the server's time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: i64,
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    Opened {
        segment: usize,
        item: usize,
    },
    TimerStarted {
        deadline: i64,
    },
    Answered {
        seat: u32,
        response: Response,
    },
    Buzzed {
        seat: u32,
    },
    BuzzJudged {
        seat: u32,
        correct: bool,
        delta: f64,
    },
    /// Points decided at the reveal, and who is out (elimination, tie-break).
    Revealed {
        deltas: Vec<(u32, f64)>,
        out: Vec<u32>,
    },
    Awarded {
        seat: u32,
        delta: f64,
        reason: String,
    },
    Rescued {
        seat: u32,
    },
    Staked {
        seat: u32,
    },
    Scored {
        judge: usize,
        seat: u32,
        score: f64,
    },
    /// The judged segment's score of a finalist, once every judge scored.
    JudgedTotal {
        seat: u32,
        delta: f64,
    },
    TieBreakStarted {
        seats: Vec<u32>,
    },
    Paused,
    Resumed {
        deadline: Option<i64>,
    },
    /// A correction: the event `seq` no longer counts.
    Undone {
        seq: u64,
    },
}

impl EventKind {
    /// Host actions the host may take back with "undo".
    fn undoable(&self) -> bool {
        matches!(
            self,
            EventKind::Opened { .. }
                | EventKind::TimerStarted { .. }
                | EventKind::BuzzJudged { .. }
                | EventKind::Revealed { .. }
                | EventKind::Awarded { .. }
                | EventKind::Rescued { .. }
                | EventKind::TieBreakStarted { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiveError {
    Forbidden,
    NothingOpen,
    WindowClosed,
    Paused,
    Invalid(String),
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveError::Forbidden => write!(f, "Bạn không có quyền thực hiện thao tác này"),
            LiveError::NothingOpen => write!(f, "Chưa có câu hỏi nào đang mở"),
            LiveError::WindowClosed => write!(f, "Đã hết thời gian trả lời"),
            LiveError::Paused => write!(f, "Chương trình đang tạm dừng"),
            LiveError::Invalid(m) => write!(f, "{m}"),
        }
    }
}

fn invalid(m: &str) -> LiveError {
    LiveError::Invalid(m.to_string())
}

/// The item on stage.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Current {
    pub segment: usize,
    pub item: usize,
    pub started_at: Option<i64>,
    pub deadline: Option<i64>,
    /// Each seat's latest answer and when it arrived.
    pub answers: BTreeMap<u32, (Response, i64)>,
    /// Buzzes in order of arrival.
    pub buzzes: Vec<u32>,
    /// Index into `buzzes` of the finalist whose turn it is.
    pub turn: usize,
    pub buzz_settled: bool,
    pub stakes: BTreeSet<u32>,
    pub revealed: bool,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Tie {
    /// Still in the sudden death.
    pub seats: Vec<u32>,
    /// Out, by the question they went out on (those out together share a place).
    pub out_order: Vec<Vec<u32>>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct State {
    pub scores: BTreeMap<u32, f64>,
    pub current: Option<Current>,
    /// Out of the current elimination segment.
    pub out: BTreeSet<u32>,
    pub tie: Option<Tie>,
    /// Judges' scores per (segment, seat), by judge.
    pub judged: BTreeMap<(usize, u32), BTreeMap<usize, f64>>,
    pub judged_done: BTreeSet<(usize, u32)>,
    pub paused_at: Option<i64>,
    /// The number of the last event; kept beside the log so a published
    /// copy can leave the log behind.
    pub seq: u64,
    /// Every event so far, voided ones included: the log.
    pub log: Vec<Event>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn question<'p>(program: &'p Program, c: &Current) -> Option<&'p crate::model::QuestionDraft> {
    match program.segments.get(c.segment)?.items.get(c.item)? {
        Item::Question(q) => Some(q),
        Item::Prompt(_) => None,
    }
}

/// The mean of the judges' scores, without the highest and the lowest when
/// asked and there are at least three.
pub fn judged_mean(scores: &[f64], drop_extremes: bool) -> f64 {
    let mut s = scores.to_vec();
    s.sort_by(f64::total_cmp);
    let kept = if drop_extremes && s.len() >= 3 {
        &s[1..s.len() - 1]
    } else {
        &s[..]
    };
    if kept.is_empty() {
        0.0
    } else {
        round2(kept.iter().sum::<f64>() / kept.len() as f64)
    }
}

impl State {
    pub fn new(program: &Program) -> State {
        State {
            scores: program.finalists.iter().map(|f| (f.seat, 0.0)).collect(),
            ..Default::default()
        }
    }

    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// Everything screens are shown, without the log: what a room publishes
    /// after each event, so a broadcast does not copy the whole show's log.
    pub fn without_log(&self) -> State {
        State {
            scores: self.scores.clone(),
            current: self.current.clone(),
            out: self.out.clone(),
            tie: self.tie.clone(),
            judged: self.judged.clone(),
            judged_done: self.judged_done.clone(),
            paused_at: self.paused_at,
            seq: self.seq,
            log: Vec::new(),
        }
    }

    fn window_open(&self, c: &Current, now: i64) -> Result<(), LiveError> {
        if self.paused_at.is_some() {
            return Err(LiveError::Paused);
        }
        match c.deadline {
            Some(d) if now <= d && !c.revealed => Ok(()),
            Some(_) => Err(LiveError::WindowClosed),
            None => Err(invalid("Chưa bắt đầu tính giờ")),
        }
    }

    /// Adds an event and folds it in; an undo rebuilds from the log.
    pub fn apply(&mut self, program: &Program, event: Event) {
        let rebuild = matches!(event.kind, EventKind::Undone { .. });
        self.log.push(event);
        if rebuild {
            let log = std::mem::take(&mut self.log);
            *self = replay(program, &log);
        } else {
            let e = self.log.last().cloned().expect("just pushed");
            self.fold(program, &e);
            self.seq = e.seq;
        }
    }

    fn fold(&mut self, program: &Program, e: &Event) {
        match &e.kind {
            EventKind::Opened { segment, item } => {
                if self.current.as_ref().is_some_and(|c| c.segment != *segment) {
                    self.out.clear();
                }
                self.current = Some(Current {
                    segment: *segment,
                    item: *item,
                    ..Default::default()
                });
            }
            EventKind::TimerStarted { deadline } => {
                if let Some(c) = &mut self.current {
                    c.started_at = Some(e.at);
                    c.deadline = Some(*deadline);
                }
            }
            EventKind::Answered { seat, response } => {
                if let Some(c) = &mut self.current {
                    c.answers.insert(*seat, (response.clone(), e.at));
                }
            }
            EventKind::Buzzed { seat } => {
                if let Some(c) = &mut self.current {
                    c.buzzes.push(*seat);
                }
            }
            EventKind::BuzzJudged {
                seat,
                correct,
                delta,
            } => {
                *self.scores.entry(*seat).or_default() += delta;
                if let Some(c) = &mut self.current {
                    if *correct {
                        c.buzz_settled = true;
                    } else {
                        c.turn += 1;
                    }
                }
            }
            EventKind::Revealed { deltas, out } => {
                for (seat, d) in deltas {
                    *self.scores.entry(*seat).or_default() += d;
                }
                let tiebreak = self
                    .current
                    .as_ref()
                    .and_then(|c| program.segments.get(c.segment))
                    .is_some_and(|s| s.kind == SegmentKind::TieBreak);
                if tiebreak {
                    if let Some(t) = &mut self.tie {
                        t.seats.retain(|s| !out.contains(s));
                        if !out.is_empty() {
                            t.out_order.push(out.clone());
                        }
                    }
                } else {
                    self.out.extend(out.iter().copied());
                }
                if let Some(c) = &mut self.current {
                    c.revealed = true;
                }
            }
            EventKind::Awarded { seat, delta, .. } => {
                *self.scores.entry(*seat).or_default() += delta
            }
            EventKind::Rescued { seat } => {
                self.out.remove(seat);
            }
            EventKind::Staked { seat } => {
                if let Some(c) = &mut self.current {
                    c.stakes.insert(*seat);
                }
            }
            EventKind::Scored { judge, seat, score } => {
                if let Some(c) = &self.current {
                    self.judged
                        .entry((c.segment, *seat))
                        .or_default()
                        .insert(*judge, *score);
                }
            }
            EventKind::JudgedTotal { seat, delta } => {
                *self.scores.entry(*seat).or_default() += delta;
                if let Some(c) = &self.current {
                    self.judged_done.insert((c.segment, *seat));
                }
            }
            EventKind::TieBreakStarted { seats } => {
                self.tie = Some(Tie {
                    seats: seats.clone(),
                    out_order: Vec::new(),
                })
            }
            EventKind::Paused => self.paused_at = Some(e.at),
            EventKind::Resumed { deadline } => {
                self.paused_at = None;
                if let (Some(c), Some(d)) = (&mut self.current, deadline) {
                    c.deadline = Some(*d);
                }
            }
            EventKind::Undone { .. } => {}
        }
    }

    /// Final standings: total (high first); finalists tied on points are
    /// ordered by the tie-break when one settled them, else share a rank.
    pub fn ranking(&self) -> Vec<(u32, f64, u32)> {
        let tie_pos = |seat: u32| -> Option<usize> {
            let t = self.tie.as_ref()?;
            if t.seats.len() != 1 {
                return None;
            }
            if t.seats[0] == seat {
                return Some(0);
            }
            t.out_order
                .iter()
                .rev()
                .position(|g| g.contains(&seat))
                .map(|p| p + 1)
        };
        let mut rows: Vec<(u32, f64)> = self.scores.iter().map(|(s, p)| (*s, round2(*p))).collect();
        rows.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then(
                    tie_pos(a.0)
                        .unwrap_or(usize::MAX)
                        .cmp(&tie_pos(b.0).unwrap_or(usize::MAX)),
                )
                .then(a.0.cmp(&b.0))
        });
        let mut out: Vec<(u32, f64, u32)> = Vec::with_capacity(rows.len());
        for (i, (seat, pts)) in rows.iter().enumerate() {
            let rank = match out.last() {
                Some(&(prev, prev_pts, prev_rank))
                    if prev_pts == *pts
                        && (tie_pos(prev).is_none()
                            || tie_pos(*seat).is_none()
                            || tie_pos(prev) == tie_pos(*seat)) =>
                {
                    prev_rank
                }
                _ => i as u32 + 1,
            };
            out.push((*seat, *pts, rank));
        }
        out
    }
}

/// Rebuilds the state from the stored events, leaving out undone ones.
pub fn replay(program: &Program, events: &[Event]) -> State {
    let undone: BTreeSet<u64> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Undone { seq } => Some(seq),
            _ => None,
        })
        .collect();
    let mut state = State::new(program);
    for e in events {
        if !undone.contains(&e.seq) {
            state.fold(program, e);
        }
    }
    state.log = events.to_vec();
    state.seq = events.last().map(|e| e.seq).unwrap_or(0);
    state
}

/// Checks a command against the state and who sent it, at the server's
/// `now`, and returns the events it causes (none are applied here).
pub fn decide(
    program: &Program,
    state: &State,
    actor: Actor,
    cmd: Command,
    now: i64,
) -> Result<Vec<EventKind>, LiveError> {
    let host = actor == Actor::Host;
    let seat_ok = |seat: u32| actor == Actor::Seat(seat) && program.seat_index(seat).is_some();
    let current = state.current.as_ref();
    let segment = current.and_then(|c| program.segments.get(c.segment));
    match cmd {
        Command::Open { segment, item } => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            if program
                .segments
                .get(segment)
                .and_then(|s| s.items.get(item))
                .is_none()
            {
                return Err(invalid("Không có câu hỏi này trong chương trình"));
            }
            Ok(vec![EventKind::Opened { segment, item }])
        }
        Command::StartTimer => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            let seg = segment.ok_or(LiveError::NothingOpen)?;
            if c.deadline.is_some() || c.revealed {
                return Err(invalid("Câu hỏi này đã bắt đầu tính giờ"));
            }
            if question(program, c).is_none() {
                return Err(invalid("Phần giám khảo chấm điểm không tính giờ trả lời"));
            }
            Ok(vec![EventKind::TimerStarted {
                deadline: now + i64::from(seg.timer_secs) * 1000,
            }])
        }
        Command::Answer { seat, response } => {
            if !seat_ok(seat) {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            let seg = segment.ok_or(LiveError::NothingOpen)?;
            match seg.kind {
                SegmentKind::Everyone | SegmentKind::Wager { .. } => {}
                SegmentKind::Elimination if state.out.contains(&seat) => {
                    return Err(invalid("Bạn đã bị loại ở phần thi này"))
                }
                SegmentKind::Elimination => {}
                SegmentKind::TieBreak
                    if !state.tie.as_ref().is_some_and(|t| t.seats.contains(&seat)) =>
                {
                    return Err(invalid("Bạn không tham gia câu hỏi phụ"))
                }
                SegmentKind::TieBreak => {}
                _ => return Err(invalid("Phần thi này không trả lời trên máy")),
            }
            state.window_open(c, now)?;
            let q = question(program, c).ok_or(LiveError::NothingOpen)?;
            grading::check(q, &response).map_err(invalid)?;
            Ok(vec![EventKind::Answered { seat, response }])
        }
        Command::Buzz { seat } => {
            if !seat_ok(seat) {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            if !segment.is_some_and(|s| s.kind == SegmentKind::Buzzer) {
                return Err(invalid("Phần thi này không dùng chuông"));
            }
            state.window_open(c, now)?;
            if c.buzz_settled {
                return Err(LiveError::WindowClosed);
            }
            if c.buzzes.contains(&seat) {
                return Err(invalid("Bạn đã bấm chuông cho câu này"));
            }
            Ok(vec![EventKind::Buzzed { seat }])
        }
        Command::JudgeBuzz { correct } => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            let seg = segment.ok_or(LiveError::NothingOpen)?;
            if seg.kind != SegmentKind::Buzzer || c.buzz_settled {
                return Err(invalid("Không có lượt bấm chuông nào chờ chấm"));
            }
            let seat = *c
                .buzzes
                .get(c.turn)
                .ok_or_else(|| invalid("Không có lượt bấm chuông nào chờ chấm"))?;
            let delta = if correct {
                seg.points.right
            } else {
                -seg.points.wrong
            };
            Ok(vec![EventKind::BuzzJudged {
                seat,
                correct,
                delta,
            }])
        }
        Command::Stake { seat } => {
            if !seat_ok(seat) {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            if !matches!(segment.map(|s| &s.kind), Some(SegmentKind::Wager { .. })) {
                return Err(invalid("Phần thi này không có ngôi sao hy vọng"));
            }
            if c.deadline.is_some() {
                return Err(invalid(
                    "Chỉ chọn ngôi sao hy vọng trước khi bắt đầu tính giờ",
                ));
            }
            if c.stakes.contains(&seat) {
                return Err(invalid("Bạn đã chọn ngôi sao hy vọng cho câu này"));
            }
            Ok(vec![EventKind::Staked { seat }])
        }
        Command::Reveal => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            let seg = segment.ok_or(LiveError::NothingOpen)?;
            if c.revealed {
                return Err(invalid("Đáp án đã được công bố"));
            }
            let q = question(program, c)
                .ok_or_else(|| invalid("Phần giám khảo chấm điểm không có đáp án"))?;
            let right = |seat: u32| {
                c.answers
                    .get(&seat)
                    .is_some_and(|(r, _)| grading::is_correct(q, r))
            };
            let p = seg.points;
            let mut deltas = Vec::new();
            let mut out = Vec::new();
            for f in &program.finalists {
                let s = f.seat;
                match &seg.kind {
                    SegmentKind::Everyone => {
                        if right(s) {
                            let at = c.answers[&s].1;
                            let (start, end) =
                                (c.started_at.unwrap_or(at), c.deadline.unwrap_or(at));
                            let share = if end > start {
                                (end - at).max(0) as f64 / (end - start) as f64
                            } else {
                                0.0
                            };
                            deltas.push((s, round2(p.right + p.speed_bonus * share)));
                        } else if c.answers.contains_key(&s) && p.wrong > 0.0 {
                            deltas.push((s, -p.wrong));
                        }
                    }
                    SegmentKind::Elimination => {
                        if state.out.contains(&s) {
                            continue;
                        }
                        if right(s) {
                            deltas.push((s, p.right));
                        } else {
                            out.push(s);
                        }
                    }
                    SegmentKind::Wager { penalty } => {
                        let staked = c.stakes.contains(&s);
                        match (right(s), staked) {
                            (true, true) => deltas.push((s, 2.0 * p.right)),
                            (true, false) => deltas.push((s, p.right)),
                            (false, true) => deltas.push((s, -penalty)),
                            (false, false) if c.answers.contains_key(&s) && p.wrong > 0.0 => {
                                deltas.push((s, -p.wrong))
                            }
                            (false, false) => {}
                        }
                    }
                    SegmentKind::TieBreak => {
                        let Some(t) = &state.tie else { continue };
                        if t.seats.contains(&s) && !right(s) {
                            out.push(s);
                        }
                    }
                    SegmentKind::Buzzer | SegmentKind::Judged { .. } => {}
                }
            }
            // Sudden death: when nobody left is right, nobody goes out.
            if seg.kind == SegmentKind::TieBreak
                && state
                    .tie
                    .as_ref()
                    .is_some_and(|t| t.seats.len() == out.len())
            {
                out.clear();
            }
            Ok(vec![EventKind::Revealed { deltas, out }])
        }
        Command::Score { seat, score } => {
            let Actor::Judge(judge) = actor else {
                return Err(LiveError::Forbidden);
            };
            if judge >= program.judges.len() || program.seat_index(seat).is_none() {
                return Err(LiveError::Forbidden);
            }
            let c = current.ok_or(LiveError::NothingOpen)?;
            let Some(SegmentKind::Judged { max, drop_extremes }) = segment.map(|s| &s.kind) else {
                return Err(invalid("Phần thi này không do giám khảo chấm"));
            };
            if !(0.0..=f64::from(*max)).contains(&score) || !score.is_finite() {
                return Err(LiveError::Invalid(format!("Điểm phải từ 0 đến {max}")));
            }
            if state.judged_done.contains(&(c.segment, seat)) {
                return Err(invalid("Thí sinh này đã có đủ điểm của các giám khảo"));
            }
            let mut events = vec![EventKind::Scored { judge, seat, score }];
            let mut by_judge = state
                .judged
                .get(&(c.segment, seat))
                .cloned()
                .unwrap_or_default();
            by_judge.insert(judge, score);
            if by_judge.len() == program.judges.len() {
                let all: Vec<f64> = by_judge.values().copied().collect();
                events.push(EventKind::JudgedTotal {
                    seat,
                    delta: judged_mean(&all, *drop_extremes),
                });
            }
            Ok(events)
        }
        Command::Award {
            seat,
            points,
            reason,
        } => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            if program.seat_index(seat).is_none() || !points.is_finite() || points == 0.0 {
                return Err(invalid("Thí sinh hoặc số điểm không hợp lệ"));
            }
            if reason.trim().is_empty() {
                return Err(invalid("Cần ghi lý do cộng hoặc trừ điểm"));
            }
            Ok(vec![EventKind::Awarded {
                seat,
                delta: points,
                reason: crate::text::clean(&reason),
            }])
        }
        Command::Rescue { seat } => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            if !state.out.contains(&seat) {
                return Err(invalid("Thí sinh này không bị loại"));
            }
            Ok(vec![EventKind::Rescued { seat }])
        }
        Command::StartTieBreak { seats } => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            let distinct: BTreeSet<u32> = seats.iter().copied().collect();
            if distinct.len() < 2
                || distinct.len() != seats.len()
                || seats.iter().any(|s| program.seat_index(*s).is_none())
            {
                return Err(invalid("Câu hỏi phụ cần ít nhất hai thí sinh khác nhau"));
            }
            Ok(vec![EventKind::TieBreakStarted { seats }])
        }
        Command::Pause => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            if state.paused_at.is_some() {
                return Err(LiveError::Paused);
            }
            Ok(vec![EventKind::Paused])
        }
        Command::Resume => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            let paused_at = state
                .paused_at
                .ok_or_else(|| invalid("Chương trình không tạm dừng"))?;
            // The timer stood still while paused.
            let deadline = current
                .and_then(|c| c.deadline)
                .map(|d| d + (now - paused_at).max(0));
            Ok(vec![EventKind::Resumed { deadline }])
        }
        Command::Undo => {
            if !host {
                return Err(LiveError::Forbidden);
            }
            let undone: BTreeSet<u64> = state
                .log
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::Undone { seq } => Some(seq),
                    _ => None,
                })
                .collect();
            let last = state
                .log
                .iter()
                .rev()
                .find(|e| e.kind.undoable() && !undone.contains(&e.seq))
                .ok_or_else(|| invalid("Không còn thao tác nào để hoàn tác"))?;
            Ok(vec![EventKind::Undone { seq: last.seq }])
        }
    }
}
