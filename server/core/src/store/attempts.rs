//! Attempts at a round: starting one (the draw), saving each answer as it is
//! chosen, submitting, and closing attempts whose deadline has passed.
//!
//! The database enforces the limits that concurrent requests could break:
//! `(round, user, seq)` is unique, so no more than the allowed attempts can
//! start, and a partial unique index allows one open attempt per person.
//! Closing is a conditional update on `finished_at IS NULL`, so a submit and
//! the deadline sweeper cannot both grade an attempt.

use super::batch::{Arg, Stmt};
use super::questions::draft_from_row;
use super::rounds::{self, RoundRecord};
use super::{get, hot, is_unique_violation, new_id, Cols, Db, Result, StoreError};
pub use super::answers::{owned_open, play_items, save_answer, save_to};
pub use hot::{ItemKey, OpenAttempt};
pub use super::finished::{finished, Finished, Person};
use crate::model::QuestionDraft;
use crate::round::grading::{self, Response};
use crate::round::ranking::Outcome;
use crate::round::{self as rules, draw, Phase};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub id: String,
    pub round_id: String,
    pub user_id: String,
    pub seq: i64,
    pub started_at: i64,
    pub deadline: i64,
    pub finished_at: Option<i64>,
    /// "submit" or "deadline".
    pub closed_by: Option<String>,
    pub total: i64,
    pub score: Option<i64>,
    pub prediction: Option<i64>,
}

impl AttemptRecord {
    pub fn is_open(&self) -> bool {
        self.finished_at.is_none()
    }

    pub fn outcome(&self) -> Option<Outcome> {
        let finished = self.finished_at?;
        Some(Outcome {
            score: self.score? as u32,
            total: self.total as u32,
            prediction: self.prediction,
            time_ms: rules::time_taken(self.started_at, finished, self.deadline),
            submitted_at: finished,
        })
    }
}

/// One drawn question with its content at the drawn version.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemRecord {
    pub position: i64,
    pub question_id: String,
    pub version: i64,
    /// Stored option indices in display order.
    pub option_order: Vec<usize>,
    /// In stored option indices.
    pub response: Option<Response>,
    pub correct: Option<bool>,
    pub draft: QuestionDraft,
}

impl ItemRecord {
    /// The saved response in display positions, as the page shows it.
    pub fn display_response(&self) -> Option<Response> {
        self.response.as_ref().map(|r| match r {
            Response::Choices(c) => Response::Choices(
                c.iter()
                    .filter_map(|i| self.option_order.iter().position(|o| o == i))
                    .collect(),
            ),
            Response::Text(t) => Response::Text(t.clone()),
        })
    }
}

const SELECT: &str = "SELECT id, round_id, user_id, seq, started_at, deadline, finished_at, closed_by, total, score, prediction FROM attempts";

fn from_row(r: &impl Cols) -> Result<AttemptRecord> {
    Ok(AttemptRecord {
        id: r.col("id")?,
        round_id: r.col("round_id")?,
        user_id: r.col("user_id")?,
        seq: r.col("seq")?,
        started_at: r.col("started_at")?,
        deadline: r.col("deadline")?,
        finished_at: r.col("finished_at")?,
        closed_by: r.col("closed_by")?,
        total: r.col("total")?,
        score: r.col("score")?,
        prediction: r.col("prediction")?,
    })
}

pub async fn get_one(db: &Db, id: &str) -> Result<AttemptRecord> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    from_row(&row.ok_or(StoreError::NotFound)?)
}

/// The attempt if it belongs to `user_id`; someone else's is "not found".
pub async fn owned(db: &Db, id: &str, user_id: &str) -> Result<AttemptRecord> {
    let a = get_one(db, id).await?;
    if a.user_id != user_id {
        return Err(StoreError::NotFound);
    }
    Ok(a)
}

