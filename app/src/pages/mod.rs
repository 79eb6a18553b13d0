pub mod account;
pub mod attempt;
pub mod bank;
pub mod finals;
pub mod home;
pub mod layout;
pub mod live;
pub mod live_devices;
mod live_host;
mod live_pads;
pub mod organize;
pub mod rounds;
pub mod units;
pub mod users;

/// Pages kept with their concern's server functions.
pub use crate::accounts::{cadres, password};
pub use crate::audit;
pub use crate::certificates;
pub use crate::grants;

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

/// A query-string value, percent-encoded.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `:id` of the current address, read reactively.
pub fn route_id() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = leptos_router::hooks::use_params_map();
    move || params.read().get("id").unwrap_or_default()
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
        r.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Không tìm thấy trang"</h1>
        <p><A href="/">"Về trang chủ"</A></p>
    }
}

/// An error from a server function, with a way forward where there is one.
pub fn error_view(e: &AppError) -> AnyView {
    let msg = e.to_string();
    match e {
        AppError::Unauthorized => view! {
            <div class="alert error" role="alert">
                {msg} " " <a href="/dang-nhap">"Đăng nhập"</a>
            </div>
        }
        .into_any(),
        AppError::MustChangePassword => view! {
            <div class="alert error" role="alert">
                {msg} " " <a href="/doi-mat-khau">"Đổi mật khẩu"</a>
            </div>
        }
        .into_any(),
        _ => view! { <div class="alert error" role="alert">{msg}</div> }.into_any(),
    }
}

pub fn loading() -> impl IntoView {
    view! { <p class="muted">"Đang tải…"</p> }
}

/// The message of the last failed submit of an action, if any.
pub fn action_error<T, S>(value: S) -> impl IntoView
where
    S: With<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
    T: 'static,
{
    move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(error_view(e)),
            _ => None,
        })
    }
}

/// A `unit_id` select over the unit tree, indented by depth.
#[component]
pub fn UnitSelect(blank: &'static str) -> impl IntoView {
    let units = Resource::new(|| (), |_| crate::api::list_units());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let list = units.await.unwrap_or_default();
                view! {
                    <select name="unit_id">
                        <option value="">{blank}</option>
                        {list
                            .into_iter()
                            .map(|u| {
                                let label = format!("{}{}", "\u{a0}\u{a0}\u{a0}".repeat(u.depth), u.name);
                                view! { <option value=u.id>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                }
            })}
        </Suspense>
    }
}
