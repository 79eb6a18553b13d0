//! Every segment kind through `decide` and `apply`, and replay equal to the
//! live state.

use super::*;
use crate::model::{QuestionDraft, QuestionKind, QuestionOption};
use crate::round::grading::Response;
use crate::round::rules::Prize;

fn q(correct: usize) -> Item {
    let mut d = QuestionDraft::sample(None, "Câu hỏi?");
    d.options = (0..4)
        .map(|i| QuestionOption {
            text: format!("PA {i}"),
            correct: i == correct,
        })
        .collect();
    Item::Question(d)
}

fn seg(kind: SegmentKind, items: Vec<Item>) -> Segment {
    Segment {
        title: kind.label().into(),
        kind,
        items,
        timer_secs: 10,
        points: Points {
            right: 10.0,
            wrong: 0.0,
            speed_bonus: 0.0,
        },
    }
}

fn program(segments: Vec<Segment>) -> Program {
    Program {
        finalists: (1..=4)
            .map(|s| Finalist {
                seat: s,
                name: format!("Thí sinh {s}"),
                unit: String::new(),
            })
            .collect(),
        judges: vec!["GK 1".into(), "GK 2".into(), "GK 3".into()],
        segments,
        prizes: program::final_prizes(),
    }
}

/// A show: every accepted command's events get the next number and `now`.
struct Show {
    program: Program,
    state: State,
}

impl Show {
    fn new(program: Program) -> Show {
        let state = State::new(&program);
        Show { program, state }
    }

    fn send(&mut self, actor: Actor, cmd: Command, now: i64) -> Result<(), LiveError> {
        for kind in decide(&self.program, &self.state, actor, cmd, now)? {
            let seq = self.state.last_seq() + 1;
            self.state
                .apply(&self.program, Event { seq, at: now, kind });
        }
        Ok(())
    }

    fn host(&mut self, cmd: Command, now: i64) {
        self.send(Actor::Host, cmd, now).unwrap();
    }

    fn answer(&mut self, seat: u32, choice: usize, now: i64) -> Result<(), LiveError> {
        self.send(
            Actor::Seat(seat),
            Command::Answer {
                seat,
                response: Response::Choices(vec![choice]),
            },
            now,
        )
    }

    fn score(&self, seat: u32) -> f64 {
        self.state.scores[&seat]
    }

    fn assert_replays(&self) {
        let again = replay(&self.program, &self.state.log);
        assert_eq!(again, self.state, "replaying the log gives the live state");
    }
}

#[test]
fn everyone_answers_with_speed_bonus_and_late_answers_refused() {
    let mut s = seg(SegmentKind::Everyone, vec![q(2)]);
    s.points = Points {
        right: 10.0,
        wrong: 2.0,
        speed_bonus: 5.0,
    };
    let mut show = Show::new(program(vec![s]));
    assert_eq!(show.answer(1, 2, 0), Err(LiveError::NothingOpen));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    assert!(
        show.answer(1, 2, 100).is_err(),
        "no answers before the timer"
    );
    show.host(Command::StartTimer, 1_000);
    show.answer(1, 2, 1_000).unwrap(); // instantly: full bonus
    show.answer(2, 2, 6_000).unwrap(); // half the time left
    show.answer(3, 0, 2_000).unwrap(); // wrong
    show.answer(3, 2, 3_000).unwrap(); // changed in time: the last answer counts
    assert_eq!(
        show.answer(4, 2, 11_001),
        Err(LiveError::WindowClosed),
        "after the window"
    );
    assert_eq!(
        show.send(
            Actor::Seat(2),
            Command::Answer {
                seat: 1,
                response: Response::Choices(vec![0])
            },
            2_000
        ),
        Err(LiveError::Forbidden),
        "a pad answers for its own seat only"
    );
    assert_eq!(
        show.send(Actor::Seat(1), Command::Reveal, 12_000),
        Err(LiveError::Forbidden)
    );
    show.host(Command::Reveal, 12_000);
    assert_eq!(show.score(1), 15.0);
    assert_eq!(show.score(2), 12.5);
    assert_eq!(show.score(3), 14.0);
    assert_eq!(show.score(4), 0.0, "no answer, no penalty");
    assert!(
        show.answer(4, 2, 12_001).is_err(),
        "nothing after the reveal"
    );
    show.assert_replays();
}

