//! Server functions of contests for the committees that run them: a
//! contest and its rounds, publishing, finalists, the organizer's ranking,
//! dashboard and unit table. Every function reads the caller's scope first
//! (`access`): who runs a contest changes it; an organizer of units inside
//! it sees their own people's part.

use crate::error::AppError;
use crate::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::access,
    crate::round_api::{rank_views, round_view},
    crate::ssr::{self, state},
    hoithi_core::round::{rules, ReviewPolicy},
    hoithi_core::store::{self, attempts, now_ms, results, rounds},
};

#[server(prefix = "/api", endpoint = "create_contest")]
pub async fn create_contest(
    name: String,
    description: String,
    unit_id: Option<String>,
) -> Result<String, AppError> {
    let caller = access::staff().await?;
    let st = state()?;
    ssr::cap(&name, ssr::caps::NAME, "Tên cuộc thi")?;
    ssr::cap(&description, ssr::caps::TEXT, "Mô tả")?;
    let owner = unit_id.as_deref().map(str::trim).filter(|u| !u.is_empty());
    if let Some(u) = owner {
        ssr::cap(u, ssr::caps::ID, "Đơn vị")?;
        if !caller.tree.contains(u) {
            return Err(ssr::invalid("Đơn vị không tồn tại".into()));
        }
    }
    // A committee starts contests for itself and the units under it; a
    // city-wide contest is for admins and the city's organizers.
    if !caller.scope.may_create(&caller.tree, owner) {
        ssr::set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    let me = caller.user;
    let name = hoithi_core::text::clean(&name);
    if name.is_empty() {
        return Err(ssr::invalid("Vui lòng đặt tên cuộc thi".into()));
    }
    let id = store::contests::create(&st.db, &name, &hoithi_core::text::clean(&description), owner)
        .await?;
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&id),
        after: Some(serde_json::json!({ "name": name, "unit_id": owner })),
        ..crate::audit::change("contest.create", "contest", &id, format!("Tạo cuộc thi «{name}»"))
    })
    .await;
    crate::ssr::redirect(&format!("/ban-to-chuc/cuoc-thi/{id}"));
    Ok(id)
}

#[server(prefix = "/api", endpoint = "contest_detail")]
pub async fn get_contest(id: String) -> Result<ContestDetail, AppError> {
    let access = access::contest(&id).await?;
    let st = state()?;
    let c = store::contests::get_one(&st.db, &id).await?;
    let now = now_ms();
    let mut list = Vec::new();
    for r in rounds::list(&st.db, &id).await? {
        // Drafts are for who runs the contest.
        if access.manage || r.published {
            list.push(round_view(&st.db, r, now).await?);
        }
    }
    let finalists = results::finalists(&st.db, &id)
        .await?
        .into_iter()
        .filter(|f| access.sees(f.unit_id.as_deref()))
        .map(|f| FinalistView {
            position: f.position,
            full_name: f.full_name,
            unit_name: f.unit_name,
            confirmed_at: f.confirmed_at,
        })
        .collect();
    Ok(ContestDetail {
        contest: ContestView::from(c),
        rounds: list,
        finalists,
        manage: access.manage,
    })
}

