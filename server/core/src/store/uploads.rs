//! Uploaded files held between the preview and the admin's confirmation.

use super::{get, new_id, now_ms, Db, Result, StoreError};
use crate::formats::{Defaults, Format};
use base64::Engine;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Questions,
    Units,
    Cadres,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Questions => "questions",
            Purpose::Units => "units",
            Purpose::Cadres => "cadres",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Upload {
    pub id: String,
    pub user_id: String,
    pub purpose: String,
    pub file_name: String,
    pub format: Format,
    pub defaults: Defaults,
    pub bytes: Vec<u8>,
    pub created_at: i64,
    pub applied_at: Option<i64>,
}

pub async fn save(
    db: &Db,
    user_id: &str,
    purpose: Purpose,
    file_name: &str,
    format: Format,
    defaults: &Defaults,
    bytes: &[u8],
) -> Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO uploads (id, user_id, purpose, file_name, format, defaults, content, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&id)
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(file_name)
        .bind(format.as_str())
        .bind(serde_json::to_string(defaults).expect("defaults serialise"))
        .bind(base64::engine::general_purpose::STANDARD.encode(bytes))
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(id)
}

pub async fn load(db: &Db, id: &str, purpose: Purpose) -> Result<Upload> {
    let row = sqlx::query("SELECT * FROM uploads WHERE id = $1 AND purpose = $2")
        .bind(id)
        .bind(purpose.as_str())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    let format: String = get(&row, "format")?;
    let defaults: String = get(&row, "defaults")?;
    let content: String = get(&row, "content")?;
    Ok(Upload {
        id: get(&row, "id")?,
        user_id: get(&row, "user_id")?,
        purpose: get(&row, "purpose")?,
        file_name: get(&row, "file_name")?,
        format: Format::parse(&format)
            .ok_or_else(|| StoreError::Corrupt("upload format".into()))?,
        defaults: serde_json::from_str(&defaults)
            .map_err(|_| StoreError::Corrupt("upload defaults".into()))?,
        bytes: base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|_| StoreError::Corrupt("upload content".into()))?,
        created_at: get(&row, "created_at")?,
        applied_at: get(&row, "applied_at")?,
    })
}

/// Replaces the options of an upload not yet applied (the preview's
/// category topics and skip choice).
pub async fn set_defaults(db: &Db, id: &str, defaults: &Defaults) -> Result<()> {
    let done = sqlx::query("UPDATE uploads SET defaults = $1 WHERE id = $2 AND applied_at IS NULL")
        .bind(serde_json::to_string(defaults).expect("defaults serialise"))
        .bind(id)
        .execute(&db.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Invalid("Tệp này đã được nhập rồi".into()));
    }
    Ok(())
}

/// How long an unconfirmed upload is kept.
pub const KEEP_MS: i64 = 86_400_000;

/// Removes uploads never confirmed and older than a day.
pub async fn purge(db: &Db, now: i64) -> Result<u64> {
    let n = sqlx::query("DELETE FROM uploads WHERE applied_at IS NULL AND created_at < $1")
        .bind(now - KEEP_MS)
        .execute(&db.pool)
        .await?;
    Ok(n.rows_affected())
}
