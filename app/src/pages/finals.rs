//! Organizers' pages for the live final: the list, the set-up form (finalists,
//! judges, prizes, segments drawn from the bank) and a final's codes, QR,
//! standings with prizes and the full event log.

use crate::live_api::*;
use crate::pages::{error_view, loading};
use crate::types::{fmt_points, format_time};
use hoithi_core::live::build::SegmentSpec;
use hoithi_core::live::{Points, SegmentKind};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

#[component]
pub fn FinalsPage() -> impl IntoView {
    let finals = Resource::new(|| (), |_| list_finals());
    view! {
        <h1>"Vòng chung kết trực tiếp"</h1>
        <p><A href="/ban-to-chuc/chung-ket/moi" attr:class="button">"Tạo vòng chung kết"</A> " " <A href="/truc-tiep">"Vào bằng mã"</A></p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match finals.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Chưa có vòng chung kết nào."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table>
                                <thead><tr><th>"Tên"</th><th>"Thí sinh"</th><th>"Phần thi"</th><th>"Thao tác đã ghi"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|f| view! {
                                        <tr>
                                            <td><A href=format!("/ban-to-chuc/chung-ket/{}", f.id)>{f.name}</A></td>
                                            <td>{f.finalists}</td>
                                            <td>{f.segments}</td>
                                            <td>{f.events}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

/// One segment row of the form; every field is text until it is sent.
#[derive(Clone)]
struct SegRow {
    id: usize,
    title: RwSignal<String>,
    kind: RwSignal<String>,
    timer: RwSignal<String>,
    right: RwSignal<String>,
    wrong: RwSignal<String>,
    bonus: RwSignal<String>,
    penalty: RwSignal<String>,
    max: RwSignal<String>,
    drop: RwSignal<bool>,
    topic: RwSignal<String>,
    count: RwSignal<String>,
    keys: RwSignal<String>,
    prompts: RwSignal<String>,
}

fn kind_key(k: &SegmentKind) -> &'static str {
    match k {
        SegmentKind::Everyone => "everyone",
        SegmentKind::Buzzer => "buzzer",
        SegmentKind::Elimination => "elimination",
        SegmentKind::Judged { .. } => "judged",
        SegmentKind::Wager { .. } => "wager",
        SegmentKind::TieBreak => "tiebreak",
    }
}

fn num(s: &str) -> Result<f64, ()> {
    let s = s.trim().replace(',', ".");
    if s.is_empty() {
        return Ok(0.0);
    }
    s.parse::<f64>().map_err(|_| ())
}

impl SegRow {
    fn new(id: usize, s: &SegmentSpec) -> SegRow {
        let (penalty, max, drop) = match s.kind {
            SegmentKind::Wager { penalty } => (penalty, 30, true),
            SegmentKind::Judged { max, drop_extremes } => (20.0, max, drop_extremes),
            _ => (20.0, 30, true),
        };
        SegRow {
            id,
            title: RwSignal::new(s.title.clone()),
            kind: RwSignal::new(kind_key(&s.kind).into()),
            timer: RwSignal::new(s.timer_secs.to_string()),
            right: RwSignal::new(fmt_points(s.points.right)),
            wrong: RwSignal::new(fmt_points(s.points.wrong)),
            bonus: RwSignal::new(fmt_points(s.points.speed_bonus)),
            penalty: RwSignal::new(fmt_points(penalty)),
            max: RwSignal::new(max.to_string()),
            drop: RwSignal::new(drop),
            topic: RwSignal::new(s.topic.clone().unwrap_or_default()),
            count: RwSignal::new(s.count.to_string()),
            keys: RwSignal::new(s.keys.join("\n")),
            prompts: RwSignal::new(s.prompts.join("\n\n")),
        }
    }

    fn spec(&self, n: usize) -> Result<SegmentSpec, String> {
        let bad = |what: &str| format!("Phần thi {n}: {what} không hợp lệ");
        let kind = match self.kind.get_untracked().as_str() {
            "buzzer" => SegmentKind::Buzzer,
            "elimination" => SegmentKind::Elimination,
            "judged" => SegmentKind::Judged {
                max: self
                    .max
                    .get_untracked()
                    .trim()
                    .parse()
                    .map_err(|_| bad("điểm tối đa"))?,
                drop_extremes: self.drop.get_untracked(),
            },
            "wager" => SegmentKind::Wager {
                penalty: num(&self.penalty.get_untracked()).map_err(|_| bad("điểm phạt"))?,
            },
            "tiebreak" => SegmentKind::TieBreak,
            _ => SegmentKind::Everyone,
        };
        Ok(SegmentSpec {
            title: self.title.get_untracked(),
            kind,
            timer_secs: self
                .timer
                .get_untracked()
                .trim()
                .parse()
                .map_err(|_| bad("thời gian"))?,
            points: Points {
                right: num(&self.right.get_untracked()).map_err(|_| bad("điểm đúng"))?,
                wrong: num(&self.wrong.get_untracked()).map_err(|_| bad("điểm trừ"))?,
                speed_bonus: num(&self.bonus.get_untracked())
                    .map_err(|_| bad("điểm thưởng tốc độ"))?,
            },
            keys: self
                .keys
                .get_untracked()
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .collect(),
            topic: Some(self.topic.get_untracked()).filter(|t| !t.is_empty()),
            count: self
                .count
                .get_untracked()
                .trim()
                .parse()
                .map_err(|_| bad("số câu"))?,
            prompts: self
                .prompts
                .get_untracked()
                .split("\n\n")
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        })
    }
}

fn text_input(sig: RwSignal<String>, kind: &'static str) -> impl IntoView {
    view! { <input type=kind prop:value=move || sig.get() on:input=move |e| sig.set(event_target_value(&e))/> }
}

#[component]
pub fn NewFinalPage() -> impl IntoView {
    let query = use_query_map();
    let contest = move || query.read().get("cuoc_thi").unwrap_or_default();
    let draft = Resource::new(contest, final_draft);
    view! {
        <h1>"Tạo vòng chung kết"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match draft.await {
                    Err(e) => error_view(&e),
                    Ok(d) => view! { <FinalForm draft=d contest_id=contest()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn FinalForm(draft: FinalSetup, contest_id: String) -> impl IntoView {
    let name = RwSignal::new(draft.name.clone());
    let finalists = RwSignal::new(draft.finalists.clone());
    let judges = RwSignal::new("Giám khảo 1\nGiám khảo 2\nGiám khảo 3".to_string());
    let prizes = RwSignal::new(draft.prizes.clone());
    let next_id = StoredValue::new(draft.segments.len());
    let rows = RwSignal::new(
        draft
            .segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegRow::new(i, s))
            .collect::<Vec<_>>(),
    );
    let topics = StoredValue::new(draft.topics.clone());
    let create = Action::new(
        move |args: &(String, String, String, String, String, Vec<SegmentSpec>)| {
            let (name, contest_id, finalists, judges, prizes, segments) = args.clone();
            async move { create_final(name, contest_id, finalists, judges, prizes, segments).await }
        },
    );
    let local_error = RwSignal::new(None::<String>);
    let contest_id = StoredValue::new(contest_id);
    let submit = move |_| {
        let specs: Result<Vec<SegmentSpec>, String> = rows
            .get_untracked()
            .iter()
            .enumerate()
            .map(|(i, r)| r.spec(i + 1))
            .collect();
        match specs {
            Err(e) => local_error.set(Some(e)),
            Ok(segments) => {
                local_error.set(None);
                create.dispatch((
                    name.get_untracked(),
                    contest_id.get_value(),
                    finalists.get_untracked(),
                    judges.get_untracked(),
                    prizes.get_untracked(),
                    segments,
                ));
            }
        }
    };
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/ban-to-chuc/chung-ket/{id}"), Default::default());
        }
    });
    let kinds = [
        ("everyone", "Cùng trả lời"),
        ("buzzer", "Giành quyền trả lời (bấm chuông)"),
        (
            "elimination",
            "Rung chuông vàng (loại trực tiếp, có cứu trợ)",
        ),
        ("judged", "Giám khảo chấm điểm"),
        ("wager", "Ngôi sao hy vọng (đặt cược)"),
        ("tiebreak", "Câu hỏi phụ (phân định)"),
    ];
    let segment_view = move |r: SegRow| {
        let id = r.id;
        let is = move |k: &'static str| move || r.kind.get() == k;
        view! {
            <fieldset class="segment-form" data-segment=id.to_string()>
                <legend>{move || format!("Phần thi {}", rows.with(|rs| rs.iter().position(|x| x.id == id).map(|p| p + 1).unwrap_or(0)))}</legend>
                <div class="grid">
                    <label>"Tên phần thi" {text_input(r.title, "text")}</label>
                    <label>"Hình thức"
                        <select prop:value=move || r.kind.get() on:change=move |e| r.kind.set(event_target_value(&e))>
                            {kinds.iter().map(|(k, l)| view! { <option value=*k>{*l}</option> }).collect_view()}
                        </select>
                    </label>
                    <Show when=move || !is("judged")()>
                        <label>"Thời gian mỗi câu (giây)" {text_input(r.timer, "number")}</label>
                        <label>"Điểm trả lời đúng" {text_input(r.right, "text")}</label>
                        <label>"Điểm trừ khi sai" {text_input(r.wrong, "text")}</label>
                    </Show>
                    <Show when=is("everyone")>
                        <label>"Thưởng tốc độ tối đa" {text_input(r.bonus, "text")}</label>
                    </Show>
                    <Show when=is("wager")>
                        <label>"Điểm phạt khi đặt ngôi sao mà sai" {text_input(r.penalty, "text")}</label>
                    </Show>
                    <Show when=is("judged")>
                        <label>"Điểm tối đa mỗi giám khảo" {text_input(r.max, "number")}</label>
                        <label class="check"><input type="checkbox" prop:checked=move || r.drop.get() on:change=move |e| r.drop.set(event_target_checked(&e))/> "Bỏ điểm cao nhất và thấp nhất"</label>
                    </Show>
                </div>
                <Show when=move || !is("judged")() fallback=move || view! {
                    <label>"Tình huống cho giám khảo (cách nhau một dòng trống)"
                        <textarea rows="4" prop:value=move || r.prompts.get() on:input=move |e| r.prompts.set(event_target_value(&e))></textarea>
                    </label>
                }>
                    <div class="grid">
                        <label>"Rút câu hỏi từ chủ đề"
                            <select prop:value=move || r.topic.get() on:change=move |e| r.topic.set(event_target_value(&e))>
                                <option value="">"Tất cả chủ đề"</option>
                                {topics.get_value().into_iter().map(|(k, n)| view! { <option value=k.clone()>{n}</option> }).collect_view()}
                            </select>
                        </label>
                        <label>"Số câu" {text_input(r.count, "number")}</label>
                        <label>"Mã câu hỏi chọn sẵn (tùy chọn, mỗi dòng một mã)"
                            <textarea rows="2" prop:value=move || r.keys.get() on:input=move |e| r.keys.set(event_target_value(&e))></textarea>
                        </label>
                    </div>
                </Show>
                <button type="button" class="secondary" on:click=move |_| rows.update(|rs| rs.retain(|x| x.id != id))>"Bỏ phần thi này"</button>
            </fieldset>
        }
        .into_any()
    };
    view! {
        <div class="form wide">
            <label>"Tên vòng chung kết" {text_input(name, "text")}</label>
            <label>"Thí sinh: mỗi dòng «số ghế; họ tên; đơn vị» (dán từ Excel được)"
                <textarea rows="8" name="finalists" prop:value=move || finalists.get() on:input=move |e| finalists.set(event_target_value(&e))></textarea>
            </label>
            <label>"Giám khảo: mỗi dòng một người"
                <textarea rows="3" prop:value=move || judges.get() on:input=move |e| judges.set(event_target_value(&e))></textarea>
            </label>
            <label>"Cơ cấu giải: mỗi dòng «tên giải: số lượng»"
                <textarea rows="4" prop:value=move || prizes.get() on:input=move |e| prizes.set(event_target_value(&e))></textarea>
            </label>
            <h2>"Chương trình"</h2>
            <p class="muted">"Câu hỏi được rút từ ngân hàng khi tạo và không lặp lại giữa các phần; sửa ngân hàng sau đó không làm đổi vòng chung kết."</p>
            <For each=move || rows.get() key=|r| r.id let:r>
                {segment_view(r)}
            </For>
            <button type="button" class="secondary" on:click=move |_| {
                let id = next_id.get_value();
                next_id.set_value(id + 1);
                let blank = SegmentSpec {
                    title: String::new(),
                    kind: SegmentKind::Everyone,
                    timer_secs: 15,
                    points: Points { right: 10.0, wrong: 0.0, speed_bonus: 0.0 },
                    keys: Vec::new(),
                    topic: None,
                    count: 3,
                    prompts: Vec::new(),
                };
                rows.update(|rs| rs.push(SegRow::new(id, &blank)));
            }>"Thêm phần thi"</button>
            {move || local_error.get().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            {move || create.value().get().and_then(|r| r.err()).map(|e| view! { <div class="alert error pre" role="alert">{e.to_string()}</div> })}
            <button type="button" on:click=submit disabled=move || create.pending().get()>"Tạo vòng chung kết và phát mã"</button>
        </div>
    }
}

#[component]
pub fn FinalPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let detail = Resource::new(id, final_detail);
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Err(e) => return error_view(&e),
                    Ok(d) => d,
                };
                let host = d.codes.first().map(|c| c.code.clone()).unwrap_or_default();
                view! {
                    <h1>{d.name.clone()}</h1>
                    <p>
                        <a href=format!("/truc-tiep/{host}") class="button" rel="external">"Mở bảng điều khiển của người dẫn"</a> " "
                        <a href=format!("/truc-tiep/{}/man-chieu", d.join_code) class="button secondary" rel="external">"Mở màn chiếu"</a>
                    </p>
                    <h2>"Mã vào các màn hình"</h2>
                    <p class="muted">"Mỗi thí sinh và giám khảo chỉ dùng mã của mình. Khán giả dùng mã chung hoặc quét mã QR."</p>
                    <div class="codes">
                        <figure>
                            <img src=format!("/truc-tiep/qr/{}", d.join_code) alt="Mã QR khán giả" width="160" height="160"/>
                            <figcaption>"Khán giả: " <b class="code" data-join-code=d.join_code.clone()>{d.join_code.clone()}</b></figcaption>
                        </figure>
                        <div class="table-wrap">
                            <table>
                                <thead><tr><th>"Màn hình"</th><th>"Mã"</th><th>"Địa chỉ"</th></tr></thead>
                                <tbody>
                                    {d.codes.iter().map(|c| view! {
                                        <tr>
                                            <td>{c.label.clone()}</td>
                                            <td><b class="code" data-code-for=c.label.clone()>{c.code.clone()}</b></td>
                                            <td><a href=format!("/truc-tiep/{}", c.code) rel="external">{format!("/truc-tiep/{}", c.code)}</a></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    </div>
                    <h2>"Kết quả"</h2>
                    {(!d.ties.is_empty()).then(|| view! {
                        <p class="alert warn">{format!("Các ghế {} bằng điểm ở ranh giới giải: cần câu hỏi phụ.", d.ties.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "))}</p>
                    })}
                    <p><a href=format!("/ban-to-chuc/chung-ket/xuat?id={}", d.id) rel="external" download="">"Xuất kết quả ra Excel"</a></p>
                    <div class="table-wrap">
                        <table class="standings">
                            <thead><tr><th>"Hạng"</th><th>"Ghế"</th><th>"Họ và tên"</th><th>"Đơn vị"</th><th>"Điểm"</th><th>"Giải"</th></tr></thead>
                            <tbody>
                                {d.standings.iter().map(|s| view! {
                                    <tr>
                                        <td>{s.rank}</td><td>{s.seat}</td><td>{s.name.clone()}</td><td>{s.unit.clone()}</td>
                                        <td>{fmt_points(s.score)}</td><td>{s.prize.clone().unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <h2>"Chương trình"</h2>
                    <ol>
                        {d.segments.iter().map(|s| view! {
                            <li><b>{s.title.clone()}</b> {format!(" · {} · {} mục", s.kind_label, s.items.len())}
                                <ol>{s.items.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ol>
                            </li>
                        }).collect_view()}
                    </ol>
                    <h2>{format!("Nhật ký ({} thao tác)", d.log.len())}</h2>
                    <div class="table-wrap">
                        <table class="log">
                            <thead><tr><th>"#"</th><th>"Lúc"</th><th>"Người gửi"</th><th>"Nội dung"</th></tr></thead>
                            <tbody>
                                {d.log.iter().rev().map(|l| view! {
                                    <tr class=if l.voided { "voided" } else { "" }>
                                        <td>{l.seq}</td>
                                        <td>{format_time_seconds(l.at)}</td>
                                        <td>{l.actor.clone()}</td>
                                        <td>{l.text.clone()} {l.voided.then_some(" (đã hoàn tác)")}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// "21/11/2026 19:30:05" in Hà Nội time.
fn format_time_seconds(ms: i64) -> String {
    format!(
        "{}:{:02}",
        format_time(ms),
        (ms.div_euclid(1000) + 7 * 3600).rem_euclid(60)
    )
}
