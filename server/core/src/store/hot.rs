//! What every start and save of a busy round reads, kept in memory.
//!
//! In a start storm thousands of cadres start the same round within minutes
//! and each then saves an answer every few seconds. Read from the database
//! each time, the round, its contest's owner and unit tree, its
//! accommodations and its disqualifications cost more server CPU than the
//! draw and the write together. So:
//!
//! - a round's context is loaded once and rechecked at most once a second
//!   (another instance's change reaches this one within that second; this
//!   instance's own changes drop it at once, through `rounds_changed`);
//! - an open attempt's record and drawn items (which never change while it
//!   is open) are kept from its start until it closes;
//! - a question version's content never changes once written.
//!
//! Every write stays guarded in the database (`finished_at IS NULL`), so a
//! stale entry can at worst refuse a save, never store a wrong one.

use super::accommodations::Grant;
use super::rounds::RoundRecord;
use super::{get, Db, Result, StoreError};
use crate::model::QuestionDraft;
use crate::round::accommodation::Accommodation;
use crate::scope::Tree;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a round's context is served before it is read again.
const RECHECK: Duration = Duration::from_secs(1);
/// Beyond this many open attempts (or drafts) kept, the oldest are dropped
/// wholesale: a rare reload is cheaper than unbounded memory.
const MAX_ATTEMPTS: usize = 200_000;
const MAX_DRAFTS: usize = 20_000;

/// A round as starts and saves need it.
#[derive(Debug)]
pub struct RoundCtx {
    pub round: RoundRecord,
    /// The unit whose people the contest is for; none: everyone.
    pub owner: Option<String>,
    /// The unit tree, loaded when an owner or a unit's accommodation needs it.
    tree: Tree,
    grants: Vec<Grant>,
    /// People kept out of the round, with the organizer's reason.
    out: HashMap<String, String>,
}

impl RoundCtx {
    /// Whether a person of `unit` may take the round (admins aside).
    pub fn eligible(&self, unit: Option<&str>) -> bool {
        match &self.owner {
            None => true,
            Some(owner) => unit.is_some_and(|u| self.tree.within(u, owner)),
        }
    }

    /// The person's own accommodations and their units', each kind at its
    /// most generous.
    pub fn accommodation(&self, user_id: &str, unit: Option<&str>) -> Accommodation {
        self.grants
            .iter()
            .filter(|g| {
                g.user_id.as_deref() == Some(user_id)
                    || matches!((&g.unit_id, unit), (Some(of), Some(u)) if self.tree.within(u, of))
            })
            .fold(Accommodation::default(), |acc, g| acc.combine(g.grant))
    }

    /// The reason a person was disqualified from the round, if they were.
    pub fn out(&self, user_id: &str) -> Option<&str> {
        self.out.get(user_id).map(String::as_str)
    }
}

/// One drawn question of an open attempt, without its content.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemKey {
    pub position: i64,
    pub question_id: String,
    pub version: i64,
    pub option_order: Vec<usize>,
}

/// An open attempt as a save needs it.
#[derive(Clone, Debug)]
pub struct OpenAttempt {
    pub record: super::attempts::AttemptRecord,
    pub items: Vec<ItemKey>,
}

#[derive(Default)]
pub(crate) struct Hot {
    rounds: Mutex<HashMap<String, (Instant, u64, Arc<RoundCtx>)>>,
    /// Bumped by every local change to what a round context holds.
    generation: std::sync::atomic::AtomicU64,
    /// One loader at a time: a storm's first second reads the round once.
    loading: tokio::sync::Mutex<()>,
    attempts: Mutex<HashMap<String, Arc<OpenAttempt>>>,
    drafts: Mutex<HashMap<(String, i64), Arc<QuestionDraft>>>,
}

impl std::fmt::Debug for Hot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hot")
    }
}