#[test]
fn buzzes_in_arrival_order_and_a_wrong_answer_passes_the_turn() {
    let mut s = seg(SegmentKind::Buzzer, vec![q(0)]);
    s.points.wrong = 5.0;
    let mut show = Show::new(program(vec![s]));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    show.host(Command::StartTimer, 0);
    // Two presses in the same millisecond: the one that arrived first leads.
    show.send(Actor::Seat(3), Command::Buzz { seat: 3 }, 500)
        .unwrap();
    show.send(Actor::Seat(1), Command::Buzz { seat: 1 }, 500)
        .unwrap();
    assert!(
        show.send(Actor::Seat(3), Command::Buzz { seat: 3 }, 600)
            .is_err(),
        "one press each"
    );
    show.send(Actor::Seat(2), Command::Buzz { seat: 2 }, 700)
        .unwrap();
    assert_eq!(show.state.current.as_ref().unwrap().buzzes, vec![3, 1, 2]);
    show.host(Command::JudgeBuzz { correct: false }, 1_000);
    assert_eq!(show.score(3), -5.0, "a wrong answer costs points");
    show.host(Command::JudgeBuzz { correct: true }, 2_000);
    assert_eq!(show.score(1), 10.0, "the turn passed to the next press");
    assert_eq!(show.score(2), 0.0);
    assert!(
        show.send(Actor::Host, Command::JudgeBuzz { correct: true }, 2_100)
            .is_err(),
        "settled"
    );
    assert!(
        show.send(Actor::Seat(4), Command::Buzz { seat: 4 }, 2_200)
            .is_err(),
        "no presses once settled"
    );
    show.assert_replays();
}

#[test]
fn elimination_and_rescue() {
    let mut show = Show::new(program(vec![seg(
        SegmentKind::Elimination,
        vec![q(1), q(1)],
    )]));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    show.host(Command::StartTimer, 0);
    show.answer(1, 1, 100).unwrap();
    show.answer(2, 0, 100).unwrap();
    show.answer(3, 1, 100).unwrap();
    // Seat 4 does not answer: out too.
    show.host(Command::Reveal, 11_000);
    assert_eq!(
        show.state.out.iter().copied().collect::<Vec<_>>(),
        vec![2, 4]
    );
    show.host(
        Command::Open {
            segment: 0,
            item: 1,
        },
        12_000,
    );
    show.host(Command::StartTimer, 12_000);
    assert!(show.answer(2, 1, 12_100).is_err(), "out means out");
    assert!(
        show.send(Actor::Host, Command::Rescue { seat: 1 }, 12_200)
            .is_err(),
        "seat 1 is not out"
    );
    show.host(Command::Rescue { seat: 2 }, 12_300);
    show.answer(2, 1, 12_400).unwrap();
    show.host(Command::Reveal, 23_000);
    assert_eq!(show.score(2), 10.0);
    assert_eq!(
        show.state.out.iter().copied().collect::<Vec<_>>(),
        vec![1, 3, 4],
        "1 and 3 did not answer the second"
    );
    show.assert_replays();
}

