//! Organizers' pages: contests, their rounds (rules, publishing, closing,
//! answer key and results), rankings and the finalists list.

use crate::contests::*;
use crate::pages::rounds::RankingTable;
use crate::pages::{action_error, error_view, loading};
use crate::round_api::*;
use crate::types::*;
use hoithi_core::round::rules::{default_prizes, format_draw, format_prizes};
use hoithi_core::round::{Counting, ReviewPolicy};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn ContestsPage() -> impl IntoView {
    let create = ServerAction::<CreateContest>::new();
    let contests = Resource::new(|| (), |_| my_contests());
    view! {
        <h1>"Quản lý cuộc thi"</h1>
        <p><A href="/ban-to-chuc/thi-sinh">"Đăng ký thí sinh theo danh sách Excel"</A></p>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match contests.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"Bạn chưa được giao cuộc thi hay đơn vị nào. Quản trị viên giao quyền ở trang Người dùng."</p>
                    }
                    .into_any(),
                    Ok(list) => view! {
                        <ul class="links">
                            {list.into_iter().map(|m| {
                                let owner = m.contest.unit_name.clone().unwrap_or_else(|| "Toàn thành phố".into());
                                let role = if m.manage { "tổ chức" } else { "theo dõi đơn vị mình" };
                                view! {
                                    <li>
                                        <A href=format!("/ban-to-chuc/cuoc-thi/{}", m.contest.id)>{m.contest.name}</A>
                                        <span class="muted">{format!(" — {owner} · {role}")}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
        <h2>"Tạo cuộc thi mới"</h2>
        <ActionForm action=create attr:class="form">
            <label>"Tên cuộc thi" <input type="text" name="name" required/></label>
            <label>"Mô tả" <textarea name="description" rows="3"></textarea></label>
            <label>"Đơn vị tổ chức" <crate::pages::UnitSelect blank="Toàn thành phố"/></label>
            {action_error(create.value())}
            <button type="submit">"Tạo cuộc thi"</button>
        </ActionForm>
    }
}

#[component]
pub fn ContestPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let detail = Resource::new(id, get_contest);
    let units = Resource::new(id, unit_leaderboard);
    let propose = ServerAction::<ProposeFinalists>::new();
    let confirm = ServerAction::<ConfirmFinalists>::new();
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let d = match detail.await {
                    Err(e) => return error_view(&e),
                    Ok(d) => d,
                };
                let cid = d.contest.id.clone();
                let cid2 = cid.clone();
                let cid3 = cid.clone();
                let manage = d.manage;
                let has_finalists = !d.finalists.is_empty();
                // Proposing needs somebody ranked: a published round with attempts.
                let any_rounds = !d.rounds.is_empty();
                let rounds_rows = d.rounds.clone().into_iter().map(|r| view! {
                    <tr>
                        <td><A href=format!("/ban-to-chuc/vong/{}", r.id)>{r.rules.name.clone()}</A></td>
                        <td>{format!("{} – {}", format_time(r.rules.opens_at), format_time(r.rules.closes_at))}</td>
                        <td>{r.phase.label()}</td>
                    </tr>
                }).collect_view();
                view! {
                    <h1>{d.contest.name.clone()}</h1>
                    <p>{d.contest.description.clone()}</p>
                    <h2>"Các vòng thi"</h2>
                    {if d.rounds.is_empty() {
                        view! { <p class="muted empty">{if manage { "Chưa có vòng thi nào. Thêm vòng thi ở mục bên dưới." } else { "Chưa có vòng thi nào." }}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap">
                                <table>
                                    <thead><tr><th>"Vòng"</th><th>"Thời gian"</th><th>"Trạng thái"</th></tr></thead>
                                    <tbody>{rounds_rows}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                    <p>
                        <A href=format!("/ban-to-chuc/cuoc-thi/{cid}/xep-hang")>"Bảng xếp hạng chung các vòng"</A>
                        " · "
                        <a href=format!("/ban-to-chuc/xuat?cuoc_thi={cid}&bang=xep-hang") rel="external" download="">"Xuất Excel"</a>
                    </p>
                    <Suspense fallback=loading>
                        {move || Suspend::new(async move {
                            match units.await {
                                Err(e) => error_view(&e),
                                Ok(t) => {
                                    let href = format!("/ban-to-chuc/xuat?cuoc_thi={}&bang=don-vi", id());
                                    view! { <ReportTable t href/> }.into_any()
                                }
                            }
                        })}
                    </Suspense>
                    {manage.then(|| view! {
                        <details>
                            <summary>"Thêm vòng thi"</summary>
                            <RoundForm contest_id=cid.clone() round=None/>
                        </details>
                    })}
                    <h2>"Thí sinh vào chung kết"</h2>
                    {if d.finalists.is_empty() {
                        view! { <p class="muted">"Chưa xác nhận danh sách."</p> }.into_any()
                    } else {
                        view! {
                            <p class="alert ok">
                                {format!("Đã xác nhận {} thí sinh lúc {}. ", d.finalists.len(), format_time(d.finalists[0].confirmed_at))}
                                <a href=format!("/ban-to-chuc/xuat?cuoc_thi={}&bang=chung-ket", d.contest.id) rel="external" download="">"Xuất Excel"</a>
                            </p>
                            <ol class="finalists">
                                {d.finalists.iter().map(|f| view! { <li>{f.full_name.clone()} " — " {f.unit_name.clone().unwrap_or_default()}</li> }).collect_view()}
                            </ol>
                        }
                        .into_any()
                    }}
                    {manage.then(|| view! {
                    {has_finalists.then(|| view! {
                        <p><A href=format!("/ban-to-chuc/chung-ket/moi?cuoc_thi={}", cid3) attr:class="button">"Tạo vòng chung kết trực tiếp với danh sách này"</A></p>
                    })}
                    {if any_rounds {
                        view! {
                    <ActionForm action=propose attr:class="form inline-form">
                        <input type="hidden" name="contest_id" value=cid.clone()/>
                        <label>"Số thí sinh" <input type="number" name="count" value="16" min="1" required/></label>
                        <label>"Tối đa mỗi đơn vị (0: không giới hạn)" <input type="number" name="quota" value="0" min="0" required/></label>
                        {action_error(propose.value())}
                        <button type="submit" class="secondary">"Đề xuất theo xếp hạng chung"</button>
                    </ActionForm>
                        }.into_any()
                    } else {
                        view! { <p class="muted empty">"Danh sách chung kết được đề xuất từ bảng xếp hạng chung, khi các vòng thi đã có người dự thi."</p> }.into_any()
                    }}
                    {move || propose.value().get().and_then(|r| r.ok()).map(|rows| {
                        let ids: Vec<String> = rows.iter().filter_map(|r| r.user_id.clone()).collect();
                        let cid = cid2.clone();
                        view! {
                            <RankingTable ranking=Ranking { title: String::new(), perfect: None, total: rows.len(), page: 1, rows }/>
                            <button
                                type="button"
                                on:click=move |_| {
                                    confirm.dispatch(ConfirmFinalists { contest_id: cid.clone(), user_ids: ids.clone() });
                                }
                            >
                                "Xác nhận danh sách này"
                            </button>
                        }
                    })}
                    {action_error(confirm.value())}
                    {move || confirm.value().get().and_then(|r| r.ok()).map(|_| view! { <p class="alert ok" role="status">"Đã xác nhận danh sách vào chung kết. Tải lại trang để xem."</p> })}
                    })}
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// The round form: new (`round` is `None`) or editing.
#[component]
fn RoundForm(contest_id: String, round: Option<RoundView>) -> impl IntoView {
    let save = ServerAction::<SaveRound>::new();
    let r = round.as_ref().map(|r| r.rules.clone());
    let v = |f: fn(&RoundRules) -> String, default: &str| {
        r.as_ref().map(f).unwrap_or_else(|| default.to_string())
    };
    let (name, opens, closes) = (
        v(|r| r.name.clone(), ""),
        v(|r| local_input_value(r.opens_at), ""),
        v(|r| local_input_value(r.closes_at), ""),
    );
    let (questions, minutes, attempts) = (
        v(|r| r.questions_per_attempt.to_string(), "20"),
        v(
            |r| hoithi_core::text::format_number(f64::from(r.time_limit_secs) / 60.0),
            "20",
        ),
        v(|r| r.attempts_allowed.to_string(), "3"),
    );
    let (draw, prizes) = (
        v(|r| format_draw(&r.draw), ""),
        v(
            |r| format_prizes(&r.prizes),
            &format_prizes(&default_prizes()),
        ),
    );
    let counting = r.as_ref().map(|r| r.counting).unwrap_or(Counting::Best);
    let review = r
        .as_ref()
        .map(|r| r.review)
        .unwrap_or(ReviewPolicy::AfterClose);
    let prediction = r.as_ref().map(|r| r.prediction).unwrap_or(true);
    view! {
        <ActionForm action=save attr:class="form">
            <input type="hidden" name="contest_id" value=contest_id/>
            <input type="hidden" name="round_id" value=round.as_ref().map(|r| r.id.clone()).unwrap_or_default()/>
            <label>"Tên vòng thi" <input type="text" name="name" value=name required/></label>
            <div class="row2">
                <label>"Mở lúc" <input type="datetime-local" name="opens_at" value=opens required/></label>
                <label>"Kết thúc lúc" <input type="datetime-local" name="closes_at" value=closes required/></label>
            </div>
            <div class="row2">
                <label>"Số câu mỗi lượt" <input type="number" name="questions" min="1" value=questions required/></label>
                <label>"Thời gian làm bài (phút)" <input type="number" name="time_limit_minutes" min="0.5" step="0.5" value=minutes required/></label>
                <label>"Số lượt thi mỗi người" <input type="number" name="attempts_allowed" min="1" value=attempts required/></label>
            </div>
            <label>
                "Cơ cấu đề (mỗi dòng: chủ đề mức-độ số-câu; * là bất kỳ; phần còn lại rút ngẫu nhiên)"
                <textarea name="draw" rows="4" placeholder="ct24.nv1 * 2\n* kho 5">{draw}</textarea>
            </label>
            <label>
                "Lượt được tính"
                <select name="counting">
                    {Counting::ALL.iter().map(|c| view! { <option value=c.as_str() selected=*c == counting>{c.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>
                "Xem đáp án và giải thích"
                <select name="review">
                    {ReviewPolicy::ALL.iter().map(|c| view! { <option value=c.as_str() selected=*c == review>{c.label()}</option> }).collect_view()}
                </select>
            </label>
            <label class="check"><input type="checkbox" name="prediction" value="1" checked=prediction/> "Có câu hỏi dự đoán"</label>
            <label>
                "Cơ cấu giải (mỗi dòng: Tên giải: số lượng)"
                <textarea name="prizes" rows="4">{prizes}</textarea>
            </label>
            {action_error(save.value())}
            <button type="submit">"Lưu vòng thi"</button>
        </ActionForm>
    }
}

#[component]
pub fn RoundAdminPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let act = ServerAction::<RoundAction>::new();
    let info = Resource::new(
        move || (id(), act.version().get()),
        |(id, _)| round_info(id),
    );
    let dashboard = Resource::new(
        move || (id(), act.version().get()),
        |(id, _)| round_dashboard(id),
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let m = match info.await {
                    Err(e) => return error_view(&e),
                    Ok(m) => m,
                };
                // An organizer of units inside the contest follows the
                // round; changing it is for who runs the contest.
                let manage = matches!(dashboard.await, Ok(ref d) if d.manage);
                let r = m.round.clone();
                let rid = r.id.clone();
                let button = move |action: &'static str, label: &'static str| {
                    let rid = rid.clone();
                    view! {
                        <ActionForm action=act attr:class="inline">
                            <input type="hidden" name="round_id" value=rid/>
                            <input type="hidden" name="action" value=action/>
                            <button type="submit" class="secondary">{label}</button>
                        </ActionForm>
                    }
                };
                let closed = r.phase == Phase::Closed;
                view! {
                    <p><A href=format!("/ban-to-chuc/cuoc-thi/{}", r.contest_id)>{format!("← {}", r.contest_name)}</A></p>
                    <h1>{r.rules.name.clone()} " " <span class="tag">{r.phase.label()}</span></h1>
                    <p>{format!("{} – {} · {} câu · {} phút · {} lượt", format_time(r.rules.opens_at), format_time(r.rules.closes_at), r.rules.questions_per_attempt, hoithi_core::text::format_number(f64::from(r.rules.time_limit_secs) / 60.0), r.rules.attempts_allowed)}</p>
                    {(!r.draw_text.is_empty()).then(|| view! { <ul>{r.draw_text.iter().map(|t| view! { <li>{t.clone()}</li> }).collect_view()}</ul> })}
                    {manage.then(|| view! {
                    <div class="actions">
                        {(!r.published).then(|| button("publish", "Công bố vòng thi"))}
                        {(r.published && !closed).then(|| button("close", "Kết thúc sớm"))}
                        {(closed && !r.key_published).then(|| button("publish_key", "Công bố đáp án"))}
                        {(closed && !r.results_published).then(|| button("publish_results", "Công bố kết quả và giải"))}
                    </div>
                    })}
                    {(manage && r.published).then(|| {
                        let rid = r.id.clone();
                        view! {
                            <ActionForm action=act attr:class="form inline-form">
                                <input type="hidden" name="round_id" value=rid/>
                                <input type="hidden" name="action" value="extend"/>
                                <label>"Gia hạn đến" <input type="datetime-local" name="closes_at" required/></label>
                                <button type="submit" class="secondary">"Gia hạn"</button>
                            </ActionForm>
                        }
                    })}
                    {action_error(act.value())}
                    {r.published.then(|| view! {
                        <crate::participation::NotTakenPanel round_id=r.id.clone()/>
                    })}
                    {(manage && r.published && !r.key_published && !r.results_published).then(|| view! {
                        <crate::accommodations::AccommodationsPanel round_id=r.id.clone()/>
                    })}
                    {(manage && r.published).then(|| view! {
                        <crate::fairplay::FairplayPanel round_id=r.id.clone()/>
                        <crate::certificates::CertificatesPanel
                            round_id=r.id.clone()
                            contest_id=r.contest_id.clone()
                            results_published=r.results_published
                        />
                    })}
                    <Suspense fallback=loading>
                        {move || Suspend::new(async move {
                            match dashboard.await {
                                Err(e) => error_view(&e),
                                Ok(d) => view! { <DashboardView d/> }.into_any(),
                            }
                        })}
                    </Suspense>
                    {manage.then(|| view! {
                        <details>
                            <summary>"Sửa vòng thi"</summary>
                            <RoundForm contest_id=r.contest_id.clone() round=Some(r.clone())/>
                        </details>
                    })}
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
pub fn OverallRankingPage() -> impl IntoView {
    view! { <crate::pages::rounds::RankingLoader heading="Xếp hạng chung: " overall=true/> }
}

#[component]
fn DashboardView(d: Dashboard) -> impl IntoView {
    let export = |key: &str| format!("/ban-to-chuc/xuat?vong={}&bang={key}", d.round.id);
    view! {
        <div class="kpis">
            <div class="kpi"><strong>{d.in_progress}</strong><span>"đang làm bài"</span></div>
            <div class="kpi"><strong>{d.attempts}</strong><span>"lượt đã nộp"</span></div>
            <div class="kpi"><strong>{d.people}</strong><span>"người tham gia"</span></div>
            <div class="kpi"><strong>{d.perfect}</strong><span>"lượt đúng tất cả"</span></div>
        </div>
        <div class="charts">
            {d.charts.into_iter().map(|c| view! { <figure class="chart-box"><figcaption>{c.title}</figcaption><div inner_html=c.svg></div></figure> }).collect_view()}
        </div>
        {d.tables.into_iter().map(|t| {
            let href = export(&t.key);
            view! { <ReportTable t href/> }
        }).collect_view()}
    }
}

/// A report table with its `.xlsx` export link.
#[component]
pub fn ReportTable(t: TableView, href: String) -> impl IntoView {
    if t.rows.is_empty() {
        // Headers over nothing say less than a sentence.
        return view! {
            <section class="report">
                <h2>{t.title.clone()}</h2>
                <p class="muted empty">"Chưa có số liệu: bảng sẽ có dữ liệu khi có người dự thi."</p>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="report">
            <h2>{t.title.clone()} " " <a href=href class="small" rel="external" download="">"Xuất Excel"</a></h2>
            <div class="table-wrap">
                <table>
                    <thead><tr>{t.header.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {t.rows.into_iter().map(|r| view! { <tr>{r.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr> }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
