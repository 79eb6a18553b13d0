//! The host's console of the live final: the show's outline, the current
//! item's commands, scoring, rescues, awards, the tie-break and the devices.

use super::live::{response_text, seat_name, ConnBadge, Countdown, LiveError, Question, Scoreboard};
use crate::live_api::ScreenEntry;
use crate::live_client::Live;
use crate::types::fmt_points;
use hoithi_core::live::Command;
use hoithi_core::round::grading::Response;
use leptos::prelude::*;

#[component]
pub(super) fn HostConsole(entry: StoredValue<ScreenEntry>, live: Live) -> impl IntoView {
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
