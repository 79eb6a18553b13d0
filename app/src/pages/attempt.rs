//! The attempt page, the one a cadre's phone spends a round on, and the
//! small app around it. A full load of `/bai-thi/:id` renders `AttemptApp`
//! and hydrates it with its own WebAssembly bundle (`pkg/attempt.*`, the
//! `contestant` feature), which holds this page and nothing else: the
//! organizers' pages, the live final and the rest stay in the main bundle,
//! and the pages a cadre passes on the way (home, log-in, the round, the
//! result) are server-rendered forms and links that load no WebAssembly
//! (`crate::bundle`). Inside the main app (an organizer trying a round)
//! the same page is one of its routes.

use crate::pages::{action_error, error_view, loading};
use crate::round_api::*;
use crate::types::*;
use hoithi_core::model::QuestionKind;
use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_query_map;
use leptos_router::{path, SsrMode};

/// The whole client app of a full load of `/bai-thi/:id`. It renders the
/// same frame as `App` (header, main, footer) with a header that needs no
/// session data: the player shows the round's name.
#[component]
pub fn AttemptApp() -> impl IntoView {
    crate::pages::layout::mark_hydrated();
    view! {
        <Router>
            <header class="topbar">
                <a href="/" class="brand">"Hội thi"</a>
                <nav>
                    <form method="post" action="/api/logout" class="inline">
                        <button type="submit" class="link">"Đăng xuất"</button>
                    </form>
                </nav>
            </header>
            <main class="container">
                <Routes fallback=LeaveApp>
                    <Route path=path!("/bai-thi/:id") view=AttemptPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <crate::pages::layout::Footer/>
        </Router>
    }
}

/// Any address but the attempt's is not in this bundle (a link home, the
/// result a submit redirects to): the router has already moved there, so
/// the browser loads it from the server.
#[component]
fn LeaveApp() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let _ = window().location().reload();
    });
    loading()
}

