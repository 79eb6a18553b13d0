//! Ranking as Vietnamese contests rank: score (high first), then how far the
//! prediction falls from the real number of perfect attempts (near first),
//! then time taken (short first), then submission time (early first).

use super::rules::{Counting, Prize};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;

/// A submitted attempt as the ranking sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub score: u32,
    pub total: u32,
    pub prediction: Option<i64>,
    pub time_ms: i64,
    pub submitted_at: i64,
}

impl Outcome {
    pub fn perfect(&self) -> bool {
        self.total > 0 && self.score == self.total
    }
}

/// How many attempts answered every question correctly: the number the
/// prediction question asks for.
pub fn perfect_count<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> i64 {
    outcomes.into_iter().filter(|o| o.perfect()).count() as i64
}

/// No prediction ranks after every prediction, however far.
pub const NO_PREDICTION: u64 = u64::MAX / 1024;

/// What is compared; summed over rounds for the overall ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub score: i64,
    pub distance: u64,
    pub time_ms: i64,
    pub submitted_at: i64,
}

impl Standing {
    /// `perfect` is the round's perfect-attempt count; a round without the
    /// prediction question leaves every distance at 0.
    pub fn of(o: &Outcome, perfect: i64, prediction_on: bool) -> Standing {
        let distance = match (prediction_on, o.prediction) {
            (false, _) => 0,
            (true, Some(p)) => p.abs_diff(perfect),
            (true, None) => NO_PREDICTION,
        };
        Standing {
            score: i64::from(o.score),
            distance,
            time_ms: o.time_ms,
            submitted_at: o.submitted_at,
        }
    }

    /// The overall standing over rounds: sums, and the latest submission.
    pub fn plus(&self, other: &Standing) -> Standing {
        Standing {
            score: self.score + other.score,
            distance: self.distance.saturating_add(other.distance),
            time_ms: self.time_ms + other.time_ms,
            submitted_at: self.submitted_at.max(other.submitted_at),
        }
    }

    /// `Less` ranks higher.
    pub fn order(&self, other: &Standing) -> Ordering {
        other
            .score
            .cmp(&self.score)
            .then(self.distance.cmp(&other.distance))
            .then(self.time_ms.cmp(&other.time_ms))
            .then(self.submitted_at.cmp(&other.submitted_at))
    }
}

/// Which of one person's attempts (in the order taken) counts.
pub fn counted(
    attempts: &[Outcome],
    counting: Counting,
    perfect: i64,
    prediction_on: bool,
) -> Option<usize> {
    match counting {
        Counting::First => (!attempts.is_empty()).then_some(0),
        Counting::Last => attempts.len().checked_sub(1),
        Counting::Best => (0..attempts.len()).min_by(|&a, &b| {
            Standing::of(&attempts[a], perfect, prediction_on).order(&Standing::of(
                &attempts[b],
                perfect,
                prediction_on,
            ))
        }),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranked<K> {
    pub key: K,
    pub standing: Standing,
    /// 1-based; entries equal on every level share a rank (1, 1, 3).
    pub rank: u32,
}

pub fn rank<K>(entries: Vec<(K, Standing)>) -> Vec<Ranked<K>> {
    let mut entries = entries;
    entries.sort_by(|a, b| a.1.order(&b.1));
    let mut out: Vec<Ranked<K>> = Vec::with_capacity(entries.len());
    for (i, (key, standing)) in entries.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.standing == standing => prev.rank,
            _ => i as u32 + 1,
        };
        out.push(Ranked {
            key,
            standing,
            rank,
        });
    }
    out
}

/// Each ranked position's prize (an index into `prizes`), by the prize
/// counts in order; a tie with an awarded position gets the same prize.
pub fn award(ranks: &[u32], prizes: &[Prize]) -> Vec<Option<usize>> {
    let mut bounds = Vec::new();
    let mut acc = 0usize;
    for p in prizes {
        acc += p.count as usize;
        bounds.push(acc);
    }
    let mut out: Vec<Option<usize>> = Vec::with_capacity(ranks.len());
    for (i, r) in ranks.iter().enumerate() {
        let tied = i > 0 && ranks[i - 1] == *r;
        let prize = if tied {
            out[i - 1]
        } else {
            bounds.iter().position(|&b| i < b)
        };
        out.push(prize);
    }
    out
}

