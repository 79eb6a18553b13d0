//! How often a person has met each bank question in a contest, and how
//! often a round has drawn it: what `draw::draw_fresh` weighs so that fewer
//! answers are worth passing on.

use super::rounds::{self, RoundRecord};
use super::{get, Db, Result};
use crate::round::draw;

/// Draws per question id. Every start looks up each bank question here, so
/// the hash is a fast one (foldhash, seeded per map) rather than SipHash,
/// which was most of a start's exposure cost.
pub(crate) type Counts = std::collections::HashMap<String, u32, foldhash::fast::RandomState>;

/// How often the person met each bank question in this contest, and how
/// often the round has drawn it (indexed like `bank`).
pub async fn of(
    db: &Db,
    round: &RoundRecord,
    user_id: &str,
    bank: &[rounds::BankEntry],
    met_before: bool,
) -> Result<Vec<draw::Exposure>> {
    // Someone with no attempt yet in the contest has met nothing: most
    // starts of a storm skip this read.
    if !met_before {
        return in_round(db, round, bank, &Counts::default()).await;
    }
    let met = sqlx::query(
        "SELECT i.question_id, COUNT(*) AS n FROM attempts a JOIN rounds r ON r.id = a.round_id \
         JOIN attempt_items i ON i.attempt_id = a.id WHERE a.user_id = $1 AND r.contest_id = $2 \
         GROUP BY i.question_id",
    )
    .bind(user_id)
    .bind(&round.contest_id)
    .fetch_all(&db.pool)
    .await?;
    let mut by_person = Counts::default();
    for r in &met {
        by_person.insert(get::<String>(r, "question_id")?, get::<i64>(r, "n")? as u32);
    }
    in_round(db, round, bank, &by_person).await
}

async fn in_round(
    db: &Db,
    round: &RoundRecord,
    bank: &[rounds::BankEntry],
    by_person: &Counts,
) -> Result<Vec<draw::Exposure>> {
    let cached = || db.exposure.lock().expect("exposure").contains_key(&round.id);
    // The first starts of a storm arrive together: one of them counts the
    // round's draws while the others wait for it, instead of each scanning.
    let _loading = match cached() {
        true => None,
        false => Some(db.exposure_load.lock().await),
    };
    if !cached() {
        let rows = sqlx::query(
            "SELECT i.question_id, COUNT(*) AS n FROM attempts a JOIN attempt_items i ON i.attempt_id = a.id \
             WHERE a.round_id = $1 GROUP BY i.question_id",
        )
        .bind(&round.id)
        .fetch_all(&db.pool)
        .await?;
        let mut counts = Counts::default();
        for r in &rows {
            counts.insert(get::<String>(r, "question_id")?, get::<i64>(r, "n")? as u32);
        }
        db.exposure.lock().expect("exposure").entry(round.id.clone()).or_insert(counts);
    }
    let all = db.exposure.lock().expect("exposure");
    let in_round = all.get(&round.id);
    Ok(bank
        .iter()
        .map(|b| draw::Exposure {
            by_person: by_person.get(&b.question_id).copied().unwrap_or(0),
            in_round: in_round.and_then(|m| m.get(&b.question_id)).copied().unwrap_or(0),
        })
        .collect())
}

/// Counts a committed draw in this instance's exposure figures.
pub fn drawn<'a>(db: &Db, round_id: &str, questions: impl Iterator<Item = &'a str>) {
    let mut all = db.exposure.lock().expect("exposure");
    if let Some(counts) = all.get_mut(round_id) {
        for q in questions {
            *counts.entry(q.to_string()).or_default() += 1;
        }
    }
}
