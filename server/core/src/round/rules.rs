//! What an organizer decides about a round, and the checks on it.

use crate::model::Difficulty;
use crate::taxonomy;
use serde::{Deserialize, Serialize};

/// Which of a person's attempts counts for the ranking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Counting {
    Best,
    First,
    Last,
}

impl Counting {
    pub const ALL: [Counting; 3] = [Counting::Best, Counting::First, Counting::Last];

    pub fn as_str(self) -> &'static str {
        match self {
            Counting::Best => "best",
            Counting::First => "first",
            Counting::Last => "last",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Counting::Best => "Lần có kết quả cao nhất",
            Counting::First => "Lần thi đầu tiên",
            Counting::Last => "Lần thi cuối cùng",
        }
    }

    pub fn parse(s: &str) -> Option<Counting> {
        Counting::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
}

/// When a contestant may see the correct answers and explanations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewPolicy {
    AfterSubmit,
    AfterClose,
    Never,
}

impl ReviewPolicy {
    pub const ALL: [ReviewPolicy; 3] = [
        ReviewPolicy::AfterSubmit,
        ReviewPolicy::AfterClose,
        ReviewPolicy::Never,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewPolicy::AfterSubmit => "after_submit",
            ReviewPolicy::AfterClose => "after_close",
            ReviewPolicy::Never => "never",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewPolicy::AfterSubmit => "Ngay sau mỗi lần nộp bài",
            ReviewPolicy::AfterClose => "Sau khi vòng thi kết thúc",
            ReviewPolicy::Never => "Không công bố",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewPolicy> {
        ReviewPolicy::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }

    /// Whether a submitted attempt may show its answers now. `key_published`
    /// is the organizer publishing the answer key after the round closed.
    pub fn allows(self, key_published: bool) -> bool {
        match self {
            ReviewPolicy::AfterSubmit => true,
            ReviewPolicy::AfterClose => key_published,
            ReviewPolicy::Never => false,
        }
    }
}

/// "Draw `count` questions of this topic and difficulty"; `None` is any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRule {
    pub topic: Option<String>,
    pub difficulty: Option<Difficulty>,
    pub count: u32,
}

impl DrawRule {
    pub fn matches(&self, topic: &str, difficulty: Difficulty) -> bool {
        self.topic.as_deref().is_none_or(|t| t == topic)
            && self.difficulty.is_none_or(|d| d == difficulty)
    }

    pub fn describe(&self) -> String {
        let topic = match &self.topic {
            Some(t) => taxonomy::TOPICS
                .iter()
                .find(|x| x.key == t)
                .map(|x| x.name)
                .unwrap_or(t)
                .to_string(),
            None => "mọi chủ đề".to_string(),
        };
        let level = self
            .difficulty
            .map(|d| format!("mức {}", d.label().to_lowercase()))
            .unwrap_or_else(|| "mọi mức độ".into());
        format!("{} câu {topic}, {level}", self.count)
    }
}

