//! Server functions of online rounds: contestants take attempts, organizers
//! set rounds up and follow them. Every function checks the caller's role,
//! and an attempt is only ever served to its owner.

use crate::error::AppError;
use crate::types::*;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, require, state},
    hoithi_core::model::Role,
    hoithi_core::round::{rules, ReviewPolicy},
    hoithi_core::store::{self, attempts, now_ms, results, rounds},
};

#[cfg(feature = "ssr")]
const ORGANIZERS: &[Role] = &[Role::Admin, Role::Organizer];
#[cfg(feature = "ssr")]
const ANYONE: &[Role] = &[Role::Admin, Role::Organizer, Role::Judge, Role::Contestant];

#[cfg(feature = "ssr")]
pub async fn round_view(
    db: &store::Db,
    r: rounds::RoundRecord,
    now: i64,
) -> Result<RoundView, AppError> {
    let contest = store::contests::get_one(db, &r.contest_id).await?;
    Ok(RoundView {
        id: r.id.clone(),
        contest_id: r.contest_id.clone(),
        contest_name: contest.name,
        draw_text: r.rules.draw.iter().map(|d| d.describe()).collect(),
        phase: r.phase(now),
        published: r.published,
        key_published: r.key_published,
        results_published: r.results_published,
        rules: r.rules,
    })
}

#[cfg(feature = "ssr")]
fn summary(a: &attempts::AttemptRecord) -> AttemptSummary {
    AttemptSummary {
        id: a.id.clone(),
        seq: a.seq,
        started_at: a.started_at,
        finished_at: a.finished_at,
        closed_by: a.closed_by.clone(),
        score: a.score,
        total: a.total,
        time_ms: a.outcome().map(|o| o.time_ms),
    }
}

/// A round as it holds for `user`: with their accommodations applied (more
/// time, more attempts, a later closing), and what they are.
#[cfg(feature = "ssr")]
pub async fn for_person(
    db: &store::Db,
    r: rounds::RoundRecord,
    user: &store::users::UserRecord,
) -> Result<(rounds::RoundRecord, hoithi_core::round::accommodation::Accommodation), AppError> {
    let acc = store::accommodations::for_person(db, &r.id, &user.id, user.unit_id.as_deref()).await?;
    if acc.is_none() {
        return Ok((r, acc));
    }
    let rules = acc.apply(&r.rules);
    Ok((rounds::RoundRecord { rules, ..r }, acc))
}

#[cfg(feature = "ssr")]
async fn my_round(
    db: &store::Db,
    r: rounds::RoundRecord,
    user: &store::users::UserRecord,
    now: i64,
) -> Result<MyRound, AppError> {
    let (r, acc) = for_person(db, r, user).await?;
    let user_id = &user.id;
    let mine = attempts::of_user(db, &r.id, user_id).await?;
    let open_attempt = mine
        .iter()
        .find(|a| a.is_open() && hoithi_core::round::accepts(now, a.deadline))
        .map(|a| a.id.clone());
    let attempts_left = (i64::from(r.rules.attempts_allowed) - mine.len() as i64).max(0);
    Ok(MyRound {
        attempts: mine.iter().map(summary).collect(),
        attempts_left,
        open_attempt,
        accommodation: acc.describe(format_time),
        round: round_view(db, r, now).await?,
    })
}

/// Published rounds not yet over, with the caller's attempts.
#[server(prefix = "/api", endpoint = "my_rounds")]
pub async fn my_rounds() -> Result<Vec<MyRound>, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let now = now_ms();
    let mut out = Vec::new();
    let mut current = rounds::list_current(&st.db, now).await?;
    // Rounds closed for everyone else but open later for some (a unit whose
    // network failed on the last evening): shown to those they are open to.
    for id in store::accommodations::rounds_open_later(&st.db, now).await? {
        if current.iter().all(|r| r.id != id) {
            let r = rounds::get_one(&st.db, &id).await?;
            if r.published && for_person(&st.db, r.clone(), &user).await?.0.rules.closes_at > now {
                current.push(r);
            }
        }
    }
    for r in current {
        out.push(my_round(&st.db, r, &user, now).await?);
    }
    Ok(out)
}

#[server(prefix = "/api", endpoint = "round_info")]
pub async fn round_info(id: String) -> Result<MyRound, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let r = rounds::get_one(&st.db, &id).await?;
    if !r.published && !ORGANIZERS.contains(&user.role) {
        return Err(AppError::NotFound);
    }
    my_round(&st.db, r, &user, now_ms()).await
}

