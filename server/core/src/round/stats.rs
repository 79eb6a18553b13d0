//! Item statistics for organizers: how hard each question was and whether it
//! told strong contestants from weak ones.

/// Share of attempts answering correctly and the discrimination index: the
/// share correct among the top 27% of attempts by total score minus the
/// share among the bottom 27%. `None` with fewer than 4 attempts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ItemStat {
    pub answered: usize,
    pub share_correct: f64,
    pub discrimination: Option<f64>,
}

/// `rows`: for each attempt that drew the question, the attempt's total
/// score and whether this question was answered correctly.
pub fn item(rows: &[(u32, bool)]) -> ItemStat {
    let n = rows.len();
    if n == 0 {
        return ItemStat {
            answered: 0,
            share_correct: 0.0,
            discrimination: None,
        };
    }
    let share = |r: &[(u32, bool)]| r.iter().filter(|x| x.1).count() as f64 / r.len() as f64;
    let share_correct = share(rows);
    let discrimination = (n >= 4).then(|| {
        let mut sorted = rows.to_vec();
        // Stable: ties keep their input order, so the split is reproducible.
        sorted.sort_by(|a, b| b.0.cmp(&a.0));
        let k = ((n as f64) * 0.27).round().max(1.0) as usize;
        share(&sorted[..k]) - share(&sorted[n - k..])
    });
    ItemStat {
        answered: n,
        share_correct,
        discrimination,
    }
}

/// How many attempts scored 0, 1, …, `total`.
pub fn histogram(scores: impl IntoIterator<Item = u32>, total: u32) -> Vec<u64> {
    let mut out = vec![0u64; total as usize + 1];
    for s in scores {
        out[(s.min(total)) as usize] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_only_the_strong_get_right_discriminates() {
        let rows: Vec<(u32, bool)> = (0..10).map(|s| (s, s >= 5)).collect();
        let st = item(&rows);
        assert!((st.share_correct - 0.5).abs() < 1e-9);
        assert_eq!(st.discrimination, Some(1.0));
    }

    #[test]
    fn a_question_everyone_gets_right_does_not() {
        let rows: Vec<(u32, bool)> = (0..10).map(|s| (s, true)).collect();
        assert_eq!(item(&rows).discrimination, Some(0.0));
        let rows: Vec<(u32, bool)> = (0..10).map(|s| (s, s < 3)).collect();
        assert!(
            item(&rows).discrimination.unwrap() < 0.0,
            "the weak get it right: negative"
        );
        assert_eq!(item(&rows[..3]).discrimination, None);
    }

    #[test]
    fn histogram_counts_scores() {
        assert_eq!(histogram([0, 2, 2, 3, 9], 3), vec![1, 0, 2, 2]);
    }
}
