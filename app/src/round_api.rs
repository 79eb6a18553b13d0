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
    hoithi_core::round::ReviewPolicy,
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
    let eligible = crate::access::Eligibility::load(&st).await?;
    for r in current {
        if eligible.allows(&r.contest_id, user.unit_id.as_deref()) {
            out.push(my_round(&st.db, r, &user, now).await?);
        }
    }
    Ok(out)
}

#[server(prefix = "/api", endpoint = "round_info")]
pub async fn round_info(id: String) -> Result<MyRound, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    ssr::cap(&id, ssr::caps::ID, "Vòng thi")?;
    let r = rounds::get_one(&st.db, &id).await?;
    // A draft is for who runs its contest.
    if !r.published {
        let runs = ORGANIZERS.contains(&user.role)
            && crate::access::round_of(&st, crate::access::caller_for(&st, user.clone()).await?, &id)
                .await
                .is_ok_and(|(a, _)| a.manage);
        if !runs {
            ssr::set_status(http::StatusCode::NOT_FOUND);
            return Err(AppError::NotFound);
        }
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
    ssr::cap(&round_id, ssr::caps::ID, "Vòng thi")?;
    // The round, who it is for and its accommodations, from memory in a storm.
    let ctx = store::hot::round(&st.db, &round_id).await?;
    if user.role != Role::Admin && !ctx.eligible(user.unit_id.as_deref()) {
        // Not for this person: the slow path words the refusal.
        crate::access::require_eligible(&st, &ctx.round.contest_id, &user).await?;
    }
    let (round, _) = for_person(&st.db, ctx.round.clone(), &user).await?;
    let origin = hoithi_core::store::fairplay::Origin {
        device: ssr::this_device(),
        address: Some(ssr::client_ip()),
    };
    let attempt = attempts::start_from(&st.db, &round, &user.id, &origin, now_ms()).await?;
    crate::ssr::redirect(&format!("/bai-thi/{}", attempt.id));
    Ok(attempt.id)
}

/// The caller's attempt in progress: questions and saved answers, never the
/// correct ones. A closed attempt answers with its result's address.
#[server(prefix = "/api", endpoint = "get_attempt")]
pub async fn get_attempt(id: String) -> Result<AttemptPlay, AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let now = now_ms();
    let open = attempts::owned_open(&st.db, &id, &user.id).await?;
    let mut attempt = open.record.clone();
    if attempt.is_open() && !hoithi_core::round::accepts(now, attempt.deadline) {
        attempts::close(&st.db, &attempt, attempts::Closing::Deadline, now).await?;
        attempt = attempts::get_one(&st.db, &id).await?;
    }
    // Open here, but closed by another instance meanwhile: as closed.
    let items = match attempt.is_open() {
        true => attempts::play_items(&st.db, &open).await?,
        false => None,
    };
    let Some(items) = items else {
        crate::ssr::redirect(&format!("/bai-thi/{id}/ket-qua"));
        return Err(ssr::invalid("Bài thi đã kết thúc".into()));
    };
    let ctx = store::hot::round(&st.db, &attempt.round_id).await?;
    let round = &ctx.round;
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
    let attempt = attempts::owned_open(&st.db, &attempt_id, &user.id).await?;
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
    attempts::save_to(&st.db, &attempt, position, response, now_ms()).await?;
    if let Some(next) = next.filter(|n| n.starts_with("/bai-thi/")) {
        crate::ssr::redirect(&next);
    }
    Ok(())
}

