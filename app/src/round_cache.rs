//! Results of rounds computed once and shared: a round's ranking and its
//! dashboard cost seconds for a large round, and a closed round's never
//! change. One computation runs at a time per round (the rest wait for
//! it); an entry holds while the round's row is unchanged, for ten minutes
//! once the round is closed and settled, for five seconds before.
//!
//! Anything that changes a round's results after it closed must change its
//! row (its rules) or the entry lives out its ten minutes.

use crate::types::Dashboard;
use hoithi_core::round::Phase;
use hoithi_core::store::results::RoundResults;
use hoithi_core::store::rounds::RoundRecord;
use hoithi_core::store::{attempts, Db, StoreError};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long after closing a round no attempt can still be finishing (the
/// deadline sweeper runs every 5 s, the grace is 5 s).
const SETTLE_MS: i64 = 60_000;
const SETTLED_FOR: Duration = Duration::from_secs(600);
const OPEN_FOR: Duration = Duration::from_secs(5);
/// Rounds kept; past this the table is emptied of rounds nobody is computing.
const MAX_ROUNDS: usize = 256;

struct Entry<T> {
    fingerprint: String,
    /// Server time (ms) when the computation started: it holds every
    /// attempt finished before then.
    started_ms: i64,
    until: Instant,
    value: Arc<T>,
}

type Slot<T> = Arc<tokio::sync::Mutex<Option<Entry<T>>>>;

pub struct RoundCache<T> {
    slots: Mutex<HashMap<String, Slot<T>>>,
}

impl<T> Default for RoundCache<T> {
    fn default() -> Self {
        RoundCache {
            slots: Mutex::new(HashMap::new()),
        }
    }
}

/// A round's row: what its results depend on, and the flags its dashboard
/// shows.
fn fingerprint(round: &RoundRecord) -> String {
    format!(
        "{}|{}|{}|{}",
        serde_json::to_string(&round.rules).unwrap_or_default(),
        round.published,
        round.key_published,
        round.results_published
    )
}

/// A value and whether this call computed it.
pub struct Lookup<T> {
    pub value: Arc<T>,
    pub computed: bool,
}

impl<T> RoundCache<T> {
    /// Drops a round's entry (something its results depend on changed
    /// outside its row).
    pub fn forget(&self, id: &str) {
        self.slots.lock().expect("round cache lock").remove(id);
    }

    fn slot(&self, id: &str) -> Slot<T> {
        let mut slots = self.slots.lock().expect("round cache lock");
        if slots.len() >= MAX_ROUNDS && !slots.contains_key(id) {
            // Only slots nobody holds: a computation in flight keeps its own.
            slots.retain(|_, s| Arc::strong_count(s) > 1);
        }
        slots.entry(id.to_string()).or_default().clone()
    }

    /// The cached value for `round`, or `compute`'s. `not_before`: only an
    /// entry computed at or after this server time will do (a person who
    /// just finished wants a ranking that holds their attempt).
    pub async fn get<E, Fut>(
        &self,
        db: &Db,
        round: &RoundRecord,
        now: i64,
        not_before: i64,
        compute: impl FnOnce() -> Fut,
    ) -> Result<Lookup<T>, E>
    where
        Fut: Future<Output = Result<T, E>>,
        E: From<StoreError>,
    {
        let fp = fingerprint(round);
        let slot = self.slot(&round.id);
        let mut entry = slot.lock().await;
        if let Some(e) = entry.as_ref() {
            if e.fingerprint == fp && e.until > Instant::now() && e.started_ms >= not_before {
                return Ok(Lookup {
                    value: e.value.clone(),
                    computed: false,
                });
            }
        }
        // Settled: closed long enough ago and no attempt unfinished (however
        // long past its deadline), so no
        // attempt can finish after this computation.
        let last_close = hoithi_core::store::accommodations::latest_closing(db, &round.id)
            .await?
            .map_or(round.rules.closes_at, |t| t.max(round.rules.closes_at));
        let settled = round.phase(now) == Phase::Closed
            && now > last_close + SETTLE_MS
            && attempts::in_progress(db, &round.id, i64::MIN / 2).await? == 0;
        let value = Arc::new(compute().await?);
        *entry = Some(Entry {
            fingerprint: fp,
            started_ms: now,
            until: Instant::now() + if settled { SETTLED_FOR } else { OPEN_FOR },
            value: value.clone(),
        });
        Ok(Lookup {
            value,
            computed: true,
        })
    }
}

/// The caches of round results the server keeps.
#[derive(Default)]
pub struct RoundCaches {
    pub ranking: RoundCache<RoundResults>,
    pub dashboard: RoundCache<Dashboard>,
}

impl RoundCaches {
    pub fn forget(&self, round_id: &str) {
        self.ranking.forget(round_id);
        self.dashboard.forget(round_id);
    }
}
