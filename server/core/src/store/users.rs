use super::{get, is_unique_violation, Cols, new_id, now_ms, Db, Result, StoreError};
use crate::model::Role;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub id: String,
    pub login: String,
    pub full_name: String,
    pub role: Role,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub position: String,
    pub created_at: i64,
    /// An organizer granted the bank's answer keys by an admin.
    #[serde(default)]
    pub bank_keys: bool,
    /// The password was set by somebody else: it must be changed first.
    #[serde(default)]
    pub must_change_password: bool,
    /// Deactivated (or merged into another account): cannot log in.
    #[serde(default)]
    pub deactivated: bool,
}

/// Refusal when the hashing queue is full.
pub const BUSY: &str = "Máy chủ đang bận, vui lòng thử lại sau ít giây";

pub struct NewUser<'a> {
    pub login: &'a str,
    pub full_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub unit_id: Option<&'a str>,
    pub position: &'a str,
}

const SELECT: &str = "SELECT u.id, u.login, u.full_name, u.role, u.unit_id, n.name AS unit_name, u.position, u.created_at, u.bank_keys, u.must_change_password, u.deactivated_at, u.password_hash FROM users u LEFT JOIN units n ON n.id = u.unit_id";

pub(crate) fn from_row(r: &impl Cols) -> Result<UserRecord> {
    let role: String = r.col("role")?;
    Ok(UserRecord {
        id: r.col("id")?,
        login: r.col("login")?,
        full_name: r.col("full_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
        unit_id: r.col("unit_id")?,
        unit_name: r.col("unit_name")?,
        position: r.col("position")?,
        created_at: r.col("created_at")?,
        bank_keys: r.col::<i64>("bank_keys")? != 0,
        must_change_password: r.col::<i64>("must_change_password")? != 0,
        deactivated: r.col::<Option<i64>>("deactivated_at")?.is_some(),
    })
}

pub async fn create(db: &Db, u: NewUser<'_>) -> Result<UserRecord> {
    let id = new_id();
    let hash = crate::auth::hash_password_async(u.password.to_string())
        .await
        .map_err(|_| StoreError::Invalid(BUSY.into()))?;
    let res = sqlx::query(
        "INSERT INTO users (id, login, full_name, password_hash, role, unit_id, position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(u.login)
    .bind(u.full_name)
    .bind(&hash)
    .bind(u.role.as_str())
    .bind(u.unit_id)
    .bind(u.position)
    .bind(now_ms())
    .execute(&db.pool)
    .await;
    match res {
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Invalid(
                "Số điện thoại hoặc e-mail này đã được đăng ký".into(),
            ))
        }
        Err(e) if matches!(&e, sqlx::Error::Database(d) if d.message().contains("FOREIGN KEY") || d.code().as_deref() == Some("23503")) => {
            return Err(StoreError::Invalid("Đơn vị không tồn tại".into()))
        }
        other => other?,
    };
    by_id(db, &id).await
}

pub async fn by_id(db: &Db, id: &str) -> Result<UserRecord> {
    let row = sqlx::query(&format!("{SELECT} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    from_row(&row.ok_or(StoreError::NotFound)?)
}

/// The user and the stored password hash, for logging in.
pub async fn by_login(db: &Db, login: &str) -> Result<Option<(UserRecord, String)>> {
    let row = sqlx::query(&format!("{SELECT} WHERE u.login = $1"))
        .bind(login)
        .fetch_optional(&db.pool)
        .await?;
    match row {
        None => Ok(None),
        Some(r) => Ok(Some((from_row(&r)?, get(&r, "password_hash")?))),
    }
}

pub async fn list(db: &Db, query: &str, limit: i64) -> Result<Vec<UserRecord>> {
    let pattern = format!("%{}%", query.trim().to_lowercase());
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE LOWER(u.full_name) LIKE $1 OR u.login LIKE $2 ORDER BY u.created_at DESC LIMIT $3"
    ))
    .bind(&pattern)
    .bind(&pattern)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn set_role(db: &Db, id: &str, role: Role) -> Result<()> {
    let n = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(&db.pool)
        .await?;
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::sessions::forget_user(db, id);
    Ok(())
}

/// Grants or withdraws an organizer's sight of the bank's answer keys.
pub async fn set_bank_keys(db: &Db, id: &str, allowed: bool) -> Result<()> {
    let n = sqlx::query("UPDATE users SET bank_keys = $1 WHERE id = $2")
        .bind(i64::from(allowed))
        .bind(id)
        .execute(&db.pool)
        .await?;
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::sessions::forget_user(db, id);
    Ok(())
}

pub async fn count_role(db: &Db, role: Role) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = $1")
        .bind(role.as_str())
        .fetch_one(&db.pool)
        .await?;
    get(&row, "n")
}

