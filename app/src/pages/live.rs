//! The live final's screens, each opened by its code: the host console
//! (`live_host`), a finalist's pad and a judge's pad (`live_pads`), the
//! public scoreboard and the projector, with the parts they share. The
//! first view is rendered on the server; the WebSocket keeps it current.

use crate::live_api::{live_entry, OutlineSegment, ScreenEntry};
use crate::live_client::{Conn, Live};
use crate::pages::live_host::HostConsole;
use crate::pages::live_pads::{JudgePad, Pad};
use crate::pages::{error_view, loading};
use crate::types::fmt_points;
use hoithi_core::live::view::{ItemView, ScoreRow};
use hoithi_core::live::Viewer;
use hoithi_core::round::grading::Response;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

pub(super) fn letter(i: usize) -> String {
    char::from(b'A' + (i as u8).min(25)).to_string()
}

pub(super) fn response_text(r: &Response) -> String {
    match r {
        Response::Choices(c) => c.iter().map(|i| letter(*i)).collect::<Vec<_>>().join(", "),
        Response::Text(t) => t.clone(),
    }
}

/// Enter a code, or open the screen it names (`?ma=`, for forms without
/// JavaScript and for QR codes).
#[component]
pub fn EnterPage() -> impl IntoView {
    let query = use_query_map();
    let code = move || {
        query
            .read()
            .get("ma")
            .unwrap_or_default()
            .trim()
            .to_uppercase()
    };
    view! {
        {move || {
            let c = code();
            if c.is_empty() {
                view! {
                    <h1>"Vào phòng thi trực tiếp"</h1>
                    <form method="get" action="/truc-tiep" class="form narrow">
                        <label>"Mã được phát (thí sinh, giám khảo, người dẫn hoặc khán giả)"
                            <input type="text" name="ma" required autocomplete="off" autocapitalize="characters" maxlength="16" class="code-input"/>
                        </label>
                        <button type="submit">"Vào"</button>
                    </form>
                }
                .into_any()
            } else {
                view! { <Screen code=c projector=false/> }.into_any()
            }
        }}
    }
}

#[component]
pub fn ScreenPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    view! { {move || view! { <Screen code=code() projector=false/> }} }
}

#[component]
pub fn ProjectorPage() -> impl IntoView {
    let params = use_params_map();
    let code = move || params.read().get("code").unwrap_or_default();
    view! { {move || view! { <Screen code=code() projector=true/> }} }
}

#[component]
fn Screen(code: String, projector: bool) -> impl IntoView {
    let entry = Resource::new(move || code.clone(), live_entry);
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match entry.await {
                    Err(e) => view! {
                        {error_view(&e)}
                        <p><a href="/truc-tiep">"Nhập lại mã"</a></p>
                    }
                    .into_any(),
                    Ok(entry) => {
                        let live = Live::new(entry.code.clone(), entry.view.clone());
                        let entry = StoredValue::new(entry);
                        match (entry.with_value(|e| e.viewer), projector) {
                            (Viewer::Audience, true) => view! { <Projector entry live/> }.into_any(),
                            (_, true) => view! {
                                <div class="alert error" role="alert">"Màn hình trình chiếu mở bằng mã khán giả."</div>
                            }
                            .into_any(),
                            (Viewer::Host, _) => view! { <HostConsole entry live/> }.into_any(),
                            (Viewer::Seat(seat), _) => view! { <Pad entry live seat/> }.into_any(),
                            (Viewer::Judge(judge), _) => view! { <JudgePad entry live judge/> }.into_any(),
                            (Viewer::Audience, _) => view! { <PublicBoard entry live/> }.into_any(),
                        }
                    }
                }
            })}
        </Suspense>
    }
}

pub(super) fn segment_of(entry: StoredValue<ScreenEntry>, c: &ItemView) -> Option<OutlineSegment> {
    entry.with_value(|e| e.outline.get(c.segment).cloned())
}

#[component]
pub(super) fn ConnBadge(live: Live) -> impl IntoView {
    move || match live.conn.get() {
        Conn::Open => {
            view! { <span class="tag ok" data-conn="open">"Đã kết nối"</span> }.into_any()
        }
        Conn::Connecting => {
            view! { <span class="tag" data-conn="connecting">"Đang kết nối…"</span> }.into_any()
        }
        Conn::Lost => {
            view! { <span class="tag warn" data-conn="lost">"Mất kết nối, đang thử lại…"</span> }
                .into_any()
        }
        Conn::Refused => {
            view! { <span class="tag warn" data-conn="refused">"Không dùng được mã trên thiết bị này"</span> }
                .into_any()
        }
    }
}

#[component]
pub(super) fn LiveError(live: Live) -> impl IntoView {
    move || {
        live.error
            .get()
            .map(|m| view! { <div class="alert error" role="alert" data-live-error="1">{m}</div> })
    }
}

/// Seconds left on the current item, or where the show stands.
#[component]
pub(super) fn Countdown(live: Live) -> impl IntoView {
    move || {
        let v = live.view.get();
        if v.paused {
            return view! { <div class="countdown paused">"Tạm dừng"</div> }.into_any();
        }
        match v.current {
            Some(c) if c.revealed => {
                view! { <div class="countdown done">"Đã công bố đáp án"</div> }.into_any()
            }
            Some(ItemView {
                deadline: Some(d), ..
            }) => {
                let left = live.seconds_left(d);
                let class = if left == 0 {
                    "countdown done"
                } else if left <= 5 {
                    "countdown urgent"
                } else {
                    "countdown"
                };
                view! { <div class=class data-seconds=left.to_string()>{if left == 0 { "Hết giờ".to_string() } else { format!("{left} giây") }}</div> }.into_any()
            }
            Some(_) => {
                view! { <div class="countdown idle">"Chờ bắt đầu tính giờ"</div> }.into_any()
            }
            None => view! { <div class="countdown idle">"Chờ câu hỏi"</div> }.into_any(),
        }
    }
}

