//! Fair play for organizers: the review queue of a round's signals, each
//! with its evidence, and the decisions on them (clear, disqualify an
//! attempt or a person, lift a decision), every one with a written reason
//! and in the audit log. And, for contestants, the two reports their
//! attempt page sends: what the browser says of itself, and when the page
//! was hidden or shown again.

use crate::error::AppError;
use crate::pages::{action_error, error_view, loading};
use crate::types::format_time;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps},
    hoithi_core::model::Role,
    hoithi_core::round::fairplay::{self as signals, Flag},
    hoithi_core::store::{self, attempts, fairplay::{self, Action, Subject}},
    std::collections::HashMap,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Who {
    pub id: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FlagView {
    pub key: String,
    pub signal: String,
    pub strength: f64,
    pub people: Vec<Who>,
    pub attempts: Vec<Who>,
    pub evidence: Vec<String>,
    /// The standing decision that settles it, if any.
    pub status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionView {
    pub id: String,
    pub action: String,
    pub about: String,
    pub reason: String,
    pub by: String,
    pub at: i64,
    /// When and why it was lifted.
    pub lifted: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FairplayView {
    pub attempts_checked: usize,
    pub flags: Vec<FlagView>,
    pub decisions: Vec<DecisionView>,
}

/// A flag's key names its attempts: a long group has a long key.
#[cfg(feature = "ssr")]
const FLAG_KEY: usize = 8_000;

#[cfg(feature = "ssr")]
const ANYONE: &[Role] = &[Role::Admin, Role::Organizer, Role::Judge, Role::Contestant];

/// The attempt page was hidden (`hidden`) or shown again; timed by the
/// server's clock. Only for the caller's own open attempt.
#[server(prefix = "/api", endpoint = "attempt_visibility")]
pub async fn attempt_visibility(attempt_id: String, hidden: bool) -> Result<(), AppError> {
    let user = ssr::require(ANYONE).await?;
    ssr::cap(&attempt_id, caps::ID, "Bài thi")?;
    ssr::rate_limit(&format!("visibility:{}", user.id), 120)?;
    let st = ssr::state()?;
    let attempt = attempts::owned(&st.db, &attempt_id, &user.id).await?;
    fairplay::visibility(&st.db, &attempt, hidden, store::now_ms()).await?;
    Ok(())
}

/// What the browser reports of itself (screen, language, time zone), kept
/// with the caller's own open attempt, once.
#[server(prefix = "/api", endpoint = "attempt_traits")]
pub async fn attempt_traits(attempt_id: String, traits: String) -> Result<(), AppError> {
    let user = ssr::require(ANYONE).await?;
    ssr::cap(&attempt_id, caps::ID, "Bài thi")?;
    ssr::cap(&traits, fairplay::MAX_TRAITS, "Thông tin trình duyệt")?;
    ssr::rate_limit(&format!("traits:{}", user.id), 30)?;
    let st = ssr::state()?;
    let attempt = attempts::owned(&st.db, &attempt_id, &user.id).await?;
    fairplay::set_traits(&st.db, &attempt, &hoithi_core::text::clean(&traits)).await?;
    Ok(())
}

/// The round's signals and the decisions on them.
#[server(prefix = "/api", endpoint = "fairplay_review")]
pub async fn fairplay_review(round_id: String) -> Result<FairplayView, AppError> {
    let (access, _) = crate::access::manage_round(&round_id).await?;
    let st = ssr::state()?;
    ssr::heavy(&st, &ssr::heavy_key(Some(&access.caller.user.id), ""))?;
    let facts = fairplay::facts(&st.db, &round_id).await?;
    let flags = signals::signals(&facts);
    let decisions = fairplay::decisions(&st.db, &round_id).await?;
    let who: HashMap<&str, (&str, i64)> = {
        // Attempt ids to "name, lượt n" (the n-th of the person's attempts).
        let mut seen: HashMap<&str, i64> = HashMap::new();
        let mut sorted: Vec<&signals::AttemptFacts> = facts.iter().collect();
        sorted.sort_by_key(|a| a.started_at);
        sorted
            .into_iter()
            .map(|a| {
                let n = seen.entry(a.user_id.as_str()).or_default();
                *n += 1;
                (a.attempt_id.as_str(), (a.who.as_str(), *n))
            })
            .collect()
    };
    let person: HashMap<&str, &str> = facts.iter().map(|a| (a.user_id.as_str(), a.who.as_str())).collect();
    let standing: Vec<&fairplay::Decision> = decisions.iter().filter(|d| d.lifted_at.is_none()).collect();
    let status = |f: &Flag| -> Option<String> {
        standing
            .iter()
            .find(|d| match d.action {
                Action::Clear => d.flag_key.as_deref() == Some(f.key.as_str()),
                Action::DisqualifyAttempt => d.attempt_id.as_ref().is_some_and(|a| f.attempts.contains(a)),
                Action::DisqualifyPerson => d.user_id.as_ref().is_some_and(|u| f.users.contains(u)),
            })
            .map(|d| format!("{}: {} ({}, {})", d.action.label(), d.reason, d.decided_by_name, format_time(d.decided_at)))
    };
    let mut flags: Vec<FlagView> = flags
        .iter()
        .map(|f| FlagView {
            key: f.key.clone(),
            signal: f.signal.label().into(),
            strength: (f.strength * 10.0).round() / 10.0,
            people: f
                .users
                .iter()
                .map(|u| Who { id: u.clone(), label: person.get(u.as_str()).copied().unwrap_or("").into() })
                .collect(),
            attempts: f
                .attempts
                .iter()
                .map(|a| Who {
                    id: a.clone(),
                    label: who.get(a.as_str()).map(|(w, n)| format!("{w}, lượt {n}")).unwrap_or_default(),
                })
                .collect(),
            evidence: f.evidence.clone(),
            status: status(f),
        })
        .collect();
    // Open flags first, each group strongest first (already sorted so).
    flags.sort_by_key(|f| f.status.is_some());
    let about = |d: &fairplay::Decision| match d.action {
        Action::Clear => format!("dấu hiệu {}", d.flag_key.as_deref().unwrap_or("").split(':').next().unwrap_or("")),
        Action::DisqualifyAttempt => d
            .attempt_id
            .as_deref()
            .and_then(|a| who.get(a))
            .map(|(w, n)| format!("{w}, lượt {n}"))
            .unwrap_or_else(|| "một lượt thi".into()),
        Action::DisqualifyPerson => d
            .user_id
            .as_deref()
            .and_then(|u| person.get(u))
            .map(|w| w.to_string())
            .unwrap_or_else(|| "một thí sinh".into()),
    };
    Ok(FairplayView {
        attempts_checked: facts.len(),
        decisions: decisions
            .iter()
            .map(|d| DecisionView {
                id: d.id.clone(),
                action: d.action.label().into(),
                about: about(d),
                reason: d.reason.clone(),
                by: d.decided_by_name.clone(),
                at: d.decided_at,
                lifted: d
                    .lifted_at
                    .map(|t| format!("Đã hủy {}: {}", format_time(t), d.lifted_reason.clone().unwrap_or_default())),
            })
            .collect(),
        flags,
    })
}

/// Decides on a signal: `clear` (the flag `flag_key`), `disqualify_attempt`
/// (`attempt_id`) or `disqualify_person` (`user_id`), with a reason.
#[server(prefix = "/api", endpoint = "fairplay_decide")]
pub async fn fairplay_decide(
    round_id: String,
    action: String,
    flag_key: String,
    attempt_id: String,
    user_id: String,
    reason: String,
) -> Result<String, AppError> {
    ssr::cap(&action, caps::ID, "Quyết định")?;
    ssr::cap(&flag_key, FLAG_KEY, "Dấu hiệu")?;
    ssr::cap(&attempt_id, caps::ID, "Lượt thi")?;
    ssr::cap(&user_id, caps::ID, "Thí sinh")?;
    ssr::cap(&reason, 1_000, "Lý do")?;
    let (access, round) = crate::access::manage_round(&round_id).await?;
    let st = ssr::state()?;
    let action = Action::parse(&action).ok_or_else(|| ssr::invalid("Quyết định không hợp lệ".into()))?;
    let reason = hoithi_core::text::clean(&reason);
    if reason.is_empty() {
        return Err(ssr::invalid("Vui lòng ghi lý do của quyết định".into()));
    }
    let not_here = || {
        ssr::set_status(http::StatusCode::NOT_FOUND);
        AppError::Invalid("Không có lượt thi hay thí sinh này trong vòng thi".into())
    };
    let owner: String;
    let (subject, what) = match action {
        Action::Clear => {
            ssr::heavy(&st, &ssr::heavy_key(Some(&access.caller.user.id), ""))?;
            let facts = fairplay::facts(&st.db, &round_id).await?;
            let flag = signals::signals(&facts)
                .into_iter()
                .find(|f| f.key == flag_key)
                .ok_or_else(|| {
                    ssr::set_status(http::StatusCode::NOT_FOUND);
                    AppError::Invalid("Dấu hiệu này không còn trong danh sách".into())
                })?;
            (
                Subject { flag_key: Some(&flag_key), user_id: None, attempt_id: None },
                format!("Xác nhận không vi phạm: {} ({})", flag.signal.label(), flag.evidence.first().cloned().unwrap_or_default()),
            )
        }
        Action::DisqualifyAttempt => {
            let a = attempts::get_one(&st.db, &attempt_id).await.map_err(|_| not_here())?;
            if a.round_id != round_id || a.is_open() {
                return Err(not_here());
            }
            let u = store::users::by_id(&st.db, &a.user_id).await?;
            owner = u.id.clone();
            (
                Subject { flag_key: None, user_id: Some(owner.as_str()), attempt_id: Some(&attempt_id) },
                format!("Loại lượt thi thứ {} của {} ({})", a.seq, u.full_name, u.login),
            )
        }
        Action::DisqualifyPerson => {
            if user_id.is_empty() || attempts::of_user(&st.db, &round_id, &user_id).await?.is_empty() {
                return Err(not_here());
            }
            if fairplay::person_out(&st.db, &round_id, &user_id).await?.is_some() {
                return Err(ssr::invalid("Thí sinh này đã bị loại khỏi vòng thi".into()));
            }
            let u = store::users::by_id(&st.db, &user_id).await?;
            (
                Subject { flag_key: None, user_id: Some(&user_id), attempt_id: None },
                format!("Loại {} ({}) khỏi vòng thi", u.full_name, u.login),
            )
        }
    };
    let me = access.caller.user;
    let id = fairplay::decide(&st.db, &round_id, action, subject, &reason, &me.id, store::now_ms()).await?;
    st.round_cache.forget(&round_id);
    // A prize taken away takes its certificate with it.
    crate::certificates::resync_if_issued(&st, &round).await?;
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&round.contest_id),
        after: Some(serde_json::json!({
            "round_id": round_id, "decision": id, "action": action.code(), "flag": flag_key,
            "attempt_id": attempt_id, "user_id": user_id, "reason": reason,
        })),
        ..crate::audit::change("fairplay.decision", "round", &round_id, format!("{what}. Lý do: {reason}"))
    })
    .await;
    Ok(id)
}

