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
    // The order candidates are tried in is what makes the draw random.
    let mut order: Vec<usize> = (0..bank.len()).collect();
    order.shuffle(rng);
    let mut picked = matching(bank, rules, total, &order)?;
    picked.shuffle(rng);
    Ok(picked)
}

/// How often a person has met a bank question before this draw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    /// In this person's earlier attempts in the same contest.
    pub by_person: u32,
    /// In anyone's attempts at this round so far.
    pub in_round: u32,
}

/// A draw that shares fewer answers: questions the person has not met in
/// this contest whenever the bank can fill the quotas with them, else the
/// least-met first; among those, the less-drawn questions of the round are
/// likelier (a weighted random order, so simultaneous starts still differ).
/// `exposure` is indexed like `bank`.
pub fn draw_fresh<R: Rng + ?Sized>(
    bank: &[Candidate<'_>],
    exposure: &[Exposure],
    rules: &[DrawRule],
    total: u32,
    rng: &mut R,
) -> Result<Vec<usize>, DrawError> {
    debug_assert_eq!(bank.len(), exposure.len());
    let seen = |c: usize| exposure.get(c).map_or(0, |e| e.by_person);
    // Efraimidis–Spirakis: with weight 1/(1+drawn) a candidate's key is
    // u^(1+drawn), taken in descending order. That is the order of
    // (1+drawn)·(−ln u) ascending: one logarithm instead of a power, and a
    // non-negative float, whose bits sort as an integer does. Every start
    // keys the whole bank, so this is a start's cost, not a detail.
    let mut keyed: Vec<(u32, u64, usize)> = (0..bank.len())
        .map(|c| {
            let drawn = exposure.get(c).map_or(0, |e| e.in_round);
            let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
            (seen(c), weighted_key(u, drawn), c)
        })
        .collect();
    keyed.sort_unstable();
    let order: Vec<usize> = keyed.into_iter().map(|(_, _, c)| c).collect();
    let mut levels: Vec<u32> = order.iter().map(|&c| seen(c)).collect();
    levels.dedup();
    // Widen the pool one level of "already met" at a time; the last level is
    // the whole bank, whose failure is the plain draw's failure.
    for (k, level) in levels.iter().enumerate() {
        let pool: Vec<usize> = order.iter().copied().filter(|&c| seen(c) <= *level).collect();
        let last = k + 1 == levels.len();
        if !last && pool.len() < total as usize {
            continue;
        }
        match matching(bank, rules, total, &pool) {
            Ok(mut picked) => {
                picked.shuffle(rng);
                return Ok(picked);
            }
            Err(e) if last => return Err(e),
            Err(_) => {}
        }
    }
    matching(bank, rules, total, &order)
}

/// A candidate's place in the weighted order (ascending), from its uniform
/// draw `u` in (0, 1) and how often the round has drawn it: the order of
/// u^(1+drawn) descending.
fn weighted_key(u: f64, drawn: u32) -> u64 {
    ((1.0 + f64::from(drawn)) * -u.ln()).to_bits()
}

/// The matching itself: fills every slot from the candidates in `order`
/// (tried in that order; others are never used). Unshuffled result.
fn matching(
    bank: &[Candidate<'_>],
    rules: &[DrawRule],
    total: u32,
    order: &[usize],
) -> Result<Vec<usize>, DrawError> {
    let slots = slots(rules, total);
    let fits = |slot: usize, c: usize| {
        slots[slot].is_none_or(|r| rules[r].matches(bank[c].topic, bank[c].difficulty))
    };
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
        // A free candidate first: the augmenting search alone may pull in a
        // later (less preferred) one by reshuffling earlier slots.
        if let Some(&c) = order.iter().find(|&&c| owner[c].is_none() && fits(slot, c)) {
            owner[c] = Some(slot);
            continue;
        }
        let mut seen = vec![false; bank.len()];
        if !augment(slot, order, &mut owner, &mut seen, &fits) {
            let rule = slots[slot].map(|r| rules[r].clone());
            let available = match &rule {
                Some(r) => order
                    .iter()
                    .filter(|&&c| r.matches(bank[c].topic, bank[c].difficulty))
                    .count(),
                None => order.len(),
            };
            return Err(DrawError { rule, available });
        }
    }
    Ok((0..bank.len()).filter(|&c| owner[c].is_some()).collect())
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

    #[test]
    fn fresh_draws_avoid_what_the_person_has_met() {
        let b = bank();
        let rules = vec![rule(Some("kh171"), None, 2)];
        for seed in 0..50 {
            let mut rng = StdRng::seed_from_u64(seed);
            // Met all but: one kh171 and nine others unseen; quotas need 2 kh171.
            let mut exp = vec![Exposure { by_person: 1, in_round: 0 }; b.len()];
            let unseen: Vec<usize> = vec![7, 11, 12, 13, 14, 15, 16, 17, 18, 19];
            for &c in &unseen {
                exp[c].by_person = 0;
            }
            let picked = draw_fresh(&b, &exp, &rules, 5, &mut rng).unwrap();
            assert_eq!(picked.len(), 5);
            let kh = picked.iter().filter(|&&i| b[i].topic == "kh171").count();
            assert!(kh >= 2, "quotas still hold");
            // The unseen pool cannot fill 2 kh171 (only one unseen), so the
            // next level is used, yet as few met questions as the rule allows.
            let met = picked.iter().filter(|&&i| exp[i].by_person > 0).count();
            assert_eq!(met, 1, "seed {seed}: {picked:?}");
            // With the quota relaxed, nothing met is drawn.
            let picked = draw_fresh(&b, &exp, &[], 10, &mut rng).unwrap();
            assert!(picked.iter().all(|&i| exp[i].by_person == 0), "seed {seed}");
        }
        // Everything met twice or more: least-met first, and still a draw.
        let mut exp = vec![Exposure { by_person: 3, in_round: 0 }; b.len()];
        for e in exp.iter_mut().take(8) {
            e.by_person = 2;
        }
        let picked = draw_fresh(&b, &exp, &[], 8, &mut StdRng::seed_from_u64(1)).unwrap();
        let mut sorted = picked.clone();
        sorted.sort();
        assert_eq!(sorted, (0..8).collect::<Vec<_>>());
        // An impossible rule fails as the plain draw does.
        let err = draw_fresh(&b, &exp, &[rule(Some("kh171"), Some(Difficulty::Kho), 2)], 5, &mut StdRng::seed_from_u64(1))
            .unwrap_err();
        assert_eq!(err.available, 1);
    }

    #[test]
    fn weighted_keys_order_as_the_powers_do() {
        let mut rng = StdRng::seed_from_u64(9);
        for _ in 0..20_000 {
            let (u, v): (f64, f64) = (rng.gen_range(f64::MIN_POSITIVE..1.0), rng.gen_range(f64::MIN_POSITIVE..1.0));
            let (d, e): (u32, u32) = (rng.gen_range(0..50), rng.gen_range(0..50));
            let (p, q) = (u.powf(1.0 + f64::from(d)), v.powf(1.0 + f64::from(e)));
            // Near-ties may round either way; anything clearer must agree.
            if (p - q).abs() > 1e-9 * p.max(q) {
                assert_eq!(p > q, weighted_key(u, d) < weighted_key(v, e), "{u} {d} {v} {e}");
            }
        }
    }

    #[test]
    fn fresh_draws_spread_exposure_across_the_bank() {
        // 21 questions, 5 per attempt, 420 attempts: a draw weighted against
        // the much-drawn keeps every question near the mean (100 draws).
        let b = bank();
        let mut exp = vec![Exposure::default(); b.len()];
        let mut rng = StdRng::seed_from_u64(3);
        let mut plain = vec![0u32; b.len()];
        for _ in 0..420 {
            for i in draw_fresh(&b, &exp, &[], 5, &mut rng).unwrap() {
                exp[i].in_round += 1;
            }
            for i in draw(&b, &[], 5, &mut rng).unwrap() {
                plain[i] += 1;
            }
        }
        let spread = |v: &[u32]| v.iter().max().unwrap() - v.iter().min().unwrap();
        let fresh: Vec<u32> = exp.iter().map(|e| e.in_round).collect();
        assert!(
            spread(&fresh) < spread(&plain),
            "weighted {fresh:?} vs plain {plain:?}"
        );
        assert!(spread(&fresh) <= 20, "{fresh:?}");
        // Two starts on the same counts still draw differently.
        let a = draw_fresh(&b, &exp, &[], 5, &mut rng).unwrap();
        let c = draw_fresh(&b, &exp, &[], 5, &mut rng).unwrap();
        assert_ne!(a, c);
    }
}
