//! Who has not taken part: what a unit's party office chases before a round
//! closes.

use super::{get, Db, Result};

/// A contestant who has not taken a round yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Absent {
    pub full_name: String,
    pub login: String,
    pub unit_name: Option<String>,
    pub position: String,
}

/// Active contestants of the given units (all contestants when `units` is
/// `None`) with no attempt in the round, by unit then name.
pub async fn not_taken(db: &Db, round_id: &str, units: Option<&[String]>) -> Result<Vec<Absent>> {
    let mut sql = String::from(
        "SELECT u.full_name, u.login, n.name AS unit_name, u.position FROM users u LEFT JOIN units n ON n.id = u.unit_id \
         WHERE u.role = 'contestant' AND u.deactivated_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = $1 AND a.user_id = u.id)",
    );
    if let Some(list) = units {
        if list.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..list.len()).map(|i| format!("${}", i + 2)).collect();
        sql.push_str(&format!(" AND u.unit_id IN ({})", marks.join(", ")));
    }
    sql.push_str(" ORDER BY n.name, u.full_name");
    let mut q = sqlx::query(&sql).bind(round_id);
    for u in units.unwrap_or(&[]) {
        q = q.bind(u);
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Absent {
                full_name: get(r, "full_name")?,
                login: get(r, "login")?,
                unit_name: get(r, "unit_name")?,
                position: get(r, "position")?,
            })
        })
        .collect()
}
