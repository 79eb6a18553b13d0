//! Accommodations in the database: granted per round to a person or a
//! unit (with the units under it), and resolved for a person at start.

use super::{get, new_id, Db, Result, StoreError};
use crate::round::accommodation::Accommodation;

#[derive(Clone, Debug, PartialEq)]
pub struct OverrideRow {
    pub id: String,
    pub round_id: String,
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub user_login: Option<String>,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub grant: Accommodation,
    pub reason: String,
    pub created_at: i64,
}

/// Who an accommodation is for.
pub enum Target<'a> {
    Person(&'a str),
    Unit(&'a str),
}

pub async fn add(
    db: &Db,
    round_id: &str,
    target: Target<'_>,
    grant: Accommodation,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<String> {
    let id = new_id();
    let (user, unit) = match target {
        Target::Person(u) => (Some(u), None),
        Target::Unit(u) => (None, Some(u)),
    };
    sqlx::query(
        "INSERT INTO round_overrides (id, round_id, user_id, unit_id, extra_secs, extra_attempts, closes_at, reason, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(round_id)
    .bind(user)
    .bind(unit)
    .bind(i64::from(grant.extra_secs))
    .bind(i64::from(grant.extra_attempts))
    .bind(grant.closes_at)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(&db.pool)
    .await?;
    super::hot::rounds_changed(db);
    Ok(id)
}

/// Removes one; returns it as it was.
pub async fn remove(db: &Db, id: &str) -> Result<OverrideRow> {
    let row = one(db, id).await?;
    sqlx::query("DELETE FROM round_overrides WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await?;
    super::hot::rounds_changed(db);
    Ok(row)
}

const SELECT: &str = "SELECT o.id, o.round_id, o.user_id, u.full_name, u.login, o.unit_id, n.name AS unit_name, \
     o.extra_secs, o.extra_attempts, o.closes_at, o.reason, o.created_at \
     FROM round_overrides o LEFT JOIN users u ON u.id = o.user_id LEFT JOIN units n ON n.id = o.unit_id";

/// What a row grants (its `extra_secs`, `extra_attempts`, `closes_at`).
fn grant_from_row(r: &sqlx::any::AnyRow) -> Result<Accommodation> {
    Ok(Accommodation {
        extra_secs: get::<i64>(r, "extra_secs")?.clamp(0, u32::MAX.into()) as u32,
        extra_attempts: get::<i64>(r, "extra_attempts")?.clamp(0, u32::MAX.into()) as u32,
        closes_at: get(r, "closes_at")?,
    })
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<OverrideRow> {
    Ok(OverrideRow {
        id: get(r, "id")?,
        round_id: get(r, "round_id")?,
        user_id: get(r, "user_id")?,
        user_name: get(r, "full_name")?,
        user_login: get(r, "login")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
        grant: grant_from_row(r)?,
        reason: get(r, "reason")?,
        created_at: get(r, "created_at")?,
    })
}

pub async fn one(db: &Db, id: &str) -> Result<OverrideRow> {
    let r = sqlx::query(&format!("{SELECT} WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&r)
}

/// A round's accommodations, newest first.
pub async fn list(db: &Db, round_id: &str) -> Result<Vec<OverrideRow>> {
    let rows = sqlx::query(&format!("{SELECT} WHERE o.round_id = $1 ORDER BY o.created_at DESC"))
        .bind(round_id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// One accommodation as starts apply it.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub user_id: Option<String>,
    pub unit_id: Option<String>,
    pub grant: Accommodation,
}

/// Every accommodation of a round (one indexed read; usually none).
pub async fn grants(db: &Db, round_id: &str) -> Result<Vec<Grant>> {
    let rows = sqlx::query(
        "SELECT user_id, unit_id, extra_secs, extra_attempts, closes_at FROM round_overrides WHERE round_id = $1",
    )
    .bind(round_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Grant {
                user_id: get(r, "user_id")?,
                unit_id: get(r, "unit_id")?,
                grant: grant_from_row(r)?,
            })
        })
        .collect()
}

/// What applies to a person in a round: their own accommodations and those
/// of their unit and every unit above it, each kind at its most generous.
/// From the round's context in memory (`hot`).
pub async fn for_person(
    db: &Db,
    round_id: &str,
    user_id: &str,
    unit_id: Option<&str>,
) -> Result<Accommodation> {
    Ok(super::hot::round(db, round_id).await?.accommodation(user_id, unit_id))
}

/// The latest closing any accommodation of the round grants.
pub async fn latest_closing(db: &Db, round_id: &str) -> Result<Option<i64>> {
    let r = sqlx::query("SELECT MAX(closes_at) AS last FROM round_overrides WHERE round_id = $1")
        .bind(round_id)
        .fetch_one(&db.pool)
        .await?;
    get(&r, "last")
}

/// Rounds with a later closing still ahead for someone.
pub async fn rounds_open_later(db: &Db, now: i64) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT round_id FROM round_overrides WHERE closes_at > $1")
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| get(r, "round_id")).collect()
}
