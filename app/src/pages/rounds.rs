//! Contestants' pages: the open rounds, a round's rules and own attempts,
//! taking an attempt one question a screen, and the result with review.

use crate::pages::{action_error, error_view, loading};
use crate::contests::*;
use crate::round_api::*;
use crate::types::*;
use hoithi_core::model::QuestionKind;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

fn phase_tag(p: Phase) -> impl IntoView {
    let class = match p {
        Phase::Open => "tag ok",
        Phase::Closed => "tag muted",
        _ => "tag",
    };
    view! { <span class=class>{p.label()}</span> }
}

/// The rounds a logged-in user can take, for the home page.
#[component]
pub fn MyRoundsList() -> impl IntoView {
    let rounds = Resource::new(|| (), |_| my_rounds());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match rounds.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Hiện chưa có vòng thi nào đang mở."</p> }.into_any(),
                    Ok(list) => view! {
                        <h2>"Vòng thi đang mở"</h2>
                        {list.into_iter().map(|m| view! { <RoundCard m/> }).collect_view()}
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn RoundCard(m: MyRound) -> impl IntoView {
    let r = m.round;
    let href = format!("/vong/{}", r.id);
    view! {
        <article class="card round">
            <h3><A href=href.clone()>{r.rules.name.clone()}</A> " " {phase_tag(r.phase)}</h3>
            <p class="muted">{r.contest_name.clone()}</p>
            <p>
                {format!("Từ {} đến {}", format_time(r.rules.opens_at), format_time(r.rules.closes_at))}
                <br/>
                {format!("{} câu · {} · còn {} lượt thi", r.rules.questions_per_attempt, format_duration(i64::from(r.rules.time_limit_secs) * 1000), m.attempts_left)}
            </p>
            <A href=href attr:class="button">{if m.open_attempt.is_some() { "Tiếp tục làm bài" } else { "Xem và tham gia" }}</A>
        </article>
    }
}

/// A round's rules, the caller's attempts and the start button.
#[component]
pub fn RoundPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let start = ServerAction::<StartAttempt>::new();
    let info = Resource::new(id, round_info);
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let m = match info.await {
                    Err(e) => return error_view(&e),
                    Ok(m) => m,
                };
                let r = m.round.clone();
                let rules = r.rules.clone();
                let rid = r.id.clone();
                let can_start = r.phase == Phase::Open && (m.open_attempt.is_some() || m.attempts_left > 0);
                view! {
                    <h1>{rules.name.clone()}</h1>
                    <p class="muted">{r.contest_name.clone()} " " {phase_tag(r.phase)}</p>
                    {(!m.accommodation.is_empty()).then(|| view! {
                        <div class="alert ok" role="status" data-accommodation="1">
                            "Ban tổ chức dành riêng cho bạn: " {m.accommodation.clone()} "."
                        </div>
                    })}
                    <dl class="facts">
                        <dt>"Thời gian mở"</dt><dd>{format!("{} – {}", format_time(rules.opens_at), format_time(rules.closes_at))}</dd>
                        <dt>"Số câu mỗi lượt"</dt><dd>{rules.questions_per_attempt}</dd>
                        <dt>"Thời gian làm bài"</dt><dd>{format_duration(i64::from(rules.time_limit_secs) * 1000)}</dd>
                        <dt>"Số lượt thi"</dt><dd>{format!("{} (còn {})", rules.attempts_allowed, m.attempts_left)}</dd>
                        <dt>"Lượt được tính"</dt><dd>{rules.counting.label()}</dd>
                        <dt>"Xem đáp án"</dt><dd>{rules.review.label()}</dd>
                        {rules.prediction.then(|| view! { <dt>"Câu dự đoán"</dt><dd>"Có (dùng để phân định khi bằng điểm)"</dd> })}
                    </dl>
                    <p class="muted small">
                        "Xếp hạng theo: điểm (cao trước), độ lệch của số dự đoán so với số lượt thi trả lời đúng tất cả các câu (nhỏ trước), thời gian làm bài (ngắn trước), thời điểm nộp bài (sớm trước)."
                    </p>
                    {match (&m.open_attempt, can_start) {
                        (Some(a), _) => view! { <A href=format!("/bai-thi/{a}") attr:class="button">"Tiếp tục làm bài"</A> }.into_any(),
                        (None, true) => view! {
                            <ActionForm action=start>
                                <input type="hidden" name="round_id" value=rid/>
                                {action_error(start.value())}
                                <button type="submit">"Bắt đầu làm bài"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        (None, false) => ().into_any(),
                    }}
                    {(!m.attempts.is_empty()).then(|| view! {
                        <h2>"Các lượt thi của bạn"</h2>
                        <div class="table-wrap">
                            <table>
                                <thead><tr><th>"Lượt"</th><th>"Bắt đầu"</th><th>"Điểm"</th><th>"Thời gian"</th><th></th></tr></thead>
                                <tbody>
                                    {m.attempts.iter().map(|a| {
                                        let score = a.score.map(|s| format!("{s}/{}", a.total)).unwrap_or_else(|| "Đang làm".into());
                                        let link = if a.finished_at.is_some() { format!("/bai-thi/{}/ket-qua", a.id) } else { format!("/bai-thi/{}", a.id) };
                                        view! {
                                            <tr>
                                                <td>{a.seq}</td>
                                                <td>{format_time(a.started_at)}</td>
                                                <td>{score}</td>
                                                <td>{a.time_ms.map(format_duration).unwrap_or_default()}</td>
                                                <td><A href=link>"Xem"</A></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })}
                    {r.results_published.then(|| view! { <p><A href=format!("/xep-hang/{}", r.id)>"Bảng xếp hạng vòng thi"</A></p> })}
                }
                .into_any()
            })}
        </Suspense>
    }
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

/// The result of a closed attempt and, when allowed, its review.
#[component]
pub fn ResultPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let result = Resource::new(id, get_attempt_result);
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let r = match result.await {
                    Err(e) => return error_view(&e),
                    Ok(r) => r,
                };
                let s = r.summary.clone();
                view! {
                    <h1>"Kết quả bài thi"</h1>
                    <p class="muted">{r.round_name.clone()} {format!(" · lượt thứ {}", s.seq)}</p>
                    <div class="score-card card">
                        <p class="score"><strong>{format!("{}/{}", s.score.unwrap_or(0), s.total)}</strong> " câu đúng"</p>
                        <p>"Thời gian làm bài: " {s.time_ms.map(format_duration).unwrap_or_default()}</p>
                        {(s.closed_by.as_deref() == Some("deadline")).then(|| view! { <p class="muted">"Bài thi được nộp tự động khi hết giờ."</p> })}
                        {(s.closed_by.as_deref() == Some("round_closed")).then(|| view! { <p class="muted">"Ban tổ chức đã kết thúc vòng thi sớm; bài thi được chấm với các câu trả lời đã lưu."</p> })}
                        {r.prediction.map(|p| view! { <p>"Số dự đoán: " {p}</p> })}
                        {r.rank.map(|(rank, of)| view! { <p>{format!("Xếp hạng tạm thời: {rank}/{of}")}</p> })}
                    </div>
                    <p><A href=format!("/vong/{}", r.round_id)>"← Về vòng thi"</A></p>
                    {r.decision.clone().map(|d| view! { <p class="error" data-decision="">{d}</p> })}
                    {r.certificate.clone().map(|s| view! {
                        <p class="card" data-certificate=s.clone()>
                            "Giấy chứng nhận của bạn: "
                            <a href=format!("/giay-chung-nhan/{s}") rel="external" download="">"tải về (PDF)"</a>
                            " · "
                            <A href=format!("/chung-nhan/{s}")>{format!("số hiệu {s}")}</A>
                        </p>
                    })}
                    {(!r.review_note.is_empty()).then(|| view! { <p class="muted">{r.review_note.clone()}</p> })}
                    {r.review.clone().map(|items| view! {
                        <h2>"Đáp án và giải thích"</h2>
                        <ol class="review">{items.into_iter().map(review_item).collect_view()}</ol>
                    })}
                }
                .into_any()
            })}
        </Suspense>
    }
}