/// Taking an attempt: one question a screen (`?cau=N`, `?cau=nop` to submit).
#[component]
pub fn AttemptPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let play = Resource::new(id, get_attempt);
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match play.await {
                    Err(e) => error_view(&e),
                    Ok(p) => view! { <Player play=p/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Player(play: AttemptPlay) -> impl IntoView {
    let query = use_query_map();
    let total = play.items.len();
    let current = move || {
        let q = query.read().get("cau").unwrap_or_default();
        if q == "nop" {
            None
        } else {
            Some(
                q.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=total).contains(n))
                    .unwrap_or(1)
                    - 1,
            )
        }
    };
    // Saved answers as the server confirmed them; updated on each save.
    let answers = RwSignal::new(
        play.items
            .iter()
            .map(|i| i.answer.clone())
            .collect::<Vec<_>>(),
    );
    let items = StoredValue::new(play.items.clone());
    let save = ServerAction::<SaveAnswer>::new();
    let submit = ServerAction::<SubmitAttempt>::new();
    let attempt_id = play.id.clone();
    let remaining = RwSignal::new(play.remaining_ms);
    let result_href = format!("/bai-thi/{}/ket-qua", play.id);

    #[cfg(feature = "hydrate")]
    {
        // The countdown runs from the server's remaining time; the page's own
        // clock only measures the time since.
        let started = js_sys::Date::now();
        let initial = play.remaining_ms;
        let href = result_href.clone();
        let handle = set_interval_with_handle(
            move || {
                let left = initial - (js_sys::Date::now() - started) as i64;
                remaining.set(left.max(0));
                if left <= 0 {
                    let _ = window().location().assign(&href);
                }
            },
            std::time::Duration::from_millis(500),
        );
        if let Ok(h) = handle {
            on_cleanup(move || h.clear());
        }
        // Fair-play signals: what the browser says of itself, once, and
        // each time the page is hidden or shown (timed by the server).
        let id = attempt_id.clone();
        leptos::task::spawn_local(async move {
            let w = window();
            let screen = w.screen().ok();
            let traits = format!(
                "{}x{} {} UTC{:+}",
                screen.as_ref().and_then(|s| s.width().ok()).unwrap_or(0),
                screen.as_ref().and_then(|s| s.height().ok()).unwrap_or(0),
                w.navigator().language().unwrap_or_default(),
                -(js_sys::Date::new_0().get_timezone_offset() as i32) / 60,
            );
            let _ = crate::fairplay::attempt_traits(id, traits).await;
        });
        let id = attempt_id.clone();
        let listener = window_event_listener_untyped("visibilitychange", move |_| {
            let hidden = document().hidden();
            let id = id.clone();
            leptos::task::spawn_local(async move {
                let _ = crate::fairplay::attempt_visibility(id, hidden).await;
            });
        });
        on_cleanup(move || listener.remove());
    }

    let answered = move || {
        answers.with(|a| {
            a.iter()
                .filter(|x| x.as_ref().is_some_and(|r| !r.is_empty()))
                .count()
        })
    };
    let aid = attempt_id.clone();
    let dispatch = move |position: i64, idx: usize, resp: Response| {
        answers.update(|a| a[idx] = Some(resp.clone()));
        let (choices, text) = match resp {
            Response::Choices(c) => (
                Some(vec![c
                    .iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join(",")]),
                None,
            ),
            Response::Text(t) => (None, Some(t)),
        };
        save.dispatch(SaveAnswer {
            attempt_id: aid.clone(),
            position,
            choices,
            text,
            next: None,
        });
    };

    let aid = attempt_id.clone();
    let question = move || {
        let aid = aid.clone();
        let Some(idx) = current() else {
            return ().into_any();
        };
        let item = items.with_value(|v| v[idx].clone());
        let saved = answers.with(|a| a[idx].clone());
        let next = if idx + 1 < total {
            format!("/bai-thi/{}?cau={}", aid, idx + 2)
        } else {
            format!("/bai-thi/{aid}?cau=nop")
        };
        let position = item.position;
        let dispatch = dispatch.clone();
        let inputs = match item.kind {
            QuestionKind::Short | QuestionKind::Numeric => {
                let value = match &saved {
                    Some(Response::Text(t)) => t.clone(),
                    _ => String::new(),
                };
                let numeric = item.kind == QuestionKind::Numeric;
                view! {
                    <input
                        type="text"
                        name="text"
                        class="answer-text"
                        inputmode=if numeric { "decimal" } else { "text" }
                        autocomplete="off"
                        value=value.clone()
                        prop:value=value
                        aria-label="Câu trả lời"
                        on:change=move |ev| dispatch(position, idx, Response::Text(event_target_value(&ev)))
                    />
                }
                .into_any()
            }
            kind => {
                let multiple = kind == QuestionKind::Multiple;
                let chosen: Vec<usize> = match &saved {
                    Some(Response::Choices(c)) => c.clone(),
                    _ => Vec::new(),
                };
                item.options
                    .iter()
                    .enumerate()
                    .map(|(i, text)| {
                        let dispatch = dispatch.clone();
                        let checked = chosen.contains(&i);
                        let name = if multiple { format!("choices[{i}]") } else { "choices[0]".to_string() };
                        let letter = (b'A' + i as u8) as char;
                        view! {
                            <label class="option">
                                <input
                                    type=if multiple { "checkbox" } else { "radio" }
                                    name=name
                                    value=i.to_string()
                                    // The attribute for the server's HTML, the property
                                    // because the DOM is reused between questions.
                                    checked=checked
                                    prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let mut now: Vec<usize> = match answers.with(|a| a[idx].clone()) {
                                            Some(Response::Choices(c)) if multiple => c,
                                            _ => Vec::new(),
                                        };
                                        now.retain(|x| *x != i);
                                        if on {
                                            now.push(i);
                                            now.sort_unstable();
                                        }
                                        dispatch(position, idx, Response::Choices(now));
                                    }
                                />
                                <span class="letter">{letter.to_string()}</span>
                                <span>{text.clone()}</span>
                            </label>
                        }
                    })
                    .collect_view()
                    .into_any()
            }
        };
        let prev = (idx > 0).then(|| format!("/bai-thi/{}?cau={}", aid, idx));
        view! {
            <p class="qcount">{format!("Câu {}/{}", idx + 1, total)}</p>
            <p class="qtext">{item.text.clone()}</p>
            {item.image.clone().map(|src| view! { <img class="qimage" src=src alt=""/> })}
            {(item.kind == QuestionKind::Multiple).then(|| view! { <p class="muted small">"Chọn tất cả các phương án đúng."</p> })}
            <ActionForm action=save attr:class="answer-form">
                <input type="hidden" name="attempt_id" value=aid.clone()/>
                <input type="hidden" name="position" value=position.to_string()/>
                <input type="hidden" name="next" value=next.clone()/>
                <div class="options">{inputs}</div>
                {action_error(save.value())}
                <div class="nav-row">
                    {prev.map(|h| view! { <A href=h attr:class="button secondary">"← Câu trước"</A> })}
                    <button type="submit" class="save">"Lưu và sang câu sau"</button>
                    <A href=next attr:class="button secondary">"Câu sau →"</A>
                </div>
            </ActionForm>
        }
        .into_any()
    };

    let aid = attempt_id.clone();
    let submit_view = move || {
        let aid = aid.clone();
        current().is_none().then(|| {
            let left = total - answered();
            view! {
                <h2>"Nộp bài"</h2>
                {(left > 0).then(|| view! { <p class="alert error">{format!("Bạn còn {left} câu chưa trả lời.")}</p> })}
                <ActionForm action=submit attr:class="form narrow">
                    <input type="hidden" name="attempt_id" value=aid.clone()/>
                    {if play.prediction {
                        view! {
                            <label>
                                "Câu hỏi dự đoán: theo bạn, vòng thi này sẽ có bao nhiêu lượt thi trả lời đúng tất cả các câu hỏi?"
                                <input type="number" name="prediction" min="0" step="1" inputmode="numeric" required/>
                            </label>
                        }
                        .into_any()
                    } else {
                        view! { <input type="hidden" name="prediction" value=""/> }.into_any()
                    }}
                    <label class="check"><input type="checkbox" required/> "Tôi xác nhận nộp bài; sau khi nộp không thể sửa câu trả lời."</label>
                    {action_error(submit.value())}
                    <button type="submit">"Nộp bài"</button>
                </ActionForm>
            }
        })
    };

    let aid = attempt_id.clone();
    view! {
        <div class="player">
            <div class="player-head">
                <span class="round-name">{play.round_name.clone()}</span>
                <span class="countdown" role="timer" aria-live="off"><span class="small muted">"Còn lại "</span>{move || format_clock(remaining.get())}</span>
            </div>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total.to_string() aria-valuenow=move || answered().to_string()>
                <div class="bar" style=move || format!("width: {}%", answered() * 100 / total.max(1))></div>
            </div>
            <p class="muted small">{move || format!("Đã trả lời {}/{} câu", answered(), total)}</p>
            {question}
            {submit_view}
            <nav class="qmap" aria-label="Bản đồ câu hỏi">
                {(0..total)
                    .map(|i| {
                        let href = format!("/bai-thi/{}?cau={}", aid, i + 1);
                        let done = move || answers.with(|a| a[i].as_ref().is_some_and(|r| !r.is_empty()));
                        let here = move || current() == Some(i);
                        view! { <A href=href attr:class=move || format!("cell{}{}", if done() { " done" } else { "" }, if here() { " here" } else { "" })>{(i + 1).to_string()}</A> }
                    })
                    .collect_view()}
                <A href=format!("/bai-thi/{aid}?cau=nop") attr:class="cell submit">"Nộp bài"</A>
            </nav>
            <noscript><p class="muted small"><a href=result_href>"Xem kết quả"</a></p></noscript>
        </div>
    }
}