/// The standings; rows slide to their new place when ranks change.
#[component]
pub(super) fn Scoreboard(live: Live, #[prop(optional)] big: bool) -> impl IntoView {
    let rows = move || live.view.with(|v| v.scoreboard.clone());
    let position = move |seat: u32| {
        live.view.with(|v| {
            v.scoreboard
                .iter()
                .position(|r| r.seat == seat)
                .unwrap_or(0)
        })
    };
    let height = move || live.view.with(|v| v.scoreboard.len()) * if big { 56 } else { 40 };
    view! {
        <ol class=if big { "scoreboard big" } else { "scoreboard" } style=move || format!("height:{}px", height())>
            <For each=rows key=|r: &ScoreRow| r.seat let:r>
                {
                    let seat = r.seat;
                    let row = move || live.view.with(|v| v.scoreboard.iter().find(|x| x.seat == seat).cloned());
                    view! {
                        <li
                            class=move || if row().is_some_and(|r| r.out) { "out" } else { "" }
                            style=move || format!("transform:translateY({}px)", position(seat) * if big { 56 } else { 40 })
                            data-seat=seat.to_string()
                        >
                            <span class="rank">{move || row().map(|r| r.rank).unwrap_or(0)}</span>
                            <span class="who">
                                <b>{format!("{} ", r.seat)}</b>
                                {r.name.clone()}
                                <small>{r.unit.clone()}</small>
                            </span>
                            <span class="score" data-score=move || row().map(|r| fmt_points(r.score)).unwrap_or_default()>
                                {move || row().map(|r| fmt_points(r.score)).unwrap_or_default()}
                            </span>
                        </li>
                    }
                }
            </For>
        </ol>
    }
}

/// The question and its options; the key and the spread once revealed (or
/// always, for the host).
#[component]
pub(super) fn Question(live: Live, #[prop(optional)] big: bool) -> impl IntoView {
    move || {
        let Some(c) = live.view.get().current else {
            return view! { <p class="muted">"Chưa có câu hỏi nào được mở."</p> }.into_any();
        };
        let total: u32 = c.spread.as_ref().map(|s| s.iter().sum()).unwrap_or(0);
        let options = c
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let right = c.correct.as_ref().is_some_and(|k| k.contains(&i));
                let n = c.spread.as_ref().and_then(|s| s.get(i).copied());
                let share = n.map(|n| if total > 0 { 100.0 * f64::from(n) / f64::from(total) } else { 0.0 });
                view! {
                    <li class=if right { "option right" } else { "option" } data-option=i.to_string()>
                        <span class="letter">{letter(i)}</span>
                        <span class="text">{o.clone()}</span>
                        {n.map(|n| view! {
                            <span class="spread" data-count=n.to_string()>
                                <span class="bar" style=format!("width:{:.0}%", share.unwrap_or(0.0))></span>
                                <span class="n">{n}</span>
                            </span>
                        })}
                    </li>
                }
            })
            .collect_view();
        let accepted = c
            .accepted
            .clone()
            .map(|a| view! { <p class="alert ok">"Đáp án: " {a.join(" / ")}</p> });
        view! {
            <section class=if big { "question big" } else { "question" }>
                <p class="segment">{format!("{} · {} · Câu {}/{}", c.segment_title, c.kind_label, c.item + 1, c.items)}</p>
                <h2 class="text">{c.text.clone()}</h2>
                <ol class="options">{options}</ol>
                {accepted}
            </section>
        }
        .into_any()
    }
}

pub(super) fn seat_name(live: Live, seat: u32) -> String {
    live.view.with(|v| {
        v.scoreboard
            .iter()
            .find(|r| r.seat == seat)
            .map(|r| format!("Ghế {seat} – {}", r.name))
            .unwrap_or_else(|| format!("Ghế {seat}"))
    })
}

#[component]
fn PublicBoard(entry: StoredValue<ScreenEntry>, live: Live) -> impl IntoView {
    let name = entry.with_value(|e| e.final_name.clone());
    view! {
        <div class="live board">
            <header class="live-head">
                <h1>{name}</h1>
                <ConnBadge live/>
            </header>
            <Countdown live/>
            <Question live/>
            <h2>"Bảng điểm"</h2>
            <Scoreboard live/>
        </div>
    }
}

#[component]
fn Projector(entry: StoredValue<ScreenEntry>, live: Live) -> impl IntoView {
    let (name, join) = entry.with_value(|e| (e.final_name.clone(), e.join_code.clone()));
    view! {
        <div class="projector">
            <header>
                <h1>{name}</h1>
                <ConnBadge live/>
            </header>
            <div class="stage">
                <div class="main">
                    <Countdown live/>
                    <Question live big=true/>
                    {move || live.view.with(|v| v.current.as_ref().filter(|c| c.turn.is_some()).and_then(|c| c.turn)).map(|s| view! {
                        <p class="turn">"Quyền trả lời: " {seat_name(live, s)}</p>
                    })}
                </div>
                <aside>
                    <Scoreboard live big=true/>
                </aside>
            </div>
            <footer>
                <img src=format!("/truc-tiep/qr/{join}") alt="Mã QR xem bảng điểm" width="120" height="120"/>
                <p>"Xem trên điện thoại: quét mã QR hoặc nhập mã " <b class="code">{join.clone()}</b> " tại /truc-tiep"</p>
            </footer>
        </div>
    }
}
