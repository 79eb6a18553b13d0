//! Cadres registered in bulk from a unit's Excel or CSV list: the upload,
//! the checked preview, all-or-nothing registration, and the generated
//! first passwords handed out once, as printable slips and a spreadsheet.

use crate::error::AppError;
use crate::pages::{action_error, error_view, loading};
use crate::types::*;
use leptos::prelude::*;
use leptos_router::components::A;

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, state},
    hoithi_core::store,
};

/// The file's rows, or its errors; a row whose unit lies outside the
/// units the caller manages is an error too (registration is all or none).
#[cfg(feature = "ssr")]
async fn scoped_rows(
    st: &ssr::AppState,
    caller: &crate::access::Caller,
    upload: &store::uploads::Upload,
) -> Result<Result<Vec<hoithi_core::formats::cadres::CadreRow>, Vec<hoithi_core::bank::ImportError>>, AppError> {
    let rows = match crate::ssr_views::cadre_rows(&st.db, upload).await? {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
    };
    let reach = caller.scope.people();
    let outside: Vec<hoithi_core::bank::ImportError> = rows
        .iter()
        .filter(|r| !reach.allows(&caller.tree, r.unit_id.as_deref()))
        .map(|r| hoithi_core::bank::ImportError {
            line: r.line,
            column: None,
            message: match &r.unit_name {
                Some(n) => format!("Đơn vị «{n}» nằm ngoài phạm vi bạn quản lý"),
                None => "Chưa ghi đơn vị: bạn chỉ đăng ký được cán bộ thuộc đơn vị mình quản lý".into(),
            },
        })
        .collect();
    Ok(if outside.is_empty() { Ok(rows) } else { Err(outside) })
}

/// What a bulk registration file would register, or every error in it.
#[server(prefix = "/api", endpoint = "cadre_preview")]
pub async fn get_cadre_preview(id: String) -> Result<CadrePreview, AppError> {
    let caller = crate::access::staff().await?;
    let st = state()?;
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &caller.user, store::uploads::Purpose::Cadres).await?;
    let (rows, errors) = match scoped_rows(&st, &caller, &upload).await? {
        Ok(rows) => (rows, Vec::new()),
        Err(errors) => (Vec::new(), errors),
    };
    Ok(CadrePreview {
        upload_id: upload.id,
        file_name: upload.file_name,
        applied: upload.applied_at.is_some(),
        errors,
        rows: rows
            .into_iter()
            .map(|r| CadreView {
                line: r.line,
                full_name: r.full_name,
                login: r.login,
                unit_name: r.unit_name,
                position: r.position,
                has_password: r.password.is_some(),
            })
            .collect(),
    })
}

/// Registers every cadre of the file, or none; returns each login with its
/// first password, shown this once.
#[server(prefix = "/api", endpoint = "cadre_confirm")]
pub async fn cadre_confirm(id: String) -> Result<CadreRegistration, AppError> {
    let caller = crate::access::staff().await?;
    let st = state()?;
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &caller.user, store::uploads::Purpose::Cadres).await?;
    let user = &caller.user;
    let rows = scoped_rows(&st, &caller, &upload)
        .await?
        .map_err(|errs| {
            ssr::invalid(format!("Tệp có {} lỗi, không ai được đăng ký", errs.len()))
        })?;
    let creds = store::users::create_many(&st.db, &rows, &upload.id).await?;
    tracing::info!(upload = %upload.id, user = %user.id, count = creds.len(), "cadres registered in bulk");
    crate::audit::record(&st, user, store::audit::Change {
        after: Some(serde_json::json!({
            "file": upload.file_name,
            "logins": creds.iter().map(|c| c.login.as_str()).collect::<Vec<_>>(),
        })),
        ..crate::audit::change(
            "cadres.register",
            "upload",
            &upload.id,
            format!("Đăng ký {} thí sinh từ tệp «{}»", creds.len(), upload.file_name),
        )
    })
    .await;
    let creds: Vec<CredentialView> = creds
        .into_iter()
        .map(|c| CredentialView {
            line: c.line,
            full_name: c.full_name,
            login: c.login,
            unit_name: c.unit_name,
            password: c.password,
        })
        .collect();
    // The sheet is made now, from passwords the server keeps nowhere.
    let xlsx = credentials_sheet(&creds);
    Ok(CadreRegistration {
        xlsx_base64: base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xlsx),
        creds,
    })
}

/// The generated credentials as a spreadsheet, one row per cadre.
#[cfg(feature = "ssr")]
fn credentials_sheet(creds: &[CredentialView]) -> Vec<u8> {
    let mut rows = vec![["Dòng", "Họ và tên", "Đơn vị", "Tài khoản", "Mật khẩu lần đầu"]
        .map(String::from)
        .to_vec()];
    rows.extend(creds.iter().map(|c| {
        vec![
            c.line.to_string(),
            c.full_name.clone(),
            c.unit_name.clone().unwrap_or_default(),
            c.login.clone(),
            c.password.clone(),
        ]
    }));
    hoithi_core::formats::xlsx::write_rows("Mật khẩu lần đầu", &rows)
}