/// Lifts a decision (a disqualification made in error, a clearing to look
/// at again), with a reason; the decision stays on record.
#[server(prefix = "/api", endpoint = "fairplay_lift")]
pub async fn fairplay_lift(id: String, reason: String) -> Result<(), AppError> {
    ssr::cap(&id, caps::ID, "Quyết định")?;
    ssr::cap(&reason, 1_000, "Lý do")?;
    let caller = crate::access::staff().await?;
    let st = ssr::state()?;
    let d = fairplay::one(&st.db, &id).await?;
    let (access, round) = crate::access::round_of(&st, caller, &d.round_id).await?;
    if !access.manage {
        return Err(crate::access::forbidden());
    }
    let reason = hoithi_core::text::clean(&reason);
    if reason.is_empty() {
        return Err(ssr::invalid("Vui lòng ghi lý do hủy quyết định".into()));
    }
    let me = access.caller.user;
    fairplay::lift(&st.db, &id, &reason, &me.id, store::now_ms()).await?;
    st.round_cache.forget(&d.round_id);
    crate::certificates::resync_if_issued(&st, &round).await?;
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&round.contest_id),
        before: Some(serde_json::json!({
            "decision": id, "action": d.action.code(), "flag": d.flag_key, "attempt_id": d.attempt_id,
            "user_id": d.user_id, "reason": d.reason,
        })),
        after: Some(serde_json::json!({ "lifted": true, "reason": reason })),
        ..crate::audit::change(
            "fairplay.lifted",
            "round",
            &d.round_id,
            format!("Hủy quyết định \"{}\" ({}). Lý do: {reason}", d.action.label(), d.reason),
        )
    })
    .await;
    Ok(())
}