#[test]
fn judged_segment_waits_for_every_judge_and_trims() {
    let mut show = Show::new(program(vec![seg(
        SegmentKind::Judged {
            max: 10,
            drop_extremes: true,
        },
        vec![Item::Prompt("Xử lý tình huống".into())],
    )]));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    assert!(show.send(Actor::Host, Command::StartTimer, 0).is_err());
    show.send(
        Actor::Judge(0),
        Command::Score {
            seat: 1,
            score: 9.0,
        },
        10,
    )
    .unwrap();
    show.send(
        Actor::Judge(1),
        Command::Score {
            seat: 1,
            score: 6.0,
        },
        20,
    )
    .unwrap();
    assert_eq!(show.score(1), 0.0, "a judge has not scored yet");
    assert!(
        show.send(
            Actor::Judge(2),
            Command::Score {
                seat: 1,
                score: 11.0
            },
            25
        )
        .is_err(),
        "above the maximum"
    );
    assert!(
        show.send(
            Actor::Judge(7),
            Command::Score {
                seat: 1,
                score: 5.0
            },
            25
        )
        .is_err(),
        "not a judge"
    );
    assert!(
        show.send(
            Actor::Seat(1),
            Command::Score {
                seat: 1,
                score: 10.0
            },
            25
        )
        .is_err(),
        "a finalist cannot score"
    );
    show.send(
        Actor::Judge(2),
        Command::Score {
            seat: 1,
            score: 8.0,
        },
        30,
    )
    .unwrap();
    assert_eq!(show.score(1), 8.0, "9, 6, 8 without the highest and lowest");
    assert!(
        show.send(
            Actor::Judge(0),
            Command::Score {
                seat: 1,
                score: 1.0
            },
            40
        )
        .is_err(),
        "locked once complete"
    );
    assert_eq!(
        judged_mean(&[7.0, 8.0], true),
        7.5,
        "two judges: nothing to drop"
    );
    assert_eq!(judged_mean(&[7.0, 8.0, 10.0], false), 8.33);
    show.assert_replays();
}

#[test]
fn a_wager_won_and_a_wager_lost() {
    let mut show = Show::new(program(vec![seg(
        SegmentKind::Wager { penalty: 10.0 },
        vec![q(3)],
    )]));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    show.send(Actor::Seat(1), Command::Stake { seat: 1 }, 10)
        .unwrap();
    show.send(Actor::Seat(2), Command::Stake { seat: 2 }, 10)
        .unwrap();
    show.host(Command::StartTimer, 100);
    assert!(
        show.send(Actor::Seat(3), Command::Stake { seat: 3 }, 200)
            .is_err(),
        "stakes before the timer only"
    );
    show.answer(1, 3, 200).unwrap();
    show.answer(2, 0, 200).unwrap();
    show.answer(3, 3, 200).unwrap();
    show.host(Command::Reveal, 20_000);
    assert_eq!(
        (show.score(1), show.score(2), show.score(3), show.score(4)),
        (20.0, -10.0, 10.0, 0.0)
    );
    show.assert_replays();
}

#[test]
fn a_tie_broken_by_sudden_death() {
    let mut show = Show::new(program(vec![
        seg(SegmentKind::Everyone, vec![q(0)]),
        seg(SegmentKind::TieBreak, vec![q(1), q(2), q(3)]),
    ]));
    show.host(
        Command::Award {
            seat: 1,
            points: 30.0,
            reason: "Phần khởi động".into(),
        },
        0,
    );
    show.host(
        Command::Award {
            seat: 2,
            points: 30.0,
            reason: "Phần khởi động".into(),
        },
        0,
    );
    show.host(
        Command::Award {
            seat: 3,
            points: 30.0,
            reason: "Phần khởi động".into(),
        },
        0,
    );
    assert_eq!(
        show.state.ranking()[..3]
            .iter()
            .map(|r| r.2)
            .collect::<Vec<_>>(),
        vec![1, 1, 1]
    );
    show.host(
        Command::StartTieBreak {
            seats: vec![1, 2, 3],
        },
        10,
    );
    // Everyone wrong: nobody goes out.
    show.host(
        Command::Open {
            segment: 1,
            item: 0,
        },
        20,
    );
    show.host(Command::StartTimer, 20);
    assert!(show.answer(4, 1, 30).is_err(), "seat 4 is not in the tie");
    show.answer(1, 0, 30).unwrap();
    show.host(Command::Reveal, 11_000);
    assert_eq!(show.state.tie.as_ref().unwrap().seats, vec![1, 2, 3]);
    // Only seat 2 is right: the others go out together.
    show.host(
        Command::Open {
            segment: 1,
            item: 1,
        },
        12_000,
    );
    show.host(Command::StartTimer, 12_000);
    show.answer(2, 2, 12_100).unwrap();
    show.answer(3, 0, 12_100).unwrap();
    show.host(Command::Reveal, 23_000);
    assert_eq!(show.state.tie.as_ref().unwrap().seats, vec![2]);
    let ranking = show.state.ranking();
    assert_eq!(
        ranking[0],
        (2, 30.0, 1),
        "the sudden death winner ranks first"
    );
    assert_eq!(
        (ranking[1].2, ranking[2].2),
        (2, 2),
        "out on the same question: a shared place"
    );
    assert_eq!(ranking[3], (4, 0.0, 4));
    assert_eq!(show.score(2), 30.0, "sudden death adds no points");
    show.assert_replays();
}

