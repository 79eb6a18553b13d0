//! Fair play in the database: where each attempt came from, when its page
//! was hidden, the facts the signals are computed from, and organizers'
//! decisions (clear a flag, disqualify an attempt or a person, lift one).
//! A disqualification takes effect in `attempts::finished`, so rankings,
//! prizes, finalists and dashboards all leave the entry out.

use super::attempts::AttemptRecord;
use super::{get, new_id, Db, Result, StoreError};
use crate::round::fairplay::{Answer, AttemptFacts};
use std::collections::{HashMap, HashSet};

/// Where an attempt was started from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Origin {
    /// The hash of the browser's device cookie.
    pub device: Option<String>,
    pub address: Option<String>,
}

/// Visibility changes kept per attempt: enough for any honest page.
pub const MAX_EVENTS: i64 = 200;
pub const MAX_TRAITS: usize = 300;

/// What the browser reports of itself, once per attempt (its own open one).
pub async fn set_traits(db: &Db, attempt: &AttemptRecord, traits: &str) -> Result<()> {
    if !attempt.is_open() {
        return Ok(());
    }
    let traits: String = traits.chars().take(MAX_TRAITS).collect();
    sqlx::query("UPDATE attempts SET traits = $1 WHERE id = $2 AND finished_at IS NULL AND traits IS NULL")
        .bind(traits)
        .bind(&attempt.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// The attempt's page was hidden (or shown again) at `now`, by the
/// server's clock. Ignored once the attempt is closed or past the cap.
pub async fn visibility(db: &Db, attempt: &AttemptRecord, hidden: bool, now: i64) -> Result<()> {
    if !attempt.is_open() {
        return Ok(());
    }
    let n = sqlx::query("SELECT COUNT(*) AS n FROM attempt_events WHERE attempt_id = $1")
        .bind(&attempt.id)
        .fetch_one(&db.pool)
        .await?;
    if get::<i64>(&n, "n")? >= MAX_EVENTS {
        return Ok(());
    }
    sqlx::query("INSERT INTO attempt_events (attempt_id, kind, at) VALUES ($1, $2, $3)")
        .bind(&attempt.id)
        .bind(if hidden { "hidden" } else { "visible" })
        .bind(now)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Times hidden and for how long in all: each "hidden" until the next
/// "visible" (or the end of the attempt).
pub fn hidden_time(events: &[(String, i64)], finished_at: i64) -> (u32, i64) {
    let mut count = 0;
    let mut total = 0;
    let mut since: Option<i64> = None;
    for (kind, at) in events {
        match (kind.as_str(), since) {
            ("hidden", None) => {
                count += 1;
                since = Some(*at);
            }
            ("visible", Some(s)) => {
                total += (at.min(&finished_at) - s).max(0);
                since = None;
            }
            _ => {}
        }
    }
    if let Some(s) = since {
        total += (finished_at - s).max(0);
    }
    (count, total)
}

/// Every finished attempt of a round as the signals see it.
pub async fn facts(db: &Db, round_id: &str) -> Result<Vec<AttemptFacts>> {
    let rows = sqlx::query(
        "SELECT a.id, a.user_id, u.full_name, u.login, a.started_at, a.finished_at, a.device, a.address, a.traits, \
         a.score, a.total, a.prediction FROM attempts a JOIN users u ON u.id = a.user_id \
         WHERE a.round_id = $1 AND a.finished_at IS NOT NULL AND a.score IS NOT NULL ORDER BY a.started_at",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out: Vec<AttemptFacts> = Vec::with_capacity(rows.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    for r in &rows {
        let id: String = get(r, "id")?;
        at.insert(id.clone(), out.len());
        out.push(AttemptFacts {
            attempt_id: id,
            user_id: get(r, "user_id")?,
            who: format!("{} ({})", get::<String>(r, "full_name")?, get::<String>(r, "login")?),
            started_at: get(r, "started_at")?,
            finished_at: get::<Option<i64>>(r, "finished_at")?.unwrap_or(0),
            device: get(r, "device")?,
            address: get(r, "address")?,
            traits: get(r, "traits")?,
            score: get::<Option<i64>>(r, "score")?.unwrap_or(0) as u32,
            total: get::<i64>(r, "total")? as u32,
            prediction: get(r, "prediction")?,
            ..Default::default()
        });
    }
    let items = sqlx::query(
        "SELECT i.attempt_id, i.question_id, i.response, i.correct, \
         CAST(LENGTH(v.text) + LENGTH(v.options) AS BIGINT) AS len \
         FROM attempt_items i JOIN attempts a ON a.id = i.attempt_id \
         JOIN question_versions v ON v.question_id = i.question_id AND v.version = i.version \
         WHERE a.round_id = $1 AND a.finished_at IS NOT NULL ORDER BY i.attempt_id, i.position",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    for r in &items {
        let Some(&k) = at.get(&get::<String>(r, "attempt_id")?) else { continue };
        out[k].answers.push(Answer {
            question: get(r, "question_id")?,
            response: get::<Option<String>>(r, "response")?.unwrap_or_default(),
            correct: get::<Option<i64>>(r, "correct")?.unwrap_or(0) != 0,
            length: get::<i64>(r, "len")?.clamp(0, u32::MAX as i64) as u32,
        });
    }
    let events = sqlx::query(
        "SELECT e.attempt_id, e.kind, e.at FROM attempt_events e JOIN attempts a ON a.id = e.attempt_id \
         WHERE a.round_id = $1 ORDER BY e.attempt_id, e.at",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    let mut per: HashMap<String, Vec<(String, i64)>> = HashMap::new();
    for r in &events {
        per.entry(get(r, "attempt_id")?).or_default().push((get(r, "kind")?, get(r, "at")?));
    }
    for (id, ev) in per {
        if let Some(&k) = at.get(&id) {
            let (n, ms) = hidden_time(&ev, out[k].finished_at);
            out[k].hidden_count = n;
            out[k].hidden_ms = ms;
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Clear,
    DisqualifyAttempt,
    DisqualifyPerson,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Clear => "clear",
            Action::DisqualifyAttempt => "disqualify_attempt",
            Action::DisqualifyPerson => "disqualify_person",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        [Action::Clear, Action::DisqualifyAttempt, Action::DisqualifyPerson]
            .into_iter()
            .find(|a| a.code() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Clear => "Đã xem xét, không vi phạm",
            Action::DisqualifyAttempt => "Loại lượt thi",
            Action::DisqualifyPerson => "Loại thí sinh khỏi vòng thi",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub id: String,
    pub round_id: String,
    pub action: Action,
    pub flag_key: Option<String>,
    pub user_id: Option<String>,
    pub attempt_id: Option<String>,
    pub reason: String,
    pub decided_by: String,
    pub decided_by_name: String,
    pub decided_at: i64,
    pub lifted_at: Option<i64>,
    pub lifted_reason: Option<String>,
}

/// What a decision is about.
pub struct Subject<'a> {
    pub flag_key: Option<&'a str>,
    pub user_id: Option<&'a str>,
    pub attempt_id: Option<&'a str>,
}

pub async fn decide(
    db: &Db,
    round_id: &str,
    action: Action,
    subject: Subject<'_>,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO fairplay_decisions (id, round_id, action, flag_key, user_id, attempt_id, reason, decided_by, decided_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(round_id)
    .bind(action.code())
    .bind(subject.flag_key)
    .bind(subject.user_id)
    .bind(subject.attempt_id)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(&db.pool)
    .await?;
    super::hot::rounds_changed(db);
    Ok(id)
}

/// Lifts a standing decision (the row stays, with who lifted it and why).
pub async fn lift(db: &Db, id: &str, reason: &str, by: &str, now: i64) -> Result<Decision> {
    let d = one(db, id).await?;
    if d.lifted_at.is_some() {
        return Err(StoreError::Invalid("Quyết định này đã được hủy trước đó".into()));
    }
    sqlx::query(
        "UPDATE fairplay_decisions SET lifted_by = $1, lifted_reason = $2, lifted_at = $3 WHERE id = $4 AND lifted_at IS NULL",
    )
    .bind(by)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    super::hot::rounds_changed(db);
    Ok(d)
}

const SELECT: &str = "SELECT d.id, d.round_id, d.action, d.flag_key, d.user_id, d.attempt_id, d.reason, d.decided_by, \
     u.full_name AS by_name, d.decided_at, d.lifted_at, d.lifted_reason \
     FROM fairplay_decisions d JOIN users u ON u.id = d.decided_by";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Decision> {
    let action: String = get(r, "action")?;
    Ok(Decision {
        id: get(r, "id")?,
        round_id: get(r, "round_id")?,
        action: Action::parse(&action).ok_or_else(|| StoreError::Corrupt(format!("decision action {action}")))?,
        flag_key: get(r, "flag_key")?,
        user_id: get(r, "user_id")?,
        attempt_id: get(r, "attempt_id")?,
        reason: get(r, "reason")?,
        decided_by: get(r, "decided_by")?,
        decided_by_name: get(r, "by_name")?,
        decided_at: get(r, "decided_at")?,
        lifted_at: get(r, "lifted_at")?,
        lifted_reason: get(r, "lifted_reason")?,
    })
}

pub async fn one(db: &Db, id: &str) -> Result<Decision> {
    let r = sqlx::query(&format!("{SELECT} WHERE d.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&r)
}

/// A round's decisions, newest first, lifted ones included.
pub async fn decisions(db: &Db, round_id: &str) -> Result<Vec<Decision>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE d.round_id = $1 ORDER BY d.decided_at DESC, d.id"))
        .bind(round_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Who and what is left out of a round's results: whole people, and single
/// attempts as (person, attempt number).
#[derive(Clone, Debug, Default)]
pub struct Excluded {
    pub people: HashSet<String>,
    pub attempts: HashSet<(String, i64)>,
}

pub async fn excluded(db: &Db, round_id: &str) -> Result<Excluded> {
    let rows = sqlx::query(
        "SELECT d.action, d.user_id, a.user_id AS attempt_user, a.seq FROM fairplay_decisions d \
         LEFT JOIN attempts a ON a.id = d.attempt_id \
         WHERE d.round_id = $1 AND d.lifted_at IS NULL AND d.action <> 'clear'",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Excluded::default();
    for r in &rows {
        match get::<String>(r, "action")?.as_str() {
            "disqualify_person" => {
                if let Some(u) = get::<Option<String>>(r, "user_id")? {
                    out.people.insert(u);
                }
            }
            _ => {
                if let (Some(u), Some(seq)) = (get::<Option<String>>(r, "attempt_user")?, get::<Option<i64>>(r, "seq")?) {
                    out.attempts.insert((u, seq));
                }
            }
        }
    }
    Ok(out)
}

/// Everyone kept out of a round, with the reason given.
pub async fn people_out(db: &Db, round_id: &str) -> Result<std::collections::HashMap<String, String>> {
    let rows = sqlx::query(
        "SELECT user_id, reason FROM fairplay_decisions \
         WHERE round_id = $1 AND action = 'disqualify_person' AND lifted_at IS NULL AND user_id IS NOT NULL",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "user_id")?, get(r, "reason")?)))
        .collect()
}

/// The standing decision that keeps a person out of a round, if any.
pub async fn person_out(db: &Db, round_id: &str, user_id: &str) -> Result<Option<Decision>> {
    let r = sqlx::query(&format!(
        "{SELECT} WHERE d.round_id = $1 AND d.user_id = $2 AND d.action = 'disqualify_person' AND d.lifted_at IS NULL"
    ))
    .bind(round_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    r.as_ref().map(from_row).transpose()
}

/// The standing decision on an attempt (its own, or its person's), for the
/// person's result page.
pub async fn on_attempt(db: &Db, attempt: &AttemptRecord) -> Result<Option<Decision>> {
    if let Some(d) = person_out(db, &attempt.round_id, &attempt.user_id).await? {
        return Ok(Some(d));
    }
    let r = sqlx::query(&format!(
        "{SELECT} WHERE d.attempt_id = $1 AND d.action = 'disqualify_attempt' AND d.lifted_at IS NULL"
    ))
    .bind(&attempt.id)
    .fetch_optional(&db.pool)
    .await?;
    r.as_ref().map(from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::hidden_time;

    #[test]
    fn hidden_time_pairs_hidden_with_the_next_visible() {
        let ev = |v: &[(&str, i64)]| v.iter().map(|(k, t)| (k.to_string(), *t)).collect::<Vec<_>>();
        assert_eq!(hidden_time(&ev(&[]), 100), (0, 0));
        assert_eq!(hidden_time(&ev(&[("hidden", 10), ("visible", 25), ("hidden", 40), ("visible", 45)]), 100), (2, 20));
        // A repeated "hidden" does not count twice; an unmatched one runs to the end.
        assert_eq!(hidden_time(&ev(&[("hidden", 10), ("hidden", 20), ("visible", 30), ("hidden", 90)]), 100), (2, 30));
        // A stray "visible" first is ignored.
        assert_eq!(hidden_time(&ev(&[("visible", 5), ("hidden", 10), ("visible", 200)]), 100), (1, 90));
    }
}
