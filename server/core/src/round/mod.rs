//! Online qualifying rounds: the rules an organizer sets and the pure logic
//! the server applies to them — drawing an attempt, grading, the deadline,
//! ranking, prizes, finalists and question statistics. No web or database
//! types, so every rule is unit-tested directly.

pub mod accommodation;
pub mod draw;
pub mod fairplay;
pub mod grading;
pub mod ranking;
pub mod rules;
pub mod stats;

pub use rules::{Counting, DrawRule, Prize, ReviewPolicy, RoundRules};

/// Where a round stands at a moment, by the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Phase {
    Draft,
    Upcoming,
    Open,
    Closed,
}

impl Phase {
    pub fn at(published: bool, opens_at: i64, closes_at: i64, now: i64) -> Phase {
        if !published {
            Phase::Draft
        } else if now < opens_at {
            Phase::Upcoming
        } else if now < closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Draft => "Bản nháp",
            Phase::Upcoming => "Sắp mở",
            Phase::Open => "Đang mở",
            Phase::Closed => "Đã kết thúc",
        }
    }
}

/// Requests in flight when the deadline passes still count for this long.
pub const GRACE_MS: i64 = 5_000;

/// An attempt's deadline: the time limit from its start, never past the
/// round's closing time. Both come from the server's clock.
pub fn deadline(started_at: i64, time_limit_secs: u32, closes_at: i64) -> i64 {
    (started_at + i64::from(time_limit_secs) * 1000).min(closes_at)
}

/// Whether an answer or a submit arriving at `now` still counts.
pub fn accepts(now: i64, deadline: i64) -> bool {
    now <= deadline + GRACE_MS
}

/// Time taken as ranked: from the start to the submit, capped at the
/// deadline so the grace period never costs a contestant.
pub fn time_taken(started_at: i64, finished_at: i64, deadline: i64) -> i64 {
    (finished_at.min(deadline) - started_at).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_is_the_earlier_of_limit_and_close() {
        assert_eq!(deadline(1_000, 60, 1_000_000), 61_000);
        assert_eq!(deadline(1_000, 60, 30_000), 30_000);
    }

    #[test]
    fn grace_accepts_the_last_request_only() {
        let d = 100_000;
        assert!(accepts(d - 1, d));
        assert!(accepts(d, d));
        assert!(accepts(d + GRACE_MS, d));
        assert!(!accepts(d + GRACE_MS + 1, d));
        assert!(!accepts(d + 3_600_000, d));
    }

    #[test]
    fn time_taken_is_capped_at_the_deadline() {
        assert_eq!(time_taken(1_000, 5_000, 61_000), 4_000);
        assert_eq!(time_taken(1_000, 63_000, 61_000), 60_000);
    }
}
