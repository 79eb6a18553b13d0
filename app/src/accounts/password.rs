//! Passwords: change (the current one required), reset by an admin or an
//! organizer with a temporary password shown once, the forced change after
//! a reset or a generated password, and log-out everywhere else.

use crate::error::AppError;
use crate::pages::action_error;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps},
    hoithi_core::model::Role,
    hoithi_core::store,
};

/// The change-password page, going on to `next` afterwards.
pub fn change_page(next: &str) -> String {
    if next == "/" || next.is_empty() {
        "/doi-mat-khau".into()
    } else {
        // A path's slashes need no escaping in a query.
        let q = crate::pages::urlencode(next).replace("%2F", "/");
        format!("/doi-mat-khau?next={q}")
    }
}

/// What a reset gives the person who made it: shown once, never stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResetView {
    pub full_name: String,
    pub login: String,
    pub password: String,
}

#[cfg(feature = "ssr")]
const MIN_LEN: usize = 8;

#[server(prefix = "/api", endpoint = "change_password")]
pub async fn change_password(
    current: String,
    password: String,
    password2: String,
    next: String,
) -> Result<(), AppError> {
    let me = ssr::require_signed_in().await?;
    let st = ssr::state()?;
    ssr::cap(&current, caps::PASSWORD, "Mật khẩu hiện tại")?;
    ssr::cap(&password, caps::PASSWORD, "Mật khẩu mới")?;
    ssr::cap(&password2, caps::PASSWORD, "Mật khẩu mới")?;
    ssr::cap(&next, caps::PATH, "Trang tiếp theo")?;
    ssr::rate_limit(&format!("password:user:{}", me.id), 10)?;
    if password.chars().count() < MIN_LEN {
        return Err(ssr::invalid("Mật khẩu mới cần ít nhất 8 ký tự".into()));
    }
    if password != password2 {
        return Err(ssr::invalid("Hai lần nhập mật khẩu mới không khớp".into()));
    }
    if password == current {
        return Err(ssr::invalid("Mật khẩu mới phải khác mật khẩu hiện tại".into()));
    }
    let hash = store::users::password_hash(&st.db, &me.id).await?;
    let ok = hoithi_core::auth::verify_password_async(current, Some(hash))
        .await
        .map_err(|_| ssr::invalid(store::users::BUSY.into()))?;
    if !ok {
        return Err(ssr::invalid("Mật khẩu hiện tại không đúng".into()));
    }
    store::users::set_password(&st.db, &me.id, &password, false).await?;
    // Whoever knew the old password is logged out; this device stays in.
    let token = ssr::session_token();
    store::sessions::delete_others(&st.db, &me.id, token.as_deref()).await?;
    tracing::info!(user = %me.id, "password changed");
    crate::ssr::redirect(&crate::api::safe_next(&next));
    Ok(())
}

/// Ends every other session of the caller; returns how many.
#[server(prefix = "/api", endpoint = "logout_others")]
pub async fn logout_others() -> Result<u64, AppError> {
    let me = ssr::require_signed_in().await?;
    let st = ssr::state()?;
    let token = ssr::session_token();
    Ok(store::sessions::delete_others(&st.db, &me.id, token.as_deref()).await?)
}