/// Starts (or resumes) the caller's attempt and goes to it.
#[server(prefix = "/api", endpoint = "start_attempt")]
pub async fn start_attempt(round_id: String) -> Result<String, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    // A script cannot flood a round with attempts from one address or account.
    ssr::rate_limit(&format!("start:ip:{}", ssr::client_ip()), 60)?;
    ssr::rate_limit(&format!("start:user:{}", user.id), 10)?;
    let round = rounds::get_one(&st.db, &round_id).await?;
    let (round, _) = for_person(&st.db, round, &user).await?;
    let attempt = attempts::start(&st.db, &round, &user.id, now_ms()).await?;
    leptos_axum::redirect(&format!("/bai-thi/{}", attempt.id));
    Ok(attempt.id)
}

/// The caller's attempt in progress: questions and saved answers, never the
/// correct ones. A closed attempt answers with its result's address.
#[server(prefix = "/api", endpoint = "get_attempt")]
pub async fn get_attempt(id: String) -> Result<AttemptPlay, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let now = now_ms();
    let mut attempt = attempts::owned(&st.db, &id, &user.id).await?;
    if attempt.is_open() && !hoithi_core::round::accepts(now, attempt.deadline) {
        attempts::close(&st.db, &attempt, attempts::Closing::Deadline, now).await?;
        attempt = attempts::get_one(&st.db, &id).await?;
    }
    if !attempt.is_open() {
        leptos_axum::redirect(&format!("/bai-thi/{id}/ket-qua"));
        return Err(ssr::invalid("Bài thi đã kết thúc".into()));
    }
    let round = rounds::get_one(&st.db, &attempt.round_id).await?;
    let items = attempts::items(&st.db, &id).await?;
    Ok(AttemptPlay {
        id: attempt.id.clone(),
        round_id: round.id.clone(),
        round_name: round.rules.name.clone(),
        seq: attempt.seq,
        remaining_ms: (attempt.deadline - now).max(0),
        prediction: round.rules.prediction,
        items: items
            .iter()
            .map(|i| PlayItem {
                position: i.position,
                kind: i.draft.kind,
                text: i.draft.text.clone(),
                image: i.draft.image.clone(),
                options: i
                    .option_order
                    .iter()
                    .map(|&o| i.draft.options[o].text.clone())
                    .collect(),
                answer: i.display_response(),
            })
            .collect(),
    })
}

/// Saves one answer. `choices` lists the chosen display positions
/// ("0,2"); `text` is the typed answer of short and numeric questions.
/// `next` is where a page without JavaScript goes afterwards.
#[server(prefix = "/api", endpoint = "save_answer")]
pub async fn save_answer(
    attempt_id: String,
    position: i64,
    choices: Option<Vec<String>>,
    text: Option<String>,
    next: Option<String>,
) -> Result<(), AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let attempt = attempts::owned(&st.db, &attempt_id, &user.id).await?;
    let response = match text {
        Some(t) => Response::Text(t),
        None => Response::Choices(
            choices
                .unwrap_or_default()
                .iter()
                .flat_map(|c| c.split(','))
                .filter(|c| !c.trim().is_empty())
                .map(|c| {
                    c.trim()
                        .parse::<usize>()
                        .map_err(|_| ssr::invalid("Phương án không hợp lệ".into()))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    attempts::save_answer(&st.db, &attempt, position, response, now_ms()).await?;
    if let Some(next) = next.filter(|n| n.starts_with("/bai-thi/")) {
        leptos_axum::redirect(&next);
    }
    Ok(())
}

/// Submits the caller's attempt; harmless when repeated.
#[server(prefix = "/api", endpoint = "submit_attempt")]
pub async fn submit_attempt(attempt_id: String, prediction: String) -> Result<(), AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let attempt = attempts::owned(&st.db, &attempt_id, &user.id).await?;
    let round = rounds::get_one(&st.db, &attempt.round_id).await?;
    let prediction = if round.rules.prediction && attempt.is_open() {
        let p = prediction.trim();
        if p.is_empty() {
            None
        } else {
            Some(
                p.parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 0)
                    .ok_or_else(|| ssr::invalid("Số dự đoán phải là số nguyên không âm".into()))?,
            )
        }
    } else {
        None
    };
    attempts::submit(&st.db, &attempt, prediction, now_ms()).await?;
    leptos_axum::redirect(&format!("/bai-thi/{attempt_id}/ket-qua"));
    Ok(())
}

/// The result of a closed attempt, with the review when the round allows it.
#[server(prefix = "/api", endpoint = "attempt_result")]
pub async fn get_attempt_result(id: String) -> Result<AttemptResult, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let attempt = attempts::owned(&st.db, &id, &user.id).await?;
    if attempt.is_open() && hoithi_core::round::accepts(now_ms(), attempt.deadline) {
        return Err(ssr::invalid("Bài thi chưa nộp".into()));
    }
    let attempt = attempts::submit(&st.db, &attempt, None, now_ms()).await?;
    let round = rounds::get_one(&st.db, &attempt.round_id).await?;
    // A ranking computed after this attempt finished, shared with everyone
    // else who finished before it was.
    let key = ssr::heavy_key(Some(&user.id), "");
    let ranking = st
        .round_cache
        .ranking
        .get(&st.db, &round, now_ms(), attempt.finished_at.unwrap_or(0), || async {
            ssr::heavy(&st, &key)?;
            ranked(&st.db, &round).await
        })
        .await?
        .value;
    let rank = ranking
        .rows
        .iter()
        .find(|r| r.user_id == user.id)
        .map(|r| (r.rank, ranking.rows.len()));
    let allowed = round.rules.review.allows(round.key_published);
    // While the round is open and another attempt is possible, the key would
    // make the next attempt (or a friend's) a copy: right or wrong only.
    let full = round.rules.attempts_allowed <= 1 || round.phase(now_ms()) == Phase::Closed;
    let review_note = match round.rules.review {
        _ if allowed && !full => {
            "Đáp án và giải thích sẽ được công bố sau khi vòng thi kết thúc.".into()
        }
        _ if allowed => String::new(),
        ReviewPolicy::AfterClose => {
            "Đáp án và giải thích sẽ được công bố sau khi vòng thi kết thúc.".into()
        }
        _ => "Vòng thi này không công bố đáp án.".into(),
    };
    let review = if allowed {
        let items = attempts::items(&st.db, &id).await?;
        Some(items.into_iter().map(|i| review_item(i, full)).collect())
    } else {
        None
    };
    Ok(AttemptResult {
        summary: summary(&attempt),
        round_id: round.id.clone(),
        round_name: round.rules.name.clone(),
        prediction: attempt.prediction,
        rank,
        review,
        review_note,
    })
}

