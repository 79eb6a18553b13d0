//! What server functions send to pages. Admin views carry correct answers;
//! contestant views (later) never do.

use hoithi_core::bank::{ImportError, PlanCounts};
use hoithi_core::model::{QuestionDraft, Role};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub full_name: String,
    pub login: String,
    pub role: Role,
    pub unit_name: Option<String>,
    pub position: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContestView {
    pub id: String,
    pub name: String,
    pub description: String,
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
    format!("{:02}/{:02}/{} {:02}:{:02}", d, m, y, rem / 3600, (rem % 3600) / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn hanoi_time() {
        // 2023-08-07T00:00:00Z is 07:00 in Hà Nội.
        assert_eq!(super::format_time(1_691_366_400_000), "07/08/2023 07:00");
        // 2024-02-28T20:30:00Z is already 29/02 in Hà Nội.
        assert_eq!(super::format_time(1_709_152_200_000), "29/02/2024 03:30");
    }
}
