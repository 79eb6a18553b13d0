use super::{get, new_id, now_ms, Db, Result, StoreError};
use crate::bank::{self, Action, Existing, Plan};
use crate::model::{Difficulty, QuestionDraft, QuestionKind, QuestionOption};
use crate::text::duplicate_key;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionRow {
    pub id: String,
    pub version: i64,
    pub retired: bool,
    pub updated_at: i64,
    pub draft: QuestionDraft,
}

#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub text: Option<String>,
    pub include_retired: bool,
    pub limit: i64,
    pub offset: i64,
}

const CURRENT: &str = "SELECT q.id, q.qkey, q.retired, q.updated_at, v.version, v.kind, v.topic, v.difficulty, v.text, v.options, v.answers, v.tolerance, v.explanation, v.source, v.image \
    FROM questions q JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version";

pub(crate) fn draft_from_row(r: &AnyRow, key: Option<String>) -> Result<QuestionDraft> {
    let kind: String = get(r, "kind")?;
    let difficulty: String = get(r, "difficulty")?;
    let options: String = get(r, "options")?;
    let answers: String = get(r, "answers")?;
    let corrupt = |what: &str| StoreError::Corrupt(what.to_string());
    Ok(QuestionDraft {
        key,
        kind: QuestionKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
        topic: get(r, "topic")?,
        difficulty: Difficulty::parse(&difficulty).ok_or_else(|| corrupt("difficulty"))?,
        text: get(r, "text")?,
        options: serde_json::from_str::<Vec<QuestionOption>>(&options)
            .map_err(|_| corrupt("options"))?,
        answers: serde_json::from_str::<Vec<String>>(&answers).map_err(|_| corrupt("answers"))?,
        tolerance: get(r, "tolerance")?,
        explanation: get(r, "explanation")?,
        source: get(r, "source")?,
        image: get(r, "image")?,
    })
}

fn row_from(r: &AnyRow) -> Result<QuestionRow> {
    let key: String = get(r, "qkey")?;
    let retired: i64 = get(r, "retired")?;
    Ok(QuestionRow {
        id: get(r, "id")?,
        version: get(r, "version")?,
        retired: retired != 0,
        updated_at: get(r, "updated_at")?,
        draft: draft_from_row(r, Some(key))?,
    })
}

/// Current versions matching the filter, and how many match in all.
pub async fn list(db: &Db, f: &Filter) -> Result<(Vec<QuestionRow>, i64)> {
    let mut conds: Vec<String> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    if !f.include_retired {
        conds.push("q.retired = 0".into());
    }
    if let Some(t) = &f.topic {
        args.push(t.clone());
        conds.push(format!("v.topic = ${}", args.len()));
    }
    if let Some(d) = f.difficulty {
        args.push(d.as_str().to_string());
        conds.push(format!("v.difficulty = ${}", args.len()));
    }
    if let Some(t) = f
        .text
        .as_deref()
        .map(duplicate_key)
        .filter(|t| !t.is_empty())
    {
        args.push(format!("%{t}%"));
        conds.push(format!(
            "(v.dup_key LIKE ${} OR q.qkey LIKE ${})",
            args.len(),
            args.len() + 1
        ));
        args.push(format!(
            "%{}%",
            f.text.as_deref().unwrap_or("").trim().to_lowercase()
        ));
    }
    let filter = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    let count_sql = format!("SELECT COUNT(*) AS n FROM questions q JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version{filter}");
    let mut count_q = sqlx::query(&count_sql);
    for a in &args {
        count_q = count_q.bind(a);
    }
    let total: i64 = get(&count_q.fetch_one(&db.pool).await?, "n")?;
    let list_sql = format!(
        "{CURRENT}{filter} ORDER BY q.qkey LIMIT ${} OFFSET ${}",
        args.len() + 1,
        args.len() + 2
    );
    let mut q = sqlx::query(&list_sql);
    for a in &args {
        q = q.bind(a);
    }
    let rows = q
        .bind(f.limit.clamp(1, 1000))
        .bind(f.offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    Ok((rows.iter().map(row_from).collect::<Result<_>>()?, total))
}

pub async fn get_one(db: &Db, id: &str) -> Result<QuestionRow> {
    let row = sqlx::query(&format!("{CURRENT} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?;
    row_from(&row.ok_or(StoreError::NotFound)?)
}

/// Every version of a question, newest first: (version, created_at, content).
pub async fn versions(db: &Db, id: &str) -> Result<Vec<(i64, i64, QuestionDraft)>> {
    let rows = sqlx::query("SELECT v.*, q.qkey FROM question_versions v JOIN questions q ON q.id = v.question_id WHERE v.question_id = $1 ORDER BY v.version DESC")
        .bind(id)
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get(r, "version")?,
                get(r, "created_at")?,
                draft_from_row(r, Some(get(r, "qkey")?))?,
            ))
        })
        .collect()
}

async fn existing(tx: &mut Transaction<'_, Any>) -> Result<Vec<Existing>> {
    let rows = sqlx::query(CURRENT).fetch_all(&mut **tx).await?;
    rows.iter()
        .map(|r| {
            let row = row_from(r)?;
            Ok(Existing {
                question_id: row.id,
                key: row.draft.key.clone().unwrap_or_default(),
                draft: row.draft,
            })
        })
        .collect()
}

/// What importing these questions would do, without doing it.
pub async fn plan(db: &Db, incoming: Vec<(usize, QuestionDraft)>) -> Result<Plan> {
    let mut tx = db.pool.begin().await?;
    let existing = existing(&mut tx).await?;
    tx.rollback().await?;
    Ok(bank::plan(&existing, incoming))
}

