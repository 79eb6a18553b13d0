//! Rounds against a real database (SQLite, or PostgreSQL on the second pass): the draw, saving answers, the
//! deadline, concurrent starts, grading and ranking through the store.

#![cfg(feature = "store")]

mod common;

use hoithi_core::model::{QuestionKind, Role};
use hoithi_core::round::grading::Response;
use hoithi_core::round::rules::{default_prizes, Counting, DrawRule, ReviewPolicy, RoundRules};
use hoithi_core::round::GRACE_MS;
use hoithi_core::store::attempts::{self, ItemRecord};
use hoithi_core::store::{contests, now_ms, results, rounds, seed, users, Db};

async fn db() -> Db {
    let db = common::fresh_db("rounds").await;
    seed::first_start(&db, Some("mat-khau-quan-tri"), false)
        .await
        .unwrap();
    db
}

fn rules(now: i64) -> RoundRules {
    RoundRules {
        name: "Tuần thi thứ nhất".into(),
        opens_at: now - 60_000,
        closes_at: now + 86_400_000,
        questions_per_attempt: 10,
        draw: vec![DrawRule {
            topic: Some("lien-quan".into()),
            difficulty: None,
            count: 3,
        }],
        time_limit_secs: 600,
        attempts_allowed: 2,
        counting: Counting::Best,
        review: ReviewPolicy::AfterSubmit,
        prediction: true,
        prizes: default_prizes(),
    }
}

async fn round(db: &Db, rules: &RoundRules) -> rounds::RoundRecord {
    let contest = contests::create(db, "Thử", "", None).await.unwrap();
    rounds::validate(db, rules).await.unwrap();
    let id = rounds::create(db, &contest, rules).await.unwrap();
    rounds::set_published(db, &id, true).await.unwrap();
    rounds::get_one(db, &id).await.unwrap()
}

async fn cadre(db: &Db, n: usize) -> String {
    users::create(
        db,
        users::NewUser {
            login: &format!("cb{n}@example.vn"),
            full_name: &format!("Cán bộ {n}"),
            password: "mat-khau-1",
            role: Role::Contestant,
            unit_id: None,
            position: "",
        },
    )
    .await
    .unwrap()
    .id
}

/// The display positions of the correct options (or the accepted answer).
fn right(item: &ItemRecord) -> Response {
    match item.draft.kind {
        QuestionKind::Short | QuestionKind::Numeric => {
            Response::Text(item.draft.answers[0].clone())
        }
        _ => Response::Choices(
            item.option_order
                .iter()
                .enumerate()
                .filter(|(_, &o)| item.draft.options[o].correct)
                .map(|(d, _)| d)
                .collect(),
        ),
    }
}

fn wrong(item: &ItemRecord) -> Response {
    match item.draft.kind {
        QuestionKind::Short | QuestionKind::Numeric => Response::Text("không biết".into()),
        _ => Response::Choices(vec![item
            .option_order
            .iter()
            .position(|&o| !item.draft.options[o].correct)
            .unwrap()]),
    }
}