/// The round page's section: flags strongest first, each with its
/// evidence and the decisions an organizer can take; then the decisions.
#[component]
pub fn FairplayPanel(round_id: String) -> impl IntoView {
    let decide = ServerAction::<FairplayDecide>::new();
    let lift = ServerAction::<FairplayLift>::new();
    let shown = RwSignal::new(false);
    let rid = round_id.clone();
    let review = Resource::new(
        move || (rid.clone(), shown.get(), decide.version().get(), lift.version().get()),
        |(r, on, _, _)| async move { if on { fairplay_review(r).await.map(Some) } else { Ok(None) } },
    );
    view! {
        <section class="card" data-fairplay="">
            <h2>"Rà soát thi công bằng"</h2>
            <p class="muted">
                "Các dấu hiệu máy chủ tính từ các lượt thi đã nộp: nhiều tài khoản trên một thiết bị, cùng địa chỉ mạng với đáp án giống nhau, "
                "chuỗi đáp án trùng nhau quá mức ngẫu nhiên, đúng hết quá nhanh, rời trang khi làm bài, nhóm dự đoán trùng một con số. "
                "Đây chỉ là dấu hiệu: mọi quyết định do ban tổ chức đưa ra, kèm lý do, được ghi nhật ký và báo cho thí sinh."
            </p>
            <button type="button" class="secondary" on:click=move |_| shown.set(true)>"Xem các dấu hiệu"</button>
            {action_error(decide.value())}
            {action_error(lift.value())}
            <Transition fallback=loading>
                {move || {
                    let rid = round_id.clone();
                    Suspend::new(async move {
                    match review.await {
                        Err(e) => error_view(&e),
                        Ok(None) => ().into_any(),
                        Ok(Some(v)) => {
                            view! {
                                <p class="muted">{format!("Đã xét {} lượt thi đã nộp.", v.attempts_checked)}</p>
                                {if v.flags.is_empty() {
                                    view! { <p class="muted">"Không có dấu hiệu nào cần xem xét."</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="flags">
                                            {v.flags.into_iter().map(|f| flag_item(f, rid.clone(), decide)).collect_view()}
                                        </ol>
                                    }.into_any()
                                }}
                                <h3>"Các quyết định"</h3>
                                {if v.decisions.is_empty() {
                                    view! { <p class="muted">"Chưa có quyết định nào."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="decisions">
                                            {v.decisions.into_iter().map(|d| decision_item(d, lift)).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            }.into_any()
                        }
                    }
                })}}
            </Transition>
        </section>
    }
}

fn flag_item(f: FlagView, round_id: String, decide: ServerAction<FairplayDecide>) -> impl IntoView {
    let open = f.status.is_none();
    let key = f.key.clone();
    view! {
        <li data-flag=f.key.clone()>
            <p><b>{f.signal}</b> <span class="muted">{format!(" · mức {:.1}", f.strength)}</span></p>
            <ul>{f.evidence.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
            {f.status.map(|s| view! { <p class="muted">{s}</p> })}
            {open.then(|| view! {
                <ActionForm action=decide attr:class="form inline-form">
                    <input type="hidden" name="round_id" value=round_id.clone()/>
                    <input type="hidden" name="flag_key" value=key.clone()/>
                    <label>"Quyết định"
                        <select name="action">
                            <option value="clear">"Đã xem xét, không vi phạm"</option>
                            {f.attempts.iter().map(|a| view! {
                                <option value="disqualify_attempt" data-attempt=a.id.clone()>{format!("Loại lượt thi: {}", a.label)}</option>
                            }).collect_view()}
                            {f.people.iter().map(|p| view! {
                                <option value="disqualify_person" data-user=p.id.clone()>{format!("Loại thí sinh: {}", p.label)}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Lượt thi (khi loại lượt thi)"
                        <select name="attempt_id">
                            <option value="">"—"</option>
                            {f.attempts.iter().map(|a| view! { <option value=a.id.clone()>{a.label.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Thí sinh (khi loại thí sinh)"
                        <select name="user_id">
                            <option value="">"—"</option>
                            {f.people.iter().map(|p| view! { <option value=p.id.clone()>{p.label.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Lý do" <input type="text" name="reason" required maxlength="1000"/></label>
                    <button type="submit" class="small">"Ghi quyết định"</button>
                </ActionForm>
            })}
        </li>
    }
}

fn decision_item(d: DecisionView, lift: ServerAction<FairplayLift>) -> impl IntoView {
    let standing = d.lifted.is_none();
    let id = d.id.clone();
    view! {
        <li data-decision=d.id>
            <b>{d.action}</b> ": " {d.about} " — " <i>{d.reason}</i>
            <span class="muted">{format!(" ({}, {})", d.by, format_time(d.at))}</span>
            {d.lifted.map(|l| view! { <p class="muted">{l}</p> })}
            {standing.then(|| view! {
                <ActionForm action=lift attr:class="inline">
                    <input type="hidden" name="id" value=id.clone()/>
                    <input type="text" name="reason" required maxlength="1000" placeholder="Lý do hủy"/>
                    <button type="submit" class="small secondary">"Hủy quyết định"</button>
                </ActionForm>
            })}
        </li>
    }
}
