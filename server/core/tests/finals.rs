//! The live final's event log in a real database (SQLite, or PostgreSQL on the second pass): appended in order,
//! racing writers refused, and the state rebuilt from it by a fresh reader.

#![cfg(feature = "store")]

mod common;

use hoithi_core::live::*;
use hoithi_core::model::{Difficulty, QuestionDraft, QuestionKind, QuestionOption};
use hoithi_core::round::grading::Response;
use hoithi_core::store::finals::{self, AppendError, CodeRole};
use hoithi_core::store::Db;

fn question() -> QuestionDraft {
    QuestionDraft {
        key: None,
        kind: QuestionKind::Single,
        topic: "ct24.tong-quan".into(),
        difficulty: Difficulty::De,
        text: "Chỉ thị số 24-CT/TU được ban hành ngày nào?".into(),
        options: vec![
            QuestionOption {
                text: "7-8-2023".into(),
                correct: true,
            },
            QuestionOption {
                text: "16-8-2023".into(),
                correct: false,
            },
        ],
        answers: vec![],
        tolerance: None,
        explanation: String::new(),
        source: String::new(),
        image: None,
    }
}

fn program() -> Program {
    Program {
        finalists: (1..=3)
            .map(|s| Finalist {
                seat: s,
                name: format!("Thí sinh {s}"),
                unit: "Ứng Hòa".into(),
            })
            .collect(),
        judges: vec!["Giám khảo 1".into()],
        segments: vec![Segment {
            title: "Khởi động".into(),
            kind: SegmentKind::Everyone,
            items: vec![Item::Question(question())],
            timer_secs: 15,
            points: Points {
                right: 10.0,
                wrong: 0.0,
                speed_bonus: 0.0,
            },
        }],
        prizes: hoithi_core::live::program::final_prizes(),
    }
}

/// Decides, stores, then applies: nothing is seen before it is stored.
async fn send(
    db: &Db,
    id: &str,
    p: &Program,
    state: &mut State,
    actor: Actor,
    cmd: Command,
    now: i64,
) -> Result<(), String> {
    let kinds = decide(p, state, actor, cmd, now).map_err(|e| e.to_string())?;
    let events: Vec<Event> = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Event {
            seq: state.last_seq() + 1 + i as u64,
            at: now,
            kind,
        })
        .collect();
    finals::append(db, id, actor, &events)
        .await
        .map_err(|e| format!("{e:?}"))?;
    for e in events {
        state.apply(p, e);
    }
    Ok(())
}

#[tokio::test]
async fn the_log_rebuilds_the_show() {
    let db = common::fresh_db("finals").await;
    let p = program();
    let id = finals::create(&db, None, "Chung kết Ứng Hòa", &p)
        .await
        .unwrap();
    let rec = finals::get_one(&db, &id).await.unwrap();
    assert_eq!(rec.program, p);

    let codes = finals::codes(&db, &id).await.unwrap();
    assert_eq!(codes.len(), 1 + 3 + 1, "host, three seats, one judge");
    let seat2 = codes
        .iter()
        .find(|(r, s, _)| r == "seat" && *s == 2)
        .unwrap()
        .2
        .clone();
    assert_eq!(
        finals::by_code(&db, &seat2.to_lowercase()).await.unwrap(),
        (id.clone(), CodeRole::Seat(2))
    );
    assert!(finals::by_code(&db, "KHONGCO").await.is_err());

    let mut state = State::new(&p);
    let t = 1_000_000;
    send(
        &db,
        &id,
        &p,
        &mut state,
        Actor::Host,
        Command::Open {
            segment: 0,
            item: 0,
        },
        t,
    )
    .await
    .unwrap();
    send(
        &db,
        &id,
        &p,
        &mut state,
        Actor::Host,
        Command::StartTimer,
        t,
    )
    .await
    .unwrap();
    send(
        &db,
        &id,
        &p,
        &mut state,
        Actor::Seat(2),
        Command::Answer {
            seat: 2,
            response: Response::Choices(vec![0]),
        },
        t + 500,
    )
    .await
    .unwrap();
    assert!(
        send(
            &db,
            &id,
            &p,
            &mut state,
            Actor::Seat(3),
            Command::Answer {
                seat: 3,
                response: Response::Choices(vec![0])
            },
            t + 16_000
        )
        .await
        .is_err(),
        "late"
    );
    send(
        &db,
        &id,
        &p,
        &mut state,
        Actor::Host,
        Command::Reveal,
        t + 16_000,
    )
    .await
    .unwrap();
    send(
        &db,
        &id,
        &p,
        &mut state,
        Actor::Host,
        Command::Award {
            seat: 1,
            points: 2.0,
            reason: "Trả lời hay".into(),
        },
        t + 17_000,
    )
    .await
    .unwrap();
    send(
        &db,
        &id,
        &p,
        &mut state,
        Actor::Host,
        Command::Undo,
        t + 18_000,
    )
    .await
    .unwrap();

    // Another instance (or a restart) reads the log and has the same show.
    let stored = finals::events(&db, &id).await.unwrap();
    assert_eq!(stored.len(), 6);
    let rebuilt = replay(&p, &stored);
    assert_eq!(rebuilt, state);
    assert_eq!(rebuilt.scores[&2], 10.0);
    assert_eq!(rebuilt.scores[&1], 0.0, "the award was undone");

    // A second writer that missed the last event cannot fork the log.
    let stale = Event {
        seq: 6,
        at: t + 19_000,
        kind: EventKind::Paused,
    };
    assert!(matches!(
        finals::append(&db, &id, Actor::Host, &[stale]).await,
        Err(AppendError::Conflict)
    ));
    assert_eq!(finals::events(&db, &id).await.unwrap().len(), 6);

    let mut bad = program();
    bad.finalists.clear();
    assert!(finals::create(&db, None, "Trống", &bad).await.is_err());
}
