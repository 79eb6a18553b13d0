//! Server functions of the live final: set-up and results for organizers,
//! and the entry of every screen by its code. The show itself runs over the
//! screen's WebSocket (`/truc-tiep/ws/{code}`).

use crate::error::AppError;
use hoithi_core::live::build::SegmentSpec;
use hoithi_core::live::results::Standing;
use hoithi_core::live::{View, Viewer};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, state},
    crate::types::TableView,
    hoithi_core::live,
    hoithi_core::store::{self, finals},
};


#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalRow {
    pub id: String,
    pub name: String,
    pub finalists: usize,
    pub segments: usize,
    pub events: i64,
}

/// What the set-up form starts from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalSetup {
    pub name: String,
    /// "seat; name; unit" lines from the contest's confirmed finalists.
    pub finalists: String,
    pub segments: Vec<SegmentSpec>,
    pub prizes: String,
    /// (key, name) of every topic, for the draw.
    pub topics: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeRow {
    pub label: String,
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRow {
    pub seq: u64,
    pub at: i64,
    pub actor: String,
    pub text: String,
    pub voided: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FinalInfo {
    pub id: String,
    pub name: String,
    pub contest_id: Option<String>,
    pub join_code: String,
    pub codes: Vec<CodeRow>,
    pub segments: Vec<OutlineSegment>,
    pub standings: Vec<Standing>,
    pub ties: Vec<u32>,
    pub log: Vec<LogRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutlineSegment {
    pub title: String,
    pub kind_label: String,
    pub timer_secs: u32,
    /// The host sees each item's text; other screens only the count.
    pub items: Vec<String>,
    pub judged: bool,
    pub buzzer: bool,
    pub elimination: bool,
    pub wager: bool,
    pub tie_break: bool,
    /// Highest score a judge may give (judged segments).
    pub judge_max: u32,
}

/// What a screen needs before its WebSocket is up; also what is rendered
/// on the server, so the scoreboard reads without JavaScript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScreenEntry {
    pub code: String,
    pub final_name: String,
    pub viewer: Viewer,
    /// "Ghế 3 – Nguyễn Văn A", "Giám khảo 2 – …", "Người dẫn", "Khán giả".
    pub who: String,
    pub join_code: String,
    pub outline: Vec<OutlineSegment>,
    pub view: View,
}

#[cfg(feature = "ssr")]
fn outline(program: &live::Program, host: bool) -> Vec<OutlineSegment> {
    use live::{Item, SegmentKind};
    program
        .segments
        .iter()
        .map(|s| OutlineSegment {
            title: s.title.clone(),
            kind_label: s.kind.label().to_string(),
            timer_secs: s.timer_secs,
            items: s
                .items
                .iter()
                .enumerate()
                .map(|(i, it)| match (host, it) {
                    (true, Item::Question(q)) => q.text.clone(),
                    (true, Item::Prompt(p)) => p.clone(),
                    (false, _) => format!("Câu {}", i + 1),
                })
                .collect(),
            judged: matches!(s.kind, SegmentKind::Judged { .. }),
            buzzer: s.kind == SegmentKind::Buzzer,
            elimination: s.kind == SegmentKind::Elimination,
            wager: matches!(s.kind, SegmentKind::Wager { .. }),
            tie_break: s.kind == SegmentKind::TieBreak,
            judge_max: match s.kind {
                SegmentKind::Judged { max, .. } => max,
                _ => 0,
            },
        })
        .collect()
}

#[server(prefix = "/api", endpoint = "list_finals")]
pub async fn list_finals() -> Result<Vec<FinalRow>, AppError> {
    let caller = crate::access::staff().await?;
    let st = state()?;
    let owners: std::collections::HashMap<String, Option<String>> =
        store::grants::contest_owners(&st.db).await?.into_iter().collect();
    // The finals of the contests the caller runs.
    Ok(finals::list(&st.db)
        .await?
        .into_iter()
        .filter(|f| {
            let contest = f
                .contest_id
                .as_deref()
                .map(|c| (c, owners.get(c).and_then(|o| o.as_deref())));
            caller.scope.manages_final(&caller.tree, contest)
        })
        .map(|f| FinalRow {
            id: f.id,
            name: f.name,
            finalists: f.finalists,
            segments: f.segments,
            events: f.events,
        })
        .collect())
}

/// The form's starting point: Ứng Hòa's usual program and, for a contest,
/// its confirmed finalists in order.
#[server(prefix = "/api", endpoint = "final_draft")]
pub async fn final_draft(contest_id: String) -> Result<FinalSetup, AppError> {
    let st = state()?;
    let (name, finalists) = if contest_id.is_empty() {
        crate::access::staff().await?;
        ("Vòng chung kết".to_string(), String::new())
    } else {
        crate::access::manage_contest(&contest_id).await?;
        let c = store::contests::get_one(&st.db, &contest_id).await?;
        let list = store::results::finalists(&st.db, &contest_id).await?;
        let lines: Vec<String> = list
            .iter()
            .enumerate()
            .map(|(i, f)| {
                format!(
                    "{}; {}; {}",
                    i + 1,
                    f.full_name,
                    f.unit_name.clone().unwrap_or_default()
                )
            })
            .collect();
        (format!("Chung kết {}", c.name), lines.join("\n"))
    };
    let prizes: Vec<String> = live::program::final_prizes()
        .iter()
        .map(|p| format!("{}: {}", p.name, p.count))
        .collect();
    Ok(FinalSetup {
        name,
        finalists,
        segments: live::build::template(),
        prizes: prizes.join("\n"),
        topics: hoithi_core::taxonomy::TOPICS
            .iter()
            .map(|t| (t.key.to_string(), t.name.to_string()))
            .collect(),
    })
}

/// Creates a final: questions are drawn from the bank now and copied into
/// the program, so the show does not change if the bank does.
#[server(prefix = "/api", endpoint = "create_final", input = leptos::server_fn::codec::Json)]
pub async fn create_final(
    name: String,
    contest_id: String,
    finalists: String,
    judges: String,
    prizes: String,
    segments: Vec<SegmentSpec>,
) -> Result<String, AppError> {
    ssr::cap(&name, ssr::caps::NAME, "Tên vòng chung kết")?;
    ssr::cap(&finalists, ssr::caps::LONG_TEXT, "Danh sách thí sinh")?;
    ssr::cap(&judges, ssr::caps::TEXT, "Ban giám khảo")?;
    ssr::cap(&prizes, ssr::caps::TEXT, "Cơ cấu giải")?;
    let (me, contest) = if contest_id.is_empty() {
        // A final of no contest is the city's.
        let caller = crate::access::staff().await?;
        if !caller.scope.city_wide() {
            ssr::set_status(http::StatusCode::FORBIDDEN);
            return Err(AppError::Forbidden);
        }
        (caller.user, None)
    } else {
        let a = crate::access::manage_contest(&contest_id).await?;
        (a.caller.user, Some(contest_id.as_str()))
    };
    let st = state()?;
    let name = hoithi_core::text::clean(&name);
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push("Cần đặt tên cho vòng chung kết".to_string());
    }
    let finalists = live::build::parse_finalists(&finalists).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    let prizes = hoithi_core::round::rules::parse_prizes(&prizes).unwrap_or_else(|e| {
        errors.extend(e);
        Vec::new()
    });
    if segments.len() > 20 {
        errors.push("Tối đa 20 phần thi".into());
    }
    let spec = live::build::ProgramSpec {
        finalists,
        judges: judges.lines().map(str::to_string).collect(),
        segments,
        prizes,
    };
    let bank = store::questions::export(&st.db, false).await?;
    let program = match live::build::build(&spec, &bank, &mut live::build::rng()) {
        Ok(p) if errors.is_empty() => p,
        Ok(_) => return Err(ssr::invalid(errors.join("\n"))),
        Err(e) => {
            errors.extend(e);
            return Err(ssr::invalid(errors.join("\n")));
        }
    };
    let id = finals::create(&st.db, contest, &name, &program).await?;
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: contest,
        after: Some(serde_json::json!({
            "name": name,
            "finalists": program.finalists.len(),
            "judges": program.judges.len(),
            "segments": program.segments.len(),
        })),
        ..crate::audit::change("final.create", "final", &id, format!("Tạo vòng chung kết «{name}»"))
    })
    .await;
    Ok(id)
}

