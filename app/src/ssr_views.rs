//! Server-side helpers that turn stored records into the page types.

use crate::error::AppError;
use crate::types::*;
use hoithi_core::bank::Action;
use hoithi_core::formats::{self, units::UnitRow, ImportError};
use hoithi_core::model::{Difficulty, QuestionDraft, QuestionKind, QuestionOption, Role};
use hoithi_core::store::{
    self,
    questions::QuestionRow,
    units::UnitRecord,
    uploads::{Purpose, Upload},
    users::UserRecord,
    Db,
};
use hoithi_core::taxonomy;
use std::collections::HashMap;

/// A bank row for the UI; without its key unless the reader may see keys.
pub fn item(r: QuestionRow, keys: bool) -> QuestionItem {
    QuestionItem {
        id: r.id,
        version: r.version,
        retired: r.retired,
        updated_at: r.updated_at,
        draft: if keys { r.draft } else { r.draft.without_key() },
    }
}

/// Units in tree order (each parent followed by its children), with depth.
pub fn unit_tree(units: Vec<UnitRecord>) -> Vec<UnitView> {
    let mut children: HashMap<Option<String>, Vec<&UnitRecord>> = HashMap::new();
    for u in &units {
        children.entry(u.parent_id.clone()).or_default().push(u);
    }
    let mut out = Vec::with_capacity(units.len());
    fn walk(
        parent: Option<String>,
        depth: usize,
        children: &HashMap<Option<String>, Vec<&UnitRecord>>,
        out: &mut Vec<UnitView>,
    ) {
        if let Some(list) = children.get(&parent) {
            for u in list {
                out.push(UnitView {
                    id: u.id.clone(),
                    code: u.code.clone(),
                    name: u.name.clone(),
                    kind: u.kind.label().into(),
                    headcount: u.headcount,
                    depth,
                });
                walk(Some(u.id.clone()), depth + 1, children, out);
            }
        }
    }
    walk(None, 0, &children, &mut out);
    out
}

pub fn bank_stats(rows: Vec<(String, String, i64)>) -> Vec<BankStat> {
    let mut out: Vec<BankStat> = taxonomy::TOPICS
        .iter()
        .map(|t| BankStat {
            topic: t.key.into(),
            topic_name: t.name.into(),
            de: 0,
            tb: 0,
            kho: 0,
        })
        .collect();
    for (topic, difficulty, n) in rows {
        let idx = match out.iter().position(|s| s.topic == topic) {
            Some(i) => i,
            None => {
                out.push(BankStat {
                    topic_name: topic.clone(),
                    topic,
                    de: 0,
                    tb: 0,
                    kho: 0,
                });
                out.len() - 1
            }
        };
        match Difficulty::parse(&difficulty) {
            Some(Difficulty::De) => out[idx].de += n,
            Some(Difficulty::Tb) => out[idx].tb += n,
            Some(Difficulty::Kho) => out[idx].kho += n,
            None => {}
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
pub fn draft_from_form(
    kind: &str,
    topic: &str,
    difficulty: &str,
    text: &str,
    options: &str,
    answers: &str,
    tolerance: &str,
    explanation: &str,
    source: &str,
    image: &str,
) -> Result<QuestionDraft, String> {
    let kind = QuestionKind::parse(kind).ok_or("Loại câu hỏi không hợp lệ")?;
    let difficulty = Difficulty::parse(difficulty).ok_or("Mức độ không hợp lệ")?;
    let mut opts = Vec::new();
    for line in options.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (correct, t) = match line.strip_prefix('*') {
            Some(rest) => (true, rest),
            None => (false, line.strip_prefix('-').unwrap_or(line)),
        };
        opts.push(QuestionOption {
            text: t.trim().to_string(),
            correct,
        });
    }
    let mut answers: Vec<String> = answers
        .lines()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if kind == QuestionKind::TrueFalse {
        // The form shows true/false as the two options; accept an answer line too.
        let value = opts
            .iter()
            .find(|o| o.correct)
            .map(|o| hoithi_core::model::parse_truth(&o.text) == Some(true))
            .or_else(|| {
                answers
                    .first()
                    .and_then(|a| hoithi_core::model::parse_truth(a))
            });
        let value = value.ok_or("Câu đúng/sai cần chọn đáp án Đúng hoặc Sai")?;
        opts = QuestionDraft::true_false(value);
        answers.clear();
    }
    let tolerance = match tolerance.trim() {
        "" => None,
        t => Some(hoithi_core::text::parse_number(t).ok_or("Sai số phải là số")?),
    };
    Ok(QuestionDraft {
        key: None,
        kind,
        topic: topic.trim().to_string(),
        difficulty,
        text: text.to_string(),
        options: opts,
        answers,
        tolerance,
        explanation: explanation.to_string(),
        source: source.to_string(),
        image: (!image.trim().is_empty()).then(|| image.trim().to_string()),
    })
}

/// An upload of the caller's own, or of any admin's: uploads are not public.
pub async fn own_upload(
    db: &Db,
    id: &str,
    user: &UserRecord,
    purpose: Purpose,
) -> Result<Upload, AppError> {
    let upload = store::uploads::load(db, id, purpose).await?;
    if upload.user_id != user.id && user.role != Role::Admin {
        return Err(AppError::NotFound);
    }
    Ok(upload)
}

/// Parses an upload on the blocking pool: a large or hostile file costs a
/// blocking thread, never an async worker every other request needs.
pub async fn parse_upload(upload: &Upload) -> Result<formats::Parsed, AppError> {
    let (format, bytes, defaults) = (upload.format, upload.bytes.clone(), upload.defaults.clone());
    tokio::task::spawn_blocking(move || formats::parse(format, &bytes, &defaults))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "parsing an upload");
            AppError::Internal
        })
}