/// The round's context, from memory when read less than a second ago.
pub async fn round(db: &Db, id: &str) -> Result<Arc<RoundCtx>> {
    let fresh = |hot: &Hot| {
        hot.rounds
            .lock()
            .expect("hot rounds")
            .get(id)
            .filter(|(at, generation, _)| {
                at.elapsed() < RECHECK
                    && *generation == hot.generation.load(std::sync::atomic::Ordering::Acquire)
            })
            .map(|(_, _, ctx)| ctx.clone())
    };
    if let Some(ctx) = fresh(&db.hot) {
        return Ok(ctx);
    }
    let _one = db.hot.loading.lock().await;
    if let Some(ctx) = fresh(&db.hot) {
        return Ok(ctx);
    }
    let generation = db.hot.generation.load(std::sync::atomic::Ordering::Acquire);
    let ctx = Arc::new(load(db, id).await?);
    let mut all = db.hot.rounds.lock().expect("hot rounds");
    if all.len() > 10_000 {
        all.clear();
    }
    all.insert(id.to_string(), (Instant::now(), generation, ctx.clone()));
    Ok(ctx)
}

async fn load(db: &Db, id: &str) -> Result<RoundCtx> {
    let round = super::rounds::get_one(db, id).await?;
    let owner = super::grants::contest_owner(db, &round.contest_id).await?;
    let grants = super::accommodations::grants(db, id).await?;
    let tree = if owner.is_some() || grants.iter().any(|g| g.unit_id.is_some()) {
        super::grants::tree(db).await?
    } else {
        Tree::default()
    };
    let out = super::fairplay::people_out(db, id).await?;
    Ok(RoundCtx {
        round,
        owner,
        tree,
        grants,
        out,
    })
}

/// Called after this instance changes a round, its accommodations, its
/// disqualifications, the unit tree or who someone is.
pub fn rounds_changed(db: &Db) {
    db.hot
        .generation
        .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    db.hot.rounds.lock().expect("hot rounds").clear();
}

/// Keeps a just-started (or just-read) open attempt.
pub(crate) fn keep_attempt(db: &Db, open: OpenAttempt) -> Arc<OpenAttempt> {
    let open = Arc::new(open);
    let mut all = db.hot.attempts.lock().expect("hot attempts");
    if all.len() >= MAX_ATTEMPTS {
        all.clear();
    }
    all.insert(open.record.id.clone(), open.clone());
    open
}

/// The open attempt as kept, if it is.
pub(crate) fn attempt(db: &Db, id: &str) -> Option<Arc<OpenAttempt>> {
    db.hot.attempts.lock().expect("hot attempts").get(id).cloned()
}

/// Called when an attempt closes (it is no longer what a save may change).
pub(crate) fn attempt_closed(db: &Db, id: &str) {
    db.hot.attempts.lock().expect("hot attempts").remove(id);
}

/// Called when attempts change hands (accounts merged).
pub(crate) fn attempts_changed(db: &Db) {
    db.hot.attempts.lock().expect("hot attempts").clear();
}

/// A question's content at a version; versions are never rewritten.
pub(crate) async fn draft(db: &Db, question_id: &str, version: i64) -> Result<Arc<QuestionDraft>> {
    let key = (question_id.to_string(), version);
    if let Some(d) = db.hot.drafts.lock().expect("hot drafts").get(&key) {
        return Ok(d.clone());
    }
    let row = sqlx::query(
        "SELECT kind, topic, difficulty, text, options, answers, tolerance, explanation, source, image \
         FROM question_versions WHERE question_id = $1 AND version = $2",
    )
    .bind(question_id)
    .bind(version)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let d = Arc::new(super::questions::draft_from_row(&row, None)?);
    let mut all = db.hot.drafts.lock().expect("hot drafts");
    if all.len() >= MAX_DRAFTS {
        all.clear();
    }
    all.insert(key, d.clone());
    Ok(d)
}

/// The drawn items of an attempt, without their content.
pub(crate) async fn item_keys(db: &Db, attempt_id: &str) -> Result<Vec<ItemKey>> {
    let rows = sqlx::query(
        "SELECT position, question_id, version, option_order FROM attempt_items WHERE attempt_id = $1 ORDER BY position",
    )
    .bind(attempt_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let order: String = get(r, "option_order")?;
            Ok(ItemKey {
                position: get(r, "position")?,
                question_id: get(r, "question_id")?,
                version: get(r, "version")?,
                option_order: serde_json::from_str(&order)
                    .map_err(|_| StoreError::Corrupt("attempt item order".into()))?,
            })
        })
        .collect()
}
