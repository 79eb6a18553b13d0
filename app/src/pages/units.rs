use crate::api::*;
use crate::pages::{action_error, error_view, loading};
use crate::types::UnitView;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

fn unit_rows(list: Vec<UnitView>) -> impl IntoView {
    list.into_iter()
        .map(|u| {
            let pad = format!("padding-left: {}rem", 0.5 + 1.25 * u.depth as f32);
            view! {
                <tr>
                    <td style=pad>{u.name}</td>
                    <td>{u.code}</td>
                    <td>{u.kind}</td>
                    <td class="num">{u.headcount}</td>
                </tr>
            }
        })
        .collect_view()
}

#[component]
pub fn UnitsPage() -> impl IntoView {
    // The tree is public (registration needs it); the page's upload is admin-only on the server.
    let units = Resource::new(|| (), |_| list_units());
    let query = use_query_map();
    let upload_error = move || query.read().get("loi");
    view! {
        <h1>"Cây đơn vị"</h1>
        <section class="card">
            <h2>"Nhập đơn vị từ tệp"</h2>
            <p class="muted">
                "Tệp CSV hoặc Excel có các cột: Mã | Tên đơn vị | Cấp (huyện, xã, chi bộ) | Mã cấp trên | Số người. Đơn vị đã có (cùng mã) sẽ được cập nhật."
            </p>
            {move || upload_error().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            <form method="post" action="/quan-tri/tai-len" enctype="multipart/form-data" class="form">
                <input type="hidden" name="purpose" value="units"/>
                <label>"Tệp đơn vị" <input type="file" name="file" accept=".csv,.xlsx" required/></label>
                <button type="submit">"Tải lên và kiểm tra"</button>
            </form>
        </section>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match units.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Chưa có đơn vị nào."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table>
                                <thead><tr><th>"Đơn vị"</th><th>"Mã"</th><th>"Cấp"</th><th>"Số người"</th></tr></thead>
                                <tbody>{unit_rows(list)}</tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn UnitPreviewPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let confirm = ServerAction::<UnitConfirm>::new();
    let preview = Resource::new(
        move || (id(), confirm.version().get()),
        |(id, _)| get_unit_preview(id),
    );
    view! {
        <h1>"Kiểm tra tệp đơn vị"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let p = match preview.await {
                    Ok(p) => p,
                    Err(e) => return error_view(&e),
                };
                let head = view! { <p>"Tệp " <strong>{p.file_name.clone()}</strong> ": " {p.rows.len()} " đơn vị."</p> };
                let body = if !p.errors.is_empty() {
                    view! {
                        <div class="alert error" role="alert">
                            <p><strong>{format!("Tệp có {} lỗi.", p.errors.len())}</strong> " Không đơn vị nào được nhập."</p>
                            <ul class="errors">{p.errors.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
                        </div>
                        <p><A href="/quan-tri/don-vi">"Tải lên tệp khác"</A></p>
                    }
                    .into_any()
                } else if p.applied {
                    view! {
                        <div class="alert ok" role="status">"Đã nhập tệp này."</div>
                        <p><A href="/quan-tri/don-vi">"Xem cây đơn vị"</A></p>
                    }
                    .into_any()
                } else {
                    view! {
                        <ActionForm action=confirm attr:class="form">
                            <input type="hidden" name="id" value=p.upload_id.clone()/>
                            {action_error(confirm.value())}
                            <button type="submit">"Xác nhận nhập"</button>
                        </ActionForm>
                    }
                    .into_any()
                };
                view! {
                    {head}
                    {body}
                    <div class="table-wrap">
                        <table>
                            <thead><tr><th>"Đơn vị"</th><th>"Mã"</th><th>"Cấp"</th><th>"Số người"</th></tr></thead>
                            <tbody>{unit_rows(p.rows)}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            })}
        </Suspense>
    }
}