fn review_item(i: ReviewItem) -> impl IntoView {
    view! {
        <li class="review-item" class:right=i.correct class:wrong=!i.correct>
            <p class="qtext">{i.text.clone()} " " {if i.correct { view! { <span class="tag ok">"Đúng"</span> } } else { view! { <span class="tag warn">"Sai"</span> } }}</p>
            {if i.options.is_empty() {
                view! {
                    <p>"Bạn trả lời: " {i.given.clone().unwrap_or_else(|| "(bỏ trống)".into())}</p>
                    {i.full.then(|| view! { <p>"Đáp án: " {i.accepted.join(" | ")}</p> })}
                }
                .into_any()
            } else {
                view! {
                    <ul class="review-options">
                        {i.options.iter().map(|o| view! {
                            <li class:correct=o.correct class:chosen=o.chosen>
                                {o.text.clone()}
                                {o.correct.then_some(" ✓")}
                                {o.chosen.then_some(" (bạn chọn)")}
                            </li>
                        }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            {i.full.then(|| view! {
                <p class="explanation">{i.explanation.clone()}</p>
                <p class="source muted small">"Nguồn: " {i.source.clone()}</p>
            })}
        </li>
    }
}

/// A round's public ranking once results are published (organizers: always).
#[component]
pub fn RankingPage() -> impl IntoView {
    view! { <RankingLoader heading="Bảng xếp hạng: " overall=false/> }
}

/// Loads a ranking for the `:id` of the address: a round's, or with
/// `overall` a contest's over all its rounds.
#[component]
pub fn RankingLoader(heading: &'static str, overall: bool) -> impl IntoView {
    let id = crate::pages::route_id();
    // `?trang=N`: the page of the ranking, as a link can carry it.
    let query = use_query_map();
    let page = move || query.read().get("trang").and_then(|p| p.parse::<u32>().ok());
    let ranking = Resource::new(move || (id(), page()), move |(id, page)| async move {
        if overall {
            overall_ranking(id, page).await
        } else {
            round_ranking(id, page).await
        }
    });
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match ranking.await {
                    Err(e) => error_view(&e),
                    Ok(r) => {
                        let (above, below) = (ranking_pager(r.total, r.page), ranking_pager(r.total, r.page));
                        view! { <h1>{heading} {r.title.clone()}</h1> {above} <RankingTable ranking=r/> {below} }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// "Trang 2/2500 (250000 người)" with links to the pages either side.
fn ranking_pager(total: usize, page: usize) -> Option<AnyView> {
    let pages = crate::types::ranking_pages(total);
    (pages > 1).then(|| {
        let link = |to: usize, label: &'static str| {
            view! { <a class="button secondary" href=format!("?trang={to}") data-page=to.to_string()>{label}</a> }
        };
        view! {
            <p class="pager actions">
                {(page > 1).then(|| link(page - 1, "← Trang trước"))}
                <span class="muted">{format!("Trang {page}/{pages} ({total} người)")}</span>
                {(page < pages).then(|| link(page + 1, "Trang sau →"))}
            </p>
        }
        .into_any()
    })
}

#[component]
pub fn RankingTable(ranking: Ranking) -> impl IntoView {
    if ranking.rows.is_empty() {
        return view! { <p class="muted empty">"Chưa có ai hoàn thành bài thi."</p> }.into_any();
    }
    view! {
        {ranking.perfect.map(|p| view! { <p class="muted">{format!("Số lượt thi trả lời đúng tất cả các câu: {p}")}</p> })}
        <div class="table-wrap">
            <table class="ranking">
                <thead>
                    <tr><th>"Hạng"</th><th>"Họ và tên"</th><th>"Đơn vị"</th><th>"Điểm"</th><th>"Dự đoán"</th><th>"Thời gian"</th><th>"Nộp lúc"</th><th>"Giải"</th></tr>
                </thead>
                <tbody>
                    {ranking.rows.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.rank}</td>
                            <td>{r.full_name}</td>
                            <td>{r.unit_name.unwrap_or_default()}</td>
                            <td>{format!("{}/{}", r.score, r.total)}</td>
                            <td>{r.prediction.map(|p| p.to_string()).unwrap_or_default()}{r.distance.map(|d| format!(" (lệch {d})"))}</td>
                            <td>{format_duration(r.time_ms)}</td>
                            <td>{format_time(r.submitted_at)}</td>
                            <td>{r.prize.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