#[tokio::test]
async fn a_round_from_start_to_ranking() {
    let db = db().await;
    let now = now_ms();
    let round = round(&db, &rules(now)).await;

    let a = cadre(&db, 1).await;
    let b = cadre(&db, 2).await;
    let c = cadre(&db, 3).await;

    // a: all right; b: 7 right; c: all right but predicts badly.
    for (user, wrong_n, prediction) in [(&a, 0, 2), (&b, 3, 2), (&c, 0, 40)] {
        let att = attempts::start(&db, &round, user, now).await.unwrap();
        assert_eq!(att.total, 10);
        let items = attempts::items(&db, &att.id).await.unwrap();
        assert_eq!(items.len(), 10);
        let lq = items
            .iter()
            .filter(|i| i.draft.topic == "lien-quan")
            .count();
        assert!(lq >= 3, "quota: {lq} lien-quan questions");
        let ids: std::collections::HashSet<_> = items.iter().map(|i| &i.question_id).collect();
        assert_eq!(ids.len(), 10, "no question twice");
        for (k, item) in items.iter().enumerate() {
            let resp = if k < wrong_n {
                wrong(item)
            } else {
                right(item)
            };
            // First a wrong answer, then the final one: the last save counts.
            attempts::save_answer(&db, &att, item.position, wrong(item), now + 1000)
                .await
                .unwrap();
            attempts::save_answer(&db, &att, item.position, resp, now + 2000)
                .await
                .unwrap();
        }
        // Resuming: starting again returns the same attempt with the answers.
        let again = attempts::start(&db, &round, user, now + 3000)
            .await
            .unwrap();
        assert_eq!(again.id, att.id);
        let kept = attempts::items(&db, &att.id).await.unwrap();
        assert!(kept.iter().all(|i| i.response.is_some()));
        let done = attempts::submit(&db, &att, Some(prediction), now + 10_000)
            .await
            .unwrap();
        assert_eq!(done.score, Some(10 - wrong_n as i64));
        assert_eq!(done.closed_by.as_deref(), Some("submit"));
        // A repeated submit changes nothing.
        let twice = attempts::submit(&db, &done, Some(999), now + 20_000)
            .await
            .unwrap();
        assert_eq!(twice, done);
        // Answers after the submit are refused.
        assert!(
            attempts::save_answer(&db, &done, 0, right(&items[0]), now + 21_000)
                .await
                .is_err()
        );
    }

    let res = results::round(&db, &round.id).await.unwrap();
    assert_eq!(res.perfect, 2);
    let order: Vec<&str> = res.rows.iter().map(|r| r.person.user_id.as_str()).collect();
    assert_eq!(
        order,
        [a.as_str(), c.as_str(), b.as_str()],
        "score, then prediction distance"
    );
    assert_eq!(res.rows[0].prize.as_deref(), Some("Giải Nhất"));
    assert_eq!(res.rows[0].distance, Some(0));
    assert_eq!(res.rows[1].distance, Some(38));

    // On both stores who the people are is read in one pass over the accounts
    // while the round's people are many of them, and only theirs once they
    // are few; both give the same ranking.
    for n in 10..80 {
        sqlx::query("INSERT INTO users (id, login, full_name, password_hash, role, position, created_at) VALUES ($1, $2, $3, 'x', 'contestant', '', $4)")
            .bind(format!("u{n}"))
            .bind(format!("cb{n}@example.vn"))
            .bind(format!("Cán bộ {n}"))
            .bind(now)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let again = results::round(&db, &round.id).await.unwrap();
    assert_eq!(again.rows, res.rows);
    assert_eq!(again.rows[2].person.full_name, "Cán bộ 2");
}

#[tokio::test]
async fn attempts_allowed_hold_under_concurrent_starts() {
    let db = db().await;
    let now = now_ms();
    let mut r = rules(now);
    r.attempts_allowed = 1;
    let round = round(&db, &r).await;
    let user = cadre(&db, 1).await;
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (db, round, user) = (db.clone(), round.clone(), user.clone());
            tokio::spawn(async move { attempts::start(&db, &round, &user, now).await })
        })
        .collect();
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        if let Ok(a) = t.await.unwrap() {
            ids.insert(a.id);
        }
    }
    assert_eq!(ids.len(), 1, "all concurrent starts resume one attempt");
    let mine = attempts::of_user(&db, &round.id, &user).await.unwrap();
    assert_eq!(mine.len(), 1);
    attempts::submit(&db, &mine[0], None, now + 1000)
        .await
        .unwrap();
    let err = attempts::start(&db, &round, &user, now + 2000)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("hết 1 lượt"), "{err}");
}

