use super::{get, new_id, now_ms, Db, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestRecord {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
}

pub async fn list(db: &Db) -> Result<Vec<ContestRecord>> {
    let rows = sqlx::query(
        "SELECT id, name, description, created_at FROM contests ORDER BY created_at DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ContestRecord {
                id: get(r, "id")?,
                name: get(r, "name")?,
                description: get(r, "description")?,
                created_at: get(r, "created_at")?,
            })
        })
        .collect()
}

pub async fn create(db: &Db, name: &str, description: &str) -> Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO contests (id, name, description, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&id)
        .bind(name)
        .bind(description)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(id)
}

pub async fn get_one(db: &Db, id: &str) -> Result<ContestRecord> {
    let r = sqlx::query("SELECT id, name, description, created_at FROM contests WHERE id = $1")
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(super::StoreError::NotFound)?;
    Ok(ContestRecord {
        id: get(&r, "id")?,
        name: get(&r, "name")?,
        description: get(&r, "description")?,
        created_at: get(&r, "created_at")?,
    })
}
