//! Grants in the database: who may organize or judge where, since when, by
//! whom; and what a scope is read against (the unit tree, contest owners).

use super::{get, new_id, Db, Result, StoreError};
use crate::scope::{GrantRole, ScopeGrant, Target, Tree};

/// A grant as the admin's list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct GrantRow {
    pub id: String,
    pub user_id: String,
    pub user_name: String,
    pub user_login: String,
    pub role: GrantRole,
    pub target: Target,
    /// The unit's, contest's or final's name.
    pub target_name: String,
    pub judge_no: Option<u32>,
    /// The giver's name, and account (None: made by the upgrade).
    pub granted_by: Option<String>,
    pub granted_by_id: Option<String>,
    pub granted_at: i64,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<i64>,
}

pub struct NewGrant<'a> {
    pub user_id: &'a str,
    pub role: GrantRole,
    pub target: &'a Target,
    pub judge_no: Option<u32>,
    pub by: &'a str,
    pub at: i64,
}

pub async fn add(db: &Db, g: NewGrant<'_>) -> Result<String> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO grants (id, user_id, role, scope_kind, scope_id, judge_no, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(g.user_id)
    .bind(g.role.as_str())
    .bind(g.target.kind())
    .bind(g.target.id())
    .bind(g.judge_no.map(i64::from))
    .bind(g.by)
    .bind(g.at)
    .execute(&db.pool)
    .await?;
    Ok(id)
}

/// Stamps a grant revoked; a grant already revoked is left as it was.
pub async fn revoke(db: &Db, id: &str, by: &str, at: i64) -> Result<GrantRow> {
    let row = one(db, id).await?;
    sqlx::query("UPDATE grants SET revoked_by = $1, revoked_at = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(row)
}

const SELECT: &str = "SELECT g.id, g.user_id, u.full_name, u.login, g.role, g.scope_kind, g.scope_id, g.judge_no, \
     g.granted_by, b.full_name AS by_name, r.full_name AS revoked_name, g.granted_at, g.revoked_at, \
     COALESCE(n.name, c.name, f.name, '') AS target_name \
     FROM grants g JOIN users u ON u.id = g.user_id \
     LEFT JOIN users b ON b.id = g.granted_by LEFT JOIN users r ON r.id = g.revoked_by \
     LEFT JOIN units n ON g.scope_kind = 'unit' AND n.id = g.scope_id \
     LEFT JOIN contests c ON g.scope_kind = 'contest' AND c.id = g.scope_id \
     LEFT JOIN finals f ON g.scope_kind = 'final' AND f.id = g.scope_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<GrantRow> {
    let role: String = get(r, "role")?;
    let kind: String = get(r, "scope_kind")?;
    let scope_id: Option<String> = get(r, "scope_id")?;
    let judge_no: Option<i64> = get(r, "judge_no")?;
    Ok(GrantRow {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        user_name: get(r, "full_name")?,
        user_login: get(r, "login")?,
        role: GrantRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("grant role {role}")))?,
        target: Target::parse(&kind, scope_id.as_deref())
            .ok_or_else(|| StoreError::Corrupt(format!("grant scope {kind}")))?,
        target_name: get(r, "target_name")?,
        judge_no: judge_no.and_then(|n| u32::try_from(n).ok()),
        granted_by: get(r, "by_name")?,
        granted_by_id: get(r, "granted_by")?,
        granted_at: get(r, "granted_at")?,
        revoked_by: get(r, "revoked_name")?,
        revoked_at: get(r, "revoked_at")?,
    })
}

pub async fn one(db: &Db, id: &str) -> Result<GrantRow> {
    let r = sqlx::query(&format!("{SELECT} WHERE g.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    from_row(&r)
}

/// Grants, newest first: of one person (`user_id` non-empty) or all; with
/// revoked ones when `history`.
pub async fn list(db: &Db, user_id: &str, history: bool, limit: i64) -> Result<Vec<GrantRow>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE ($1 = '' OR g.user_id = $1) AND ($2 = 1 OR g.revoked_at IS NULL) \
         ORDER BY g.granted_at DESC, g.id DESC LIMIT $3"
    ))
    .bind(user_id)
    .bind(i64::from(history))
    .bind(limit.clamp(1, 5_000))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Revokes every active grant of a person (their role changed); returns
/// how many.
pub async fn revoke_all(db: &Db, user_id: &str, by: &str, at: i64) -> Result<u64> {
    let done = sqlx::query("UPDATE grants SET revoked_by = $1, revoked_at = $2 WHERE user_id = $3 AND revoked_at IS NULL")
        .bind(by)
        .bind(at)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected())
}

/// How many active grants a person still holds.
pub async fn active_count(db: &Db, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM grants WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?)
}

/// A person's active grants, with each granted contest's owner: what their
/// scope is built from on every request.
pub async fn active(db: &Db, user_id: &str) -> Result<Vec<ScopeGrant>> {
    let rows = sqlx::query(
        "SELECT g.role, g.scope_kind, g.scope_id, g.judge_no, c.unit_id AS owner \
         FROM grants g LEFT JOIN contests c ON g.scope_kind = 'contest' AND c.id = g.scope_id \
         WHERE g.user_id = $1 AND g.revoked_at IS NULL",
    )
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let role: String = get(r, "role")?;
        let kind: String = get(r, "scope_kind")?;
        let id: Option<String> = get(r, "scope_id")?;
        let judge_no: Option<i64> = get(r, "judge_no")?;
        // An unreadable row grants nothing rather than failing every request.
        if let (Some(role), Some(target)) = (GrantRole::parse(&role), Target::parse(&kind, id.as_deref())) {
            out.push(ScopeGrant {
                role,
                target,
                contest_owner: get(r, "owner")?,
                judge_no: judge_no.and_then(|n| u32::try_from(n).ok()),
            });
        }
    }
    Ok(out)
}

/// Whether the same active grant already exists (granting twice is a no-op).
pub async fn exists(db: &Db, user_id: &str, role: GrantRole, target: &Target, judge_no: Option<u32>) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM grants WHERE user_id = $1 AND role = $2 AND scope_kind = $3 \
         AND COALESCE(scope_id, '') = $4 AND COALESCE(judge_no, 0) = $5 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(target.kind())
    .bind(target.id().unwrap_or(""))
    .bind(judge_no.map(i64::from).unwrap_or(0))
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The unit tree as parent links.
pub async fn tree(db: &Db) -> Result<Tree> {
    let rows = sqlx::query("SELECT id, parent_id FROM units").fetch_all(&db.pool).await?;
    let mut links = Vec::with_capacity(rows.len());
    for r in &rows {
        links.push((get::<String>(r, "id")?, get::<Option<String>>(r, "parent_id")?));
    }
    Ok(Tree::new(links))
}

/// Every contest with its owner: (id, owner).
pub async fn contest_owners(db: &Db) -> Result<Vec<(String, Option<String>)>> {
    let rows = sqlx::query("SELECT id, unit_id FROM contests").fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| Ok((get(r, "id")?, get(r, "unit_id")?)))
        .collect()
}

/// A contest's owner; NotFound when there is no such contest.
pub async fn contest_owner(db: &Db, contest_id: &str) -> Result<Option<String>> {
    let r = sqlx::query("SELECT unit_id FROM contests WHERE id = $1")
        .bind(contest_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&r, "unit_id")
}
