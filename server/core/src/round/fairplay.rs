//! Fair-play signals: evidence an organizer weighs, never a verdict. From a
//! round's finished attempts (who, from which device and address, when, what
//! each answered) the server derives flags of a few kinds, each with a
//! strength to sort the review queue by and its evidence in plain words.
//! Nothing here decides anything; an organizer clears a flag or
//! disqualifies, with a written reason.

use std::collections::{BTreeSet, HashMap};

/// One answer of an attempt.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub question: String,
    /// The answer as stored (canonical across option orders); empty when
    /// not answered.
    pub response: String,
    pub correct: bool,
    /// Characters of the question text and its options: reading time.
    pub length: u32,
}

/// What the signals need of a finished attempt.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AttemptFacts {
    pub attempt_id: String,
    pub user_id: String,
    /// Shown in evidence: name and log-in.
    pub who: String,
    pub started_at: i64,
    pub finished_at: i64,
    /// The hash of the browser's first-party device cookie.
    pub device: Option<String>,
    pub address: Option<String>,
    /// What the browser reports of itself (screen, language, time zone).
    pub traits: Option<String>,
    pub score: u32,
    pub total: u32,
    pub prediction: Option<i64>,
    /// Times the page was hidden during the attempt, and for how long in
    /// all (by the server's clock).
    pub hidden_count: u32,
    pub hidden_ms: i64,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Signal {
    SharedDevice,
    SharedAddress,
    SameAnswers,
    FastPerfect,
    PageHidden,
    SamePrediction,
}

impl Signal {
    pub fn label(self) -> &'static str {
        match self {
            Signal::SharedDevice => "Nhiều tài khoản trên một thiết bị",
            Signal::SharedAddress => "Cùng địa chỉ mạng, cùng đáp án, cùng lúc",
            Signal::SameAnswers => "Chuỗi đáp án trùng nhau",
            Signal::FastPerfect => "Đúng hết với tốc độ bất thường",
            Signal::PageHidden => "Rời trang trong khi làm bài",
            Signal::SamePrediction => "Nhóm tài khoản dự đoán trùng một con số",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Signal::SharedDevice => "device",
            Signal::SharedAddress => "address",
            Signal::SameAnswers => "answers",
            Signal::FastPerfect => "fast",
            Signal::PageHidden => "hidden",
            Signal::SamePrediction => "prediction",
        }
    }
}

/// A flag for an organizer to look at.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Flag {
    /// Stable while the same attempts raise it: the kind and its attempts.
    pub key: String,
    pub signal: Signal,
    /// Higher is stronger; comparable across kinds only roughly.
    pub strength: f64,
    pub attempts: Vec<String>,
    pub users: Vec<String>,
    pub evidence: Vec<String>,
}

/// Tunables, in one place so the evidence can quote them.
pub const MINUTES_TOGETHER: i64 = 10;
/// Two attempts count as answering alike from this share of their common
/// questions, over at least `MIN_COMMON` of them.
pub const SAME_SHARE: f64 = 0.9;
pub const MIN_COMMON: usize = 5;
/// How unlikely (as −log10 of the chance) a pair's identical answers must
/// be to raise a flag on their own.
pub const SURPRISE: f64 = 4.0;
/// A perfect attempt faster per character read than this share of the
/// round's median is flagged; at least this many attempts set the median.
pub const FAST_SHARE: f64 = 0.25;
pub const MIN_FOR_MEDIAN: usize = 5;
/// Hidden this often or this long in one attempt.
pub const HIDDEN_COUNT: u32 = 3;
pub const HIDDEN_MS: i64 = 30_000;

fn key(signal: Signal, attempts: &[String]) -> String {
    let mut a: Vec<&str> = attempts.iter().map(String::as_str).collect();
    a.sort_unstable();
    format!("{}:{}", signal.code(), a.join(","))
}

fn flag(signal: Signal, strength: f64, group: &[&AttemptFacts], evidence: Vec<String>) -> Flag {
    let attempts: Vec<String> = group.iter().map(|a| a.attempt_id.clone()).collect();
    let users: Vec<String> = group
        .iter()
        .map(|a| a.user_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    Flag {
        key: key(signal, &attempts),
        signal,
        strength,
        attempts,
        users,
        evidence,
    }
}

/// How two attempts' answers compare on the questions both drew.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Likeness {
    pub common: usize,
    pub same: usize,
    pub same_wrong: usize,
    /// −log10 of the chance of so many identical answers, each at the rate
    /// the rest of the round gave it.
    pub surprise: f64,
}