#[component]
pub fn CadresPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let upload_error = move || query.read().get("loi");
    view! {
        <h1>"Đăng ký thí sinh theo danh sách"</h1>
        <section class="card">
            <p class="muted">
                "Tệp Excel (.xlsx) hoặc CSV có các cột: Họ và tên | Số điện thoại hoặc e-mail | Đơn vị (mã hoặc tên trong cây đơn vị) | Chức vụ | Mật khẩu (có thể bỏ trống: hệ thống tạo mật khẩu). Tệp có lỗi sẽ không đăng ký ai."
            </p>
            {move || upload_error().map(|m| view! { <div class="alert error" role="alert">{m}</div> })}
            <form method="post" action="/quan-tri/tai-len" enctype="multipart/form-data" class="form">
                <input type="hidden" name="purpose" value="cadres"/>
                <label>"Tệp danh sách" <input type="file" name="file" accept=".csv,.xlsx" required/></label>
                <button type="submit">"Tải lên và kiểm tra"</button>
            </form>
        </section>
        <super::password::ResetPasswordForm/>
        <super::manage::ActivationForm/>
    }
}

#[component]
pub fn CadrePreviewPage() -> impl IntoView {
    let id = crate::pages::route_id();
    let confirm = ServerAction::<CadreConfirm>::new();
    let preview = Resource::new(id, get_cadre_preview);
    view! {
        <h1>"Kiểm tra danh sách thí sinh"</h1>
        {move || confirm.value().get().and_then(|r| r.ok()).map(|reg| view! { <Credentials reg/> })}
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let p = match preview.await {
                    Ok(p) => p,
                    Err(e) => return error_view(&e),
                };
                let n = p.rows.len();
                let body = if !p.errors.is_empty() {
                    view! {
                        <div class="alert error" role="alert">
                            <p><strong>{format!("Tệp có {} lỗi.", p.errors.len())}</strong> " Không ai được đăng ký."</p>
                            <ul class="errors">{p.errors.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}</ul>
                        </div>
                        <p><A href="/ban-to-chuc/thi-sinh">"Tải lên tệp khác"</A></p>
                    }
                    .into_any()
                } else if p.applied {
                    view! { <div class="alert ok" role="status">"Danh sách này đã được đăng ký."</div> }.into_any()
                } else {
                    view! {
                        <ActionForm action=confirm attr:class="form">
                            <input type="hidden" name="id" value=p.upload_id.clone()/>
                            {action_error(confirm.value())}
                            <button type="submit">{format!("Xác nhận đăng ký {n} thí sinh")}</button>
                        </ActionForm>
                    }
                    .into_any()
                };
                view! {
                    <p>"Tệp " <strong>{p.file_name.clone()}</strong> ": " {n} " thí sinh."</p>
                    {body}
                    <div class="table-wrap">
                        <table>
                            <thead><tr><th>"Dòng"</th><th>"Họ và tên"</th><th>"Tài khoản"</th><th>"Đơn vị"</th><th>"Chức vụ"</th></tr></thead>
                            <tbody>
                                {p.rows.into_iter().map(|r| view! {
                                    <tr><td>{r.line}</td><td>{r.full_name}</td><td>{r.login}</td><td>{r.unit_name.unwrap_or_default()}</td><td>{r.position}</td></tr>
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

/// The first passwords, shown this once: one slip per cadre to cut and hand
/// out (the print view shows only the slips), and the same as `.xlsx`.
#[component]
fn Credentials(reg: CadreRegistration) -> impl IntoView {
    let n = reg.creds.len();
    let href = format!(
        "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64,{}",
        reg.xlsx_base64
    );
    let print = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let _ = window().print();
        }
    };
    view! {
        <div class="alert ok" role="status" data-registered=n.to_string()>
            {format!("Đã đăng ký {n} thí sinh. Mật khẩu lần đầu chỉ hiện một lần, tại đây: hãy in phiếu hoặc tải bảng trước khi rời trang. Thí sinh phải đổi mật khẩu ở lần đăng nhập đầu tiên.")}
        </div>
        <p class="actions no-print">
            <button type="button" on:click=print>"In phiếu mật khẩu"</button>
            " "
            <a class="button secondary" href=href download="mat-khau-lan-dau.xlsx" data-credentials-xlsx="1">"Tải bảng mật khẩu (.xlsx)"</a>
        </p>
        <div class="slips">
            {reg.creds.into_iter().map(|c| {
                let slip = c.login.clone();
                view! {
                <div class="slip" data-slip=slip>
                    <p class="slip-title">"Hội thi tìm hiểu Chỉ thị số 24-CT/TU"</p>
                    <p><b>{c.full_name}</b> {c.unit_name.map(|u| format!(" – {u}"))}</p>
                    <p>"Tài khoản: " <code>{c.login}</code></p>
                    <p>"Mật khẩu lần đầu: " <code data-password="1">{c.password}</code></p>
                    <p class="muted">"Đăng nhập tại trang Hội thi, rồi đặt mật khẩu của riêng bạn."</p>
                </div>
                }
            }).collect_view()}
        </div>
    }
}
