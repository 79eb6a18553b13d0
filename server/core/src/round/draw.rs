//! Drawing an attempt's questions: every quota filled, no question twice, the
//! order and each question's options shuffled.
//!
//! Quotas may overlap ("2 of topic X" and "3 hard ones"), so filling them
//! greedily can fail where a draw exists. The draw is a bipartite matching of
//! question slots to bank questions (Kuhn's augmenting paths) over a shuffled
//! bank: it finds a draw whenever one exists, and a random one.

use super::rules::DrawRule;
use crate::model::{Difficulty, QuestionKind};
use rand::seq::SliceRandom;
use rand::Rng;

/// What the draw needs to know of a bank question.
#[derive(Clone, Copy, Debug)]
pub struct Candidate<'a> {
    pub topic: &'a str,
    pub difficulty: Difficulty,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawError {
    /// The quota that could not be filled (`None`: the free remainder).
    pub rule: Option<DrawRule>,
    pub available: usize,
}

impl std::fmt::Display for DrawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Some(r) => write!(
                f,
                "Ngân hàng không đủ câu hỏi cho yêu cầu \"{}\": chỉ có {} câu phù hợp (tính cả các câu đã dành cho yêu cầu khác)",
                r.describe(),
                self.available
            ),
            None => write!(f, "Ngân hàng chỉ có {} câu hỏi đang dùng, không đủ cho một lượt thi", self.available),
        }
    }
}

/// The slots to fill: one per quota question, then free ones up to `total`.
fn slots(rules: &[DrawRule], total: u32) -> Vec<Option<usize>> {
    let mut out: Vec<Option<usize>> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        out.extend(std::iter::repeat_n(Some(i), r.count as usize));
    }
    let quota = out.len();
    out.extend(std::iter::repeat_n(
        None,
        (total as usize).saturating_sub(quota),
    ));
    out
}