#[tokio::test]
async fn a_save_holding_a_stale_open_attempt_changes_nothing_once_closed() {
    // The server keeps open attempts in memory; a close elsewhere (another
    // instance, the sweeper) leaves that copy saying "open". The write's own
    // guard must refuse the save on both stores.
    let db = db().await;
    let now = now_ms();
    let round = round(&db, &rules(now)).await;
    let user = cadre(&db, 1).await;
    let att = attempts::start(&db, &round, &user, now).await.unwrap();
    let stale = attempts::owned_open(&db, &att.id, &user).await.unwrap();
    let items = attempts::items(&db, &att.id).await.unwrap();
    attempts::save_to(&db, &stale, items[0].position, right(&items[0]), now + 1_000)
        .await
        .unwrap();
    let closed = attempts::submit(&db, &att, None, now + 2_000).await.unwrap();
    assert_eq!(closed.score, Some(1));
    let late = attempts::save_to(&db, &stale, items[1].position, right(&items[1]), now + 3_000).await;
    assert!(late.unwrap_err().to_string().contains("đã nộp"));
    let after = attempts::items(&db, &att.id).await.unwrap();
    assert!(after[0].response.is_some());
    assert_eq!(after[0].correct, Some(true));
    assert!(after[1].response.is_none(), "a refused save left an answer");
}

#[tokio::test]
async fn the_deadline_closes_attempts_with_what_was_saved() {
    let db = db().await;
    let now = now_ms();
    let mut r = rules(now);
    r.time_limit_secs = 60;
    let round = round(&db, &r).await;
    let user = cadre(&db, 1).await;
    let att = attempts::start(&db, &round, &user, now).await.unwrap();
    assert_eq!(att.deadline, now + 60_000);
    let items = attempts::items(&db, &att.id).await.unwrap();
    for item in &items[..4] {
        attempts::save_answer(&db, &att, item.position, right(item), now + 30_000)
            .await
            .unwrap();
    }
    // Within the grace period the last request in flight still counts.
    attempts::save_answer(
        &db,
        &att,
        items[4].position,
        right(&items[4]),
        now + 60_000 + GRACE_MS,
    )
    .await
    .unwrap();
    // After it, nothing is accepted and the attempt closes itself.
    let late = attempts::save_answer(
        &db,
        &att,
        items[5].position,
        right(&items[5]),
        now + 60_000 + GRACE_MS + 1,
    )
    .await;
    assert!(late.unwrap_err().to_string().contains("hết giờ"));
    let closed = attempts::get_one(&db, &att.id).await.unwrap();
    assert_eq!(closed.closed_by.as_deref(), Some("deadline"));
    assert_eq!(closed.score, Some(5));
    assert_eq!(closed.finished_at, Some(att.deadline));
    // A forged submit afterwards changes nothing, prediction included.
    let again = attempts::submit(&db, &closed, Some(3), now + 120_000)
        .await
        .unwrap();
    assert_eq!(again, closed);

    // The sweeper closes attempts nobody comes back to.
    let other = cadre(&db, 2).await;
    let att2 = attempts::start(&db, &round, &other, now).await.unwrap();
    assert_eq!(attempts::close_due(&db, now + 30_000).await.unwrap(), 0);
    assert_eq!(
        attempts::close_due(&db, now + 60_000 + GRACE_MS + 1)
            .await
            .unwrap(),
        1
    );
    let swept = attempts::get_one(&db, &att2.id).await.unwrap();
    assert_eq!(
        (swept.closed_by.as_deref(), swept.score),
        (Some("deadline"), Some(0))
    );
}

#[tokio::test]
async fn rules_the_bank_cannot_serve_are_refused() {
    let db = db().await;
    let mut r = rules(now_ms());
    // One more than the bank holds on the topic, whatever its size.
    let held = hoithi_core::store::seed::bank()
        .unwrap()
        .iter()
        .filter(|(_, q)| q.topic == "kh171")
        .count() as u32;
    r.draw = vec![DrawRule {
        topic: Some("kh171".into()),
        difficulty: None,
        count: held + 1,
    }];
    r.questions_per_attempt = held + 1;
    let err = rounds::validate(&db, &r).await.unwrap_err().to_string();
    assert!(err.contains("không đủ câu hỏi"), "{err}");
}
