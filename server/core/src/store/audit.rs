//! The audit log: who changed what, when, with the values before and
//! after. Appended after each change succeeds; read by admins, filtered.

use super::{get, new_id, Db, Result};
use serde::{Deserialize, Serialize};

/// One change, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub at: i64,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_login: String,
    /// `round.close`, `user.role`, `bank.import` …
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub contest_id: Option<String>,
    /// One Vietnamese line for people.
    pub summary: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Who made a change.
pub struct Actor<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub login: &'a str,
}

/// What changed.
pub struct Change<'a> {
    pub action: &'a str,
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub contest_id: Option<&'a str>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// JSON of a value too large to be worth logging is cut (with a marker).
const MAX_JSON: usize = 16_000;

fn json(v: Option<serde_json::Value>) -> Option<String> {
    v.map(|v| {
        let s = v.to_string();
        if s.len() > MAX_JSON {
            let mut cut = MAX_JSON;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…(cắt bớt)", &s[..cut])
        } else {
            s
        }
    })
}

pub async fn record(db: &Db, actor: Actor<'_>, change: Change<'_>, at: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor_name, actor_login, action, object_kind, object_id, contest_id, summary, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(new_id())
    .bind(at)
    .bind(actor.id)
    .bind(actor.name)
    .bind(actor.login)
    .bind(change.action)
    .bind(change.object_kind)
    .bind(change.object_id)
    .bind(change.contest_id)
    .bind(change.summary)
    .bind(json(change.before))
    .bind(json(change.after))
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Which entries to read; empty fields filter nothing.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// An action or its group (`round` matches `round.close`).
    pub action: String,
    /// The actor's log-in name.
    pub actor: String,
    pub contest_id: String,
    pub object_id: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: i64,
    /// Only entries of these contests (an organizer's); None: all.
    pub within: Option<Vec<String>>,
}

/// Newest first.
pub async fn list(db: &Db, f: &Filter) -> Result<Vec<Entry>> {
    let action = f.action.trim();
    let within = match &f.within {
        Some(ids) if ids.is_empty() => return Ok(Vec::new()),
        Some(ids) => format!(
            " AND contest_id IN ({})",
            (0..ids.len()).map(|i| format!("${}", i + 9)).collect::<Vec<_>>().join(", ")
        ),
        None => String::new(),
    };
    let sql = format!(
        "SELECT id, at, actor_id, actor_name, actor_login, action, object_kind, object_id, contest_id, summary, before_json, after_json \
         FROM audit_log \
         WHERE ($1 = '' OR action = $1 OR action LIKE $2) \
           AND ($3 = '' OR actor_login = $3) \
           AND ($4 = '' OR contest_id = $4) \
           AND ($5 = '' OR object_id = $5) \
           AND at >= $6 AND at <= $7{within} \
         ORDER BY at DESC, id DESC LIMIT $8"
    );
    let mut query = sqlx::query(&sql)
    .bind(action)
    .bind(format!("{action}.%"))
    .bind(f.actor.trim())
    .bind(f.contest_id.trim())
    .bind(f.object_id.trim())
    .bind(f.from.unwrap_or(i64::MIN))
    .bind(f.to.unwrap_or(i64::MAX))
    .bind(f.limit.clamp(1, 10_000));
    for id in f.within.iter().flatten() {
        query = query.bind(id.clone());
    }
    let rows = query.fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                id: get(r, "id")?,
                at: get(r, "at")?,
                actor_id: get(r, "actor_id")?,
                actor_name: get(r, "actor_name")?,
                actor_login: get(r, "actor_login")?,
                action: get(r, "action")?,
                object_kind: get(r, "object_kind")?,
                object_id: get(r, "object_id")?,
                contest_id: get(r, "contest_id")?,
                summary: get(r, "summary")?,
                before: get(r, "before_json")?,
                after: get(r, "after_json")?,
            })
        })
        .collect()
}
