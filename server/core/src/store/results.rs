//! Rankings from finished attempts: per round by the round's counting rule,
//! overall across a contest's rounds, with prizes; and the finalists list.

use super::attempts::{self, Finished};
use super::finished::Person;
use std::sync::Arc;
use super::{get, now_ms, rounds, Db, Result, StoreError};
use crate::round::ranking::{self, Outcome, Standing};
use crate::round::RoundRules;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One ranked person. Who they are is shared with the attempts it was
/// ranked from: copying six texts for each of 250,000 people was a sixth
/// of a cold ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct RankRow {
    pub rank: u32,
    pub person: Arc<Person>,
    pub score: i64,
    pub total: i64,
    pub prediction: Option<i64>,
    /// Distance of the prediction from the real count; `None` without one.
    pub distance: Option<u64>,
    pub time_ms: i64,
    pub submitted_at: i64,
    /// Finished attempts of this person (in the round, or in all rounds).
    pub attempts: usize,
    pub prize: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RoundResults {
    /// Attempts with every answer correct: the prediction question's answer.
    pub perfect: i64,
    pub attempts: usize,
    pub rows: Vec<RankRow>,
    /// Each person's row, built on the first look-up: a cached ranking of
    /// 250,000 people is read by each of them for their own rank.
    by_user: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl RoundResults {
    /// The person's row, if they are ranked.
    pub fn row_of(&self, user_id: &str) -> Option<&RankRow> {
        let index = self.by_user.get_or_init(|| {
            self.rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.person.user_id.clone(), i))
                .collect()
        });
        index.get(user_id).map(|&i| &self.rows[i])
    }
}

/// Ranks one round's finished attempts (as `attempts::finished` returns them,
/// grouped by person in the order taken).
pub fn rank_round(rules: &RoundRules, finished: &[Finished]) -> RoundResults {
    let perfect = ranking::perfect_count(finished.iter().map(|f| &f.outcome));
    let mut entries = Vec::new();
    let mut outs: Vec<Outcome> = Vec::new();
    let same = |a: &Finished, b: &Finished| {
        std::sync::Arc::ptr_eq(&a.person, &b.person) || a.person.user_id == b.person.user_id
    };
    for list in finished.chunk_by(same) {
        outs.clear();
        outs.extend(list.iter().map(|f| f.outcome));
        if let Some(i) = ranking::counted(&outs, rules.counting, perfect, rules.prediction) {
            entries.push((
                (&list[i], outs[i], list.len()),
                Standing::of(&outs[i], perfect, rules.prediction),
            ));
        }
    }
    let ranked = ranking::rank(entries);
    let prizes = ranking::award(
        &ranked.iter().map(|r| r.rank).collect::<Vec<_>>(),
        &rules.prizes,
    );
    let rows = ranked
        .into_iter()
        .zip(prizes)
        .map(|(r, prize)| {
            let (f, o, n) = r.key;
            RankRow {
                rank: r.rank,
                person: f.person.clone(),
                score: i64::from(o.score),
                total: i64::from(o.total),
                prediction: o.prediction,
                distance: (rules.prediction && o.prediction.is_some())
                    .then_some(r.standing.distance),
                time_ms: o.time_ms,
                submitted_at: o.submitted_at,
                attempts: n,
                prize: prize.map(|p| rules.prizes[p].name.clone()),
            }
        })
        .collect();
    RoundResults {
        perfect,
        attempts: finished.len(),
        rows,
        by_user: Default::default(),
    }
}

pub async fn round(db: &Db, round_id: &str) -> Result<RoundResults> {
    let round = rounds::get_one(db, round_id).await?;
    Ok(rank_round(
        &round.rules,
        &attempts::finished(db, round_id).await?,
    ))
}

/// The overall ranking of a contest: each person's counted attempt in every
/// round, summed. Prizes are left to the rounds and the final.
pub async fn overall(db: &Db, contest_id: &str) -> Result<Vec<RankRow>> {
    let mut totals: BTreeMap<String, (RankRow, Standing)> = BTreeMap::new();
    for round in rounds::list(db, contest_id)
        .await?
        .into_iter()
        .filter(|r| r.published)
    {
        let results = round_results_rows(db, &round.id, &round.rules).await?;
        for row in results {
            let s = Standing {
                score: row.score,
                distance: row.distance.unwrap_or(if round.rules.prediction {
                    ranking::NO_PREDICTION
                } else {
                    0
                }),
                time_ms: row.time_ms,
                submitted_at: row.submitted_at,
            };
            totals
                .entry(row.person.user_id.clone())
                .and_modify(|(acc, st)| {
                    *st = st.plus(&s);
                    acc.score += row.score;
                    acc.total += row.total;
                    acc.attempts += row.attempts;
                    acc.time_ms += row.time_ms;
                    acc.submitted_at = acc.submitted_at.max(row.submitted_at);
                    acc.prediction = None;
                    acc.distance = acc.distance.zip(row.distance).map(|(a, b)| a + b);
                })
                .or_insert((RankRow { prize: None, ..row }, s));
        }
    }
    let ranked = ranking::rank(totals.into_values().map(|(row, s)| (row, s)).collect());
    Ok(ranked
        .into_iter()
        .map(|r| RankRow {
            rank: r.rank,
            ..r.key
        })
        .collect())
}

async fn round_results_rows(db: &Db, round_id: &str, rules: &RoundRules) -> Result<Vec<RankRow>> {
    Ok(rank_round(rules, &attempts::finished(db, round_id).await?).rows)
}

/// A confirmed finalist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finalist {
    pub position: i64,
    pub user_id: String,
    pub full_name: String,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub confirmed_at: i64,
}

pub async fn finalists(db: &Db, contest_id: &str) -> Result<Vec<Finalist>> {
    let rows = sqlx::query(
        "SELECT f.position, f.user_id, f.confirmed_at, u.full_name, u.unit_id, n.name AS unit_name FROM finalists f \
         JOIN users u ON u.id = f.user_id LEFT JOIN units n ON n.id = u.unit_id WHERE f.contest_id = $1 ORDER BY f.position",
    )
    .bind(contest_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Finalist {
                position: get(r, "position")?,
                user_id: get(r, "user_id")?,
                full_name: get(r, "full_name")?,
                unit_id: get(r, "unit_id")?,
                unit_name: get(r, "unit_name")?,
                confirmed_at: get(r, "confirmed_at")?,
            })
        })
        .collect()
}

/// Replaces the contest's finalists with `user_ids`, in order, at once.
pub async fn confirm_finalists(
    db: &Db,
    contest_id: &str,
    user_ids: &[String],
    by: &str,
) -> Result<()> {
    if user_ids.is_empty() {
        return Err(StoreError::Invalid(
            "Danh sách thí sinh vào chung kết đang trống".into(),
        ));
    }
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM finalists WHERE contest_id = $1")
        .bind(contest_id)
        .execute(&mut *tx)
        .await?;
    for (i, u) in user_ids.iter().enumerate() {
        sqlx::query("INSERT INTO finalists (contest_id, user_id, position, confirmed_at, confirmed_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(contest_id)
            .bind(u)
            .bind(i as i64 + 1)
            .bind(now)
            .bind(by)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
