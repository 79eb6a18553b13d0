//! Organizer reports built on the server: the round dashboard's tables and
//! charts, and the contest's unit leaderboard. The same tables are shown on
//! the page and written to `.xlsx`.

use crate::charts;
use crate::error::AppError;
use crate::types::*;
use hoithi_core::round::stats;
use hoithi_core::store::{attempts, questions, results, rounds, units, Db};
use std::collections::HashMap;

fn pct(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.1}%", 100.0 * part / whole)
    } else {
        "—".into()
    }
}

fn day_label(day: i64) -> String {
    // `format_time` of the day's first millisecond in Hà Nội time.
    let ms = day * 86_400_000 - 7 * 3_600_000;
    format_time(ms)[..5].to_string()
}

/// Per unit (with every ancestor's totals rolled up): people who took part,
/// attempts, headcount and the participation rate, prizes.
/// `keep` picks the units shown (and, for `None`, the people without one).
pub async fn unit_table(
    db: &Db,
    round_ids: &[String],
    prizes_by_user_unit: &[(Option<String>, String)],
    keep: &(dyn Fn(Option<&str>) -> bool + Sync),
) -> Result<(TableView, Vec<UnitCount>), AppError> {
    let units = units::list(db).await?;
    let direct = attempts::per_unit(db, round_ids).await?;
    let parent: HashMap<&str, Option<&str>> = units
        .iter()
        .map(|u| (u.id.as_str(), u.parent_id.as_deref()))
        .collect();
    let mut people: HashMap<String, i64> = HashMap::new();
    let mut tries: HashMap<String, i64> = HashMap::new();
    let mut prizes: HashMap<String, i64> = HashMap::new();
    let mut unassigned = (0, 0);
    // Adds to a unit and every ancestor.
    fn roll(
        map: &mut HashMap<String, i64>,
        parent: &HashMap<&str, Option<&str>>,
        unit: &str,
        n: i64,
    ) {
        let mut cur = Some(unit);
        let mut guard = 0;
        while let Some(u) = cur {
            *map.entry(u.to_string()).or_default() += n;
            cur = parent.get(u).copied().flatten();
            guard += 1;
            if guard > 64 {
                break;
            }
        }
    }
    for (unit, p, n) in &direct {
        match unit {
            Some(u) => {
                roll(&mut people, &parent, u, *p);
                roll(&mut tries, &parent, u, *n);
            }
            None => unassigned = (unassigned.0 + p, unassigned.1 + n),
        }
    }
    for (unit, _) in prizes_by_user_unit {
        if let Some(u) = unit {
            roll(&mut prizes, &parent, u, 1);
        }
    }
    let mut rows = Vec::new();
    let mut counts = Vec::new();
    for u in crate::ssr_views::unit_tree(units.clone()) {
        if !keep(Some(&u.id)) {
            continue;
        }
        let p = people.get(&u.id).copied().unwrap_or(0);
        let n = tries.get(&u.id).copied().unwrap_or(0);
        counts.push(UnitCount {
            name: u.name.clone(),
            depth: u.depth,
            people: p,
        });
        rows.push(vec![
            format!("{}{}", "  ".repeat(u.depth), u.name),
            u.headcount.to_string(),
            p.to_string(),
            n.to_string(),
            pct(p as f64, u.headcount as f64),
            prizes.get(&u.id).copied().unwrap_or(0).to_string(),
        ]);
    }
    if unassigned.1 > 0 && keep(None) {
        rows.push(vec![
            "(Chưa chọn đơn vị)".into(),
            String::new(),
            unassigned.0.to_string(),
            unassigned.1.to_string(),
            "—".into(),
            String::new(),
        ]);
    }
    let table = TableView {
        key: "don-vi".into(),
        title: "Tham gia theo đơn vị".into(),
        header: [
            "Đơn vị",
            "Số đảng viên, cán bộ",
            "Người tham gia",
            "Lượt thi",
            "Tỷ lệ tham gia",
            "Số giải",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    };
    Ok((table, counts))
}

pub struct UnitCount {
    pub name: String,
    pub depth: usize,
    pub people: i64,
}

/// Participants of the units one level below the top (or the top ones when
/// there is a single level), for the chart.
fn unit_chart(counts: &[UnitCount]) -> Chart {
    let level = if counts.iter().filter(|c| c.depth == 0).count() > 1 {
        0
    } else {
        1
    };
    let shown: Vec<&UnitCount> = counts.iter().filter(|c| c.depth == level).collect();
    let labels: Vec<String> = shown
        .iter()
        .map(|c| c.name.chars().take(14).collect())
        .collect();
    let values: Vec<f64> = shown.iter().map(|c| c.people as f64).collect();
    Chart {
        title: "Người tham gia theo đơn vị".into(),
        svg: charts::bars("Người tham gia theo đơn vị", &labels, &values),
    }
}

pub fn ranking_table(rows: &[results::RankRow]) -> TableView {
    TableView {
        key: "xep-hang".into(),
        title: "Xếp hạng".into(),
        header: [
            "Hạng",
            "Họ và tên",
            "Tài khoản",
            "Đơn vị",
            "Chức vụ",
            "Điểm",
            "Số câu",
            "Dự đoán",
            "Độ lệch",
            "Thời gian làm bài",
            "Nộp lúc",
            "Số lượt",
            "Giải",
        ]
        .map(String::from)
        .to_vec(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.rank.to_string(),
                    r.person.full_name.clone(),
                    r.person.login.clone(),
                    r.person.unit_name.clone().unwrap_or_default(),
                    r.person.position.clone(),
                    r.score.to_string(),
                    r.total.to_string(),
                    r.prediction.map(|p| p.to_string()).unwrap_or_default(),
                    r.distance.map(|d| d.to_string()).unwrap_or_default(),
                    format_duration(r.time_ms),
                    format_time(r.submitted_at),
                    r.attempts.to_string(),
                    r.prize.clone().unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

/// A round's dashboard, from the cache while the round is unchanged (see
/// `round_cache`); a computation counts against `heavy_key`'s limit.
pub async fn cached_dashboard(
    st: &crate::ssr::AppState,
    round: rounds::RoundRecord,
    now: i64,
    heavy_key: &str,
) -> Result<Dashboard, AppError> {
    let found = st
        .round_cache
        .dashboard
        .get(&st.db, &round, now, 0, || async {
            crate::ssr::heavy(st, heavy_key)?;
            // The units the contest covers: its owner's subtree.
            let owner = hoithi_core::store::grants::contest_owner(&st.db, &round.contest_id).await?;
            let tree = hoithi_core::store::grants::tree(&st.db).await?;
            let covers = |u: Option<&str>| match (&owner, u) {
                (None, _) => true,
                (Some(o), Some(u)) => tree.within(u, o),
                (Some(_), None) => false,
            };
            let view = crate::round_api::round_view(&st.db, round.clone(), now).await?;
            round_dashboard(&st.db, view, now, &covers).await
        })
        .await?;
    Ok((*found.value).clone())
}

/// The dashboard as the caller may see it: whole for who runs the contest;
/// for an organizer of units inside it, the ranking and unit table of their
/// units, their people's counts, and the round's live and perfect counts.
pub async fn scoped_dashboard(
    st: &crate::ssr::AppState,
    access: &crate::access::ContestAccess,
    round: rounds::RoundRecord,
    now: i64,
) -> Result<Dashboard, AppError> {
    let heavy = crate::ssr::heavy_key(Some(&access.caller.user.id), "");
    let full = cached_dashboard(st, round.clone(), now, &heavy).await?;
    if access.manage {
        return Ok(full);
    }
    let ranked = st
        .round_cache
        .ranking
        .get(&st.db, &round, now, 0, || async {
            crate::ssr::heavy(st, &heavy)?;
            Ok::<_, AppError>(results::rank_round(
                &round.rules,
                &attempts::finished(&st.db, &round.id).await?,
            ))
        })
        .await?
        .value;
    let rows: Vec<results::RankRow> = ranked
        .rows
        .iter()
        .filter(|r| access.sees(r.person.unit_id.as_deref()))
        .cloned()
        .collect();
    let prizes: Vec<(Option<String>, String)> = rows
        .iter()
        .filter_map(|r| r.prize.clone().map(|p| (r.person.unit_id.clone(), p)))
        .collect();
    let (units, counts) =
        unit_table(&st.db, std::slice::from_ref(&round.id), &prizes, &|u| access.sees(u)).await?;
    Ok(Dashboard {
        manage: false,
        round: full.round,
        in_progress: full.in_progress,
        attempts: rows.iter().map(|r| r.attempts).sum(),
        people: rows.len(),
        // The round's count, which predictions are measured against.
        perfect: full.perfect,
        charts: vec![unit_chart(&counts)],
        tables: vec![ranking_table(&rows), units],
    })
}

/// A round's dashboard: `keep` picks the units of the unit table (those
/// the contest covers).
pub async fn round_dashboard(
    db: &Db,
    round: RoundView,
    now: i64,
    keep: &(dyn Fn(Option<&str>) -> bool + Sync),
) -> Result<Dashboard, AppError> {
    let id = round.id.clone();
    let finished = attempts::finished(db, &id).await?;
    let ranked = results::rank_round(&round.rules, &finished);
    let in_progress = attempts::in_progress(db, &id, now).await?;

    let per_day = attempts::per_day(db, &id).await?;
    let day_labels: Vec<String> = per_day.iter().map(|(d, _, _)| day_label(*d)).collect();
    let day_table = TableView {
        key: "theo-ngay".into(),
        title: "Lượt thi theo ngày".into(),
        header: ["Ngày", "Lượt thi", "Người thi"].map(String::from).to_vec(),
        rows: per_day
            .iter()
            .zip(&day_labels)
            .map(|((_, n, p), l)| vec![l.clone(), n.to_string(), p.to_string()])
            .collect(),
    };

    let total = round.rules.questions_per_attempt;
    let hist = stats::histogram(finished.iter().map(|f| f.outcome.score), total);
    let score_labels: Vec<String> = (0..=total).map(|s| s.to_string()).collect();
    let score_table = TableView {
        key: "pho-diem".into(),
        title: "Phổ điểm".into(),
        header: ["Số câu đúng", "Số lượt thi"].map(String::from).to_vec(),
        rows: hist
            .iter()
            .enumerate()
            .map(|(s, n)| vec![s.to_string(), n.to_string()])
            .collect(),
    };

    let marks = attempts::item_marks(db, &id).await?;
    let mut per_q: HashMap<String, Vec<(u32, bool)>> = HashMap::new();
    for (q, score, ok) in marks {
        per_q.entry(q).or_default().push((score, ok));
    }
    let mut items = Vec::new();
    for (qid, rows) in per_q {
        let st = stats::item(&rows);
        let q = questions::get_one(db, &qid).await?;
        items.push((st, q));
    }
    // Hardest first: where the directive is least understood.
    items.sort_by(|a, b| a.0.share_correct.total_cmp(&b.0.share_correct));
    let item_table = TableView {
        key: "cau-hoi".into(),
        title: "Thống kê theo câu hỏi".into(),
        header: [
            "Mã",
            "Câu hỏi",
            "Chủ đề",
            "Mức độ",
            "Số lượt gặp",
            "Tỷ lệ đúng",
            "Độ phân biệt",
        ]
        .map(String::from)
        .to_vec(),
        rows: items
            .iter()
            .map(|(st, q)| {
                vec![
                    q.draft.key.clone().unwrap_or_default(),
                    q.draft.text.clone(),
                    hoithi_core::taxonomy::name_of(&q.draft.topic).to_string(),
                    q.draft.difficulty.label().to_string(),
                    st.answered.to_string(),
                    format!("{:.0}%", st.share_correct * 100.0),
                    st.discrimination
                        .map(|d| format!("{d:.2}"))
                        .unwrap_or_else(|| "—".into()),
                ]
            })
            .collect(),
    };

    let prizes: Vec<(Option<String>, String)> = ranked
        .rows
        .iter()
        .filter_map(|r| r.prize.clone().map(|p| (r.person.unit_id.clone(), p)))
        .collect();
    let (unit_table, unit_counts) = unit_table(db, std::slice::from_ref(&id), &prizes, keep).await?;
    let people = ranked.rows.len();
    let charts = vec![
        Chart {
            title: "Lượt thi theo ngày".into(),
            svg: charts::bars(
                "Lượt thi theo ngày",
                &day_labels,
                &per_day.iter().map(|d| d.1 as f64).collect::<Vec<_>>(),
            ),
        },
        Chart {
            title: "Phổ điểm".into(),
            svg: charts::bars(
                "Phổ điểm",
                &score_labels,
                &hist.iter().map(|n| *n as f64).collect::<Vec<_>>(),
            ),
        },
        unit_chart(&unit_counts),
    ];
    Ok(Dashboard {
        manage: true,
        round,
        in_progress,
        attempts: ranked.attempts,
        people,
        perfect: ranked.perfect,
        charts,
        tables: vec![
            ranking_table(&ranked.rows),
            unit_table,
            day_table,
            score_table,
            item_table,
        ],
    })
}

/// The contest's unit leaderboard over all its published rounds.
/// `keep` picks the units shown: what the caller sees of the contest.
pub async fn unit_leaderboard(
    db: &Db,
    contest_id: &str,
    keep: &(dyn Fn(Option<&str>) -> bool + Sync),
) -> Result<TableView, AppError> {
    let list = rounds::list(db, contest_id).await?;
    let ids: Vec<String> = list
        .iter()
        .filter(|r| r.published)
        .map(|r| r.id.clone())
        .collect();
    let mut prizes = Vec::new();
    for r in list.iter().filter(|r| r.published) {
        let res = results::rank_round(&r.rules, &attempts::finished(db, &r.id).await?);
        prizes.extend(
            res.rows
                .into_iter()
                .filter_map(|row| row.prize.map(|p| (row.person.unit_id.clone(), p))),
        );
    }
    let (mut t, _) = unit_table(db, &ids, &prizes, keep).await?;
    t.title = "Bảng tổng hợp theo đơn vị".into();
    Ok(t)
}

pub fn finalists_table(list: &[results::Finalist]) -> TableView {
    TableView {
        key: "chung-ket".into(),
        title: "Thí sinh vào chung kết".into(),
        header: ["STT", "Họ và tên", "Đơn vị", "Xác nhận lúc"]
            .map(String::from)
            .to_vec(),
        rows: list
            .iter()
            .map(|f| {
                vec![
                    f.position.to_string(),
                    f.full_name.clone(),
                    f.unit_name.clone().unwrap_or_default(),
                    format_time(f.confirmed_at),
                ]
            })
            .collect(),
    }
}