/// Parses the draw rule as the organizer types it: one rule a line,
/// `topic difficulty count`, `*` for any (`ct24.nv1 kho 2`, `* de 5`).
pub fn parse_draw(text: &str) -> Result<Vec<DrawRule>, Vec<String>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [topic, difficulty, count] = parts.as_slice() else {
            errors.push(format!(
                "Dòng {}: cần 3 phần \"chủ đề mức-độ số-câu\", ví dụ \"ct24.nv1 kho 2\"",
                i + 1
            ));
            continue;
        };
        let topic = if *topic == "*" {
            None
        } else {
            match taxonomy::find(topic) {
                Some(t) => Some(t.key.to_string()),
                None => {
                    errors.push(format!(
                        "Dòng {}: chủ đề \"{topic}\" không có trong danh mục",
                        i + 1
                    ));
                    continue;
                }
            }
        };
        let difficulty = if *difficulty == "*" {
            None
        } else {
            match Difficulty::parse(difficulty) {
                Some(d) => Some(d),
                None => {
                    errors.push(format!(
                        "Dòng {}: mức độ \"{difficulty}\" không hợp lệ (de, tb, kho hoặc *)",
                        i + 1
                    ));
                    continue;
                }
            }
        };
        match count.parse::<u32>() {
            Ok(n) if n > 0 => rules.push(DrawRule {
                topic,
                difficulty,
                count: n,
            }),
            _ => errors.push(format!(
                "Dòng {}: số câu \"{count}\" phải là số nguyên dương",
                i + 1
            )),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

pub fn format_draw(rules: &[DrawRule]) -> String {
    rules
        .iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r.topic.as_deref().unwrap_or("*"),
                r.difficulty.map(|d| d.as_str()).unwrap_or("*"),
                r.count
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A prize level of a round ("Giải Nhất", 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prize {
    pub name: String,
    pub count: u32,
}

/// The usual prize table of a district contest.
pub fn default_prizes() -> Vec<Prize> {
    [
        ("Giải Nhất", 1),
        ("Giải Nhì", 2),
        ("Giải Ba", 5),
        ("Giải Khuyến khích", 8),
    ]
    .into_iter()
    .map(|(name, count)| Prize {
        name: name.into(),
        count,
    })
    .collect()
}

/// Parses "Giải Nhất: 1" lines.
pub fn parse_prizes(text: &str) -> Result<Vec<Prize>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match line
            .rsplit_once(':')
            .map(|(n, c)| (crate::text::clean(n), c.trim().parse::<u32>()))
        {
            Some((name, Ok(count))) if !name.is_empty() => out.push(Prize { name, count }),
            _ => errors.push(format!(
                "Dòng {}: cần dạng \"Tên giải: số lượng\", ví dụ \"Giải Nhất: 1\"",
                i + 1
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

pub fn format_prizes(prizes: &[Prize]) -> String {
    prizes
        .iter()
        .map(|p| format!("{}: {}", p.name, p.count))
        .collect::<Vec<_>>()
        .join("\n")
}

pub const MAX_QUESTIONS: u32 = 200;
pub const MAX_ATTEMPTS: u32 = 100;

/// A round as the organizer configures it. Times are Unix milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundRules {
    pub name: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub questions_per_attempt: u32,
    /// Quotas; questions beyond their sum come from the whole bank.
    pub draw: Vec<DrawRule>,
    pub time_limit_secs: u32,
    pub attempts_allowed: u32,
    pub counting: Counting,
    pub review: ReviewPolicy,
    pub prediction: bool,
    pub prizes: Vec<Prize>,
}

impl RoundRules {
    /// Shape errors, in Vietnamese. Whether the bank can serve the draw rule
    /// is checked separately against the bank (`draw::check`).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if crate::text::clean(&self.name).is_empty() {
            out.push("Vui lòng đặt tên vòng thi".into());
        }
        if self.closes_at <= self.opens_at {
            out.push("Thời điểm kết thúc phải sau thời điểm mở".into());
        }
        if self.questions_per_attempt == 0 || self.questions_per_attempt > MAX_QUESTIONS {
            out.push(format!("Số câu mỗi lượt thi phải từ 1 đến {MAX_QUESTIONS}"));
        }
        let quota: u32 = self.draw.iter().map(|r| r.count).sum();
        if quota > self.questions_per_attempt {
            out.push(format!(
                "Cơ cấu đề có {quota} câu, nhiều hơn số câu mỗi lượt thi ({})",
                self.questions_per_attempt
            ));
        }
        if self.time_limit_secs < 30 {
            out.push("Thời gian làm bài ít nhất 30 giây".into());
        }
        if self.attempts_allowed == 0 || self.attempts_allowed > MAX_ATTEMPTS {
            out.push(format!(
                "Số lượt thi mỗi người phải từ 1 đến {MAX_ATTEMPTS}"
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_text_round_trips() {
        let rules = parse_draw("ct24.nv1 kho 2\n* de 5\n\nkh171 * 1").unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(
            rules[0],
            DrawRule {
                topic: Some("ct24.nv1".into()),
                difficulty: Some(Difficulty::Kho),
                count: 2
            }
        );
        assert_eq!(rules[1].topic, None);
        assert_eq!(rules[2].difficulty, None);
        assert_eq!(parse_draw(&format_draw(&rules)).unwrap(), rules);
    }

    #[test]
    fn draw_text_errors_name_their_line() {
        let errs = parse_draw("ct24.nv1 kho\nkhong-co de 1\n* rat-kho 1\n* de 0").unwrap_err();
        assert_eq!(errs.len(), 4);
        assert!(errs[0].starts_with("Dòng 1"));
        assert!(errs[1].contains("khong-co"));
        assert!(errs[3].starts_with("Dòng 4"));
    }

    #[test]
    fn prizes_parse() {
        let p = parse_prizes(&format_prizes(&default_prizes())).unwrap();
        assert_eq!(p, default_prizes());
        assert!(parse_prizes("Giải Nhất 1").is_err());
    }

    #[test]
    fn rules_are_checked() {
        let mut r = RoundRules {
            name: "Tuần 1".into(),
            opens_at: 0,
            closes_at: 1000,
            questions_per_attempt: 10,
            draw: vec![DrawRule {
                topic: None,
                difficulty: Some(Difficulty::Kho),
                count: 11,
            }],
            time_limit_secs: 600,
            attempts_allowed: 3,
            counting: Counting::Best,
            review: ReviewPolicy::AfterSubmit,
            prediction: true,
            prizes: default_prizes(),
        };
        assert_eq!(r.problems().len(), 1);
        r.draw[0].count = 10;
        assert!(r.problems().is_empty());
        r.closes_at = 0;
        r.attempts_allowed = 0;
        assert_eq!(r.problems().len(), 2);
    }

    #[test]
    fn review_policy() {
        assert!(ReviewPolicy::AfterSubmit.allows(false));
        assert!(!ReviewPolicy::AfterClose.allows(false));
        assert!(ReviewPolicy::AfterClose.allows(true));
        assert!(!ReviewPolicy::Never.allows(true));
    }
}