#[test]
fn undo_takes_back_each_host_action() {
    let mut s = seg(SegmentKind::Buzzer, vec![q(0)]);
    s.points.wrong = 5.0;
    let mut show = Show::new(program(vec![s, seg(SegmentKind::Elimination, vec![q(0)])]));
    assert!(
        show.send(Actor::Host, Command::Undo, 0).is_err(),
        "nothing to undo"
    );
    show.host(
        Command::Award {
            seat: 4,
            points: -3.0,
            reason: "Vi phạm quy chế".into(),
        },
        0,
    );
    show.host(Command::Undo, 1);
    assert_eq!(show.score(4), 0.0, "award undone");

    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        10,
    );
    show.host(Command::StartTimer, 10);
    show.send(Actor::Seat(1), Command::Buzz { seat: 1 }, 20)
        .unwrap();
    show.host(Command::JudgeBuzz { correct: false }, 30);
    assert_eq!(show.score(1), -5.0);
    show.host(Command::Undo, 40);
    assert_eq!(show.score(1), 0.0, "verdict undone");
    show.host(Command::JudgeBuzz { correct: true }, 50);
    assert_eq!(show.score(1), 10.0, "and given again");
    show.host(Command::Undo, 60);
    show.host(Command::Undo, 61);
    assert!(
        show.state.current.as_ref().unwrap().deadline.is_none(),
        "timer start undone"
    );
    show.host(Command::Undo, 62);
    assert!(show.state.current.is_none(), "opening undone");

    show.host(
        Command::Open {
            segment: 1,
            item: 0,
        },
        100,
    );
    show.host(Command::StartTimer, 100);
    show.answer(1, 0, 110).unwrap();
    show.host(Command::Reveal, 20_000);
    assert_eq!(show.state.out.len(), 3);
    show.host(Command::Rescue { seat: 2 }, 20_100);
    show.host(Command::Undo, 20_200);
    assert!(show.state.out.contains(&2), "rescue undone");
    show.host(Command::Undo, 20_300);
    assert!(
        show.state.out.is_empty() && !show.state.current.as_ref().unwrap().revealed,
        "reveal undone"
    );
    assert_eq!(show.score(1), 0.0);
    show.host(Command::Reveal, 20_400);
    assert_eq!(show.score(1), 10.0);
    show.assert_replays();
}

#[test]
fn pause_stops_the_clock() {
    let mut show = Show::new(program(vec![seg(SegmentKind::Everyone, vec![q(0)])]));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    show.host(Command::StartTimer, 0);
    show.host(Command::Pause, 4_000);
    assert_eq!(show.answer(1, 0, 5_000), Err(LiveError::Paused));
    show.host(Command::Resume, 64_000);
    assert_eq!(
        show.state.current.as_ref().unwrap().deadline,
        Some(70_000),
        "the minute paused is added back"
    );
    show.answer(1, 0, 69_000).unwrap();
    show.assert_replays();
}

#[test]
fn programs_are_checked() {
    let mut p = program(vec![seg(
        SegmentKind::Everyone,
        vec![Item::Prompt("?".into())],
    )]);
    p.finalists[1].seat = 1;
    let problems = p.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    let _ = QuestionKind::Single;
}

