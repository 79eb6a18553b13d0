//! Accommodations (as Moodle's user overrides): for one person or one unit,
//! extra time per attempt, extra attempts, a later closing time. Several
//! may apply to a person (theirs and their units'): each kind counts at its
//! most generous.

use super::rules::RoundRules;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accommodation {
    /// Added to the time limit of each attempt (a round without a limit
    /// keeps none).
    pub extra_secs: u32,
    pub extra_attempts: u32,
    /// The round closes later for this person.
    pub closes_at: Option<i64>,
}

impl Accommodation {
    pub fn is_none(&self) -> bool {
        *self == Accommodation::default()
    }

    /// The most generous of each kind.
    pub fn combine(self, other: Accommodation) -> Accommodation {
        Accommodation {
            extra_secs: self.extra_secs.max(other.extra_secs),
            extra_attempts: self.extra_attempts.max(other.extra_attempts),
            closes_at: match (self.closes_at, other.closes_at) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        }
    }

    /// The round's rules as they hold for this person.
    pub fn apply(&self, rules: &RoundRules) -> RoundRules {
        let mut r = rules.clone();
        if r.time_limit_secs > 0 {
            r.time_limit_secs = r.time_limit_secs.saturating_add(self.extra_secs);
        }
        r.attempts_allowed = r.attempts_allowed.saturating_add(self.extra_attempts);
        if let Some(t) = self.closes_at {
            r.closes_at = r.closes_at.max(t);
        }
        r
    }

    /// In Vietnamese, for the person's round page.
    pub fn describe(&self, format_time: impl Fn(i64) -> String) -> String {
        let mut parts = Vec::new();
        if self.extra_secs > 0 {
            parts.push(format!("thêm {} phút mỗi lượt", self.extra_secs.div_ceil(60)));
        }
        if self.extra_attempts > 0 {
            parts.push(format!("thêm {} lượt thi", self.extra_attempts));
        }
        if let Some(t) = self.closes_at {
            parts.push(format!("hạn chót lùi đến {}", format_time(t)));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> RoundRules {
        RoundRules {
            name: "Tuần 1".into(),
            opens_at: 0,
            closes_at: 1_000,
            questions_per_attempt: 10,
            draw: vec![],
            time_limit_secs: 600,
            attempts_allowed: 1,
            counting: super::super::Counting::Best,
            review: super::super::ReviewPolicy::AfterClose,
            prediction: false,
            prizes: vec![],
        }
    }

    #[test]
    fn most_generous_of_each_kind_applies() {
        let person = Accommodation { extra_secs: 300, extra_attempts: 0, closes_at: Some(900) };
        let unit = Accommodation { extra_secs: 60, extra_attempts: 1, closes_at: Some(5_000) };
        let both = person.combine(unit);
        assert_eq!(both, Accommodation { extra_secs: 300, extra_attempts: 1, closes_at: Some(5_000) });
        let r = both.apply(&rules());
        assert_eq!((r.time_limit_secs, r.attempts_allowed, r.closes_at), (900, 2, 5_000));
        // A later closing never makes the round close earlier.
        let early = Accommodation { closes_at: Some(10), ..Default::default() }.apply(&rules());
        assert_eq!(early.closes_at, 1_000);
        // No limit stays no limit.
        let mut open = rules();
        open.time_limit_secs = 0;
        assert_eq!(person.apply(&open).time_limit_secs, 0);
        assert!(Accommodation::default().is_none());
        assert_eq!(
            both.describe(|t| t.to_string()),
            "thêm 5 phút mỗi lượt, thêm 1 lượt thi, hạn chót lùi đến 5000"
        );
    }
}
