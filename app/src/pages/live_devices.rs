//! The host's view of the devices holding the seats' and judges' codes:
//! a code is taken by the first device that opens it, and only the host can
//! free it for another (a finalist's phone that died, a photographed code).

use crate::live_client::Live;
use crate::types::format_time;
use hoithi_core::live::Actor;
use leptos::prelude::*;

fn who_label(live: Live, who: Actor) -> String {
    match who {
        Actor::Seat(s) => live.view.with(|v| {
            v.scoreboard
                .iter()
                .find(|r| r.seat == s)
                .map(|r| format!("Ghế {s} – {}", r.name))
                .unwrap_or_else(|| format!("Ghế {s}"))
        }),
        Actor::Judge(j) => format!("Giám khảo {}", j + 1),
        Actor::Host => "Người dẫn chương trình".into(),
    }
}

fn who_key(who: Actor) -> String {
    match who {
        Actor::Seat(s) => format!("seat-{s}"),
        Actor::Judge(j) => format!("judge-{j}"),
        Actor::Host => "host".into(),
    }
}

#[component]
pub fn DevicesPanel(live: Live) -> impl IntoView {
    let rows = move || {
        live.devices
            .get()
            .into_iter()
            .map(|d| {
                let who = d.who;
                let state = match d.bound_at {
                    Some(at) => view! {
                        <span>{format!("Đã nhận lúc {} · {}", format_time(at), d.label)}</span>
                        " "
                        <button class="secondary" data-release=who_key(who)
                            on:click=move |_| live.release(who)>"Giải phóng"</button>
                    }
                    .into_any(),
                    None => view! { <span class="muted">"Chưa có thiết bị"</span> }.into_any(),
                };
                view! {
                    <li data-device=who_key(who) data-bound=if d.bound_at.is_some() { "1" } else { "0" }>
                        <b>{who_label(live, who)}</b> ": " {state}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="card">
            <h2>"Thiết bị của thí sinh và giám khảo"</h2>
            <p class="muted">
                "Mỗi mã chỉ dùng được trên thiết bị mở nó đầu tiên. Nếu thí sinh đổi máy "
                "hoặc mã bị người khác dùng, hãy giải phóng rồi để thiết bị đúng mở lại mã."
            </p>
            {move || {
                if live.devices.with(|d| d.is_empty()) {
                    view! { <p class="muted">"Đang tải danh sách thiết bị…"</p> }.into_any()
                } else {
                    view! { <ul class="devices">{rows}</ul> }.into_any()
                }
            }}
        </section>
    }
}