impl Likeness {
    pub fn alike(&self) -> bool {
        self.common >= MIN_COMMON && self.same as f64 >= SAME_SHARE * self.common as f64
    }
}

/// Per question, how many attempts gave each answer (and how many drew it).
struct Rates {
    given: HashMap<(String, String), u32>,
    drawn: HashMap<String, u32>,
}

impl Rates {
    fn new(all: &[AttemptFacts]) -> Rates {
        let mut given = HashMap::new();
        let mut drawn = HashMap::new();
        for a in all {
            for x in &a.answers {
                *drawn.entry(x.question.clone()).or_default() += 1;
                *given.entry((x.question.clone(), x.response.clone())).or_default() += 1;
            }
        }
        Rates { given, drawn }
    }

    /// The chance another attempt gives this answer, leaving the pair out
    /// (and smoothed, so a small round does not make everything rare).
    fn chance(&self, q: &str, r: &str) -> f64 {
        let given = *self.given.get(&(q.to_string(), r.to_string())).unwrap_or(&0) as f64;
        let drawn = *self.drawn.get(q).unwrap_or(&0) as f64;
        ((given - 2.0).max(0.0) + 1.0) / ((drawn - 2.0).max(0.0) + 4.0)
    }
}

fn likeness(a: &AttemptFacts, b: &AttemptFacts, rates: &Rates) -> Likeness {
    let theirs: HashMap<&str, &Answer> = b.answers.iter().map(|x| (x.question.as_str(), x)).collect();
    let mut l = Likeness::default();
    for x in &a.answers {
        let Some(y) = theirs.get(x.question.as_str()) else { continue };
        l.common += 1;
        if x.response == y.response {
            l.same += 1;
            if !x.correct {
                l.same_wrong += 1;
            }
            l.surprise -= rates.chance(&x.question, &x.response).min(1.0).log10();
        }
    }
    l
}

fn describe_likeness(a: &AttemptFacts, b: &AttemptFacts, l: &Likeness) -> String {
    format!(
        "{} và {}: {} trên {} câu chung trả lời giống hệt nhau, trong đó {} câu sai giống nhau \
         (khả năng ngẫu nhiên khoảng 1 trên 10^{:.0})",
        a.who, b.who, l.same, l.common, l.same_wrong, l.surprise
    )
}

/// Every flag for a round's finished attempts, strongest first.
pub fn signals(all: &[AttemptFacts]) -> Vec<Flag> {
    let rates = Rates::new(all);
    let mut out = Vec::new();
    shared(all, &rates, &mut out);
    same_answers(all, &rates, &mut out);
    fast_perfect(all, &mut out);
    hidden(all, &mut out);
    same_prediction(all, &mut out);
    out.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(a.key.cmp(&b.key)));
    out
}

