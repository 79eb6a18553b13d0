//! An open attempt as its contestant works on it: loading its questions
//! and saved answers, and saving each answer as it is chosen. Both come
//! from memory (`hot`) while the attempt is open: the drawn items never
//! change, and question versions are never rewritten.

use super::attempts::{close, expired, get_one, submitted, AttemptRecord, Closing, ItemRecord};
use super::batch::{Arg, Stmt};
use super::hot::{self, OpenAttempt};
use super::{Cols, Db, Result, StoreError};
use crate::round::grading::{self, Response};
use crate::round as rules;
use std::sync::Arc;

/// The caller's attempt as its play and saves need it: from memory while
/// it is open. Someone else's attempt is "not found".
pub async fn owned_open(db: &Db, id: &str, user_id: &str) -> Result<Arc<OpenAttempt>> {
    let open = match hot::attempt(db, id) {
        Some(open) => open,
        None => open_of(db, &get_one(db, id).await?).await?,
    };
    if open.record.user_id != user_id {
        return Err(StoreError::NotFound);
    }
    Ok(open)
}

/// The attempt with its drawn items; kept in memory while it is open.
pub(crate) async fn open_of(db: &Db, attempt: &AttemptRecord) -> Result<Arc<OpenAttempt>> {
    if let Some(open) = hot::attempt(db, &attempt.id) {
        return Ok(open);
    }
    if !attempt.is_open() {
        return Ok(Arc::new(OpenAttempt {
            record: attempt.clone(),
            items: Vec::new(),
        }));
    }
    let items = hot::item_keys(db, &attempt.id).await?;
    Ok(hot::keep_attempt(
        db,
        OpenAttempt {
            record: attempt.clone(),
            items,
        },
    ))
}

/// The open attempt's questions with the answers saved so far: one light
/// read (the saved answers), the rest from memory. Finds out too whether
/// another instance closed the attempt meanwhile (then `None`).
pub async fn play_items(db: &Db, open: &OpenAttempt) -> Result<Option<Vec<ItemRecord>>> {
    const SQL: &str = "SELECT i.position, i.response, a.finished_at FROM attempt_items i JOIN attempts a ON a.id = i.attempt_id \
         WHERE i.attempt_id = $1 ORDER BY i.position";
    // (position, saved response, the attempt's finished_at)
    let rows: Vec<(i64, Option<String>, Option<i64>)> = match db.readers() {
        Some(readers) => readers.rows(SQL, &[Arg::from(&open.record.id)], |r| saved_row(r))?,
        None => sqlx::query(SQL)
            .bind(&open.record.id)
            .fetch_all(&db.pool)
            .await?
            .iter()
            .map(saved_row)
            .collect::<Result<_>>()?,
    };
    let mut saved = std::collections::HashMap::with_capacity(rows.len());
    for (position, response, finished_at) in rows {
        if finished_at.is_some() {
            hot::attempt_closed(db, &open.record.id);
            return Ok(None);
        }
        let response = response
            .map(|s| serde_json::from_str::<Response>(&s))
            .transpose()
            .map_err(|_| StoreError::Corrupt("attempt item response".into()))?;
        saved.insert(position, response);
    }
    let mut out = Vec::with_capacity(open.items.len());
    for k in &open.items {
        out.push(ItemRecord {
            position: k.position,
            question_id: k.question_id.clone(),
            version: k.version,
            option_order: k.option_order.clone(),
            response: saved.remove(&k.position).flatten(),
            correct: None,
            draft: (*hot::draft(db, &k.question_id, k.version).await?).clone(),
        });
    }
    Ok(Some(out))
}

fn saved_row(r: &impl Cols) -> Result<(i64, Option<String>, Option<i64>)> {
    Ok((r.col("position")?, r.col("response")?, r.col("finished_at")?))
}

/// Saves (or, with an empty response, clears) the answer at `position`.
/// `display` uses the option positions as shown.
pub async fn save_answer(
    db: &Db,
    attempt: &AttemptRecord,
    position: i64,
    display: Response,
    now: i64,
) -> Result<()> {
    save_to(db, &*open_of(db, attempt).await?, position, display, now).await
}

/// As `save_answer`, for an attempt as `owned_open` gave it. An open
/// attempt's save reads nothing from the database: its items and their
/// questions are in memory, and the one write is guarded.
pub async fn save_to(
    db: &Db,
    open: &OpenAttempt,
    position: i64,
    display: Response,
    now: i64,
) -> Result<()> {
    let attempt = &open.record;
    if !attempt.is_open() {
        return Err(if attempt.closed_by.as_deref() == Some("deadline") {
            expired()
        } else {
            submitted()
        });
    }
    if !rules::accepts(now, attempt.deadline) {
        close(db, attempt, Closing::Deadline, now).await?;
        return Err(expired());
    }
    let item = open
        .items
        .iter()
        .find(|i| i.position == position)
        .ok_or(StoreError::NotFound)?;
    let draft = hot::draft(db, &item.question_id, item.version).await?;
    let stored = match display {
        Response::Choices(c) => Response::Choices(
            c.iter()
                .map(|&d| {
                    item.option_order
                        .get(d)
                        .copied()
                        .ok_or_else(|| StoreError::Invalid("Phương án không tồn tại".into()))
                })
                .collect::<Result<_>>()?,
        ),
        Response::Text(t) => Response::Text(crate::text::clean(&t)),
    };
    grading::check(&draft, &stored).map_err(|m| StoreError::Invalid(m.into()))?;
    let json = (!stored.is_empty()).then(|| serde_json::to_string(&stored).unwrap_or_default());
    // The guard on the attempt keeps a save racing the close out of a graded
    // attempt. On SQLite the close holds the writer's turn, so the guard is
    // enough. On PostgreSQL the statement first takes the attempt's row lock
    // (`FOR UPDATE`), so a close that claimed the attempt first is waited
    // for, and the attempt, then closed, no longer qualifies: the save
    // changes nothing. One statement, so one round trip.
    let lock = match db.backend {
        super::Backend::Sqlite => "",
        super::Backend::Postgres => " FOR UPDATE",
    };
    let write = vec![Stmt::new(
        format!(
            "UPDATE attempt_items SET response = $1, answered_at = $2 WHERE attempt_id = $3 AND position = $4 \
             AND EXISTS (SELECT 1 FROM attempts WHERE id = $3 AND finished_at IS NULL{lock})"
        ),
        vec![
            Arg::OptText(json),
            now.into(),
            Arg::from(&attempt.id),
            position.into(),
        ],
    )];
    let changed = db.write(write).await?;
    if changed.last().copied().unwrap_or(0) == 0 {
        hot::attempt_closed(db, &attempt.id);
        return Err(submitted());
    }
    Ok(())
}