#[cfg(feature = "ssr")]
pub async fn standings_table(db: &store::Db, id: &str) -> Result<TableView, AppError> {
    let rec = finals::get_one(db, id).await?;
    let state = live::replay(&rec.program, &finals::events(db, id).await?);
    let rows = live::results::standings(&rec.program, &state)
        .into_iter()
        .map(|s| {
            vec![
                s.rank.to_string(),
                s.seat.to_string(),
                s.name,
                s.unit,
                crate::types::fmt_points(s.score),
                s.prize.unwrap_or_default(),
            ]
        })
        .collect();
    Ok(TableView {
        key: "ket-qua-chung-ket".into(),
        title: format!("Kết quả {}", rec.name),
        header: ["Hạng", "Ghế", "Họ và tên", "Đơn vị", "Điểm", "Giải"]
            .map(String::from)
            .to_vec(),
        rows,
    })
}

/// Ends a final: host, seat and judge codes stop working.
#[server(prefix = "/api", endpoint = "end_final")]
pub async fn end_final(id: String) -> Result<(), AppError> {
    let (caller, rec) = crate::access::manage_final(&id).await?;
    let user = caller.user;
    let st = state()?;
    finals::end(&st.db, &id, store::now_ms()).await?;
    tracing::info!(final_id = %id, user = %user.id, "final ended");
    crate::audit::record(&st, &user, store::audit::Change {
        contest_id: rec.contest_id.as_deref(),
        ..crate::audit::change("final.end", "final", &id, "Kết thúc vòng chung kết; mã màn hình hết hiệu lực".into())
    })
    .await;
    Ok(())
}