/// Several accounts on one device (always a flag, stronger when they
/// answered alike); one address within minutes only when they answered
/// alike too (an office behind one router is normal).
fn shared(all: &[AttemptFacts], rates: &Rates, out: &mut Vec<Flag>) {
    let mut by_device: HashMap<&str, Vec<&AttemptFacts>> = HashMap::new();
    let mut by_address: HashMap<&str, Vec<&AttemptFacts>> = HashMap::new();
    for a in all {
        if let Some(d) = a.device.as_deref() {
            by_device.entry(d).or_default().push(a);
        }
        if let Some(ip) = a.address.as_deref() {
            by_address.entry(ip).or_default().push(a);
        }
    }
    for group in by_device.values() {
        let users: BTreeSet<&str> = group.iter().map(|a| a.user_id.as_str()).collect();
        if users.len() < 2 {
            continue;
        }
        let mut evidence = vec![format!(
            "{} tài khoản làm bài trên cùng một thiết bị (cookie của trình duyệt): {}",
            users.len(),
            group.iter().map(|a| a.who.as_str()).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join(", ")
        )];
        let mut alike = 0.0;
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if a.user_id == b.user_id {
                    continue;
                }
                let l = likeness(a, b, rates);
                if l.alike() {
                    alike += 1.0 + l.surprise;
                    evidence.push(describe_likeness(a, b, &l));
                }
            }
        }
        out.push(flag(Signal::SharedDevice, 3.0 + users.len() as f64 + alike, group, evidence));
    }
    for group in by_address.values() {
        // Pairs from different devices, started within minutes, answering alike.
        let mut members: Vec<&AttemptFacts> = Vec::new();
        let mut evidence = Vec::new();
        let mut strength = 0.0;
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                if a.user_id == b.user_id
                    || (a.device.is_some() && a.device == b.device)
                    || (a.started_at - b.started_at).abs() > MINUTES_TOGETHER * 60_000
                {
                    continue;
                }
                let l = likeness(a, b, rates);
                if l.alike() && l.same_wrong > 0 && l.surprise >= SURPRISE / 2.0 {
                    strength += 1.0 + l.surprise;
                    evidence.push(describe_likeness(a, b, &l));
                    for x in [*a, *b] {
                        if !members.iter().any(|m| m.attempt_id == x.attempt_id) {
                            members.push(x);
                        }
                    }
                }
            }
        }
        if !members.is_empty() {
            evidence.insert(
                0,
                format!(
                    "Cùng địa chỉ mạng {}, bắt đầu cách nhau không quá {MINUTES_TOGETHER} phút",
                    group[0].address.as_deref().unwrap_or("")
                ),
            );
            out.push(flag(Signal::SharedAddress, 2.0 + strength, &members, evidence));
        }
    }
}

/// Pairs whose identical answers (the same wrong ones above all) chance
/// does not explain, wherever they answered from. Only answers that are
/// rare enough are paired, so a round of many thousands stays cheap.
fn same_answers(all: &[AttemptFacts], rates: &Rates, out: &mut Vec<Flag>) {
    // Candidate pairs: sharing at least one wrong answer that under half of
    // the round gave (a popular wrong answer says little).
    let mut buckets: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, a) in all.iter().enumerate() {
        for x in a.answers.iter().filter(|x| !x.correct && !x.response.is_empty()) {
            buckets.entry((x.question.as_str(), x.response.as_str())).or_default().push(i);
        }
    }
    let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
    for ((q, _), members) in &buckets {
        let drawn = *rates.drawn.get(*q).unwrap_or(&0) as usize;
        if members.len() < 2 || members.len() * 2 > drawn.max(4) || members.len() > 200 {
            continue;
        }
        for (k, &i) in members.iter().enumerate() {
            for &j in &members[k + 1..] {
                if all[i].user_id != all[j].user_id {
                    pairs.insert((i.min(j), i.max(j)));
                }
            }
        }
    }
    for (i, j) in pairs {
        let (a, b) = (&all[i], &all[j]);
        let l = likeness(a, b, rates);
        if l.alike() && l.same_wrong >= 2 && l.surprise >= SURPRISE {
            out.push(flag(Signal::SameAnswers, l.surprise, &[a, b], vec![describe_likeness(a, b, &l)]));
        }
    }
}

/// Milliseconds per character read, for attempts that answered something.
fn pace(a: &AttemptFacts) -> Option<f64> {
    let chars: u32 = a.answers.iter().map(|x| x.length.max(1)).sum();
    (chars > 0).then(|| (a.finished_at - a.started_at).max(0) as f64 / f64::from(chars))
}

fn fast_perfect(all: &[AttemptFacts], out: &mut Vec<Flag>) {
    let mut paces: Vec<f64> = all.iter().filter_map(pace).collect();
    if paces.len() < MIN_FOR_MEDIAN {
        return;
    }
    paces.sort_by(f64::total_cmp);
    let median = paces[paces.len() / 2];
    if median <= 0.0 {
        return;
    }
    for a in all.iter().filter(|a| a.total > 0 && a.score == a.total) {
        let Some(p) = pace(a) else { continue };
        if p < FAST_SHARE * median {
            let per_q = |pace: f64| pace * a.answers.iter().map(|x| f64::from(x.length.max(1))).sum::<f64>() / a.answers.len().max(1) as f64 / 1000.0;
            out.push(flag(
                Signal::FastPerfect,
                (median / p.max(1e-3)).log2().max(1.0),
                &[a],
                vec![format!(
                    "{} đúng {}/{} câu, trung bình {:.1} giây mỗi câu; trung vị của vòng với câu dài như vậy là {:.1} giây",
                    a.who,
                    a.score,
                    a.total,
                    per_q(p),
                    per_q(median)
                )],
            ));
        }
    }
}

