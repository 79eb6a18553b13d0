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
    super::hot::rounds_changed(db);
    Ok((added, updated))
}

/// `root` and every unit under it (ids), from the whole tree.
pub fn subtree(units: &[UnitRecord], root: &str) -> Vec<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for u in units {
        if let Some(p) = u.parent_id.as_deref() {
            children.entry(p).or_default().push(&u.id);
        }
    }
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(u) = stack.pop() {
        if out.iter().any(|x| x == u) {
            continue;
        }
        out.push(u.to_string());
        if let Some(c) = children.get(u) {
            stack.extend(c.iter().copied());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>) -> UnitRecord {
        UnitRecord {
            id: id.into(),
            code: id.into(),
            name: id.into(),
            kind: UnitKind::Commune,
            parent_id: parent.map(String::from),
            headcount: 0,
        }
    }

    #[test]
    fn subtree_holds_the_root_and_everything_under_it() {
        let tree = [
            unit("city", None),
            unit("uh", Some("city")),
            unit("vd", Some("uh")),
            unit("pt", Some("uh")),
            unit("ml", Some("city")),
        ];
        let mut s = subtree(&tree, "uh");
        s.sort();
        assert_eq!(s, ["pt", "uh", "vd"]);
        assert_eq!(subtree(&tree, "vd"), ["vd"]);
        assert_eq!(subtree(&tree, "city").len(), 5);
    }
}
