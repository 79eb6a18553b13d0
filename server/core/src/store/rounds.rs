//! Rounds of a contest: the organizer's rules and the round's life
//! (draft → published → closed, answer key and results published).

use super::{get, new_id, now_ms, Db, Result, StoreError};
use crate::model::{Difficulty, QuestionKind};
use crate::round::{Phase, RoundRules};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub id: String,
    pub contest_id: String,
    pub rules: RoundRules,
    pub published: bool,
    pub key_published: bool,
    pub results_published: bool,
}

impl RoundRecord {
    pub fn phase(&self, now: i64) -> Phase {
        Phase::at(
            self.published,
            self.rules.opens_at,
            self.rules.closes_at,
            now,
        )
    }
}

const SELECT: &str =
    "SELECT id, contest_id, rules, published, key_published, results_published FROM rounds";

fn from_row(r: &AnyRow) -> Result<RoundRecord> {
    let rules: String = get(r, "rules")?;
    let flag = |c: &str| -> Result<bool> { Ok(get::<i64>(r, c)? != 0) };
    Ok(RoundRecord {
        id: get(r, "id")?,
        contest_id: get(r, "contest_id")?,
        rules: serde_json::from_str(&rules)
            .map_err(|e| StoreError::Corrupt(format!("round rules: {e}")))?,
        published: flag("published")?,
        key_published: flag("key_published")?,
        results_published: flag("results_published")?,
    })
}