/// Creates (`round_id` empty) or updates a round. Times are Hà Nội local
/// `datetime-local` values; the draw rule is checked against the bank.
#[server(prefix = "/api", endpoint = "save_round")]
#[allow(clippy::too_many_arguments)]
pub async fn save_round(
    contest_id: String,
    round_id: String,
    name: String,
    opens_at: String,
    closes_at: String,
    questions: u32,
    draw: String,
    time_limit_minutes: f64,
    attempts_allowed: u32,
    counting: String,
    review: String,
    prediction: Option<String>,
    prizes: String,
) -> Result<String, AppError> {
    let me = if round_id.is_empty() {
        access::manage_contest(&contest_id).await?.caller.user
    } else {
        access::manage_round(&round_id).await?.0.caller.user
    };
    let st = state()?;
    ssr::cap(&name, ssr::caps::NAME, "Tên vòng thi")?;
    ssr::cap(&draw, ssr::caps::TEXT, "Cách rút câu hỏi")?;
    ssr::cap(&prizes, ssr::caps::TEXT, "Cơ cấu giải")?;
    ssr::cap(&opens_at, ssr::caps::ID, "Thời điểm mở")?;
    ssr::cap(&closes_at, ssr::caps::ID, "Thời điểm kết thúc")?;
    let invalid = |v: Vec<String>| ssr::invalid(v.join("; "));
    let rules = hoithi_core::round::RoundRules {
        name: hoithi_core::text::clean(&name),
        opens_at: parse_local_time(&opens_at)
            .ok_or_else(|| ssr::invalid("Thời điểm mở không hợp lệ".into()))?,
        closes_at: parse_local_time(&closes_at)
            .ok_or_else(|| ssr::invalid("Thời điểm kết thúc không hợp lệ".into()))?,
        questions_per_attempt: questions,
        draw: rules::parse_draw(&draw).map_err(invalid)?,
        // Decimal minutes allowed ("0.5"): short practice rounds.
        time_limit_secs: if time_limit_minutes.is_finite() && time_limit_minutes > 0.0 {
            (time_limit_minutes * 60.0).round().min(86_400.0) as u32
        } else {
            0
        },
        attempts_allowed,
        counting: hoithi_core::round::Counting::parse(&counting)
            .ok_or_else(|| ssr::invalid("Cách tính lượt thi không hợp lệ".into()))?,
        review: ReviewPolicy::parse(&review)
            .ok_or_else(|| ssr::invalid("Chế độ xem đáp án không hợp lệ".into()))?,
        prediction: prediction.is_some_and(|p| !p.is_empty() && p != "false"),
        prizes: rules::parse_prizes(&prizes).map_err(invalid)?,
    };
    rounds::validate(&st.db, &rules).await?;
    let (id, before, contest) = if round_id.is_empty() {
        store::contests::get_one(&st.db, &contest_id).await?;
        (rounds::create(&st.db, &contest_id, &rules).await?, None, contest_id)
    } else {
        let old = rounds::get_one(&st.db, &round_id).await?;
        rounds::update(&st.db, &round_id, &rules).await?;
        (round_id, Some(old.rules), old.contest_id)
    };
    let action = if before.is_some() { "round.update" } else { "round.create" };
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&contest),
        before: before.map(|r| serde_json::json!(r)),
        after: Some(serde_json::json!(rules)),
        ..crate::audit::change(action, "round", &id, format!("Lưu thể lệ vòng thi «{}»", rules.name))
    })
    .await;
    crate::ssr::redirect(&format!("/ban-to-chuc/vong/{id}"));
    Ok(id)
}