#[cfg(feature = "ssr")]
fn review_item(i: attempts::ItemRecord, full: bool) -> ReviewItem {
    let chosen: Vec<usize> = match &i.response {
        Some(Response::Choices(c)) => c.clone(),
        _ => Vec::new(),
    };
    if !full {
        return ReviewItem {
            position: i.position,
            kind: i.draft.kind,
            text: i.draft.text.clone(),
            options: i
                .option_order
                .iter()
                .map(|&o| ReviewOption {
                    text: i.draft.options[o].text.clone(),
                    correct: false,
                    chosen: chosen.contains(&o),
                })
                .collect(),
            given: match &i.response {
                Some(Response::Text(t)) => Some(t.clone()),
                _ => None,
            },
            accepted: Vec::new(),
            correct: i.correct.unwrap_or(false),
            explanation: String::new(),
            source: String::new(),
            full,
        };
    }
    ReviewItem {
        position: i.position,
        kind: i.draft.kind,
        text: i.draft.text.clone(),
        options: i
            .option_order
            .iter()
            .map(|&o| ReviewOption {
                text: i.draft.options[o].text.clone(),
                correct: i.draft.options[o].correct,
                chosen: chosen.contains(&o),
            })
            .collect(),
        given: match &i.response {
            Some(Response::Text(t)) => Some(t.clone()),
            _ => None,
        },
        accepted: i.draft.answers.clone(),
        correct: i.correct.unwrap_or(false),
        explanation: i.draft.explanation,
        source: i.draft.source,
        full,
    }
}

#[cfg(feature = "ssr")]
fn rank_views(rows: Vec<results::RankRow>, with_ids: bool) -> Vec<RankView> {
    rows.into_iter()
        .map(|r| RankView {
            rank: r.rank,
            full_name: r.full_name,
            unit_name: r.unit_name,
            position: r.position,
            score: r.score,
            total: r.total,
            prediction: r.prediction,
            distance: r.distance,
            time_ms: r.time_ms,
            submitted_at: r.submitted_at,
            attempts: r.attempts,
            prize: r.prize,
            user_id: with_ids.then_some(r.user_id),
        })
        .collect()
}

/// A round's ranking: for organizers at any time, for everyone once the
/// results are published.
#[server(prefix = "/api", endpoint = "round_ranking")]
pub async fn round_ranking(id: String) -> Result<Ranking, AppError> {
    let st = state()?;
    ssr::cap(&id, 64, "Mã vòng thi")?;
    let round = rounds::get_one(&st.db, &id).await?;
    let user = ssr::current_user().await?;
    let organizer = user.as_ref().is_some_and(|u| ORGANIZERS.contains(&u.role));
    if !organizer && !round.results_published {
        return Err(ssr::invalid("Kết quả vòng thi chưa được công bố".into()));
    }
    let key = ssr::heavy_key(user.as_ref().map(|u| u.id.as_str()), &ssr::client_ip());
    let res = st
        .round_cache
        .ranking
        .get(&st.db, &round, now_ms(), 0, || async {
            ssr::heavy(&st, &key)?;
            ranked(&st.db, &round).await
        })
        .await?
        .value;
    Ok(Ranking {
        title: round.rules.name.clone(),
        perfect: Some(res.perfect),
        rows: rank_views(res.rows.clone(), organizer),
    })
}