/// Set-up, codes, standings and the full log of a final, for organizers.
#[server(prefix = "/api", endpoint = "final_detail")]
pub async fn final_detail(id: String) -> Result<FinalInfo, AppError> {
    let (_, rec) = crate::access::manage_final(&id).await?;
    let st = state()?;
    let log = finals::log(&st.db, &id).await?;
    let events: Vec<live::Event> = log.iter().map(|(e, _)| e.clone()).collect();
    let state = live::replay(&rec.program, &events);
    let voided: std::collections::HashSet<u64> = events
        .iter()
        .filter_map(|e| match e.kind {
            live::EventKind::Undone { seq } => Some(seq),
            _ => None,
        })
        .collect();
    let p = &rec.program;
    let mut codes: Vec<((u8, i64), CodeRow)> = finals::codes(&st.db, &id)
        .await?
        .into_iter()
        .map(|(role, slot, code)| match role.as_str() {
            "host" => (
                (0, 0),
                CodeRow {
                    label: "Người dẫn (bảng điều khiển)".into(),
                    code,
                },
            ),
            "seat" => {
                let name = p
                    .finalists
                    .iter()
                    .find(|f| i64::from(f.seat) == slot)
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                (
                    (1, slot),
                    CodeRow {
                        label: format!("Ghế {slot} – {name}"),
                        code,
                    },
                )
            }
            _ => {
                let name = p.judges.get(slot as usize).cloned().unwrap_or_default();
                (
                    (2, slot),
                    CodeRow {
                        label: format!("Giám khảo {} – {name}", slot + 1),
                        code,
                    },
                )
            }
        })
        .collect();
    // Host first, then seats by number, then judges.
    codes.sort_by_key(|(k, _)| *k);
    let codes = codes.into_iter().map(|(_, c)| c).collect();
    Ok(FinalInfo {
        id: rec.id.clone(),
        name: rec.name.clone(),
        contest_id: rec.contest_id.clone(),
        join_code: rec.join_code.clone(),
        codes,
        segments: outline(p, true),
        standings: live::results::standings(p, &state),
        ties: live::results::ties_for_prizes(p, &state),
        log: log
            .iter()
            .map(|(e, actor)| LogRow {
                seq: e.seq,
                at: e.at,
                actor: live::results::actor_label(p, actor),
                text: live::results::describe(p, e),
                voided: voided.contains(&e.seq),
            })
            .collect(),
    })
}

/// A screen's entry by its code: no account needed, the code is the key.
/// Unknown codes are rate limited per address.
#[server(prefix = "/api", endpoint = "live_entry")]
pub async fn live_entry(code: String) -> Result<ScreenEntry, AppError> {
    let st = state()?;
    ssr::cap(&code, 32, "Mã")?;
    let code = code.trim().to_uppercase();
    let key = format!("live:code:{}", ssr::client_ip());
    // Checked before the lookup: past the limit even a right code waits.
    if st
        .limiter
        .exceeded(&key, 30, std::time::Duration::from_secs(60))
    {
        ssr::set_status(http::StatusCode::TOO_MANY_REQUESTS);
        return Err(AppError::TooManyRequests);
    }
    let (final_id, viewer) = match finals::resolve(&st.db, &code).await {
        Ok(x) => x,
        Err(store::StoreError::NotFound) => {
            ssr::rate_limit(&key, 30)?;
            ssr::set_status(http::StatusCode::NOT_FOUND);
            return Err(AppError::Invalid(
                "Mã không đúng. Hãy kiểm tra lại mã được phát.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    // A seat's or judge's code held by another device shows nothing here.
    if let Some(actor) = viewer.actor() {
        if !finals::may_use(&st.db, &final_id, actor, ssr::this_device().as_deref()).await? {
            ssr::set_status(http::StatusCode::CONFLICT);
            return Err(AppError::Invalid(finals::HELD_ELSEWHERE.into()));
        }
    }
    let room = st.hub.room(&final_id).await?;
    let p = &room.program;
    let who = match viewer {
        Viewer::Host => "Người dẫn chương trình".to_string(),
        Viewer::Seat(s) => p
            .finalists
            .iter()
            .find(|f| f.seat == s)
            .map(|f| format!("Ghế {s} – {}", f.name))
            .unwrap_or_default(),
        Viewer::Judge(j) => format!(
            "Giám khảo {} – {}",
            j + 1,
            p.judges.get(j).cloned().unwrap_or_default()
        ),
        Viewer::Audience => "Khán giả".to_string(),
    };
    let snapshot = room.snapshot();
    Ok(ScreenEntry {
        code,
        final_name: room.name.clone(),
        viewer,
        who,
        join_code: room.join_code.clone(),
        outline: outline(p, viewer == Viewer::Host),
        view: live::view(p, &snapshot, viewer, store::now_ms()),
    })
}