pub async fn count(db: &Db) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&db.pool)
        .await?;
    get(&row, "n")
}

/// Logins already registered among `logins`.
pub async fn taken_logins(db: &Db) -> Result<std::collections::HashSet<String>> {
    let rows = sqlx::query("SELECT login FROM users")
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(|r| get::<String>(r, "login")).collect()
}

/// A cadre registered in bulk and the password to hand them: the one in
/// the file, or one generated now (shown once, stored only as a hash).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Credential {
    pub line: usize,
    pub full_name: String,
    pub login: String,
    pub unit_name: Option<String>,
    pub password: String,
}

/// Registers every row as a contestant in one transaction, the upload
/// claimed first: all rows or none.
pub async fn create_many(
    db: &Db,
    rows: &[crate::formats::cadres::CadreRow],
    upload_id: &str,
) -> Result<Vec<Credential>> {
    let creds: Vec<Credential> = rows
        .iter()
        .map(|r| Credential {
            line: r.line,
            full_name: r.full_name.clone(),
            login: r.login.clone(),
            unit_name: r.unit_name.clone(),
            password: r.password.clone().unwrap_or_else(crate::auth::new_password),
        })
        .collect();
    // Hashing is deliberately slow: keep it off the async workers.
    let hashes = {
        let pw: Vec<String> = creds.iter().map(|c| c.password.clone()).collect();
        tokio::task::spawn_blocking(move || {
            pw.iter()
                .map(|p| crate::auth::hash_password(p))
                .collect::<Vec<_>>()
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("hashing: {e}")))?
    };
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let claimed =
        sqlx::query("UPDATE uploads SET applied_at = $1 WHERE id = $2 AND applied_at IS NULL")
            .bind(now)
            .bind(upload_id)
            .execute(&mut *tx)
            .await?;
    if claimed.rows_affected() == 0 {
        return Err(StoreError::Invalid("Tệp này đã được nhập rồi".into()));
    }
    for (r, hash) in rows.iter().zip(&hashes) {
        let res = sqlx::query(
            "INSERT INTO users (id, login, full_name, password_hash, role, unit_id, position, created_at, must_change_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
        )
        .bind(new_id())
        .bind(&r.login)
        .bind(&r.full_name)
        .bind(hash)
        .bind(Role::Contestant.as_str())
        .bind(r.unit_id.as_deref())
        .bind(&r.position)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match res {
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Invalid(format!(
                    "Dòng {}: tài khoản \"{}\" vừa được đăng ký; không ai được nhập",
                    r.line, r.login
                )))
            }
            other => other?,
        };
    }
    tx.commit().await?;
    Ok(creds)
}

/// The stored hash of a user's password, to check the current one.
pub async fn password_hash(db: &Db, user_id: &str) -> Result<String> {
    let r = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&r, "password_hash")
}

/// Sets a user's password. `must_change`: somebody else chose it (a reset),
/// so the user must replace it at the next log-in.
pub async fn set_password(db: &Db, user_id: &str, password: &str, must_change: bool) -> Result<()> {
    let hash = crate::auth::hash_password_async(password.to_string())
        .await
        .map_err(|_| StoreError::Invalid(BUSY.into()))?;
    let n = sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = $2, password_changed_at = $3 WHERE id = $4",
    )
    .bind(hash)
    .bind(i64::from(must_change))
    .bind(now_ms())
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::sessions::forget_user(db, user_id);
    Ok(())
}