/// Gives a cadre who forgot a password a temporary one, to be replaced at
/// the next log-in; every session of theirs ends. Admins reset anyone but
/// themselves; organizers reset contestants of the units they manage.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(login: String) -> Result<ResetView, AppError> {
    let me = ssr::require(&[Role::Admin, Role::Organizer]).await?;
    let st = ssr::state()?;
    ssr::cap(&login, caps::LOGIN, "Tài khoản")?;
    ssr::rate_limit(&format!("reset:user:{}", me.id), 30)?;
    let login = hoithi_core::auth::normalize_login(&login).unwrap_or_else(|_| login.trim().to_lowercase());
    let Some((user, _)) = store::users::by_login(&st.db, &login).await? else {
        ssr::set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::Invalid(format!("Không có tài khoản \"{login}\"")));
    };
    if user.id == me.id {
        return Err(ssr::invalid(
            "Hãy đổi mật khẩu của chính mình ở trang Đổi mật khẩu".into(),
        ));
    }
    if me.role != Role::Admin {
        if user.role != Role::Contestant {
            ssr::set_status(http::StatusCode::FORBIDDEN);
            return Err(AppError::Invalid(
                "Ban tổ chức chỉ đặt lại mật khẩu cho thí sinh; hãy nhờ quản trị hệ thống".into(),
            ));
        }
        // Only a cadre of the units this organizer manages.
        let caller = crate::access::caller_for(&st, me.clone()).await?;
        crate::access::require_person(&caller, user.unit_id.as_deref())?;
    }
    let password = hoithi_core::auth::new_password();
    store::users::set_password(&st.db, &user.id, &password, true).await?;
    store::sessions::delete_others(&st.db, &user.id, None).await?;
    tracing::info!(by = %me.id, user = %user.id, "password reset");
    crate::audit::record(&st, &me, crate::audit::change(
        "account.reset",
        "user",
        &user.id,
        format!("Cấp lại mật khẩu tạm cho {} ({})", user.full_name, user.login),
    ))
    .await;
    Ok(ResetView {
        full_name: user.full_name,
        login: user.login,
        password,
    })
}

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let others = ServerAction::<LogoutOthers>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let auth = expect_context::<crate::Auth>();
    let forced = move || {
        auth.user
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .is_some_and(|u| u.must_change_password)
    };
    view! {
        <h1>"Đổi mật khẩu"</h1>
        <Transition fallback=|| ()>
            {move || forced().then(|| view! {
                <div class="alert warn" role="alert" data-must-change="1">
                    "Mật khẩu của bạn do người khác đặt (khi đăng ký hàng loạt hoặc khi cấp lại). "
                    "Hãy đặt mật khẩu mới của riêng bạn để tiếp tục."
                </div>
            })}
        </Transition>
        <ActionForm action=change attr:class="form narrow">
            <input type="hidden" name="next" value=next/>
            <label>
                "Mật khẩu hiện tại (hoặc mật khẩu tạm được cấp)"
                <input type="password" name="current" autocomplete="current-password" required/>
            </label>
            <label>
                "Mật khẩu mới (ít nhất 8 ký tự)"
                <input type="password" name="password" autocomplete="new-password" minlength="8" required/>
            </label>
            <label>
                "Nhập lại mật khẩu mới"
                <input type="password" name="password2" autocomplete="new-password" minlength="8" required/>
            </label>
            {action_error(change.value())}
            <button type="submit">"Đổi mật khẩu"</button>
        </ActionForm>
        <section class="card narrow">
            <h2>"Các thiết bị khác"</h2>
            <p class="muted">
                "Nếu bạn từng đăng nhập trên máy dùng chung hoặc nghi người khác biết mật khẩu, "
                "hãy đăng xuất khỏi mọi thiết bị khác."
            </p>
            <ActionForm action=others attr:class="inline">
                <button type="submit" class="secondary">"Đăng xuất khỏi các thiết bị khác"</button>
            </ActionForm>
            {action_error(others.value())}
            {move || others.value().get().and_then(|r| r.ok()).map(|n| view! {
                <div class="alert ok" role="status" data-logged-out=n.to_string()>
                    {format!("Đã đăng xuất {n} phiên trên thiết bị khác")}
                </div>
            })}
        </section>
    }
}

/// A form to reset a cadre's password by their log-in name, with the
/// temporary password shown once.
#[component]
pub fn ResetPasswordForm() -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    view! {
        <section class="card">
            <h2>"Cấp lại mật khẩu"</h2>
            <p class="muted">
                "Khi thí sinh quên mật khẩu: nhập số điện thoại hoặc e-mail đăng nhập. "
                "Mật khẩu tạm chỉ hiện một lần; thí sinh phải đổi ngay khi đăng nhập."
            </p>
            <ActionForm action=reset attr:class="form inline-form">
                <label>"Số điện thoại hoặc e-mail" <input type="text" name="login" required maxlength="254"/></label>
                <button type="submit">"Cấp mật khẩu tạm"</button>
            </ActionForm>
            {action_error(reset.value())}
            {move || reset.value().get().and_then(|r| r.ok()).map(|r| view! {
                <div class="alert ok" role="status">
                    {format!("{} ({}): mật khẩu tạm ", r.full_name, r.login)}
                    <b class="code" data-temp-password="1">{r.password}</b>
                </div>
            })}
        </section>
    }
}