/// A round's ranking from its finished attempts (the expensive part).
#[cfg(feature = "ssr")]
async fn ranked(db: &store::Db, round: &rounds::RoundRecord) -> Result<results::RoundResults, AppError> {
    Ok(results::rank_round(&round.rules, &attempts::finished(db, &round.id).await?))
}

// ---- Organizers ----------------------------------------------------------

#[server(prefix = "/api", endpoint = "create_contest")]
pub async fn create_contest(name: String, description: String) -> Result<String, AppError> {
    let me = require(ORGANIZERS).await?;
    let st = state()?;
    let name = hoithi_core::text::clean(&name);
    if name.is_empty() {
        return Err(ssr::invalid("Vui lòng đặt tên cuộc thi".into()));
    }
    let id =
        store::contests::create(&st.db, &name, &hoithi_core::text::clean(&description)).await?;
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&id),
        after: Some(serde_json::json!({ "name": name })),
        ..crate::audit::change("contest.create", "contest", &id, format!("Tạo cuộc thi «{name}»"))
    })
    .await;
    leptos_axum::redirect(&format!("/ban-to-chuc/cuoc-thi/{id}"));
    Ok(id)
}

#[server(prefix = "/api", endpoint = "contest_detail")]
pub async fn get_contest(id: String) -> Result<ContestDetail, AppError> {
    require(ORGANIZERS).await?;
    let st = state()?;
    let c = store::contests::get_one(&st.db, &id).await?;
    let now = now_ms();
    let mut list = Vec::new();
    for r in rounds::list(&st.db, &id).await? {
        list.push(round_view(&st.db, r, now).await?);
    }
    let finalists = results::finalists(&st.db, &id)
        .await?
        .into_iter()
        .map(|f| FinalistView {
            position: f.position,
            full_name: f.full_name,
            unit_name: f.unit_name,
            confirmed_at: f.confirmed_at,
        })
        .collect();
    Ok(ContestDetail {
        contest: ContestView {
            id: c.id,
            name: c.name,
            description: c.description,
        },
        rounds: list,
        finalists,
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
    let me = require(ORGANIZERS).await?;
    let st = state()?;
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
    leptos_axum::redirect(&format!("/ban-to-chuc/vong/{id}"));
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
    let user = require(ORGANIZERS).await?;
    let st = state()?;
    let round = rounds::get_one(&st.db, &round_id).await?;
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
    require(ORGANIZERS).await?;
    let st = state()?;
    let rows = results::overall(&st.db, &contest_id).await?;
    let units: Vec<Option<String>> = rows.iter().map(|r| r.unit_id.clone()).collect();
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
    let user = require(ORGANIZERS).await?;
    let st = state()?;
    store::contests::get_one(&st.db, &contest_id).await?;
    // Finalists come from the contest's ranking, each once.
    let ranked: std::collections::HashSet<String> = results::overall(&st.db, &contest_id)
        .await?
        .into_iter()
        .map(|r| r.user_id)
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
pub async fn overall_ranking(contest_id: String) -> Result<Ranking, AppError> {
    let user = require(ORGANIZERS).await?;
    let st = state()?;
    let c = store::contests::get_one(&st.db, &contest_id).await?;
    ssr::heavy(&st, &ssr::heavy_key(Some(&user.id), ""))?;
    Ok(Ranking {
        title: c.name,
        perfect: None,
        rows: rank_views(results::overall(&st.db, &contest_id).await?, true),
    })
}

/// The organizer's dashboard of a round: live attempts, participation by
/// day and unit, score distribution, question statistics and the ranking.
#[server(prefix = "/api", endpoint = "round_dashboard")]
pub async fn round_dashboard(id: String) -> Result<Dashboard, AppError> {
    let user = require(ORGANIZERS).await?;
    let st = state()?;
    let now = now_ms();
    let round = rounds::get_one(&st.db, &id).await?;
    crate::ssr_reports::cached_dashboard(&st, round, now, &ssr::heavy_key(Some(&user.id), "")).await
}

/// Participants, attempts, participation rate and prizes per unit over a
/// contest's rounds.
#[server(prefix = "/api", endpoint = "unit_leaderboard")]
pub async fn unit_leaderboard(contest_id: String) -> Result<TableView, AppError> {
    let user = require(ORGANIZERS).await?;
    let st = state()?;
    store::contests::get_one(&st.db, &contest_id).await?;
    ssr::heavy(&st, &ssr::heavy_key(Some(&user.id), ""))?;
    crate::ssr_reports::unit_leaderboard(&st.db, &contest_id).await
}

