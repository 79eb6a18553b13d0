use crate::api::*;
use crate::pages::{action_error, error_view, loading, urlencode};
use crate::types::{format_time, QuestionItem};
use hoithi_core::model::{Difficulty, QuestionDraft, QuestionKind};
use hoithi_core::taxonomy::{self, TOPICS};
use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

fn topic_options(selected: String, blank: &'static str) -> impl IntoView {
    view! {
        <option value="">{blank}</option>
        {TOPICS
            .iter()
            .map(|t| {
                let sel = t.key == selected;
                view! { <option value=t.key selected=sel>{t.name}</option> }
            })
            .collect_view()}
    }
}

fn difficulty_options(selected: String, blank: &'static str) -> impl IntoView {
    view! {
        <option value="">{blank}</option>
        {Difficulty::ALL
            .iter()
            .map(|d| {
                let sel = d.as_str() == selected;
                view! { <option value=d.as_str() selected=sel>{d.label()}</option> }
            })
            .collect_view()}
    }
}

/// The bank's overview: counts per topic and difficulty, the upload form and
/// the exports.
#[component]
pub fn BankPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| bank_stats());
    let query = use_query_map();
    let upload_error = move || query.read().get("loi");
    view! {
        <h1>"Ngân hàng câu hỏi"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match stats.await {
                    Err(e) => error_view(&e),
                    Ok(stats) => {
                        let total: i64 = stats.iter().map(|s| s.de + s.tb + s.kho).sum();
                        let kho: i64 = stats.iter().map(|s| s.kho).sum();
                        view! {
                            <p>
                                <strong>{total}</strong> " câu đang dùng, trong đó " <strong>{kho}</strong> " câu khó. "
                                <A href="/quan-tri/cau-hoi">"Xem danh sách câu hỏi"</A>
                            </p>
                            <div class="table-wrap">
                                <table class="stats">
                                    <thead><tr><th>"Chủ đề"</th><th>"Dễ"</th><th>"TB"</th><th>"Khó"</th></tr></thead>
                                    <tbody>
                                        {stats
                                            .into_iter()
                                            .map(|s| {
                                                let href = format!("/quan-tri/cau-hoi?topic={}", s.topic);
                                                view! {
                                                    <tr>
                                                        <td><A href=href>{s.topic_name}</A></td>
                                                        <td>{s.de}</td>
                                                        <td>{s.tb}</td>
                                                        <td>{s.kho}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                            <section class="card">
                                <h2>"Nhập câu hỏi từ tệp"</h2>
                                <p class="muted">
                                    "Nhận tệp định dạng Hội thi (.hq), Excel (.xlsx), CSV, Moodle GIFT hoặc Aiken. Tệp được kiểm tra trước; chỉ khi bạn xác nhận, câu hỏi mới được nhập. Tệp có lỗi sẽ không nhập câu nào."
                                </p>
                                {move || upload_error().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
                                <form method="post" action="/quan-tri/tai-len" enctype="multipart/form-data" class="form">
                                    <input type="hidden" name="purpose" value="questions"/>
                                    <label>"Tệp câu hỏi" <input type="file" name="file" required/></label>
                                    <label>
                                        "Chủ đề mặc định (cho tệp không ghi chủ đề)"
                                        <select name="topic">{topic_options(String::new(), "— Không —")}</select>
                                    </label>
                                    <label>
                                        "Mức độ mặc định"
                                        <select name="difficulty">{difficulty_options(String::new(), "Trung bình")}</select>
                                    </label>
                                    <button type="submit">"Tải lên và kiểm tra"</button>
                                </form>
                            </section>
                            <section class="card">
                                <h2>"Xuất ngân hàng"</h2>
                                <p class="actions">
                                    <a class="button secondary" href="/quan-tri/xuat?format=xlsx" rel="external">"Excel (.xlsx)"</a>
                                    <a class="button secondary" href="/quan-tri/xuat?format=csv" rel="external">"CSV"</a>
                                    <a class="button secondary" href="/quan-tri/xuat?format=native" rel="external">"Định dạng Hội thi (.hq)"</a>
                                </p>
                            </section>
                        }
                        .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

fn status_label(s: &str) -> &'static str {
    match s {
        "new" => "Mới",
        "version" => "Phiên bản mới",
        "unchanged" => "Không đổi",
        _ => "Trùng — bỏ qua",
    }
}

#[component]
pub fn ImportPreviewPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let confirm = ServerAction::<ImportConfirm>::new();
    let options = ServerAction::<ImportOptions>::new();
    let preview = Resource::new(
        move || (id(), confirm.version().get(), options.version().get()),
        |(id, _, _)| get_import_preview(id),
    );
    view! {
        <h1>"Kiểm tra tệp câu hỏi"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let p = match preview.await {
                    Ok(p) => p,
                    Err(e) => return error_view(&e),
                };
                let c = p.counts;
                let summary = view! {
                    <p>
                        "Tệp " <strong>{p.file_name.clone()}</strong> " (" {p.format.clone()} "): "
                        {c.new} " câu mới, " {c.new_versions} " phiên bản mới, " {c.unchanged} " không đổi, "
                        {c.duplicates} " câu trùng (bỏ qua)."
                    </p>
                };
                let body = if !p.errors.is_empty() {
                    view! {
                        <div class="alert error" role="alert">
                            <p>
                                <strong>{format!("Tệp có {} lỗi.", p.errors.len())}</strong>
                                {if p.has_options {
                                    " Không câu nào được nhập. Chọn chủ đề, bỏ qua câu không hỗ trợ ở mục Tùy chọn nhập, hoặc sửa tệp rồi tải lên lại."
                                } else {
                                    " Không câu nào được nhập. Hãy sửa tệp rồi tải lên lại."
                                }}
                            </p>
                            <ul class="errors">
                                {p.errors.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}
                            </ul>
                        </div>
                        <p><A href="/quan-tri/ngan-hang">"Tải lên tệp khác"</A></p>
                    }
                    .into_any()
                } else if p.applied {
                    view! {
                        <div class="alert ok" role="status">"Đã nhập tệp này vào ngân hàng."</div>
                        <p><A href="/quan-tri/cau-hoi">"Xem danh sách câu hỏi"</A></p>
                    }
                    .into_any()
                } else {
                    let upload_id = p.upload_id.clone();
                    let nothing = c.new + c.new_versions == 0;
                    view! {
                        <ActionForm action=confirm attr:class="form">
                            <input type="hidden" name="id" value=upload_id/>
                            {action_error(confirm.value())}
                            <button type="submit" disabled=nothing>"Xác nhận nhập"</button>
                            " " <A href="/quan-tri/ngan-hang">"Hủy"</A>
                        </ActionForm>
                    }
                    .into_any()
                };
                let choices = (p.has_options && !p.applied).then(|| {
                    // Unknown categories first, then those already given a topic.
                    let mut cats: Vec<(String, Option<usize>, String)> = p
                        .unknown_categories
                        .iter()
                        .map(|(line, name)| (name.clone(), Some(*line), String::new()))
                        .collect();
                    for (name, topic) in &p.category_topics {
                        if !cats.iter().any(|(n, _, _)| n == name) {
                            cats.push((name.clone(), None, topic.clone()));
                        }
                    }
                    let upload_id = p.upload_id.clone();
                    view! {
                        <section class="card import-options">
                            <h2>"Tùy chọn nhập"</h2>
                            <ActionForm action=options attr:class="form">
                                <input type="hidden" name="id" value=upload_id/>
                                {cats.into_iter().enumerate().map(|(i, (name, line, current))| {
                                    let label = match line {
                                        Some(l) => format!("Danh mục «{name}» (dòng {l}) thuộc chủ đề"),
                                        None => format!("Danh mục «{name}» thuộc chủ đề"),
                                    };
                                    view! {
                                        <label>
                                            {label}
                                            <input type="hidden" name=format!("categories[{i}]") value=name.clone()/>
                                            <select name=format!("topics[{i}]")>
                                                <option value="">"— Chọn chủ đề —"</option>
                                                {taxonomy::TOPICS.iter().map(|t| view! {
                                                    <option value=t.key selected=current == t.key>{t.name}</option>
                                                }).collect_view()}
                                            </select>
                                        </label>
                                    }
                                }).collect_view()}
                                <label class="check">
                                    <input type="checkbox" name="skip_unsupported" value="true" checked=p.skip_unsupported/>
                                    " Bỏ qua các câu không hỗ trợ (tự luận, ghép đôi); các câu còn lại vẫn được nhập"
                                </label>
                                {action_error(options.value())}
                                <button type="submit" class="secondary">"Áp dụng và kiểm tra lại"</button>
                            </ActionForm>
                        </section>
                    }
                });
                let skipped = (!p.skipped.is_empty()).then(|| view! {
                    <div class="alert warn" role="status">
                        <p><strong>{format!("Bỏ qua {} câu không hỗ trợ:", p.skipped.len())}</strong></p>
                        <ul class="errors">{p.skipped.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
                    </div>
                });
                let rows = p
                    .entries
                    .into_iter()
                    .map(|e| {
                        let cls = format!("status-{}", e.status);
                        view! {
                            <tr class=cls>
                                <td>{e.line}</td>
                                <td>{status_label(&e.status)} " " <span class="muted">{e.note}</span></td>
                                <td class="qtext">{e.text}</td>
                                <td>{e.kind}</td>
                                <td>{taxonomy::name_of(&e.topic).to_string()}</td>
                                <td>{e.difficulty}</td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    {summary}
                    {choices}
                    {skipped}
                    {body}
                    <div class="table-wrap">
                        <table class="preview">
                            <thead><tr><th>"Dòng"</th><th>"Kết quả"</th><th>"Câu hỏi"</th><th>"Loại"</th><th>"Chủ đề"</th><th>"Mức độ"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            })}
        </Suspense>
    }
}

fn correct_summary(d: &QuestionDraft) -> String {
    match d.kind {
        QuestionKind::Short | QuestionKind::Numeric => {
            let mut s = d.answers.join(" | ");
            if let Some(t) = d.tolerance.filter(|t| *t > 0.0) {
                s.push_str(&format!(" (±{t})"));
            }
            s
        }
        _ => d
            .options
            .iter()
            .filter(|o| o.correct)
            .map(|o| o.text.clone())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

#[component]
pub fn QuestionListPage() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).unwrap_or_default();
    let list = Resource::new(
        move || {
            (
                get("topic"),
                get("difficulty"),
                get("q"),
                get("retired") == "1",
                get("page").parse::<i64>().unwrap_or(1),
            )
        },
        |(topic, difficulty, q, retired, page)| list_questions(topic, difficulty, q, retired, page),
    );
    view! {
        <h1>"Danh sách câu hỏi"</h1>
        <Form method="GET" action="/quan-tri/cau-hoi" attr:class="filters">
            <select name="topic" aria-label="Chủ đề">{move || topic_options(get("topic"), "Mọi chủ đề")}</select>
            <select name="difficulty" aria-label="Mức độ">{move || difficulty_options(get("difficulty"), "Mọi mức độ")}</select>
            <input type="search" name="q" placeholder="Tìm theo nội dung hoặc mã" prop:value=move || get("q")/>
            <label class="check"><input type="checkbox" name="retired" value="1" checked=move || get("retired") == "1"/> "Cả câu đã ngừng dùng"</label>
            <button type="submit">"Lọc"</button>
        </Form>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => error_view(&e),
                    Ok(page) => {
                        let pages = (page.total + page.per_page - 1) / page.per_page;
                        let link = move |n: i64| {
                            let q = query.read();
                            let mut parts: Vec<String> = ["topic", "difficulty", "q", "retired"]
                                .iter()
                                .filter_map(|k| q.get(k).filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urlencode(&v))))
                                .collect();
                            parts.push(format!("page={n}"));
                            format!("/quan-tri/cau-hoi?{}", parts.join("&"))
                        };
                        view! {
                            <p class="muted result-count">{format!("{} câu hỏi", page.total)}</p>
                            <ul class="qlist">
                                {page.items.into_iter().map(question_row).collect_view()}
                            </ul>
                            <nav class="pager">
                                {(page.page > 1).then(|| view! { <A href=link(page.page - 1)>"← Trang trước"</A> })}
                                <span>{format!("Trang {} / {}", page.page, pages.max(1))}</span>
                                {(page.page < pages).then(|| view! { <A href=link(page.page + 1)>"Trang sau →"</A> })}
                            </nav>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

fn question_row(q: QuestionItem) -> impl IntoView {
    let href = format!("/quan-tri/cau-hoi/{}", q.id);
    let d = q.draft;
    let answer = correct_summary(&d);
    view! {
        <li class="qitem" class:retired=q.retired>
            <A href=href attr:class="qlink">{d.text.clone()}</A>
            <div class="meta">
                <span class="tag">{d.key.clone().unwrap_or_default()}</span>
                <span class="tag">{taxonomy::name_of(&d.topic).to_string()}</span>
                <span class="tag">{d.difficulty.label()}</span>
                <span class="tag">{d.kind.label()}</span>
                <span class="tag">{format!("v{}", q.version)}</span>
                {q.retired.then(|| view! { <span class="tag warn">"Ngừng dùng"</span> })}
            </div>
            <div class="answer">"Đáp án: " {answer}</div>
        </li>
    }
}

fn options_text(d: &QuestionDraft) -> String {
    d.options
        .iter()
        .map(|o| format!("{} {}", if o.correct { "*" } else { "-" }, o.text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[component]
pub fn QuestionPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let save = ServerAction::<SaveQuestion>::new();
    let retire = ServerAction::<SetQuestionRetired>::new();
    let detail = Resource::new(
        move || (id(), save.version().get(), retire.version().get()),
        |(id, _, _)| get_question(id),
    );
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let detail = match detail.await {
                    Ok(d) => d,
                    Err(e) => return error_view(&e),
                };
                let item = detail.item;
                let d = item.draft.clone();
                let key = d.key.clone().unwrap_or_default();
                let opts = d
                    .options
                    .iter()
                    .map(|o| {
                        let cls = if o.correct { "correct" } else { "" };
                        view! { <li class=cls>{o.text.clone()} {o.correct.then_some(" ✓")}</li> }
                    })
                    .collect_view();
                let versions = detail
                    .versions
                    .into_iter()
                    .map(|v| view! { <li>{format!("Phiên bản {} — {}", v.version, format_time(v.created_at))} ": " {v.draft.text}</li> })
                    .collect_view();
                let kind_now = d.kind.as_str();
                let qid = item.id.clone();
                let qid2 = item.id.clone();
                let retired = item.retired;
                let answers_text = d.answers.join("\n");
                let tolerance = d.tolerance.map(hoithi_core::text::format_number).unwrap_or_default();
                view! {
                    <p><A href="/quan-tri/cau-hoi">"← Danh sách câu hỏi"</A></p>
                    <h1 class="qtitle">{d.text.clone()}</h1>
                    <div class="meta">
                        <span class="tag">{key}</span>
                        <span class="tag">{taxonomy::name_of(&d.topic).to_string()}</span>
                        <span class="tag">{d.difficulty.label()}</span>
                        <span class="tag">{d.kind.label()}</span>
                        <span class="tag">{format!("Phiên bản {}", item.version)}</span>
                        {item.retired.then(|| view! { <span class="tag warn">"Ngừng dùng"</span> })}
                    </div>
                    <ul class="options">{opts}</ul>
                    {(!d.answers.is_empty()).then(|| view! { <p>"Đáp án được chấp nhận: " <strong>{correct_summary(&d)}</strong></p> })}
                    <p><strong>"Giải thích: "</strong> {d.explanation.clone()}</p>
                    <p class="muted"><strong>"Nguồn: "</strong> {d.source.clone()}</p>
                    <ActionForm action=retire attr:class="inline">
                        <input type="hidden" name="id" value=qid/>
                        <input type="hidden" name="retired" value=if retired { "false" } else { "true" }/>
                        <button type="submit" class="secondary">{if retired { "Dùng lại câu này" } else { "Ngừng dùng câu này" }}</button>
                    </ActionForm>
                    {action_error(retire.value())}
                    <section class="card">
                        <h2>"Sửa câu hỏi"</h2>
                        <p class="muted">"Lưu sẽ tạo phiên bản mới; các lượt thi đã làm vẫn giữ phiên bản cũ."</p>
                        <ActionForm action=save attr:class="form">
                            <input type="hidden" name="id" value=qid2/>
                            <label>"Nội dung câu hỏi" <textarea name="text" rows="3" required>{d.text.clone()}</textarea></label>
                            <label>
                                "Loại"
                                <select name="kind">
                                    {QuestionKind::ALL
                                        .iter()
                                        .map(|k| view! { <option value=k.as_str() selected=k.as_str() == kind_now>{k.label()}</option> })
                                        .collect_view()}
                                </select>
                            </label>
                            <label>"Chủ đề" <select name="topic">{topic_options(d.topic.clone(), "— Chọn —")}</select></label>
                            <label>"Mức độ" <select name="difficulty">{difficulty_options(d.difficulty.as_str().to_string(), "— Chọn —")}</select></label>
                            <label>
                                "Phương án (mỗi dòng một phương án; thêm * ở đầu phương án đúng)"
                                <textarea name="options" rows="5">{options_text(&d)}</textarea>
                            </label>
                            <label>
                                "Đáp án được chấp nhận (câu trả lời ngắn hoặc điền số; mỗi dòng một đáp án)"
                                <textarea name="answers" rows="2">{answers_text}</textarea>
                            </label>
                            <label>"Sai số (câu điền số)" <input type="text" name="tolerance" value=tolerance/></label>
                            <label>"Giải thích" <textarea name="explanation" rows="3">{d.explanation.clone()}</textarea></label>
                            <label>"Nguồn trích dẫn" <textarea name="source" rows="2">{d.source.clone()}</textarea></label>
                            <ImageField current=d.image.clone().unwrap_or_default()/>
                            {action_error(save.value())}
                            {move || save.value().get().and_then(|r| r.ok()).map(|v| view! { <div class="alert ok" role="status">{format!("Đã lưu — phiên bản {v}")}</div> })}
                            <button type="submit">"Lưu phiên bản mới"</button>
                        </ActionForm>
                    </section>
                    <section>
                        <h2>"Lịch sử phiên bản"</h2>
                        <ol class="versions">{versions}</ol>
                    </section>
                }
                .into_any()
            })}
        </Suspense>
    }
}

/// The question's image: an address, or a picture chosen from this device,
/// read in the browser into a `data:` address the server checks (PNG, JPEG,
/// GIF or WebP up to 200 KB) and keeps with the question.
#[component]
fn ImageField(current: String) -> impl IntoView {
    let image = RwSignal::new(current);
    let problem = RwSignal::new(None::<String>);
    let shown = move || {
        image.with(|s| {
            let short: String = if s.starts_with("data:") { "(ảnh đã tải lên)".into() } else { s.clone() };
            short
        })
    };
    view! {
        <fieldset class="image-field">
            <legend>"Hình ảnh (nếu có)"</legend>
            <input type="hidden" name="image" value=move || image.get()/>
            <label>"Đường dẫn ảnh"
                <input
                    type="text"
                    prop:value=shown
                    on:change=move |ev| image.set(event_target_value(&ev))
                />
            </label>
            <label>"hoặc chọn ảnh từ máy (PNG, JPEG, GIF, WebP; tối đa 200 KB)"
                <input
                    type="file"
                    accept="image/png,image/jpeg,image/gif,image/webp"
                    on:change=move |ev| {
                        #[cfg(feature = "hydrate")]
                        read_image(ev, image, problem);
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }
                />
            </label>
            {move || problem.get().map(|m| view! { <p class="alert error" role="alert">{m}</p> })}
            {move || {
                let src = image.get();
                (!src.is_empty()).then(|| view! { <img class="qimage" src=src alt="Hình minh họa của câu hỏi"/> })
            }}
            {move || (!image.with(String::is_empty)).then(|| view! {
                <button type="button" class="small secondary" on:click=move |_| image.set(String::new())>"Bỏ ảnh"</button>
            })}
        </fieldset>
    }
}

#[cfg(feature = "hydrate")]
pub(crate) fn read_image(ev: leptos::ev::Event, into: RwSignal<String>, problem: RwSignal<Option<String>>) {
    use wasm_bindgen::{closure::Closure, JsCast};
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
        return;
    };
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    if file.size() > hoithi_core::model::MAX_IMAGE_BYTES as f64 {
        problem.set(Some("Ảnh lớn hơn 200 KB: hãy thu nhỏ ảnh rồi chọn lại".into()));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let done = reader.clone();
    let onload = Closure::<dyn FnMut()>::new(move || {
        if let Some(url) = done.result().ok().and_then(|v| v.as_string()) {
            problem.set(hoithi_core::model::image_problem(&url));
            if problem.with_untracked(Option::is_none) {
                into.set(url);
            }
        }
    });
    reader.set_onload(Some(onload.as_ref().unchecked_ref()));
    // The reader holds the closure until it fires; it is small and one a pick.
    onload.forget();
    let _ = reader.read_as_data_url(&file);
}
