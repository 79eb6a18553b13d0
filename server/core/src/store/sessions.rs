use super::batch::Arg;
use super::{now_ms, users, Cols, Db, Result};
use crate::auth::{new_token, token_hash};

pub const SESSION_DAYS: i64 = 14;

/// Starts a session and returns the token for the cookie.
pub async fn create(db: &Db, user_id: &str) -> Result<String> {
    let token = new_token();
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + SESSION_DAYS * 86_400_000)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// How long a looked-up session is trusted without asking the database:
/// every request of a round needs it, and a log-out or role change on this
/// instance takes effect at once (on another instance within this time).
pub const CACHE_MS: i64 = 5_000;

/// Cached sessions: token hash → (user, when looked up, session expiry).
pub(crate) type Cache = std::collections::HashMap<String, (users::UserRecord, i64, i64)>;

pub async fn user(db: &Db, token: &str) -> Result<Option<users::UserRecord>> {
    let hash = token_hash(token);
    let now = now_ms();
    if let Some((u, at, expires)) = db.session_cache.lock().expect("session cache").get(&hash) {
        if now - at < CACHE_MS && now < *expires {
            return Ok(Some(u.clone()));
        }
    }
    const SQL: &str = "SELECT u.id, u.login, u.full_name, u.role, u.unit_id, n.name AS unit_name, u.position, u.created_at, u.bank_keys, u.must_change_password, u.deactivated_at, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN units n ON n.id = u.unit_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deactivated_at IS NULL";
    let found = match db.readers() {
        Some(readers) => readers
            .rows(SQL, &[Arg::from(&hash), now.into()], |r| {
                Ok((users::from_row(r)?, r.col::<i64>("expires_at")?))
            })?
            .pop(),
        None => match sqlx::query(SQL).bind(&hash).bind(now).fetch_optional(&db.pool).await? {
            Some(r) => Some((users::from_row(&r)?, r.col::<i64>("expires_at")?)),
            None => None,
        },
    };
    let Some((user, expires)) = found else {
        db.session_cache
            .lock()
            .expect("session cache")
            .remove(&hash);
        return Ok(None);
    };
    let mut cache = db.session_cache.lock().expect("session cache");
    // Bounded: a flood of distinct tokens only costs a refill.
    if cache.len() > 200_000 {
        cache.clear();
    }
    cache.insert(hash, (user.clone(), now, expires));
    Ok(Some(user))
}

/// Drops a user's cached sessions (role changed).
pub fn forget_user(db: &Db, user_id: &str) {
    db.session_cache
        .lock()
        .expect("session cache")
        .retain(|_, (u, _, _)| u.id != user_id);
}

pub async fn delete(db: &Db, token: &str) -> Result<()> {
    let hash = token_hash(token);
    db.session_cache
        .lock()
        .expect("session cache")
        .remove(&hash);
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&hash)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends every session of a user but `keep` (the caller's own, by token):
/// "log out everywhere else", and after a password change or reset.
pub async fn delete_others(db: &Db, user_id: &str, keep: Option<&str>) -> Result<u64> {
    let keep = keep.map(token_hash).unwrap_or_default();
    let n = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(&keep)
        .execute(&db.pool)
        .await?
        .rows_affected();
    db.session_cache
        .lock()
        .expect("session cache")
        .retain(|hash, (u, _, _)| u.id != user_id || *hash == keep);
    Ok(n)
}