/// Marks the password as one somebody else has seen (the first admin's
/// generated one): it must be changed at the next log-in.
pub async fn require_password_change(db: &Db, user_id: &str) -> Result<()> {
    sqlx::query("UPDATE users SET must_change_password = 1 WHERE id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    super::sessions::forget_user(db, user_id);
    Ok(())
}

/// Deactivates an account (it cannot log in, its sessions end, its attempts
/// stay in every ranking) or makes it active again.
pub async fn set_active(db: &Db, user_id: &str, active: bool) -> Result<()> {
    let n = if active {
        sqlx::query("UPDATE users SET deactivated_at = NULL, merged_into = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&db.pool)
            .await?
    } else {
        sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(user_id)
            .execute(&db.pool)
            .await?
    };
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    if !active {
        super::sessions::delete_others(db, user_id, None).await?;
    }
    super::sessions::forget_user(db, user_id);
    Ok(())
}

/// What a merge moved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Merged {
    pub attempts: u64,
    pub finalists: u64,
}

/// Merges `duplicate` (the same person registered twice) into `keep`, in
/// one transaction: the duplicate's attempts become the kept account's
/// (numbered after its own in each round), its finalist places and uploads
/// too, and the duplicate is deactivated, pointing at the kept account.
/// Refused while both have an attempt open in the same round.
pub async fn merge(db: &Db, keep: &str, duplicate: &str) -> Result<Merged> {
    if keep == duplicate {
        return Err(StoreError::Invalid("Hãy chọn hai tài khoản khác nhau".into()));
    }
    let mut tx = db.pool.begin().await?;
    for id in [keep, duplicate] {
        sqlx::query("SELECT id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
    }
    let both_open = sqlx::query(
        "SELECT a.round_id FROM attempts a JOIN attempts b ON b.round_id = a.round_id \
         WHERE a.user_id = $1 AND b.user_id = $2 AND a.finished_at IS NULL AND b.finished_at IS NULL",
    )
    .bind(keep)
    .bind(duplicate)
    .fetch_optional(&mut *tx)
    .await?;
    if both_open.is_some() {
        return Err(StoreError::Invalid(
            "Cả hai tài khoản đang làm bài ở cùng một vòng thi; hãy gộp sau khi bài được nộp".into(),
        ));
    }
    let rounds = sqlx::query("SELECT DISTINCT round_id FROM attempts WHERE user_id = $1")
        .bind(duplicate)
        .fetch_all(&mut *tx)
        .await?;
    let mut attempts = 0;
    for r in &rounds {
        let round: String = get(r, "round_id")?;
        let last = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM attempts WHERE round_id = $1 AND user_id = $2")
            .bind(&round)
            .bind(keep)
            .fetch_one(&mut *tx)
            .await?;
        let last: i64 = get(&last, "last")?;
        attempts += sqlx::query(
            "UPDATE attempts SET user_id = $1, seq = seq + $2 WHERE round_id = $3 AND user_id = $4",
        )
        .bind(keep)
        .bind(last)
        .bind(&round)
        .bind(duplicate)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    let finalists = sqlx::query(
        "UPDATE finalists SET user_id = $1 WHERE user_id = $2 \
         AND contest_id NOT IN (SELECT contest_id FROM finalists WHERE user_id = $1)",
    )
    .bind(keep)
    .bind(duplicate)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM finalists WHERE user_id = $1")
        .bind(duplicate)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE certificates SET user_id = $1 WHERE user_id = $2")
        .bind(keep)
        .bind(duplicate)
        .execute(&mut *tx)
        .await?;
    // A decision on the duplicate follows the attempts it was about.
    sqlx::query("UPDATE fairplay_decisions SET user_id = $1 WHERE user_id = $2")
        .bind(keep)
        .bind(duplicate)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE uploads SET user_id = $1 WHERE user_id = $2")
        .bind(keep)
        .bind(duplicate)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(duplicate)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET deactivated_at = $1, merged_into = $2 WHERE id = $3")
        .bind(now_ms())
        .bind(keep)
        .bind(duplicate)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    super::sessions::forget_user(db, duplicate);
    super::sessions::forget_user(db, keep);
    super::hot::attempts_changed(db);
    super::hot::rounds_changed(db);
    Ok(Merged { attempts, finalists })
}
