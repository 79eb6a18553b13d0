use super::{now_ms, users, Db, Result};
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

pub async fn user(db: &Db, token: &str) -> Result<Option<users::UserRecord>> {
    let row = sqlx::query("SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash(token))
        .bind(now_ms())
        .fetch_optional(&db.pool)
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let id: String = super::get(&r, "user_id")?;
            Ok(Some(users::by_id(db, &id).await?))
        }
    }
}

pub async fn delete(db: &Db, token: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}
