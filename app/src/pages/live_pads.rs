//! A finalist's pad (buzzer, star, answers) and a judge's pad (scores per
//! seat) in the live final.

use super::live::{letter, response_text, seat_name, segment_of, ConnBadge, Countdown, LiveError, Question};
use crate::live_api::ScreenEntry;
use crate::live_client::Live;
use crate::types::fmt_points;
use hoithi_core::live::Command;
use hoithi_core::model::QuestionKind;
use hoithi_core::round::grading::Response;
use leptos::prelude::*;

#[component]
pub(super) fn Pad(entry: StoredValue<ScreenEntry>, live: Live, seat: u32) -> impl IntoView {
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
pub(super) fn JudgePad(entry: StoredValue<ScreenEntry>, live: Live, judge: usize) -> impl IntoView {
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