/// Picks `total` distinct candidates meeting the quotas, in random order;
/// returns indices into `bank`.
pub fn draw<R: Rng + ?Sized>(
    bank: &[Candidate<'_>],
    rules: &[DrawRule],
    total: u32,
    rng: &mut R,
) -> Result<Vec<usize>, DrawError> {
    let slots = slots(rules, total);
    let fits = |slot: usize, c: usize| {
        slots[slot].is_none_or(|r| rules[r].matches(bank[c].topic, bank[c].difficulty))
    };
    // The order candidates are tried in is what makes the draw random.
    let mut order: Vec<usize> = (0..bank.len()).collect();
    order.shuffle(rng);
    let mut owner: Vec<Option<usize>> = vec![None; bank.len()];

    fn augment(
        slot: usize,
        order: &[usize],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
        fits: &dyn Fn(usize, usize) -> bool,
    ) -> bool {
        for &c in order {
            if seen[c] || !fits(slot, c) {
                continue;
            }
            seen[c] = true;
            if owner[c].is_none_or(|other| augment(other, order, owner, seen, fits)) {
                owner[c] = Some(slot);
                return true;
            }
        }
        false
    }

    // Quota slots first, so the free ones never crowd out a scarce topic.
    for slot in 0..slots.len() {
        let mut seen = vec![false; bank.len()];
        if !augment(slot, &order, &mut owner, &mut seen, &fits) {
            let rule = slots[slot].map(|r| rules[r].clone());
            let available = match &rule {
                Some(r) => bank
                    .iter()
                    .filter(|c| r.matches(c.topic, c.difficulty))
                    .count(),
                None => bank.len(),
            };
            return Err(DrawError { rule, available });
        }
    }
    let mut picked: Vec<usize> = (0..bank.len()).filter(|&c| owner[c].is_some()).collect();
    picked.shuffle(rng);
    Ok(picked)
}

/// Whether the bank can serve the rule at all: the check when a round is saved.
pub fn check(bank: &[Candidate<'_>], rules: &[DrawRule], total: u32) -> Result<(), DrawError> {
    // Matching does not depend on the order tried, so any generator will do.
    let mut rng = rand::rngs::mock::StepRng::new(0, 1);
    draw(bank, rules, total, &mut rng).map(|_| ())
}

/// The order a question's options are shown in: shuffled, except true/false,
/// which always reads "Đúng" then "Sai".
pub fn option_order<R: Rng + ?Sized>(
    kind: QuestionKind,
    options: usize,
    rng: &mut R,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..options).collect();
    if kind != QuestionKind::TrueFalse {
        order.shuffle(rng);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn bank() -> Vec<Candidate<'static>> {
        let mut b = Vec::new();
        for (topic, d, n) in [
            ("ct24.nv1", Difficulty::De, 5),
            ("ct24.nv1", Difficulty::Kho, 2),
            ("kh171", Difficulty::De, 3),
            ("kh171", Difficulty::Kho, 1),
            ("lien-quan", Difficulty::Tb, 10),
        ] {
            b.extend(std::iter::repeat_n(
                Candidate {
                    topic,
                    difficulty: d,
                },
                n,
            ));
        }
        b
    }

    fn rule(topic: Option<&str>, difficulty: Option<Difficulty>, count: u32) -> DrawRule {
        DrawRule {
            topic: topic.map(Into::into),
            difficulty,
            count,
        }
    }

    #[test]
    fn quotas_are_met_without_repeats() {
        let b = bank();
        let rules = vec![
            rule(Some("kh171"), None, 3),
            rule(None, Some(Difficulty::Kho), 3),
        ];
        for seed in 0..50 {
            let picked = draw(&b, &rules, 10, &mut StdRng::seed_from_u64(seed)).unwrap();
            assert_eq!(picked.len(), 10);
            assert_eq!(
                picked.iter().collect::<HashSet<_>>().len(),
                10,
                "no question twice"
            );
            let kho = picked
                .iter()
                .filter(|&&i| b[i].difficulty == Difficulty::Kho)
                .count();
            let kh = picked.iter().filter(|&&i| b[i].topic == "kh171").count();
            assert!(kho >= 3 && kh >= 3, "seed {seed}: {kho} hard, {kh} kh171");
        }
    }

    #[test]
    fn overlapping_quotas_that_greedy_would_miss() {
        // Only 3 hard questions exist and one of them is kh171: a greedy draw
        // that fills "3 kh171" with the hard kh171 question strands the
        // "3 hard" quota. The matching must always succeed.
        let b = bank();
        let rules = vec![
            rule(Some("kh171"), None, 3),
            rule(None, Some(Difficulty::Kho), 3),
        ];
        for seed in 0..50 {
            let picked = draw(&b, &rules, 6, &mut StdRng::seed_from_u64(seed)).unwrap();
            let kho = picked
                .iter()
                .filter(|&&i| b[i].difficulty == Difficulty::Kho)
                .count();
            let kh = picked.iter().filter(|&&i| b[i].topic == "kh171").count();
            assert_eq!((kh, kho), (4, 3));
        }
    }

    #[test]
    fn impossible_rules_name_the_quota() {
        let b = bank();
        let err = check(&b, &[rule(Some("kh171"), Some(Difficulty::Kho), 2)], 5).unwrap_err();
        assert_eq!(err.available, 1);
        assert!(err.to_string().contains("Kế hoạch 171-KH/TU"), "{err}");
        let err = check(&b, &[], 22).unwrap_err();
        assert_eq!(err.rule, None);
        assert_eq!(err.available, 21);
        assert!(check(&b, &[], 21).is_ok());
    }

    #[test]
    fn shuffles_differ_between_attempts() {
        let b = bank();
        let mut rng = StdRng::seed_from_u64(7);
        let draws: HashSet<Vec<usize>> = (0..20)
            .map(|_| draw(&b, &[], 10, &mut rng).unwrap())
            .collect();
        assert!(
            draws.len() >= 19,
            "20 draws gave only {} distinct orders",
            draws.len()
        );
        let orders: HashSet<Vec<usize>> = (0..20)
            .map(|_| option_order(QuestionKind::Single, 4, &mut rng))
            .collect();
        assert!(orders.len() > 5);
        assert_eq!(
            option_order(QuestionKind::TrueFalse, 2, &mut rng),
            vec![0, 1]
        );
    }
}
