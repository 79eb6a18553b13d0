use super::{get, new_id, now_ms, Db, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestRecord {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created_at: i64,
    /// The unit that runs it; None: the whole city.
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
}

const SELECT: &str = "SELECT c.id, c.name, c.description, c.created_at, c.unit_id, u.name AS unit_name \
     FROM contests c LEFT JOIN units u ON u.id = c.unit_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<ContestRecord> {
    Ok(ContestRecord {
        id: get(r, "id")?,
        name: get(r, "name")?,
        description: get(r, "description")?,
        created_at: get(r, "created_at")?,
        unit_id: get(r, "unit_id")?,
        unit_name: get(r, "unit_name")?,
    })
}

pub async fn list(db: &Db) -> Result<Vec<ContestRecord>> {
    let rows = sqlx::query(&format!("{SELECT} ORDER BY c.created_at DESC"))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

pub async fn create(db: &Db, name: &str, description: &str, unit_id: Option<&str>) -> Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO contests (id, name, description, created_at, unit_id) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(name)
        .bind(description)
        .bind(now_ms())
        .bind(unit_id)
        .execute(&db.pool)
        .await?;
    Ok(id)
}

pub async fn get_one(db: &Db, id: &str) -> Result<ContestRecord> {
    let r = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(super::StoreError::NotFound)?;
    from_row(&r)
}
