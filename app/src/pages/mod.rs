pub mod account;
pub mod bank;
pub mod home;
pub mod layout;
pub mod units;
pub mod users;

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::A;

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
    move || value.with(|v| match v {
        Some(Err(e)) => Some(error_view(e)),
        _ => None,
    })
}