#[test]
fn views_hide_the_key_and_other_answers_until_the_reveal() {
    let mut show = Show::new(program(vec![seg(SegmentKind::Everyone, vec![q(2)])]));
    show.host(
        Command::Open {
            segment: 0,
            item: 0,
        },
        0,
    );
    show.host(Command::StartTimer, 0);
    show.answer(1, 2, 100).unwrap();
    show.answer(2, 0, 200).unwrap();
    let seat1 = view(&show.program, &show.state, Viewer::Seat(1), 300);
    let c = seat1.current.as_ref().unwrap();
    assert_eq!(
        (c.correct.as_ref(), c.spread.as_ref(), c.answers.as_ref()),
        (None, None, None)
    );
    assert_eq!(c.mine, Some(Response::Choices(vec![2])));
    assert_eq!(c.answered, vec![1, 2], "who answered, not what");
    let json = serde_json::to_string(&seat1).unwrap();
    assert!(!json.contains("\"correct\":true"), "{json}");
    let audience = view(&show.program, &show.state, Viewer::Audience, 300);
    // Rooms publish the state without its log; every screen sees the same.
    for viewer in [
        Viewer::Audience,
        Viewer::Host,
        Viewer::Seat(1),
        Viewer::Judge(0),
    ] {
        assert_eq!(
            view(&show.program, &show.state.without_log(), viewer, 300),
            view(&show.program, &show.state, viewer, 300)
        );
    }
    assert!(
        audience.current.as_ref().unwrap().correct.is_none()
            && audience.current.as_ref().unwrap().mine.is_none()
    );
    let host = view(&show.program, &show.state, Viewer::Host, 300);
    assert_eq!(host.current.as_ref().unwrap().correct, Some(vec![2]));
    assert_eq!(
        host.current
            .as_ref()
            .unwrap()
            .answers
            .as_ref()
            .unwrap()
            .len(),
        2
    );
    show.host(Command::Reveal, 11_000);
    let after = view(&show.program, &show.state, Viewer::Audience, 11_100);
    let c = after.current.as_ref().unwrap();
    assert_eq!(c.correct, Some(vec![2]));
    assert_eq!(c.spread, Some(vec![1, 0, 1, 0]));
    assert_eq!(after.scoreboard[0].seat, 1);
    assert_eq!(after.scoreboard[0].score, 10.0);
    assert_eq!(after.server_now, 11_100);
}

fn bank_of(n: usize, topic: &str) -> Vec<QuestionDraft> {
    (0..n)
        .map(|i| {
            let mut d = QuestionDraft::sample(None, &format!("Câu {i}?"));
            d.topic = topic.into();
            d.key = Some(format!("{topic}.{i:03}"));
            d
        })
        .collect()
}

fn spec_seg(
    kind: SegmentKind,
    count: u32,
    keys: &[&str],
    topic: Option<&str>,
) -> build::SegmentSpec {
    build::SegmentSpec {
        title: "Phần thi".into(),
        kind,
        timer_secs: 10,
        points: Points {
            right: 10.0,
            wrong: 0.0,
            speed_bonus: 0.0,
        },
        keys: keys.iter().map(|k| k.to_string()).collect(),
        topic: topic.map(str::to_string),
        count,
        prompts: Vec::new(),
    }
}

