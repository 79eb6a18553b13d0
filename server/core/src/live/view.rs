//! What each screen is shown: the state seen by one role. Before the
//! reveal nobody but the host sees which option is right, and no finalist
//! sees another's answer.

use super::engine::State;
use super::program::{Item, Program, SegmentKind};
use crate::model::QuestionKind;
use crate::round::grading::Response;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Viewer {
    Host,
    Seat(u32),
    Judge(usize),
    /// Projector and public scoreboard.
    Audience,
}

impl Viewer {
    /// Who this screen's commands come from; the audience sends none.
    pub fn actor(self) -> Option<super::engine::Actor> {
        use super::engine::Actor;
        match self {
            Viewer::Host => Some(Actor::Host),
            Viewer::Seat(s) => Some(Actor::Seat(s)),
            Viewer::Judge(j) => Some(Actor::Judge(j)),
            Viewer::Audience => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    pub seat: u32,
    pub name: String,
    pub unit: String,
    pub score: f64,
    pub rank: u32,
    /// Out of the current elimination segment.
    pub out: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub segment: usize,
    pub segment_title: String,
    pub kind_label: String,
    pub item: usize,
    pub items: usize,
    /// The question or the judges' prompt.
    pub text: String,
    pub question_kind: Option<QuestionKind>,
    pub options: Vec<String>,
    pub deadline: Option<i64>,
    pub revealed: bool,
    /// Correct option indices and accepted answers: after the reveal, or
    /// for the host.
    pub correct: Option<Vec<usize>>,
    pub accepted: Option<Vec<String>>,
    /// Answers per option: after the reveal, or live for the host.
    pub spread: Option<Vec<u32>>,
    /// Seats that have answered (not what they answered).
    pub answered: Vec<u32>,
    /// Every seat's answer: the host only.
    pub answers: Option<Vec<(u32, Response)>>,
    /// The viewing finalist's own answer.
    pub mine: Option<Response>,
    pub buzzes: Vec<u32>,
    pub turn: Option<u32>,
    pub stakes: Vec<u32>,
    /// Judged segments: per seat, which judges have scored and the result
    /// once all have.
    pub judging: Vec<JudgeRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JudgeRow {
    pub seat: u32,
    pub scored_by: Vec<bool>,
    /// This judge's own score (judge screens).
    pub mine: Option<f64>,
    pub total: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    pub viewer: Viewer,
    pub seq: u64,
    /// The server's clock when the view was made: screens estimate their
    /// offset from it so every countdown agrees.
    pub server_now: i64,
    pub paused: bool,
    pub current: Option<ItemView>,
    pub scoreboard: Vec<ScoreRow>,
    pub tie: Option<Vec<u32>>,
    /// Seats level across a prize line, offered for the tie-break (host).
    pub prize_ties: Vec<u32>,
    pub judges: Vec<String>,
}

pub fn view(program: &Program, state: &State, viewer: Viewer, now: i64) -> View {
    let ranks = state.ranking();
    let scoreboard = ranks
        .iter()
        .filter_map(|(seat, score, rank)| {
            let f = program.finalists.iter().find(|f| f.seat == *seat)?;
            Some(ScoreRow {
                seat: *seat,
                name: f.name.clone(),
                unit: f.unit.clone(),
                score: *score,
                rank: *rank,
                out: state.out.contains(seat),
            })
        })
        .collect();
    let host = viewer == Viewer::Host;
    let current = state.current.as_ref().and_then(|c| {
        let seg = program.segments.get(c.segment)?;
        let item = seg.items.get(c.item)?;
        let (text, q) = match item {
            Item::Question(q) => (q.text.clone(), Some(q)),
            Item::Prompt(p) => (p.clone(), None),
        };
        let show_key = host || c.revealed;
        let options: Vec<String> = q
            .map(|q| q.options.iter().map(|o| o.text.clone()).collect())
            .unwrap_or_default();
        let spread = q.filter(|q| q.kind.has_options() && show_key).map(|q| {
            let mut counts = vec![0u32; q.options.len()];
            for (r, _) in c.answers.values() {
                if let Response::Choices(ch) = r {
                    for i in ch {
                        if let Some(n) = counts.get_mut(*i) {
                            *n += 1;
                        }
                    }
                }
            }
            counts
        });
        let judging = match seg.kind {
            SegmentKind::Judged { .. } => program
                .finalists
                .iter()
                .map(|f| {
                    let scores = state.judged.get(&(c.segment, f.seat));
                    let done = state.judged_done.contains(&(c.segment, f.seat));
                    JudgeRow {
                        seat: f.seat,
                        scored_by: (0..program.judges.len())
                            .map(|j| scores.is_some_and(|s| s.contains_key(&j)))
                            .collect(),
                        mine: match viewer {
                            Viewer::Judge(j) => scores.and_then(|s| s.get(&j).copied()),
                            _ => None,
                        },
                        total: done.then(|| {
                            let all: Vec<f64> = scores
                                .map(|s| s.values().copied().collect())
                                .unwrap_or_default();
                            match seg.kind {
                                SegmentKind::Judged { drop_extremes, .. } => {
                                    super::engine::judged_mean(&all, drop_extremes)
                                }
                                _ => 0.0,
                            }
                        }),
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        Some(ItemView {
            segment: c.segment,
            segment_title: seg.title.clone(),
            kind_label: seg.kind.label().to_string(),
            item: c.item,
            items: seg.items.len(),
            text,
            question_kind: q.map(|q| q.kind),
            options,
            deadline: c.deadline,
            revealed: c.revealed,
            correct: q.filter(|_| show_key).map(|q| {
                q.options
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.correct)
                    .map(|(i, _)| i)
                    .collect()
            }),
            accepted: q
                .filter(|q| show_key && !q.kind.has_options())
                .map(|q| q.answers.clone()),
            spread,
            answered: c.answers.keys().copied().collect(),
            answers: host.then(|| {
                c.answers
                    .iter()
                    .map(|(s, (r, _))| (*s, r.clone()))
                    .collect()
            }),
            mine: match viewer {
                Viewer::Seat(s) => c.answers.get(&s).map(|(r, _)| r.clone()),
                _ => None,
            },
            buzzes: c.buzzes.clone(),
            turn: (!c.buzz_settled)
                .then(|| c.buzzes.get(c.turn).copied())
                .flatten(),
            stakes: c.stakes.iter().copied().collect(),
            judging,
        })
    });
    View {
        viewer,
        seq: state.last_seq(),
        server_now: now,
        paused: state.paused_at.is_some(),
        current,
        scoreboard,
        tie: state.tie.as_ref().map(|t| t.seats.clone()),
        prize_ties: if host {
            super::results::ties_for_prizes(program, state)
        } else {
            Vec::new()
        },
        judges: program.judges.clone(),
    }
}
