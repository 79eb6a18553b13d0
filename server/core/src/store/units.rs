use super::{get, new_id, now_ms, Db, Result, StoreError};
use crate::formats::units::{UnitKind, UnitRow};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitRecord {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub parent_id: Option<String>,
    pub headcount: i64,
}

pub async fn list(db: &Db) -> Result<Vec<UnitRecord>> {
    let rows =
        sqlx::query("SELECT id, code, name, kind, parent_id, headcount FROM units ORDER BY code")
            .fetch_all(&db.pool)
            .await?;
    rows.iter()
        .map(|r| {
            let kind: String = get(r, "kind")?;
            Ok(UnitRecord {
                id: get(r, "id")?,
                code: get(r, "code")?,
                name: get(r, "name")?,
                kind: UnitKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt("unit kind".into()))?,
                parent_id: get(r, "parent_id")?,
                headcount: get(r, "headcount")?,
            })
        })
        .collect()
}

pub async fn kinds(db: &Db) -> Result<HashMap<String, UnitKind>> {
    Ok(list(db)
        .await?
        .into_iter()
        .map(|u| (u.code, u.kind))
        .collect())
}

/// Inserts new units and updates those whose code exists, in one
/// transaction, upload claimed first. Returns (added, updated).
pub async fn apply(db: &Db, rows: &[UnitRow], upload_id: &str) -> Result<(usize, usize)> {
    let mut tx = db.pool.begin().await?;
    let claimed =
        sqlx::query("UPDATE uploads SET applied_at = $1 WHERE id = $2 AND applied_at IS NULL")
            .bind(now_ms())
            .bind(upload_id)
            .execute(&mut *tx)
            .await?;
    if claimed.rows_affected() == 0 {
        return Err(StoreError::Invalid("Tệp này đã được nhập rồi".into()));
    }
    let existing: HashMap<String, String> = sqlx::query("SELECT id, code FROM units")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((get::<String>(r, "code")?, get::<String>(r, "id")?)))
        .collect::<Result<_>>()?;
    let mut ids = existing.clone();
    let (mut added, mut updated) = (0, 0);
    // Rows come parents first, so each parent's id is known when its children arrive.
    for u in rows {
        let parent_id = match &u.parent_code {
            Some(p) => Some(ids.get(p).cloned().ok_or_else(|| {
                StoreError::Invalid(format!("Không tìm thấy đơn vị cấp trên \"{p}\""))
            })?),
            None => None,
        };
        if let Some(id) = existing.get(&u.code) {
            sqlx::query("UPDATE units SET name = $1, kind = $2, parent_id = $3, headcount = $4 WHERE id = $5")
                .bind(&u.name)
                .bind(u.kind.as_str())
                .bind(parent_id.as_deref())
                .bind(u.headcount)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            updated += 1;
        } else {
            let id = new_id();
            sqlx::query("INSERT INTO units (id, code, name, kind, parent_id, headcount) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&id)
                .bind(&u.code)
                .bind(&u.name)
                .bind(u.kind.as_str())
                .bind(parent_id.as_deref())
                .bind(u.headcount)
                .execute(&mut *tx)
                .await?;
            ids.insert(u.code.clone(), id);
            added += 1;
        }
    }
    tx.commit().await?;
    Ok((added, updated))
}
