//! The live final's screens, each opened by its code: the host console,
//! a finalist's pad, a judge's pad, the public scoreboard and the
//! projector. The first view is rendered on the server; the WebSocket keeps
//! it current.

use crate::live_api::{live_entry, OutlineSegment, ScreenEntry};
use crate::live_client::{Conn, Live};
use crate::pages::{error_view, loading};
use crate::types::fmt_points;
use hoithi_core::live::view::{ItemView, ScoreRow};
use hoithi_core::live::{Command, Viewer};
use hoithi_core::model::QuestionKind;
use hoithi_core::round::grading::Response;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

fn letter(i: usize) -> String {
    char::from(b'A' + (i as u8).min(25)).to_string()
}

fn response_text(r: &Response) -> String {
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

fn segment_of(entry: StoredValue<ScreenEntry>, c: &ItemView) -> Option<OutlineSegment> {
    entry.with_value(|e| e.outline.get(c.segment).cloned())
}

#[component]
fn ConnBadge(live: Live) -> impl IntoView {
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
fn LiveError(live: Live) -> impl IntoView {
    move || {
        live.error
            .get()
            .map(|m| view! { <div class="alert error" role="alert" data-live-error="1">{m}</div> })
    }
}

/// Seconds left on the current item, or where the show stands.
#[component]
fn Countdown(live: Live) -> impl IntoView {
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
fn Scoreboard(live: Live, #[prop(optional)] big: bool) -> impl IntoView {
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
fn Question(live: Live, #[prop(optional)] big: bool) -> impl IntoView {
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

fn seat_name(live: Live, seat: u32) -> String {
    live.view.with(|v| {
        v.scoreboard
            .iter()
            .find(|r| r.seat == seat)
            .map(|r| format!("Ghế {seat} – {}", r.name))
            .unwrap_or_else(|| format!("Ghế {seat}"))
    })
}

#[component]
fn HostConsole(entry: StoredValue<ScreenEntry>, live: Live) -> impl IntoView {
    let (name, join) = entry.with_value(|e| (e.final_name.clone(), e.join_code.clone()));
    let outline = entry.with_value(|e| e.outline.clone());
    let current = move || {
        live.view
            .with(|v| v.current.as_ref().map(|c| (c.segment, c.item)))
    };
    let next = {
        let outline = outline.clone();
        move || match current() {
            None => (!outline.is_empty()).then_some((0, 0)),
            Some((s, i)) if i + 1 < outline[s].items.len() => Some((s, i + 1)),
            Some((s, _)) if s + 1 < outline.len() => Some((s + 1, 0)),
            _ => None,
        }
    };
    let award_seat = RwSignal::new(String::new());
    let award_points = RwSignal::new(String::new());
    let award_reason = RwSignal::new(String::new());
    let tie_pick = RwSignal::new(entry.with_value(|e| e.view.prize_ties.clone()));
    let program = outline
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let items = s
                .items
                .iter()
                .enumerate()
                .map(|(ii, text)| {
                    let short: String = text.chars().take(90).collect();
                    view! {
                        <li class=move || if current() == Some((si, ii)) { "item on" } else { "item" }>
                            <button class="link" data-open=format!("{si}-{ii}") on:click=move |_| live.send(Command::Open { segment: si, item: ii })>
                                {format!("Câu {}: {short}", ii + 1)}
                            </button>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <li>
                    <b>{s.title.clone()}</b> <span class="muted">{format!(" · {} · {} giây", s.kind_label, s.timer_secs)}</span>
                    <ol>{items}</ol>
                </li>
            }
        })
        .collect_view();
    let outline2 = outline.clone();
    let controls = move || {
        let v = live.view.get();
        let Some(c) = v.current.clone() else {
            return ().into_any();
        };
        let seg = outline2.get(c.segment).cloned();
        let judged = seg.as_ref().is_some_and(|s| s.judged);
        let buzzer = seg.as_ref().is_some_and(|s| s.buzzer);
        let answers = c.answers.clone().unwrap_or_default();
        let answer_rows = answers
            .iter()
            .map(|(seat, r)| {
                let right = c.correct.as_ref().is_some_and(|k| matches!(r, Response::Choices(ch) if { let mut a = ch.clone(); a.sort(); let mut b = k.clone(); b.sort(); a == b }));
                view! { <li data-answer-seat=seat.to_string()>{seat_name(live, *seat)} ": " <b class=if right { "ok" } else { "" }>{response_text(r)}</b></li> }
            })
            .collect_view();
        let turn = c.turn.map(|s| {
            view! {
                <div class="turn">
                    "Lượt trả lời: " <b>{seat_name(live, s)}</b> " "
                    <button data-buzz-right="1" on:click=move |_| live.send(Command::JudgeBuzz { correct: true })>"Đúng"</button>
                    <button class="danger" data-buzz-wrong="1" on:click=move |_| live.send(Command::JudgeBuzz { correct: false })>"Sai"</button>
                </div>
            }
        });
        let judging = c
            .judging
            .iter()
            .map(|j| {
                let done = j.scored_by.iter().filter(|x| **x).count();
                view! {
                    <li>{seat_name(live, j.seat)} ": " {format!("{done}/{} giám khảo", j.scored_by.len())}
                        {j.total.map(|t| view! { " → " <b>{fmt_points(t)}</b> })}
                    </li>
                }
            })
            .collect_view();
        view! {
            <div class="host-controls">
                {(!judged && c.deadline.is_none() && !c.revealed).then(|| view! {
                    <button data-cmd="start" on:click=move |_| live.send(Command::StartTimer)>"Bắt đầu tính giờ"</button>
                })}
                {(!judged && !c.revealed).then(|| view! {
                    <button data-cmd="reveal" on:click=move |_| live.send(Command::Reveal)>"Công bố đáp án"</button>
                })}
            </div>
            {buzzer.then(|| view! {
                <p>"Thứ tự bấm chuông: " {c.buzzes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" → ")}</p>
            })}
            {turn}
            {(!c.stakes.is_empty()).then(|| view! {
                <p>"Chọn ngôi sao hy vọng: ghế " {c.stakes.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")}</p>
            })}
            <p class="muted">{format!("Đã trả lời: {}/{}", c.answered.len(), v.scoreboard.len())}</p>
            <ul class="answers">{answer_rows}</ul>
            {judged.then(|| view! { <ul class="judging">{judging}</ul> })}
        }
        .into_any()
    };
    let out_seats = move || {
        live.view.with(|v| {
            v.scoreboard
                .iter()
                .filter(|r| r.out)
                .map(|r| r.seat)
                .collect::<Vec<_>>()
        })
    };
    let seats = move || {
        live.view.with(|v| {
            let mut s: Vec<(u32, String)> = v
                .scoreboard
                .iter()
                .map(|r| (r.seat, r.name.clone()))
                .collect();
            s.sort();
            s
        })
    };
    view! {
        <div class="live host">
            <header class="live-head">
                <h1>{name}</h1>
                <ConnBadge live/>
                <p>
                    "Người dẫn chương trình · Mã khán giả: " <b class="code">{join.clone()}</b> " · "
                    <a href=format!("/truc-tiep/{join}/man-chieu") target="_blank" rel="external">"Mở màn chiếu"</a> " · "
                    <a href=format!("/truc-tiep/{join}") target="_blank" rel="external">"Bảng điểm công khai"</a>
                </p>
            </header>
            <LiveError live/>
            <div class="host-grid">
                <section class="card">
                    <h2>"Câu hỏi đang mở"</h2>
                    <Countdown live/>
                    <Question live/>
                    {controls}
                    <div class="host-controls">
                        {move || next().map(|(s, i)| view! {
                            <button class="secondary" data-cmd="next" on:click=move |_| live.send(Command::Open { segment: s, item: i })>
                                {format!("Câu tiếp theo (phần {}, câu {})", s + 1, i + 1)}
                            </button>
                        })}
                        {move || if live.view.with(|v| v.paused) {
                            view! { <button data-cmd="resume" on:click=move |_| live.send(Command::Resume)>"Tiếp tục"</button> }.into_any()
                        } else {
                            view! { <button class="secondary" data-cmd="pause" on:click=move |_| live.send(Command::Pause)>"Tạm dừng"</button> }.into_any()
                        }}
                        <button class="secondary" data-cmd="undo" on:click=move |_| live.send(Command::Undo)>"Hoàn tác thao tác cuối"</button>
                    </div>
                </section>
                <section class="card">
                    <h2>"Bảng điểm"</h2>
                    <Scoreboard live/>
                    {move || {
                        let out = out_seats();
                        (!out.is_empty()).then(|| view! {
                            <p>"Bị loại: "
                                {out.into_iter().map(|s| view! {
                                    <button class="secondary" data-rescue=s.to_string() on:click=move |_| live.send(Command::Rescue { seat: s })>{format!("Cứu trợ ghế {s}")}</button>
                                }).collect_view()}
                            </p>
                        })
                    }}
                    <h3>"Cộng hoặc trừ điểm"</h3>
                    <div class="form inline-form">
                        <label>"Thí sinh"
                            <select on:change=move |e| award_seat.set(event_target_value(&e)) prop:value=move || award_seat.get()>
                                <option value="">"— chọn —"</option>
                                {move || seats().into_iter().map(|(s, n)| view! { <option value=s.to_string()>{format!("{s} – {n}")}</option> }).collect_view()}
                            </select>
                        </label>
                        <label>"Điểm (âm để trừ)" <input type="number" step="0.5" prop:value=move || award_points.get() on:input=move |e| award_points.set(event_target_value(&e))/></label>
                        <label>"Lý do" <input type="text" prop:value=move || award_reason.get() on:input=move |e| award_reason.set(event_target_value(&e))/></label>
                        <button on:click=move |_| {
                            match (award_seat.get().parse::<u32>(), award_points.get().replace(',', ".").parse::<f64>()) {
                                (Ok(seat), Ok(points)) => {
                                    live.send(Command::Award { seat, points, reason: award_reason.get() });
                                    award_points.set(String::new());
                                    award_reason.set(String::new());
                                }
                                _ => live.error.set(Some("Chọn thí sinh và nhập số điểm".into())),
                            }
                        }>"Ghi điểm"</button>
                    </div>
                    <h3>"Câu hỏi phụ"</h3>
                    <p class="muted">"Chọn các thí sinh bằng điểm cần phân định thứ hạng."</p>
                    <div class="checks">
                        {move || seats().into_iter().map(|(s, _)| view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || tie_pick.with(|t| t.contains(&s)) on:change=move |_| tie_pick.update(|t| {
                                    if let Some(i) = t.iter().position(|x| *x == s) { t.remove(i); } else { t.push(s); t.sort(); }
                                })/>
                                {s}
                            </label>
                        }).collect_view()}
                    </div>
                    {move || {
                        let ties = live.view.with(|v| v.prize_ties.clone());
                        (!ties.is_empty()).then(|| view! {
                            <p class="alert warn">
                                {format!("Bằng điểm ở ranh giới giải: ghế {}. ", ties.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))}
                                <button class="link" on:click=move |_| tie_pick.set(ties.clone())>"Chọn các ghế này"</button>
                            </p>
                        })
                    }}
                    <button class="secondary" on:click=move |_| live.send(Command::StartTieBreak { seats: tie_pick.get() })>"Bắt đầu câu hỏi phụ"</button>
                    {move || live.view.with(|v| v.tie.clone()).map(|t| view! {
                        <p>"Đang phân định: ghế " {t.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")}</p>
                    })}
                </section>
                <section class="card">
                    <h2>"Chương trình"</h2>
                    <ol class="program">{program}</ol>
                </section>
                <crate::pages::live_devices::DevicesPanel live/>
            </div>
        </div>
    }
}

#[component]
fn Pad(entry: StoredValue<ScreenEntry>, live: Live, seat: u32) -> impl IntoView {
    let (name, who) = entry.with_value(|e| (e.final_name.clone(), e.who.clone()));
    let picked = RwSignal::new(Vec::<usize>::new());
    let typed = RwSignal::new(String::new());
    let me = move || {
        live.view
            .with(|v| v.scoreboard.iter().find(|r| r.seat == seat).cloned())
    };
    // A new item clears what was being picked.
    Effect::new(move |prev: Option<Option<(usize, usize)>>| {
        let now = live
            .view
            .with(|v| v.current.as_ref().map(|c| (c.segment, c.item)));
        if prev.is_some_and(|p| p != now) {
            picked.set(Vec::new());
            typed.set(String::new());
        }
        now
    });
    let body = move || {
        let v = live.view.get();
        if v.paused {
            return view! { <p class="pad-status">"Chương trình đang tạm dừng"</p> }.into_any();
        }
        let Some(c) = v.current.clone() else {
            return view! { <p class="pad-status">"Chờ người dẫn mở câu hỏi…"</p> }.into_any();
        };
        let Some(seg) = segment_of(entry, &c) else {
            return ().into_any();
        };
        let open = c.deadline.is_some_and(|d| live.seconds_left(d) > 0) && !c.revealed;
        let out = me().is_some_and(|r| r.out) && seg.elimination;
        let in_tie = v.tie.as_ref().is_some_and(|t| t.contains(&seat));
        let mine = c.mine.clone();
        let status = if c.revealed {
            match (&mine, &c.correct) {
                (Some(Response::Choices(ch)), Some(k)) => {
                    let mut a = ch.clone();
                    a.sort();
                    if &a == k {
                        "Chính xác!"
                    } else {
                        "Chưa chính xác"
                    }
                }
                (Some(_), _) => "Đã công bố đáp án",
                (None, _) => "Bạn chưa trả lời câu này",
            }
        } else if mine.is_some() {
            "Đã gửi đáp án — có thể đổi trước khi hết giờ"
        } else {
            ""
        };
        if seg.judged {
            return view! {
                <Question live/>
                <p class="pad-status">"Phần thi do giám khảo chấm điểm. Hãy trình bày khi người dẫn mời."</p>
            }
            .into_any();
        }
        if seg.buzzer {
            let pressed = c.buzzes.iter().position(|s| *s == seat);
            let my_turn = c.turn == Some(seat);
            return view! {
                <Countdown live/>
                <Question live/>
                <button class="buzzer" data-buzzer="1" disabled=pressed.is_some() || !open on:click=move |_| live.send(Command::Buzz { seat })>
                    {if my_turn { "Mời bạn trả lời".to_string() } else if let Some(p) = pressed { format!("Bạn bấm thứ {}", p + 1) } else { "BẤM CHUÔNG".to_string() }}
                </button>
            }
            .into_any();
        }
        if out {
            return view! { <Question live/> <p class="pad-status">"Bạn đã bị loại ở phần thi này. Chờ quyền cứu trợ."</p> }.into_any();
        }
        if seg.tie_break && !in_tie {
            return view! { <Question live/> <p class="pad-status">"Câu hỏi phụ dành cho các thí sinh bằng điểm."</p> }.into_any();
        }
        let kind = c.question_kind.unwrap_or(QuestionKind::Single);
        let staked = c.stakes.contains(&seat);
        let stake = (seg.wager && c.deadline.is_none()).then(|| view! {
            <button class="star" data-stake="1" disabled=staked on:click=move |_| live.send(Command::Stake { seat })>
                {if staked { "Đã chọn ngôi sao hy vọng ★" } else { "Chọn ngôi sao hy vọng ★" }}
            </button>
        });
        let mine_choices: Vec<usize> = match &mine {
            Some(Response::Choices(ch)) => ch.clone(),
            _ => Vec::new(),
        };
        let buttons = c
            .options
            .iter()
            .enumerate()
            .map(|(i, o)| {
                let sent = mine_choices.contains(&i);
                let right = c.correct.as_ref().is_some_and(|k| k.contains(&i));
                let class = move || {
                    let mut cl = String::from("pad-option");
                    if sent { cl.push_str(" sent"); }
                    if picked.with(|p| p.contains(&i)) { cl.push_str(" picked"); }
                    if right { cl.push_str(" right"); }
                    cl
                };
                view! {
                    <button class=class data-choice=i.to_string() disabled=!open on:click=move |_| {
                        if kind == QuestionKind::Multiple {
                            picked.update(|p| if let Some(x) = p.iter().position(|x| *x == i) { p.remove(x); } else { p.push(i); p.sort(); });
                        } else {
                            live.send(Command::Answer { seat, response: Response::Choices(vec![i]) });
                        }
                    }>
                        <span class="letter">{letter(i)}</span> {o.clone()}
                    </button>
                }
            })
            .collect_view();
        let multi = (kind == QuestionKind::Multiple).then(|| view! {
            <button disabled=!open on:click=move |_| live.send(Command::Answer { seat, response: Response::Choices(picked.get()) })>"Gửi đáp án"</button>
        });
        let text = (!kind.has_options()).then(|| view! {
            <div class="form">
                <input type="text" prop:value=move || typed.get() on:input=move |e| typed.set(event_target_value(&e)) disabled=!open placeholder="Nhập đáp án"/>
                <button disabled=!open on:click=move |_| live.send(Command::Answer { seat, response: Response::Text(typed.get()) })>"Gửi đáp án"</button>
            </div>
        });
        view! {
            <Countdown live/>
            <p class="segment">{format!("{} · Câu {}/{}", c.segment_title, c.item + 1, c.items)}</p>
            <h2 class="text">{c.text.clone()}</h2>
            {stake}
            <div class="pad-options">{buttons}</div>
            {multi}
            {text}
            <p class="pad-status" data-status="1">{status}</p>
            {mine.map(|m| view! { <p class="muted" data-mine=response_text(&m)>"Đáp án của bạn: " {response_text(&m)}</p> })}
        }
        .into_any()
    };
    view! {
        <div class="live pad">
            <header class="live-head">
                <p class="muted">{name}</p>
                <h1>{who}</h1>
                <ConnBadge live/>
                <p class="my-score">
                    "Điểm: " <b data-my-score="1">{move || me().map(|r| fmt_points(r.score)).unwrap_or_default()}</b>
                    " · Hạng " {move || me().map(|r| r.rank).unwrap_or(0)}
                </p>
            </header>
            <LiveError live/>
            {body}
        </div>
    }
}

#[component]
fn JudgePad(entry: StoredValue<ScreenEntry>, live: Live, judge: usize) -> impl IntoView {
    let (name, who) = entry.with_value(|e| (e.final_name.clone(), e.who.clone()));
    let body = move || {
        let v = live.view.get();
        let Some(c) = v.current.clone() else {
            return view! { <p class="pad-status">"Chờ phần thi giám khảo chấm điểm…"</p> }
                .into_any();
        };
        let Some(seg) = segment_of(entry, &c) else {
            return ().into_any();
        };
        if !seg.judged {
            return view! {
                <Question live/>
                <p class="pad-status">"Phần thi này không do giám khảo chấm."</p>
            }
            .into_any();
        }
        let max = seg.judge_max;
        let rows = c
            .judging
            .iter()
            .map(|j| {
                let seat = j.seat;
                let value = RwSignal::new(j.mine.map(fmt_points).unwrap_or_default());
                let done = j.scored_by.iter().filter(|x| **x).count();
                view! {
                    <tr data-judge-seat=seat.to_string()>
                        <td>{seat_name(live, seat)}</td>
                        <td>
                            {if j.total.is_some() {
                                view! { <span>{j.mine.map(fmt_points).unwrap_or_else(|| "—".into())}</span> }.into_any()
                            } else {
                                view! {
                                    <input type="number" min="0" max=max.to_string() step="0.5" prop:value=move || value.get() on:input=move |e| value.set(event_target_value(&e))/>
                                    <button on:click=move |_| { match value.get().replace(',', ".").parse::<f64>() {
                                        Ok(score) => live.send(Command::Score { seat, score }),
                                        Err(_) => live.error.set(Some(format!("Nhập điểm từ 0 đến {max}"))),
                                    } }>{if j.mine.is_some() { "Sửa điểm" } else { "Chấm" }}</button>
                                }
                                .into_any()
                            }}
                        </td>
                        <td>{format!("{done}/{}", j.scored_by.len())}</td>
                        <td>{j.total.map(fmt_points).unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }
            })
            .collect_view();
        let judges = v.judges.clone();
        let scored: Vec<String> = judges
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let all = c
                    .judging
                    .iter()
                    .all(|j| j.scored_by.get(k).copied().unwrap_or(false));
                format!(
                    "{n}: {}",
                    if all {
                        "đã chấm xong"
                    } else {
                        "đang chấm"
                    }
                )
            })
            .collect();
        view! {
            <Question live/>
            <p class="muted">{format!("Điểm từ 0 đến {max}. ")} {scored.join(" · ")}</p>
            <div class="table-wrap">
                <table>
                    <thead><tr><th>"Thí sinh"</th><th>"Điểm của bạn"</th><th>"Giám khảo đã chấm"</th><th>"Điểm phần thi"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let _ = judge;
    view! {
        <div class="live judge">
            <header class="live-head">
                <p class="muted">{name}</p>
                <h1>{who}</h1>
                <ConnBadge live/>
            </header>
            <LiveError live/>
            {body}
        </div>
    }
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