fn hidden(all: &[AttemptFacts], out: &mut Vec<Flag>) {
    for a in all.iter().filter(|a| a.hidden_count >= HIDDEN_COUNT || a.hidden_ms >= HIDDEN_MS) {
        out.push(flag(
            Signal::PageHidden,
            0.5 + f64::from(a.hidden_count).min(10.0) / 10.0,
            &[a],
            vec![format!(
                "{} rời trang làm bài {} lần, tổng cộng {} giây (chỉ là dấu hiệu: có thể do cuộc gọi hay thông báo)",
                a.who,
                a.hidden_count,
                a.hidden_ms / 1000
            )],
        ));
    }
}

/// Three or more accounts on exactly the same prediction, at least two of
/// them on one device or one address within minutes.
fn same_prediction(all: &[AttemptFacts], out: &mut Vec<Flag>) {
    let mut by_value: HashMap<i64, Vec<&AttemptFacts>> = HashMap::new();
    for a in all {
        if let Some(p) = a.prediction {
            by_value.entry(p).or_default().push(a);
        }
    }
    let predicted = by_value.values().map(Vec::len).sum::<usize>().max(1);
    for (value, group) in by_value {
        let users: BTreeSet<&str> = group.iter().map(|a| a.user_id.as_str()).collect();
        if users.len() < 3 {
            continue;
        }
        let together = group.iter().enumerate().any(|(i, a)| {
            group[i + 1..].iter().any(|b| {
                a.user_id != b.user_id
                    && ((a.device.is_some() && a.device == b.device)
                        || (a.address.is_some()
                            && a.address == b.address
                            && (a.started_at - b.started_at).abs() <= MINUTES_TOGETHER * 60_000))
            })
        });
        if !together {
            continue;
        }
        let share = group.len() as f64 / predicted as f64;
        out.push(flag(
            Signal::SamePrediction,
            users.len() as f64 * (1.0 - share).max(0.1),
            &group,
            vec![format!(
                "{} tài khoản dự đoán đúng con số {value} ({:.0}% số lượt dự đoán của vòng), có tài khoản cùng thiết bị \
                 hoặc cùng địa chỉ mạng trong vòng {MINUTES_TOGETHER} phút: {}",
                users.len(),
                share * 100.0,
                group.iter().map(|a| a.who.as_str()).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join(", ")
            )],
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(n: usize, device: &str, answers: &[(&str, bool)], secs: i64, prediction: i64) -> AttemptFacts {
        AttemptFacts {
            attempt_id: format!("a{n}"),
            user_id: format!("u{n}"),
            who: format!("Người {n}"),
            started_at: 1_000_000,
            finished_at: 1_000_000 + secs * 1000,
            device: Some(device.into()),
            address: Some("10.0.0.1".into()),
            traits: None,
            score: answers.iter().filter(|a| a.1).count() as u32,
            total: answers.len() as u32,
            prediction: Some(prediction),
            hidden_count: 0,
            hidden_ms: 0,
            answers: answers
                .iter()
                .enumerate()
                .map(|(q, (r, ok))| Answer {
                    question: format!("q{q}"),
                    response: r.to_string(),
                    correct: *ok,
                    length: 100,
                })
                .collect(),
        }
    }

    /// An office behind one address: nine people, own devices, own answers
    /// and predictions, a few minutes each. Question k's right answer is "A".
    fn office() -> Vec<AttemptFacts> {
        let wrong = ["B", "C", "D"];
        (0..9)
            .map(|n| {
                let answers: Vec<(&str, bool)> = (0..8)
                    .map(|k| if (n + k) % 3 == 0 { (wrong[(n / 3 + k) % 3], false) } else { ("A", true) })
                    .collect();
                attempt(n, &format!("dev{n}"), &answers, 240 + n as i64 * 20, 100 + n as i64 * 13)
            })
            .collect()
    }

    #[test]
    fn an_honest_office_raises_nothing() {
        assert_eq!(signals(&office()), vec![]);
    }

    #[test]
    fn a_ring_on_one_device_is_flagged_with_its_evidence() {
        let mut all = office();
        // Four identical wrong answers nobody else gave.
        let ring = [("A", true), ("E", false), ("A", true), ("E", false), ("A", true), ("E", false), ("A", true), ("E", false)];
        for n in 20..23 {
            all.push(attempt(n, "shared", &ring, 40, 777));
        }
        let flags = signals(&all);
        let device = flags.iter().find(|f| f.signal == Signal::SharedDevice).expect("device flag");
        assert_eq!(device.users, vec!["u20", "u21", "u22"]);
        assert!(device.evidence[0].contains("3 tài khoản"), "{:?}", device.evidence);
        assert!(device.evidence.iter().any(|e| e.contains("4 câu sai giống nhau")), "{:?}", device.evidence);
        let pairs: Vec<&Flag> = flags.iter().filter(|f| f.signal == Signal::SameAnswers).collect();
        assert_eq!(pairs.len(), 3, "{flags:#?}");
        let prediction = flags.iter().find(|f| f.signal == Signal::SamePrediction).expect("prediction flag");
        assert_eq!(prediction.users.len(), 3);
        // Nothing names an honest member of the office.
        for f in &flags {
            assert!(f.users.iter().all(|u| ["u20", "u21", "u22"].contains(&u.as_str())), "{f:#?}");
        }
        // The device flag is the strongest, then the pairs.
        assert_eq!(flags[0].signal, Signal::SharedDevice);
        // Keys are stable across runs and orders.
        all.reverse();
        let again = signals(&all);
        assert_eq!(again.iter().map(|f| &f.key).collect::<Vec<_>>(), flags.iter().map(|f| &f.key).collect::<Vec<_>>());
    }

    #[test]
    fn alike_answers_from_one_address_within_minutes_are_flagged() {
        let mut all = office();
        let copied = all[3].answers.iter().map(|x| (x.response.clone(), x.correct)).collect::<Vec<_>>();
        let copied: Vec<(&str, bool)> = copied.iter().map(|(r, c)| (r.as_str(), *c)).collect();
        all.push(attempt(30, "dev30", &copied, 250, 5));
        let flags = signals(&all);
        let f = flags.iter().find(|f| f.signal == Signal::SharedAddress).expect("address flag");
        assert_eq!(f.users, vec!["u3", "u30"]);
        // An hour later it is not "together".
        let mut late = all.clone();
        late.last_mut().unwrap().started_at += 3_600_000;
        assert!(signals(&late).iter().all(|f| f.signal != Signal::SharedAddress));
    }

    #[test]
    fn fast_perfect_attempts_and_hidden_pages() {
        let mut all = office();
        let perfect = [("A", true); 8];
        all.push(attempt(40, "dev40", &perfect, 20, 1));
        all.push(attempt(41, "dev41", &perfect, 200, 2));
        all[0].hidden_count = 4;
        all[0].hidden_ms = 12_000;
        let flags = signals(&all);
        let fast: Vec<&Flag> = flags.iter().filter(|f| f.signal == Signal::FastPerfect).collect();
        assert_eq!(fast.len(), 1, "only the 20-second one: {flags:#?}");
        assert_eq!(fast[0].users, vec!["u40"]);
        assert!(fast[0].evidence[0].contains("2.5 giây"), "{:?}", fast[0].evidence);
        let hidden: Vec<&Flag> = flags.iter().filter(|f| f.signal == Signal::PageHidden).collect();
        assert_eq!(hidden.len(), 1);
        assert!(hidden[0].evidence[0].contains("4 lần"));
        assert!(hidden[0].strength < fast[0].strength, "a hidden page is a weak signal");
    }

    #[test]
    fn a_popular_wrong_answer_is_not_evidence() {
        // Everyone gives the same wrong answer to every question: alike, but
        // chance explains it.
        let answers = [("B", false); 8];
        let all: Vec<AttemptFacts> = (0..12).map(|n| attempt(n, &format!("d{n}"), &answers, 200, n as i64)).collect();
        assert!(signals(&all).is_empty(), "{:#?}", signals(&all));
    }
}