/// Submits the caller's attempt; harmless when repeated.
#[server(prefix = "/api", endpoint = "submit_attempt")]
pub async fn submit_attempt(attempt_id: String, prediction: String) -> Result<(), AppError> {
    let user = require(ANYONE).await?;
    let st = state()?;
    let attempt = attempts::owned(&st.db, &attempt_id, &user.id).await?;
    let round = store::hot::round(&st.db, &attempt.round_id).await?;
    let prediction = if round.round.rules.prediction && attempt.is_open() {
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
    crate::ssr::redirect(&format!("/bai-thi/{attempt_id}/ket-qua"));
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
    let rank = ranking.row_of(&user.id).map(|r| (r.rank, ranking.rows.len()));
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
    // An organizer's standing fair-play decision is shown to the person.
    let decision = hoithi_core::store::fairplay::on_attempt(&st.db, &attempt)
        .await?
        .map(|d| format!("{}: {}", d.action.label(), d.reason));
    let certificate = hoithi_core::store::certificates::of_user(&st.db, &user.id)
        .await?
        .into_iter()
        .find(|c| c.round_id == round.id)
        .map(|c| c.serial);
    Ok(AttemptResult {
        certificate,
        summary: summary(&attempt),
        round_id: round.id.clone(),
        round_name: round.rules.name.clone(),
        prediction: attempt.prediction,
        rank: if decision.is_some() { None } else { rank },
        review,
        review_note,
        decision,
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
        source: hoithi_core::sources::cite(&i.draft.source),
        full,
    }
}

#[cfg(feature = "ssr")]
pub(crate) fn rank_views(rows: Vec<results::RankRow>, with_ids: bool) -> Vec<RankView> {
    rows.into_iter()
        .map(|r| RankView {
            rank: r.rank,
            full_name: r.person.full_name.clone(),
            unit_name: r.person.unit_name.clone(),
            position: r.person.position.clone(),
            score: r.score,
            total: r.total,
            prediction: r.prediction,
            distance: r.distance,
            time_ms: r.time_ms,
            submitted_at: r.submitted_at,
            attempts: r.attempts,
            prize: r.prize,
            user_id: with_ids.then_some(r.person.user_id.clone()),
        })
        .collect()
}

/// A round's ranking: for organizers at any time, for everyone once the
/// results are published.
#[server(prefix = "/api", endpoint = "round_ranking")]
pub async fn round_ranking(id: String, page: Option<u32>) -> Result<Ranking, AppError> {
    let st = state()?;
    ssr::cap(&id, 64, "Mã vòng thi")?;
    let round = rounds::get_one(&st.db, &id).await?;
    let user = ssr::current_user().await?;
    // Staff see the ranking before it is published, of the people they
    // see in the contest; everyone else the published one.
    let access = match &user {
        Some(u) if ORGANIZERS.contains(&u.role) && !u.must_change_password => {
            let caller = crate::access::caller_for(&st, u.clone()).await?;
            let owner = store::grants::contest_owner(&st.db, &round.contest_id).await?;
            let reach = caller.scope.contest_reach(&caller.tree, &round.contest_id, owner.as_deref());
            (!reach.is_nobody()).then_some((caller, reach))
        }
        _ => None,
    };
    let organizer = access.is_some();
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
    // Only the page asked for is copied and sent, out of the rows the
    // caller may see; nothing is allocated for the rest (anyone may ask
    // for a published round's ranking, served from the cache).
    let visible = |r: &&results::RankRow| {
        access
            .as_ref()
            .is_none_or(|(caller, reach)| reach.allows(&caller.tree, r.person.unit_id.as_deref()))
    };
    let total = res.rows.iter().filter(visible).count();
    let (page, range) = crate::types::ranking_page(total, page);
    let rows = res.rows.iter().filter(visible).skip(range.start).take(range.len()).cloned().collect();
    Ok(Ranking {
        title: round.rules.name.clone(),
        perfect: Some(res.perfect),
        rows: rank_views(rows, organizer),
        total,
        page,
    })
}

/// A round's ranking from its finished attempts (the expensive part).
#[cfg(feature = "ssr")]
pub(crate) async fn ranked(db: &store::Db, round: &rounds::RoundRecord) -> Result<results::RoundResults, AppError> {
    Ok(results::rank_round(&round.rules, &attempts::finished(db, &round.id).await?))
}