#[test]
fn a_program_is_built_from_the_bank_without_repeats() {
    use rand::SeedableRng;
    let mut bank = bank_of(6, "ct24.nv1");
    bank.extend(bank_of(4, "ct24.nv2"));
    let finalists =
        build::parse_finalists("1; Nguyễn Văn A; Xã Vân Đình\nTrần Thị B\t Xã Hòa Xá\n").unwrap();
    assert_eq!(
        finalists.iter().map(|f| f.seat).collect::<Vec<_>>(),
        vec![1, 2],
        "a line without a seat takes the next"
    );
    let mut judged = spec_seg(
        SegmentKind::Judged {
            max: 30,
            drop_extremes: true,
        },
        0,
        &[],
        None,
    );
    judged.prompts = vec!["Tình huống 1".into(), "  ".into()];
    let spec = build::ProgramSpec {
        finalists,
        judges: vec!["GK 1".into(), " ".into()],
        segments: vec![
            spec_seg(
                SegmentKind::Everyone,
                3,
                &["ct24.nv2.001"],
                Some("ct24.nv2"),
            ),
            spec_seg(SegmentKind::Buzzer, 7, &[], None),
            judged,
        ],
        prizes: program::final_prizes(),
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let p = build::build(&spec, &bank, &mut rng).unwrap();
    let keys = |s: usize| -> Vec<String> {
        p.segments[s]
            .items
            .iter()
            .map(|i| match i {
                Item::Question(q) => q.key.clone().unwrap(),
                Item::Prompt(t) => t.clone(),
            })
            .collect()
    };
    assert_eq!(keys(0)[0], "ct24.nv2.001", "named keys come first");
    assert!(
        keys(0).iter().all(|k| k.starts_with("ct24.nv2.")),
        "drawn from the topic"
    );
    assert_eq!(keys(1).len(), 7);
    let mut all: Vec<String> = keys(0).into_iter().chain(keys(1)).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 10, "no question twice in a final");
    assert_eq!(keys(2), vec!["Tình huống 1"], "blank prompts dropped");
    assert_eq!(p.judges, vec!["GK 1"]);

    // Every problem at once, in Vietnamese.
    let mut bad = spec.clone();
    bad.segments[0].keys = vec!["khong-co".into()];
    bad.segments[1].count = 20;
    bad.segments[2].prompts.clear();
    let errs = build::build(&bad, &bank, &mut rng).unwrap_err();
    assert!(errs.iter().any(|e| e.contains("«khong-co»")), "{errs:?}");
    assert!(
        errs.iter().any(|e| e.contains("Phần thi 2: cần thêm")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("Phần thi 3 cần ít nhất một tình huống")),
        "{errs:?}"
    );
    assert!(
        build::parse_finalists("1; A\n1; B").is_err(),
        "two finalists on one seat"
    );
}

#[test]
fn standings_give_prizes_and_flag_ties_across_a_prize_line() {
    let mut p = program(vec![
        seg(SegmentKind::Everyone, vec![q(0)]),
        seg(SegmentKind::TieBreak, vec![q(1)]),
    ]);
    p.prizes = vec![
        Prize {
            name: "Giải Nhất".into(),
            count: 1,
        },
        Prize {
            name: "Giải Nhì".into(),
            count: 1,
        },
    ];
    let mut show = Show::new(p);
    for (seat, pts) in [(1, 30.0), (2, 30.0), (3, 10.0)] {
        show.host(
            Command::Award {
                seat,
                points: pts,
                reason: "Khởi động".into(),
            },
            0,
        );
    }
    assert_eq!(
        results::ties_for_prizes(&show.program, &show.state),
        vec![1, 2],
        "two level for one Nhất"
    );
    let s = results::standings(&show.program, &show.state);
    assert_eq!(s[0].prize.as_deref(), Some("Giải Nhất"));
    assert_eq!(
        s[1].prize.as_deref(),
        Some("Giải Nhất"),
        "a tie shares the prize until broken"
    );
    show.host(Command::StartTieBreak { seats: vec![1, 2] }, 10);
    show.host(
        Command::Open {
            segment: 1,
            item: 0,
        },
        20,
    );
    show.host(Command::StartTimer, 20);
    show.answer(2, 1, 100).unwrap();
    show.host(Command::Reveal, 11_000);
    let s = results::standings(&show.program, &show.state);
    assert_eq!((s[0].seat, s[0].prize.as_deref()), (2, Some("Giải Nhất")));
    assert_eq!(
        (s[1].seat, s[1].rank, s[1].prize.as_deref()),
        (1, 2, Some("Giải Nhì"))
    );
    assert_eq!((s[2].seat, s[2].prize.as_deref()), (3, None));
    assert!(results::ties_for_prizes(&show.program, &show.state).is_empty());
    // The log reads as sentences.
    let words: Vec<String> = show
        .state
        .log
        .iter()
        .map(|e| results::describe(&show.program, e))
        .collect();
    assert!(
        words.contains(&"Bắt đầu câu hỏi phụ cho ghế 1, 2".to_string()),
        "{words:?}"
    );
    assert!(
        words
            .iter()
            .any(|w| w.starts_with("Công bố đáp án") && w.contains("bị loại: ghế 1")),
        "{words:?}"
    );
}