/// The organizer's buttons on a round: "publish", "unpublish", "close"
/// (now), "extend" (to `closes_at`), "publish_key", "publish_results".
#[server(prefix = "/api", endpoint = "round_action")]
pub async fn round_action(
    round_id: String,
    action: String,
    closes_at: Option<String>,
) -> Result<(), AppError> {
    let (access, round) = access::manage_round(&round_id).await?;
    let user = access.caller.user;
    let st = state()?;
    let now = now_ms();
    let closed = round.phase(now) == Phase::Closed;
    match action.as_str() {
        "publish" => rounds::set_published(&st.db, &round_id, true).await?,
        "unpublish" => {
            if attempts::of_round_count(&st.db, &round_id).await? > 0 {
                return Err(ssr::invalid(
                    "Vòng thi đã có lượt thi, không thể chuyển về bản nháp".into(),
                ));
            }
            rounds::set_published(&st.db, &round_id, false).await?
        }
        "close" => {
            rounds::set_closes_at(&st.db, &round_id, now.max(round.rules.opens_at + 1)).await?;
            // Closing early ends the attempts in progress too: nobody keeps
            // answering a round whose key may be published next.
            let n = attempts::close_round(&st.db, &round_id, now).await?;
            tracing::info!(round = %round_id, closed = n, "attempts closed with the round");
        }
        "extend" if round.key_published => {
            return Err(ssr::invalid(
                "Đáp án đã được công bố, không thể gia hạn vòng thi".into(),
            ))
        }
        "extend" => {
            let t = closes_at
                .as_deref()
                .and_then(parse_local_time)
                .ok_or_else(|| ssr::invalid("Thời điểm kết thúc không hợp lệ".into()))?;
            if t <= now {
                return Err(ssr::invalid(
                    "Thời điểm kết thúc mới phải ở tương lai".into(),
                ));
            }
            rounds::set_closes_at(&st.db, &round_id, t).await?
        }
        "publish_key" | "publish_results"
            if store::accommodations::latest_closing(&st.db, &round_id)
                .await?
                .is_some_and(|t| t > now) =>
        {
            return Err(ssr::invalid(
                "Một số thí sinh hoặc đơn vị được lùi hạn chót; chỉ công bố sau hạn chót muộn nhất".into(),
            ));
        }
        "publish_key" if closed => {
            // An attempt still open (its deadline plus grace not yet past)
            // could read the key and answer with it.
            if attempts::unfinished(&st.db, &round_id).await? > 0 {
                attempts::close_due(&st.db, now).await?;
                if attempts::unfinished(&st.db, &round_id).await? > 0 {
                    return Err(ssr::invalid(
                        "Còn lượt thi đang làm dở; chỉ công bố đáp án khi mọi lượt thi đã kết thúc".into(),
                    ));
                }
            }
            rounds::set_key_published(&st.db, &round_id, true).await?
        }
        "publish_results" if closed => {
            rounds::set_results_published(&st.db, &round_id, true).await?
        }
        "publish_key" | "publish_results" => {
            return Err(ssr::invalid("Chỉ công bố sau khi vòng thi kết thúc".into()))
        }
        _ => return Err(ssr::invalid("Thao tác không hợp lệ".into())),
    }
    tracing::info!(round = %round_id, user = %user.id, action, "round action");
    let flags = |r: &rounds::RoundRecord| {
        serde_json::json!({
            "published": r.published,
            "closes_at": r.rules.closes_at,
            "key_published": r.key_published,
            "results_published": r.results_published,
        })
    };
    let after = rounds::get_one(&st.db, &round_id).await?;
    let what = match action.as_str() {
        "publish" => "Công bố vòng thi",
        "unpublish" => "Chuyển vòng thi về bản nháp",
        "close" => "Kết thúc sớm vòng thi",
        "extend" => "Gia hạn vòng thi",
        "publish_key" => "Công bố đáp án vòng thi",
        _ => "Công bố kết quả vòng thi",
    };
    crate::audit::record(&st, &user, store::audit::Change {
        contest_id: Some(&round.contest_id),
        before: Some(flags(&round)),
        after: Some(flags(&after)),
        ..crate::audit::change(
            &format!("round.{action}"),
            "round",
            &round_id,
            format!("{what} «{}»", round.rules.name),
        )
    })
    .await;
    Ok(())
}

/// Finalists proposed by the overall ranking: the top `count`, at most
/// `quota` per unit (0: no quota).
#[server(prefix = "/api", endpoint = "propose_finalists")]
pub async fn propose_finalists(
    contest_id: String,
    count: usize,
    quota: u32,
) -> Result<Vec<RankView>, AppError> {
    access::manage_contest(&contest_id).await?;
    let st = state()?;
    let rows = results::overall(&st.db, &contest_id).await?;
    let units: Vec<Option<String>> = rows.iter().map(|r| r.person.unit_id.clone()).collect();
    let picked = hoithi_core::round::ranking::finalists(
        &units,
        count.min(1000),
        (quota > 0).then_some(quota),
    );
    let rows: Vec<_> = picked.into_iter().map(|i| rows[i].clone()).collect();
    Ok(rank_views(rows, true))
}