/// Imports in one transaction: everything or, on any error, nothing. The
/// plan is recomputed inside the transaction so it matches what is written.
pub async fn import(
    db: &Db,
    incoming: Vec<(usize, QuestionDraft)>,
    user_id: Option<&str>,
    upload_id: Option<&str>,
) -> Result<Plan> {
    let mut tx = db.pool.begin().await?;
    if let Some(id) = upload_id {
        // Claiming the upload first makes a second confirm fail instead of importing twice.
        let claimed =
            sqlx::query("UPDATE uploads SET applied_at = $1 WHERE id = $2 AND applied_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if claimed.rows_affected() == 0 {
            return Err(StoreError::Invalid("Tệp này đã được nhập rồi".into()));
        }
    }
    let existing = existing(&mut tx).await?;
    let plan = bank::plan(&existing, incoming);
    if !plan.errors.is_empty() {
        return Err(StoreError::Invalid(
            plan.errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        ));
    }
    let now = now_ms();
    for e in &plan.entries {
        match &e.action {
            Action::New => {
                let id = new_id();
                let key = e
                    .draft
                    .key
                    .clone()
                    .unwrap_or_else(|| format!("q.{}", &id[..8]));
                sqlx::query("INSERT INTO questions (id, qkey, current_version, retired, created_at, updated_at) VALUES ($1, $2, 1, 0, $3, $4)")
                    .bind(&id)
                    .bind(&key)
                    .bind(now)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                insert_version(&mut tx, &id, 1, &e.draft, user_id, now).await?;
            }
            Action::NewVersion { question_id } => {
                bump(&mut tx, question_id, &e.draft, user_id, now).await?;
            }
            Action::Unchanged { .. } | Action::Duplicate { .. } => {}
        }
    }
    tx.commit().await?;
    super::rounds::bank_changed(db);
    Ok(plan)
}

async fn insert_version(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    version: i64,
    d: &QuestionDraft,
    user_id: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO question_versions (question_id, version, kind, topic, difficulty, text, options, answers, tolerance, explanation, source, image, dup_key, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(id)
    .bind(version)
    .bind(d.kind.as_str())
    .bind(&d.topic)
    .bind(d.difficulty.as_str())
    .bind(&d.text)
    .bind(serde_json::to_string(&d.options).expect("options serialise"))
    .bind(serde_json::to_string(&d.answers).expect("answers serialise"))
    .bind(d.tolerance)
    .bind(&d.explanation)
    .bind(&d.source)
    .bind(d.image.as_deref())
    .bind(duplicate_key(&d.text))
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn bump(
    tx: &mut Transaction<'_, Any>,
    id: &str,
    d: &QuestionDraft,
    user_id: Option<&str>,
    now: i64,
) -> Result<i64> {
    let row = sqlx::query("SELECT current_version FROM questions WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    let current: i64 = get(&row.ok_or(StoreError::NotFound)?, "current_version")?;
    let next = current + 1;
    insert_version(tx, id, next, d, user_id, now).await?;
    sqlx::query("UPDATE questions SET current_version = $1, updated_at = $2 WHERE id = $3")
        .bind(next)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(next)
}

/// Saves an edit as a new version; an unchanged question keeps its version.
pub async fn save_version(
    db: &Db,
    id: &str,
    mut draft: QuestionDraft,
    user_id: &str,
) -> Result<i64> {
    draft.normalize();
    let problems = draft.problems();
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.join("; ")));
    }
    let mut tx = db.pool.begin().await?;
    let row = sqlx::query(&format!("{CURRENT} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let current = row_from(&row.ok_or(StoreError::NotFound)?)?;
    draft.key = current.draft.key.clone();
    if current.draft.same_content(&draft) {
        return Ok(current.version);
    }
    let dup = sqlx::query("SELECT q.qkey FROM questions q JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version WHERE v.dup_key = $1 AND q.id <> $2")
        .bind(duplicate_key(&draft.text))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(r) = dup {
        let k: String = get(&r, "qkey")?;
        return Err(StoreError::Invalid(format!("Nội dung trùng với câu {k}")));
    }
    let v = bump(&mut tx, id, &draft, Some(user_id), now_ms()).await?;
    tx.commit().await?;
    super::rounds::bank_changed(db);
    Ok(v)
}

pub async fn set_retired(db: &Db, id: &str, retired: bool) -> Result<()> {
    let n = sqlx::query("UPDATE questions SET retired = $1, updated_at = $2 WHERE id = $3")
        .bind(retired as i64)
        .bind(now_ms())
        .bind(id)
        .execute(&db.pool)
        .await?;
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    super::rounds::bank_changed(db);
    Ok(())
}

/// The current versions in key order, for export.
pub async fn export(db: &Db, include_retired: bool) -> Result<Vec<QuestionDraft>> {
    let sql = if include_retired {
        format!("{CURRENT} ORDER BY q.qkey")
    } else {
        format!("{CURRENT} WHERE q.retired = 0 ORDER BY q.qkey")
    };
    let rows = sqlx::query(&sql).fetch_all(&db.pool).await?;
    rows.iter().map(|r| row_from(r).map(|q| q.draft)).collect()
}

/// Per topic and difficulty counts of active questions.
pub async fn stats(db: &Db) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query("SELECT v.topic, v.difficulty, COUNT(*) AS n FROM questions q JOIN question_versions v ON v.question_id = q.id AND v.version = q.current_version WHERE q.retired = 0 GROUP BY v.topic, v.difficulty")
        .fetch_all(&db.pool)
        .await?;
    rows.iter()
        .map(|r| Ok((get(r, "topic")?, get(r, "difficulty")?, get(r, "n")?)))
        .collect()
}