fn rules_json(rules: &RoundRules) -> Result<String> {
    serde_json::to_string(rules).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub async fn get_one(db: &Db, id: &str) -> Result<RoundRecord> {
    let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    from_row(&row.ok_or(StoreError::NotFound)?)
}

pub async fn list(db: &Db, contest_id: &str) -> Result<Vec<RoundRecord>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE contest_id = $1 ORDER BY opens_at, created_at"
    ))
    .bind(contest_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Published rounds not yet closed at `now`, for contestants' home page.
pub async fn list_current(db: &Db, now: i64) -> Result<Vec<RoundRecord>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE published = 1 AND closes_at > $1 ORDER BY opens_at"
    ))
    .bind(now)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn create(db: &Db, contest_id: &str, rules: &RoundRules) -> Result<String> {
    let id = new_id();
    let now = now_ms();
    sqlx::query("INSERT INTO rounds (id, contest_id, rules, opens_at, closes_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
        .bind(&id)
        .bind(contest_id)
        .bind(rules_json(rules)?)
        .bind(rules.opens_at)
        .bind(rules.closes_at)
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(id)
}

/// Saves new rules. Once attempts exist only the closing time, review policy
/// and prizes may change: the rest would treat contestants unequally.
pub async fn update(db: &Db, id: &str, rules: &RoundRules) -> Result<()> {
    let current = get_one(db, id).await?;
    let attempts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attempts WHERE round_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    if attempts > 0 {
        let mut same = rules.clone();
        same.closes_at = current.rules.closes_at;
        same.review = current.rules.review;
        same.prizes = current.rules.prizes.clone();
        same.name = current.rules.name.clone();
        if same != current.rules {
            return Err(StoreError::Invalid(
                "Vòng thi đã có lượt thi: chỉ được đổi tên, thời điểm kết thúc, chế độ xem đáp án và cơ cấu giải".into(),
            ));
        }
    }
    sqlx::query("UPDATE rounds SET rules = $1, opens_at = $2, closes_at = $3, updated_at = $4 WHERE id = $5")
        .bind(rules_json(rules)?)
        .bind(rules.opens_at)
        .bind(rules.closes_at)
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    super::hot::rounds_changed(db);
    Ok(())
}

pub async fn set_published(db: &Db, id: &str, published: bool) -> Result<()> {
    flag(db, id, "published", published).await
}

pub async fn set_key_published(db: &Db, id: &str, v: bool) -> Result<()> {
    flag(db, id, "key_published", v).await
}

pub async fn set_results_published(db: &Db, id: &str, v: bool) -> Result<()> {
    flag(db, id, "results_published", v).await
}

async fn flag(db: &Db, id: &str, column: &'static str, v: bool) -> Result<()> {
    let res = sqlx::query(&format!(
        "UPDATE rounds SET {column} = $1, updated_at = $2 WHERE id = $3"
    ))
    .bind(i64::from(v))
    .bind(now_ms())
    .bind(id)
    .execute(&db.pool)
    .await?;
    super::hot::rounds_changed(db);
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Moves the closing time (extend, or close early with `now`).
pub async fn set_closes_at(db: &Db, id: &str, closes_at: i64) -> Result<()> {
    let mut round = get_one(db, id).await?;
    if closes_at <= round.rules.opens_at {
        return Err(StoreError::Invalid(
            "Thời điểm kết thúc phải sau thời điểm mở".into(),
        ));
    }
    round.rules.closes_at = closes_at;
    sqlx::query("UPDATE rounds SET rules = $1, closes_at = $2, updated_at = $3 WHERE id = $4")
        .bind(rules_json(&round.rules)?)
        .bind(closes_at)
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    super::hot::rounds_changed(db);
    Ok(())
}

/// A question the draw may pick: its current version, not retired.
#[derive(Clone, Debug)]
pub struct BankEntry {
    pub question_id: String,
    pub version: i64,
    pub topic: String,
    pub difficulty: Difficulty,
    pub kind: QuestionKind,
    /// How many options it has (0 for short answer and numeric).
    pub options: usize,
}

/// The drawable bank, from memory while the questions table has not
/// changed (its count, newest change and versions are the stamp).
/// Another instance's change to the bank reaches this one's draws within
/// this long; this instance's own changes clear the cache at once.
const BANK_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The drawable bank. In a start storm every start needs it, so it is kept
/// in memory and checked against the questions table at most once a second.
pub async fn bank_cached(db: &Db) -> Result<std::sync::Arc<Vec<BankEntry>>> {
    if let Some((_, checked, b)) = db.bank_cache.lock().expect("bank cache").as_ref() {
        if checked.elapsed() < BANK_RECHECK {
            return Ok(b.clone());
        }
    }
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(MAX(updated_at), 0) AS changed, CAST(COALESCE(SUM(current_version + retired * 1000003), 0) AS BIGINT) AS mix FROM questions",
    )
    .fetch_one(&db.pool)
    .await?;
    let stamp = format!(
        "{}:{}:{}",
        get::<i64>(&r, "n")?,
        get::<i64>(&r, "changed")?,
        get::<i64>(&r, "mix")?
    );
    let checked = std::time::Instant::now();
    if let Some((s, at, b)) = db.bank_cache.lock().expect("bank cache").as_mut() {
        if *s == stamp {
            *at = checked;
            return Ok(b.clone());
        }
    }
    let fresh = std::sync::Arc::new(bank(db).await?);
    *db.bank_cache.lock().expect("bank cache") = Some((stamp, checked, fresh.clone()));
    Ok(fresh)
}

/// Called after this instance commits a change to the questions.
pub(crate) fn bank_changed(db: &Db) {
    *db.bank_cache.lock().expect("bank cache") = None;
}

pub async fn bank(db: &Db) -> Result<Vec<BankEntry>> {
    let rows = sqlx::query(
        "SELECT q.id, q.current_version, v.topic, v.difficulty, v.kind, v.options FROM questions q \
         JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version \
         WHERE q.retired = 0 ORDER BY q.qkey",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let d: String = get(r, "difficulty")?;
            let kind: String = get(r, "kind")?;
            let options: String = get(r, "options")?;
            let options: Vec<serde_json::Value> = serde_json::from_str(&options)
                .map_err(|_| StoreError::Corrupt("options".into()))?;
            Ok(BankEntry {
                kind: QuestionKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt("kind".into()))?,
                options: options.len(),
                question_id: get(r, "id")?,
                version: get(r, "current_version")?,
                topic: get(r, "topic")?,
                difficulty: Difficulty::parse(&d)
                    .ok_or_else(|| StoreError::Corrupt("difficulty".into()))?,
            })
        })
        .collect()
}

/// Checks the rules' shape and that the current bank can serve the draw.
pub async fn validate(db: &Db, rules: &RoundRules) -> Result<()> {
    let mut problems = rules.problems();
    if problems.is_empty() {
        let bank = bank(db).await?;
        let cands: Vec<_> = bank
            .iter()
            .map(|b| crate::round::draw::Candidate {
                topic: &b.topic,
                difficulty: b.difficulty,
            })
            .collect();
        if let Err(e) = crate::round::draw::check(&cands, &rules.draw, rules.questions_per_attempt)
        {
            problems.push(e.to_string());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems.join("; ")))
    }
}