/// Finalists: the first `n` in ranking order, taking at most `quota` from
/// any one unit. Returns positions in the ranking.
pub fn finalists<U: Eq + Hash>(units: &[Option<U>], n: usize, quota: Option<u32>) -> Vec<usize> {
    let mut taken: HashMap<&U, u32> = HashMap::new();
    let mut out = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        if out.len() == n {
            break;
        }
        if let (Some(q), Some(u)) = (quota, unit) {
            let c = taken.entry(u).or_insert(0);
            if *c >= q {
                continue;
            }
            *c += 1;
        }
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(score: u32, prediction: Option<i64>, time_ms: i64, submitted_at: i64) -> Outcome {
        Outcome {
            score,
            total: 10,
            prediction,
            time_ms,
            submitted_at,
        }
    }

    #[test]
    fn every_tie_break_level() {
        let perfect = 40;
        let entries = vec![
            ("later", o(9, Some(40), 100, 2_000)),
            ("score", o(10, None, 900, 9_000)),
            ("slower", o(9, Some(40), 200, 1_000)),
            ("farther", o(9, Some(45), 50, 500)),
            ("earlier", o(9, Some(40), 100, 1_500)),
            ("no-guess", o(9, None, 10, 10)),
            ("under", o(9, Some(38), 60, 400)),
        ];
        let ranked = rank(
            entries
                .iter()
                .map(|(k, o)| (*k, Standing::of(o, perfect, true)))
                .collect(),
        );
        let order: Vec<&str> = ranked.iter().map(|r| r.key).collect();
        assert_eq!(
            order,
            ["score", "earlier", "later", "slower", "under", "farther", "no-guess"]
        );
        assert_eq!(
            ranked.iter().map(|r| r.rank).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6, 7]
        );
    }

    #[test]
    fn prediction_off_skips_that_level() {
        let a = Standing::of(&o(9, Some(1), 200, 1), 40, false);
        let b = Standing::of(&o(9, None, 100, 2), 40, false);
        assert_eq!(
            a.order(&b),
            Ordering::Greater,
            "faster wins when there is no prediction"
        );
    }

    #[test]
    fn full_ties_share_a_rank() {
        let s = Standing::of(&o(5, Some(3), 100, 1), 3, true);
        let t = Standing::of(&o(4, Some(3), 100, 1), 3, true);
        let ranked = rank(vec![("a", s), ("b", s), ("c", t)]);
        assert_eq!(ranked.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 1, 3]);
    }

    #[test]
    fn counting_rules() {
        let attempts = [
            o(6, Some(1), 100, 1),
            o(9, Some(1), 300, 2),
            o(9, Some(1), 200, 3),
            o(5, None, 50, 4),
        ];
        assert_eq!(counted(&attempts, Counting::First, 1, true), Some(0));
        assert_eq!(counted(&attempts, Counting::Last, 1, true), Some(3));
        assert_eq!(
            counted(&attempts, Counting::Best, 1, true),
            Some(2),
            "same score, faster"
        );
        assert_eq!(counted(&[], Counting::Best, 1, true), None);
    }

    #[test]
    fn perfect_attempts_are_counted() {
        let all = [o(10, None, 1, 1), o(9, None, 1, 1), o(10, None, 1, 1)];
        assert_eq!(perfect_count(&all), 2);
    }

    #[test]
    fn overall_sums_rounds() {
        let r1 = Standing::of(&o(8, Some(5), 100, 10), 7, true);
        let r2 = Standing::of(&o(9, Some(2), 50, 20), 1, true);
        let t = r1.plus(&r2);
        assert_eq!(
            (t.score, t.distance, t.time_ms, t.submitted_at),
            (17, 3, 150, 20)
        );
    }

    #[test]
    fn prizes_by_count_with_ties() {
        let prizes = vec![
            Prize {
                name: "Nhất".into(),
                count: 1,
            },
            Prize {
                name: "Nhì".into(),
                count: 2,
            },
        ];
        assert_eq!(
            award(&[1, 2, 3, 4, 5], &prizes),
            [Some(0), Some(1), Some(1), None, None]
        );
        assert_eq!(
            award(&[1, 2, 3, 3, 5], &prizes),
            [Some(0), Some(1), Some(1), Some(1), None]
        );
    }

    #[test]
    fn finalists_respect_unit_quota() {
        let units = [
            Some("A"),
            Some("A"),
            Some("A"),
            Some("B"),
            None,
            Some("B"),
            Some("C"),
        ];
        assert_eq!(finalists(&units, 4, None), [0, 1, 2, 3]);
        assert_eq!(finalists(&units, 4, Some(2)), [0, 1, 3, 4]);
        assert_eq!(finalists(&units, 10, Some(1)), [0, 3, 4, 6]);
    }
}