#[server(prefix = "/api", endpoint = "confirm_finalists")]
pub async fn confirm_finalists(contest_id: String, user_ids: Vec<String>) -> Result<(), AppError> {
    let user = access::manage_contest(&contest_id).await?.caller.user;
    let st = state()?;
    if user_ids.len() > 1000 {
        return Err(ssr::invalid("Danh sách chung kết tối đa 1000 người".into()));
    }
    // Finalists come from the contest's ranking, each once.
    let ranked: std::collections::HashSet<String> = results::overall(&st.db, &contest_id)
        .await?
        .into_iter()
        .map(|r| r.person.user_id.clone())
        .collect();
    let mut seen = std::collections::HashSet::new();
    if let Some(bad) = user_ids
        .iter()
        .find(|u| !ranked.contains(*u) || !seen.insert(u.as_str()))
    {
        tracing::warn!(contest = %contest_id, user = %bad, "finalist not in the ranking");
        return Err(ssr::invalid(
            "Danh sách có thí sinh không thuộc bảng xếp hạng của cuộc thi hoặc bị lặp".into(),
        ));
    }
    let before: Vec<String> = results::finalists(&st.db, &contest_id)
        .await?
        .into_iter()
        .map(|f| f.user_id)
        .collect();
    results::confirm_finalists(&st.db, &contest_id, &user_ids, &user.id).await?;
    crate::audit::record(&st, &user, store::audit::Change {
        contest_id: Some(&contest_id),
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(user_ids)),
        ..crate::audit::change(
            "finalists.confirm",
            "contest",
            &contest_id,
            format!("Xác nhận danh sách {} thí sinh vào chung kết", user_ids.len()),
        )
    })
    .await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "overall_ranking")]
pub async fn overall_ranking(contest_id: String, page: Option<u32>) -> Result<Ranking, AppError> {
    let access = access::contest(&contest_id).await?;
    let st = state()?;
    let c = store::contests::get_one(&st.db, &contest_id).await?;
    ssr::heavy(&st, &ssr::heavy_key(Some(&access.caller.user.id), ""))?;
    let mut rows: Vec<_> = results::overall(&st.db, &contest_id)
        .await?
        .into_iter()
        .filter(|r| access.sees(r.person.unit_id.as_deref()))
        .collect();
    let (page, range) = crate::types::ranking_page(rows.len(), page);
    Ok(Ranking {
        title: c.name,
        perfect: None,
        total: rows.len(),
        rows: rank_views(rows.drain(range).collect(), access.manage),
        page,
    })
}

/// The organizer's dashboard of a round: live attempts, participation by
/// day and unit, score distribution, question statistics and the ranking.
#[server(prefix = "/api", endpoint = "round_dashboard")]
pub async fn round_dashboard(id: String) -> Result<Dashboard, AppError> {
    let (access, round) = access::round(&id).await?;
    if !access.manage && !round.published {
        ssr::set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::NotFound);
    }
    let st = state()?;
    crate::ssr_reports::scoped_dashboard(&st, &access, round, now_ms()).await
}

/// Participants, attempts, participation rate and prizes per unit over a
/// contest's rounds.
#[server(prefix = "/api", endpoint = "unit_leaderboard")]
pub async fn unit_leaderboard(contest_id: String) -> Result<TableView, AppError> {
    let access = access::contest(&contest_id).await?;
    let st = state()?;
    ssr::heavy(&st, &ssr::heavy_key(Some(&access.caller.user.id), ""))?;
    crate::ssr_reports::unit_leaderboard(&st.db, &contest_id, &|u| access.sees(u)).await
}


/// A contest on the organizer's list.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MyContest {
    pub contest: ContestView,
    /// Runs it; otherwise sees only their units' part.
    pub manage: bool,
}

/// The contests the caller runs or sees a part of, newest first.
#[server(prefix = "/api", endpoint = "my_contests")]
pub async fn my_contests() -> Result<Vec<MyContest>, AppError> {
    let caller = access::staff().await?;
    let st = state()?;
    Ok(store::contests::list(&st.db)
        .await?
        .into_iter()
        .filter_map(|c| {
            let owner = c.unit_id.as_deref();
            let manage = caller.scope.manages(&caller.tree, &c.id, owner);
            let seen = !caller.scope.contest_reach(&caller.tree, &c.id, owner).is_nobody();
            seen.then(|| MyContest {
                manage,
                contest: ContestView::from(c),
            })
        })
        .collect())
}