async fn read_table(upload: &Upload) -> Result<Result<Vec<Vec<String>>, ImportError>, AppError> {
    let (format, bytes) = (upload.format, upload.bytes.clone());
    tokio::task::spawn_blocking(move || formats::read_table(format, &bytes))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "reading an uploaded table");
            AppError::Internal
        })
}

pub async fn preview(db: &Db, upload: Upload) -> Result<ImportPreview, AppError> {
    let parsed = parse_upload(&upload).await?;
    let skipped = parsed.skipped;
    let unknown_categories = parsed.unknown_categories;
    let mut errors = parsed.errors;
    let plan = store::questions::plan(db, parsed.questions).await?;
    errors.extend(plan.errors.iter().cloned());
    errors.sort_by_key(|e| e.line);
    let entries = plan
        .entries
        .iter()
        .map(|e| {
            let (status, note) = match &e.action {
                Action::New => ("new", String::new()),
                Action::NewVersion { .. } => ("version", String::new()),
                Action::Unchanged { .. } => ("unchanged", String::new()),
                Action::Duplicate { of } => ("duplicate", format!("Trùng với {of}")),
            };
            PreviewEntry {
                line: e.line,
                key: e.draft.key.clone().unwrap_or_default(),
                text: e.draft.text.clone(),
                kind: e.draft.kind.label().into(),
                topic: e.draft.topic.clone(),
                difficulty: e.draft.difficulty.label().into(),
                status: status.into(),
                note,
            }
        })
        .collect();
    Ok(ImportPreview {
        upload_id: upload.id,
        file_name: upload.file_name,
        format: upload.format.label().into(),
        applied: upload.applied_at.is_some(),
        errors,
        entries,
        counts: plan.counts(),
        skipped,
        unknown_categories,
        category_topics: upload.defaults.categories.clone().into_iter().collect(),
        skip_unsupported: upload.defaults.skip_unsupported,
        has_options: matches!(upload.format, formats::Format::Gift | formats::Format::MoodleXml),
    })
}

pub async fn unit_rows(
    db: &Db,
    upload: &Upload,
) -> Result<Result<Vec<UnitRow>, Vec<ImportError>>, AppError> {
    let rows = match read_table(upload).await? {
        Ok(r) => r,
        Err(e) => return Ok(Err(vec![e])),
    };
    let existing = store::units::kinds(db).await?;
    Ok(formats::units::parse_rows(&rows, &existing))
}

pub async fn unit_preview(db: &Db, upload: Upload) -> Result<UnitPreview, AppError> {
    let parsed = unit_rows(db, &upload).await?;
    let (rows, errors) = match parsed {
        Ok(rows) => (rows, vec![]),
        Err(errs) => (vec![], errs),
    };
    let depth = |k: hoithi_core::formats::units::UnitKind| match k {
        hoithi_core::formats::units::UnitKind::District => 0,
        hoithi_core::formats::units::UnitKind::Commune => 1,
        hoithi_core::formats::units::UnitKind::Cell => 2,
    };
    Ok(UnitPreview {
        upload_id: upload.id,
        file_name: upload.file_name,
        applied: upload.applied_at.is_some(),
        errors,
        rows: rows
            .into_iter()
            .map(|u| UnitView {
                id: String::new(),
                code: u.code,
                name: u.name,
                kind: u.kind.label().into(),
                headcount: u.headcount,
                depth: depth(u.kind),
            })
            .collect(),
    })
}

pub async fn cadre_rows(
    db: &Db,
    upload: &Upload,
) -> Result<Result<Vec<formats::cadres::CadreRow>, Vec<ImportError>>, AppError> {
    let rows = match read_table(upload).await? {
        Ok(r) => r,
        Err(e) => return Ok(Err(vec![e])),
    };
    let units = store::units::list(db).await?;
    let known: Vec<formats::cadres::KnownUnit> = units
        .iter()
        .map(|u| formats::cadres::KnownUnit {
            id: &u.id,
            code: &u.code,
            name: &u.name,
        })
        .collect();
    let taken = store::users::taken_logins(db).await?;
    Ok(formats::cadres::parse_rows(&rows, &known, &taken))
}