/// A person's attempts at a round, in the order taken.
pub async fn of_user(db: &Db, round_id: &str, user_id: &str) -> Result<Vec<AttemptRecord>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE round_id = $1 AND user_id = $2 ORDER BY seq"
    ))
    .bind(round_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A person's attempts at every round of a contest (one indexed read).
pub async fn of_user_in_contest(db: &Db, contest_id: &str, user_id: &str) -> Result<Vec<AttemptRecord>> {
    const SQL: &str = "SELECT a.id, a.round_id, a.user_id, a.seq, a.started_at, a.deadline, a.finished_at, a.closed_by, a.total, a.score, a.prediction \
         FROM attempts a JOIN rounds r ON r.id = a.round_id WHERE a.user_id = $1 AND r.contest_id = $2 ORDER BY a.seq";
    // Every start reads this: on SQLite, on this thread.
    if let Some(readers) = db.readers() {
        return readers.rows(SQL, &[Arg::from(user_id), Arg::from(contest_id)], |r| from_row(r));
    }
    let rows = sqlx::query(SQL)
        .bind(user_id)
        .bind(contest_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

const ITEMS_SQL: &str = "SELECT i.position, i.question_id, i.version, i.option_order, i.response, i.correct, \
     v.kind, v.topic, v.difficulty, v.text, v.options, v.answers, v.tolerance, v.explanation, v.source, v.image \
     FROM attempt_items i JOIN question_versions v ON v.question_id = i.question_id AND v.version = i.version \
     WHERE i.attempt_id = $1 ORDER BY i.position";

pub async fn items(db: &Db, attempt_id: &str) -> Result<Vec<ItemRecord>> {
    let rows = sqlx::query(ITEMS_SQL)
    .bind(attempt_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(item_from_row).collect()
}

fn item_from_row(r: &AnyRow) -> Result<ItemRecord> {
    let corrupt = |w: &str| StoreError::Corrupt(format!("attempt item {w}"));
    let order: String = get(r, "option_order")?;
    let response: Option<String> = get(r, "response")?;
    let correct: Option<i64> = get(r, "correct")?;
    Ok(ItemRecord {
        position: get(r, "position")?,
        question_id: get(r, "question_id")?,
        version: get(r, "version")?,
        option_order: serde_json::from_str(&order).map_err(|_| corrupt("order"))?,
        response: response
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|_| corrupt("response"))?,
        correct: correct.map(|c| c != 0),
        draft: draft_from_row(r, None)?,
    })
}

pub(crate) fn expired() -> StoreError {
    StoreError::Invalid("Đã hết giờ làm bài: bài thi đã được nộp với các câu trả lời đã lưu".into())
}

pub(crate) fn submitted() -> StoreError {
    StoreError::Invalid("Bài thi đã nộp, không thể sửa câu trả lời".into())
}

/// Starts an attempt, or returns the one already in progress.
pub async fn start(db: &Db, round: &RoundRecord, user_id: &str, now: i64) -> Result<AttemptRecord> {
    start_from(db, round, user_id, &super::fairplay::Origin::default(), now).await
}

/// As `start`, recording where the attempt came from (fair-play signals).
pub async fn start_from(
    db: &Db,
    round: &RoundRecord,
    user_id: &str,
    origin: &super::fairplay::Origin,
    now: i64,
) -> Result<AttemptRecord> {
    match round.phase(now) {
        Phase::Open => {}
        Phase::Draft => return Err(StoreError::NotFound),
        Phase::Upcoming => return Err(StoreError::Invalid("Vòng thi chưa mở".into())),
        Phase::Closed => return Err(StoreError::Invalid("Vòng thi đã kết thúc".into())),
    }
    let r = &round.rules;
    let mut bank = None;
    // Concurrent starts of one person collide on the unique keys; the loser
    // looks again and finds the winner's attempt.
    for _ in 0..6 {
        let everywhere = of_user_in_contest(db, &round.contest_id, user_id).await?;
        let met_before = !everywhere.is_empty();
        let mine: Vec<AttemptRecord> =
            everywhere.into_iter().filter(|a| a.round_id == round.id).collect();
        if let Some(open) = mine.iter().find(|a| a.is_open()) {
            if rules::accepts(now, open.deadline) {
                return Ok(open.clone());
            }
            close(db, open, Closing::Deadline, now).await?;
            continue;
        }
        if bank.is_none() {
            if let Some(reason) = hot::round(db, &round.id).await?.out(user_id) {
                return Err(StoreError::Invalid(format!(
                    "Ban tổ chức đã loại bạn khỏi vòng thi này: {reason}"
                )));
            }
        }
        if mine.len() as u32 >= r.attempts_allowed {
            return Err(StoreError::Invalid(format!(
                "Bạn đã dùng hết {} lượt thi của vòng này",
                r.attempts_allowed
            )));
        }
        if bank.is_none() {
            bank = Some(rounds::bank_cached(db).await?);
        }
        let bank = bank.as_ref().expect("loaded above");
        let exposure = super::exposure::of(db, round, user_id, bank, met_before).await?;
        let picked = {
            let cands: Vec<_> = bank
                .iter()
                .map(|b| draw::Candidate {
                    topic: &b.topic,
                    difficulty: b.difficulty,
                })
                .collect();
            let mut rng = rand::thread_rng();
            let picked = draw::draw_fresh(&cands, &exposure, &r.draw, r.questions_per_attempt, &mut rng)
                .map_err(|e| StoreError::Invalid(e.to_string()))?;
            picked
                .into_iter()
                .map(|i| {
                    (
                        i,
                        draw::option_order(bank[i].kind, bank[i].options, &mut rng),
                    )
                })
                .collect::<Vec<_>>()
        };
        let id = new_id();
        let deadline = rules::deadline(now, r.time_limit_secs, r.closes_at);
        let seq = mine.len() as i64 + 1;
        let attempt = Stmt::new(
            "INSERT INTO attempts (id, round_id, user_id, seq, started_at, deadline, total, device, address) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                Arg::from(&id),
                Arg::from(&round.id),
                Arg::from(user_id),
                seq.into(),
                now.into(),
                deadline.into(),
                (picked.len() as i64).into(),
                origin.device.clone().into(),
                origin.address.clone().into(),
            ],
        );
        // On PostgreSQL the attempt and its items go in one statement (the
        // attempt as a data-modifying WITH): one round trip, no BEGIN and
        // COMMIT; the items' parameters then follow the attempt's.
        let one_statement = db.backend == super::Backend::Postgres;
        let write = if picked.is_empty() {
            vec![attempt]
        } else {
            // All items in one statement.
            let first = if one_statement { attempt.args.len() } else { 0 };
            let values: Vec<String> = (0..picked.len())
                .map(|k| {
                    let n = first + 5 * k;
                    format!("(${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5)
                })
                .collect();
            let mut args = Vec::with_capacity(5 * picked.len());
            for (pos, (i, order)) in picked.iter().enumerate() {
                args.extend([
                    Arg::from(&id),
                    (pos as i64).into(),
                    Arg::from(&bank[*i].question_id),
                    bank[*i].version.into(),
                    serde_json::to_string(order).unwrap_or_default().into(),
                ]);
            }
            let items = format!(
                "INSERT INTO attempt_items (attempt_id, position, question_id, version, option_order) VALUES {}",
                values.join(", ")
            );
            if one_statement {
                let sql = format!("WITH started AS ({}) {items}", attempt.sql);
                let mut all = attempt.args;
                all.extend(args);
                vec![Stmt::new(sql, all)]
            } else {
                vec![attempt, Stmt::new(items, args)]
            }
        };
        match db.write(write).await {
            Ok(_) => {
                super::exposure::drawn(db, &round.id, picked.iter().map(|(i, _)| bank[*i].question_id.as_str()));
                let record = AttemptRecord {
                    id,
                    round_id: round.id.clone(),
                    user_id: user_id.to_string(),
                    seq,
                    started_at: now,
                    deadline,
                    finished_at: None,
                    closed_by: None,
                    total: picked.len() as i64,
                    score: None,
                    prediction: None,
                };
                let items = picked
                    .into_iter()
                    .enumerate()
                    .map(|(pos, (i, option_order))| ItemKey {
                        position: pos as i64,
                        question_id: bank[i].question_id.clone(),
                        version: bank[i].version,
                        option_order,
                    })
                    .collect();
                hot::keep_attempt(
                    db,
                    OpenAttempt {
                        record: record.clone(),
                        items,
                    },
                );
                return Ok(record);
            }
            Err(StoreError::Sql(e)) if is_unique_violation(&e) || is_busy(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Invalid(
        "Máy chủ đang bận, vui lòng thử lại".into(),
    ))
}

/// SQLite refuses to upgrade a read transaction whose snapshot went stale.
fn is_busy(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.message().contains("locked") || d.message().contains("busy"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closing {
    /// The contestant submitted, with a prediction if the round asks one.
    Submit(Option<i64>),
    /// The deadline passed: graded with what was saved, no prediction.
    Deadline,
    /// The organizer closed the round early: graded with what was saved.
    RoundClosed,
}

/// Submits; past the deadline the attempt closes as the deadline would have
/// closed it. A repeated submit returns the attempt unchanged.
pub async fn submit(
    db: &Db,
    attempt: &AttemptRecord,
    prediction: Option<i64>,
    now: i64,
) -> Result<AttemptRecord> {
    if attempt.is_open() {
        let how = if rules::accepts(now, attempt.deadline) {
            Closing::Submit(prediction)
        } else {
            Closing::Deadline
        };
        close(db, attempt, how, now).await?;
    }
    get_one(db, &attempt.id).await
}

/// Grades and closes an open attempt; does nothing if it is already closed.
/// The claim comes first and the answers are read after it, inside the same
/// writer's turn and transaction: a save racing the close is either in the
/// grade or refused, never stored ungraded.
pub async fn close(db: &Db, attempt: &AttemptRecord, how: Closing, now: i64) -> Result<()> {
    let (finished_at, closed_by, prediction) = match how {
        Closing::Submit(p) => (now.min(attempt.deadline + rules::GRACE_MS), "submit", p),
        Closing::Deadline => (attempt.deadline, "deadline", None),
        Closing::RoundClosed => (now.min(attempt.deadline), "round_closed", None),
    };
    hot::attempt_closed(db, &attempt.id);
    let _turn = db.write_turn().await;
    let mut tx = db.pool.begin().await?;
    let claimed = sqlx::query("UPDATE attempts SET finished_at = $1, closed_by = $2, prediction = $3 WHERE id = $4 AND finished_at IS NULL")
        .bind(finished_at)
        .bind(closed_by)
        .bind(prediction)
        .bind(&attempt.id)
        .execute(&mut *tx)
        .await?;
    if claimed.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(());
    }
    // The saved answers, read inside the claim; the questions from memory.
    let rows = sqlx::query(
        "SELECT position, question_id, version, response FROM attempt_items WHERE attempt_id = $1",
    )
    .bind(&attempt.id)
    .fetch_all(&mut *tx)
    .await?;
    let mut positions = Vec::with_capacity(rows.len());
    let mut marks = Vec::with_capacity(rows.len());
    for r in &rows {
        let response: Option<String> = get(r, "response")?;
        let response: Option<Response> = response
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|_| StoreError::Corrupt("attempt item response".into()))?;
        let draft = hot::draft(db, &get::<String>(r, "question_id")?, get(r, "version")?).await?;
        positions.push(get::<i64>(r, "position")?);
        marks.push(response.as_ref().is_some_and(|resp| grading::is_correct(&draft, resp)));
    }
    let score = marks.iter().filter(|m| **m).count() as i64;
    sqlx::query("UPDATE attempts SET score = $1 WHERE id = $2")
        .bind(score)
        .bind(&attempt.id)
        .execute(&mut *tx)
        .await?;
    // Every item's mark in one statement (positions are numbers read back
    // from the database, not input).
    let right: Vec<String> = positions
        .iter()
        .zip(&marks)
        .filter(|(_, ok)| **ok)
        .map(|(p, _)| p.to_string())
        .collect();
    let mark = if right.is_empty() {
        "0".to_string()
    } else {
        format!("CASE WHEN position IN ({}) THEN 1 ELSE 0 END", right.join(", "))
    };
    sqlx::query(&format!("UPDATE attempt_items SET correct = {mark} WHERE attempt_id = $1"))
        .bind(&attempt.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    // A save that read the attempt before the claim may have put it back.
    hot::attempt_closed(db, &attempt.id);
    Ok(())
}

/// Closes every attempt whose deadline (and grace) has passed, whether or
/// not its contestant comes back. Returns how many it closed.
pub async fn close_due(db: &Db, now: i64) -> Result<usize> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE finished_at IS NULL AND deadline < $1 ORDER BY deadline LIMIT 500"
    ))
    .bind(now - rules::GRACE_MS)
    .fetch_all(&db.pool)
    .await?;
    let due: Vec<AttemptRecord> = rows.iter().map(from_row).collect::<Result<_>>()?;
    for a in &due {
        close(db, a, Closing::Deadline, now).await?;
    }
    Ok(due.len())
}

/// Closes every open attempt of a round (the organizer ended it early),
/// each graded with what was saved. Returns how many it closed.
pub async fn close_round(db: &Db, round_id: &str, now: i64) -> Result<usize> {
    let rows = sqlx::query(&format!("{SELECT} WHERE round_id = $1 AND finished_at IS NULL"))
        .bind(round_id)
        .fetch_all(&db.pool)
        .await?;
    let open: Vec<AttemptRecord> = rows.iter().map(from_row).collect::<Result<_>>()?;
    for a in &open {
        close(db, a, Closing::RoundClosed, now).await?;
    }
    Ok(open.len())
}

/// Attempts not yet closed in a round, whatever their deadline.
pub async fn unfinished(db: &Db, round_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE round_id = $1 AND finished_at IS NULL")
            .bind(round_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Attempts open now across every round.
pub async fn open_count(db: &Db, now: i64) -> Result<i64> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM attempts WHERE finished_at IS NULL AND deadline > $1",
    )
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    get(&r, "n")
}

pub async fn in_progress(db: &Db, round_id: &str, now: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE round_id = $1 AND finished_at IS NULL AND deadline >= $2")
        .bind(round_id)
        .bind(now - rules::GRACE_MS)
        .fetch_one(&db.pool)
        .await?)
}

/// Per drawn question of a round's finished attempts: (question id, the
/// attempt's score, answered correctly).
pub async fn item_marks(db: &Db, round_id: &str) -> Result<Vec<(String, u32, bool)>> {
    let rows = sqlx::query(
        "SELECT i.question_id, a.score, i.correct FROM attempt_items i JOIN attempts a ON a.id = i.attempt_id \
         WHERE a.round_id = $1 AND a.finished_at IS NOT NULL",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let score: i64 = get::<Option<i64>>(r, "score")?.unwrap_or(0);
            let correct: i64 = get::<Option<i64>>(r, "correct")?.unwrap_or(0);
            Ok((get(r, "question_id")?, score as u32, correct != 0))
        })
        .collect()
}

/// Attempts started per day (Hà Nội time) in a round: (day number since
/// 1970-01-01, attempts, distinct people).
pub async fn per_day(db: &Db, round_id: &str) -> Result<Vec<(i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT (started_at + 25200000) / 86400000 AS day, COUNT(*) AS n, COUNT(DISTINCT user_id) AS people \
         FROM attempts WHERE round_id = $1 GROUP BY (started_at + 25200000) / 86400000 ORDER BY day",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "day")?, get(r, "n")?, get(r, "people")?)))
        .collect()
}

/// Per unit of the contestants: (unit id, people who attempted, attempts).
pub async fn per_unit(db: &Db, round_ids: &[String]) -> Result<Vec<(Option<String>, i64, i64)>> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=round_ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT u.unit_id, COUNT(DISTINCT a.user_id) AS people, COUNT(*) AS n FROM attempts a JOIN users u ON u.id = a.user_id \
         WHERE a.round_id IN ({}) GROUP BY u.unit_id",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in round_ids {
        q = q.bind(id);
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| Ok((get(r, "unit_id")?, get(r, "people")?, get(r, "n")?)))
        .collect()
}

pub async fn of_round_count(db: &Db, round_id: &str) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE round_id = $1")
            .bind(round_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

