//! Contestants' pages: the open rounds, a round's rules and own attempts,
//! the result with review, and rankings. Taking an attempt is
//! `pages::attempt`'s.

use crate::pages::{action_error, error_view, loading};
use crate::contests::*;
use crate::round_api::*;
use crate::types::*;
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
