//! What server functions send to pages. Admin views carry correct answers;
//! contestant views (later) never do.

use hoithi_core::bank::{ImportError, PlanCounts};
use hoithi_core::model::{QuestionDraft, QuestionKind, Role};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub full_name: String,
    pub login: String,
    pub role: Role,
    pub unit_name: Option<String>,
    pub position: String,
    /// An organizer allowed to see the bank's answer keys.
    #[serde(default)]
    pub bank_keys: bool,
    /// Somebody else set the password: it must be changed before anything else.
    #[serde(default)]
    pub must_change_password: bool,
    #[serde(default)]
    pub deactivated: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The committee that runs it; None: the whole city.
    pub unit_name: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<hoithi_core::store::contests::ContestRecord> for ContestView {
    fn from(c: hoithi_core::store::contests::ContestRecord) -> Self {
        ContestView {
            id: c.id,
            name: c.name,
            description: c.description,
            unit_name: c.unit_name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionItem {
    pub id: String,
    pub version: i64,
    pub retired: bool,
    pub updated_at: i64,
    pub draft: QuestionDraft,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionPage {
    pub items: Vec<QuestionItem>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionView {
    pub version: i64,
    pub created_at: i64,
    pub draft: QuestionDraft,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionDetail {
    pub item: QuestionItem,
    pub versions: Vec<VersionView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreviewEntry {
    pub line: usize,
    pub key: String,
    pub text: String,
    pub kind: String,
    pub topic: String,
    pub difficulty: String,
    /// "new", "version", "unchanged" or "duplicate".
    pub status: String,
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub upload_id: String,
    pub file_name: String,
    pub format: String,
    pub applied: bool,
    pub errors: Vec<ImportError>,
    pub entries: Vec<PreviewEntry>,
    pub counts: PlanCounts,
    /// Questions left out (essay, matching) because the admin chose so.
    pub skipped: Vec<ImportError>,
    /// Categories naming no topic: (line, name), to be given one.
    pub unknown_categories: Vec<(usize, String)>,
    /// The topics chosen so far for categories: (category, topic key).
    pub category_topics: Vec<(String, String)>,
    pub skip_unsupported: bool,
    /// The format has categories and kinds the bank may not hold (GIFT).
    pub has_options: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub headcount: i64,
    pub depth: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitPreview {
    pub upload_id: String,
    pub file_name: String,
    pub applied: bool,
    pub errors: Vec<ImportError>,
    pub rows: Vec<UnitView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BankStat {
    pub topic: String,
    pub topic_name: String,
    pub de: i64,
    pub tb: i64,
    pub kho: i64,
}

/// Formats Unix milliseconds as dd/mm/yyyy hh:mm in Asia/Ho_Chi_Minh (UTC+7,
/// no daylight saving).
pub fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000) + 7 * 3600;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        d,
        m,
        y,
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_ranking_page_stays_within_the_ranking() {
        use super::{ranking_page as at, ranking_pages};
        assert_eq!(at(250, None), (1, 0..100));
        assert_eq!(at(250, Some(2)), (2, 100..200));
        assert_eq!(at(250, Some(3)), (3, 200..250));
        // Out of range: the nearest page, never an empty or panicking slice.
        assert_eq!(at(250, Some(0)), (1, 0..100));
        assert_eq!(at(250, Some(u32::MAX)), (3, 200..250));
        assert_eq!(at(0, Some(5)), (1, 0..0));
        assert_eq!(at(100, Some(2)), (1, 0..100));
        assert_eq!(ranking_pages(0), 1);
        assert_eq!(ranking_pages(100), 1);
        assert_eq!(ranking_pages(101), 2);
        assert_eq!(ranking_pages(250_000), 2_500);
    }

    #[test]
    fn hanoi_time() {
        // 2023-08-07T00:00:00Z is 07:00 in Hà Nội.
        assert_eq!(super::format_time(1_691_366_400_000), "07/08/2023 07:00");
        // 2024-02-28T20:30:00Z is already 29/02 in Hà Nội.
        assert_eq!(super::format_time(1_709_152_200_000), "29/02/2024 03:30");
    }
}

// ---- Rounds and attempts -------------------------------------------------
// Nothing a contestant receives before submitting carries a correct answer:
// play views hold question text and options in display order only.

pub use hoithi_core::round::grading::Response;
pub use hoithi_core::round::{Phase, Prize, RoundRules};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundView {
    pub id: String,
    pub contest_id: String,
    pub contest_name: String,
    pub rules: RoundRules,
    /// The draw rule in words.
    pub draw_text: Vec<String>,
    pub phase: Phase,
    pub published: bool,
    pub key_published: bool,
    pub results_published: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub id: String,
    pub seq: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub closed_by: Option<String>,
    pub score: Option<i64>,
    pub total: i64,
    pub time_ms: Option<i64>,
}

/// A round as one contestant sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyRound {
    pub round: RoundView,
    pub attempts: Vec<AttemptSummary>,
    pub attempts_left: i64,
    pub open_attempt: Option<String>,
    /// What the organizers granted this person, in Vietnamese ("" if nothing).
    #[serde(default)]
    pub accommodation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlayItem {
    pub position: i64,
    pub kind: QuestionKind,
    pub text: String,
    pub image: Option<String>,
    /// Option texts in display order.
    pub options: Vec<String>,
    /// The saved answer, in display positions.
    pub answer: Option<Response>,
}

/// An attempt in progress, as its contestant's page gets it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptPlay {
    pub id: String,
    pub round_id: String,
    pub round_name: String,
    pub seq: i64,
    /// Milliseconds left by the server's clock when this was sent; the page
    /// counts down from it and never trusts its own clock for more.
    pub remaining_ms: i64,
    pub prediction: bool,
    pub items: Vec<PlayItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewOption {
    pub text: String,
    pub correct: bool,
    pub chosen: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub position: i64,
    pub kind: QuestionKind,
    pub text: String,
    pub options: Vec<ReviewOption>,
    pub given: Option<String>,
    pub accepted: Vec<String>,
    pub correct: bool,
    pub explanation: String,
    pub source: String,
    /// False while the round is open and allows several attempts: the item
    /// says right or wrong only, with no key, explanation or source.
    pub full: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttemptResult {
    pub summary: AttemptSummary,
    pub round_id: String,
    pub round_name: String,
    pub prediction: Option<i64>,
    /// Rank of this person in the round so far, and of how many.
    pub rank: Option<(u32, usize)>,
    /// Present when the round's review policy allows it now.
    pub review: Option<Vec<ReviewItem>>,
    pub review_note: String,
    /// A standing fair-play decision on this attempt or its person.
    pub decision: Option<String>,
    /// The serial of the person's standing certificate of this round.
    pub certificate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankView {
    pub rank: u32,
    pub full_name: String,
    pub unit_name: Option<String>,
    pub position: String,
    pub score: i64,
    pub total: i64,
    pub prediction: Option<i64>,
    pub distance: Option<u64>,
    pub time_ms: i64,
    pub submitted_at: i64,
    pub attempts: usize,
    pub prize: Option<String>,
    /// Only organizers get the account id (for picking finalists).
    pub user_id: Option<String>,
}

/// One page of a ranking. A city-wide round ranks a quarter of a million
/// people: the whole list is the export's (`/ban-to-chuc/xuat`), a page is
/// what a browser is sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    pub title: String,
    pub perfect: Option<i64>,
    /// This page's rows.
    pub rows: Vec<RankView>,
    /// Rows in the whole ranking the caller may see.
    pub total: usize,
    /// The page shown, from 1.
    pub page: usize,
}

/// Rows per page of a ranking.
pub const RANKING_PAGE: usize = 100;

/// The pages a ranking of `total` rows takes (at least one).
pub fn ranking_pages(total: usize) -> usize {
    total.div_ceil(RANKING_PAGE).max(1)
}

/// The page asked for, kept within the ranking (a missing or 0 page is the
/// first, one past the end the last), and the range of rows it holds.
pub fn ranking_page(total: usize, asked: Option<u32>) -> (usize, std::ops::Range<usize>) {
    let page = (asked.unwrap_or(1).max(1) as usize).min(ranking_pages(total));
    let start = (page - 1) * RANKING_PAGE;
    (page, start..(start + RANKING_PAGE).min(total))
}

/// "12 phút 05 giây" for a duration in milliseconds.
pub fn format_duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h} giờ {m:02} phút {s:02} giây")
    } else if m > 0 {
        format!("{m} phút {s:02} giây")
    } else {
        format!("{s} giây")
    }
}

/// "mm:ss" for the countdown.
pub fn format_clock(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    format!("{:02}:{:02}", s / 60, s % 60)
}

/// Parses the value of an `<input type="datetime-local">` (Hà Nội time)
/// into Unix milliseconds.
pub fn parse_local_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let (date, time) = s.split_once('T').or_else(|| s.split_once(' '))?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    let mut t = time.split(':').map(|p| p.parse::<i64>());
    let (hh, mm) = (t.next()?.ok()?, t.next()?.ok()?);
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
        || !(0..24).contains(&hh)
        || !(0..60).contains(&mm)
    {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3600 + mm * 60) - 7 * 3600) * 1000)
}

/// The `datetime-local` value for Unix milliseconds, in Hà Nội time.
pub fn local_input_value(ms: i64) -> String {
    let f = format_time(ms); // dd/mm/yyyy hh:mm
    let (date, time) = f.split_once(' ').unwrap_or((&f, "00:00"));
    let p: Vec<&str> = date.split('/').collect();
    format!("{}-{}-{}T{}", p[2], p[1], p[0], time)
}

#[cfg(test)]
mod round_tests {
    use super::*;

    #[test]
    fn local_time_round_trips() {
        let ms = parse_local_time("2023-11-13T08:00").unwrap();
        assert_eq!(format_time(ms), "13/11/2023 08:00");
        assert_eq!(local_input_value(ms), "2023-11-13T08:00");
        assert_eq!(
            parse_local_time("2024-02-29T23:59")
                .map(format_time)
                .as_deref(),
            Some("29/02/2024 23:59")
        );
        assert_eq!(parse_local_time("2024-13-01T00:00"), None);
        assert_eq!(parse_local_time("hôm nay"), None);
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration(65_000), "1 phút 05 giây");
        assert_eq!(format_duration(9_400), "9 giây");
        assert_eq!(format_clock(61_001), "01:02");
        assert_eq!(format_clock(-5), "00:00");
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestDetail {
    pub contest: ContestView,
    pub rounds: Vec<RoundView>,
    pub finalists: Vec<FinalistView>,
    /// The caller runs it (else they see their own units' part only).
    pub manage: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalistView {
    pub position: i64,
    pub full_name: String,
    pub unit_name: Option<String>,
    pub confirmed_at: i64,
}

/// A report table: shown on the dashboard and exported to `.xlsx` as is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableView {
    /// Used in the export address.
    pub key: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    /// SVG drawn on the server.
    pub svg: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The caller runs the contest; otherwise this is their units' part.
    pub manage: bool,
    pub round: RoundView,
    pub in_progress: i64,
    pub attempts: usize,
    pub people: usize,
    pub perfect: i64,
    pub charts: Vec<Chart>,
    pub tables: Vec<TableView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CadreView {
    pub line: usize,
    pub full_name: String,
    pub login: String,
    pub unit_name: Option<String>,
    pub position: String,
    pub has_password: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CadrePreview {
    pub upload_id: String,
    pub file_name: String,
    pub applied: bool,
    pub errors: Vec<ImportError>,
    pub rows: Vec<CadreView>,
}

/// A registered cadre's login and first password, shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialView {
    pub line: usize,
    pub full_name: String,
    pub login: String,
    pub unit_name: Option<String>,
    pub password: String,
}

/// A bulk registration's outcome: each cadre's first password, and the same
/// as a spreadsheet made at that moment (base64), the only copies there are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CadreRegistration {
    pub creds: Vec<CredentialView>,
    pub xlsx_base64: String,
}

pub use hoithi_core::live::results::points as fmt_points;
