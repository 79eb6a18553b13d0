//! Keeping the register clean: deactivating an account (a cadre who left,
//! an account misused) and merging a person registered twice, attempts kept.

use crate::error::AppError;
use crate::pages::action_error;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps},
    hoithi_core::model::Role,
    hoithi_core::store::{self, users::UserRecord},
};

/// What a merge moved to the kept account.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Merged {
    pub attempts: u64,
    pub finalists: u64,
}

/// The account with this log-in name (phone or e-mail as typed).
#[cfg(feature = "ssr")]
async fn by_login(db: &store::Db, login: &str, field: &str) -> Result<UserRecord, AppError> {
    ssr::cap(login, caps::LOGIN, field)?;
    let norm = hoithi_core::auth::normalize_login(login).unwrap_or_else(|_| login.trim().to_lowercase());
    match store::users::by_login(db, &norm).await? {
        Some((u, _)) => Ok(u),
        None => {
            ssr::set_status(http::StatusCode::NOT_FOUND);
            Err(AppError::Invalid(format!("Không có tài khoản \"{norm}\"")))
        }
    }
}

/// Deactivates or reactivates an account. Admins: anyone but themselves;
/// organizers: contestants of the units they manage.
#[server(prefix = "/api", endpoint = "set_user_active")]
pub async fn set_user_active(login: String, active: bool) -> Result<(), AppError> {
    let me = ssr::require(&[Role::Admin, Role::Organizer]).await?;
    let st = ssr::state()?;
    let user = by_login(&st.db, &login, "Tài khoản").await?;
    if user.id == me.id {
        return Err(ssr::invalid("Không thể tự khóa tài khoản của chính mình".into()));
    }
    if me.role != Role::Admin {
        if user.role != Role::Contestant {
            ssr::set_status(http::StatusCode::FORBIDDEN);
            return Err(AppError::Invalid(
                "Ban tổ chức chỉ khóa hoặc mở khóa tài khoản thí sinh".into(),
            ));
        }
        let caller = crate::access::caller_for(&st, me.clone()).await?;
        crate::access::require_person(&caller, user.unit_id.as_deref())?;
    }
    store::users::set_active(&st.db, &user.id, active).await?;
    tracing::info!(by = %me.id, user = %user.id, active, "account activation changed");
    let what = if active { "Mở khóa tài khoản" } else { "Khóa tài khoản" };
    crate::audit::record(&st, &me, hoithi_core::store::audit::Change {
        before: Some(serde_json::json!({ "active": !user.deactivated })),
        after: Some(serde_json::json!({ "active": active })),
        ..crate::audit::change(
            "account.active",
            "user",
            &user.id,
            format!("{what} {} ({})", user.full_name, user.login),
        )
    })
    .await;
    Ok(())
}

/// Merges a duplicate account into the one kept (admins only): attempts,
/// finalist places and uploads move over, the duplicate is deactivated.
#[server(prefix = "/api", endpoint = "merge_users")]
pub async fn merge_users(keep: String, duplicate: String) -> Result<Merged, AppError> {
    let me = ssr::require(&[Role::Admin]).await?;
    let st = ssr::state()?;
    let kept = by_login(&st.db, &keep, "Tài khoản giữ lại").await?;
    let dup = by_login(&st.db, &duplicate, "Tài khoản trùng").await?;
    if dup.id == me.id {
        return Err(ssr::invalid("Không thể gộp tài khoản của chính mình vào tài khoản khác".into()));
    }
    let merged = store::users::merge(&st.db, &kept.id, &dup.id).await?;
    tracing::info!(by = %me.id, keep = %kept.id, duplicate = %dup.id, attempts = merged.attempts, "accounts merged");
    crate::audit::record(&st, &me, hoithi_core::store::audit::Change {
        before: Some(serde_json::json!({ "duplicate": dup.login, "keep": kept.login })),
        after: Some(serde_json::json!({ "attempts_moved": merged.attempts, "finalists_moved": merged.finalists })),
        ..crate::audit::change(
            "account.merge",
            "user",
            &kept.id,
            format!("Gộp tài khoản {} vào {} ({})", dup.login, kept.login, kept.full_name),
        )
    })
    .await;
    Ok(Merged {
        attempts: merged.attempts,
        finalists: merged.finalists,
    })
}

/// Deactivate or reactivate by log-in name.
#[component]
pub fn ActivationForm() -> impl IntoView {
    let act = ServerAction::<SetUserActive>::new();
    view! {
        <section class="card">
            <h2>"Khóa hoặc mở khóa tài khoản"</h2>
            <p class="muted">"Tài khoản bị khóa không đăng nhập được; các bài thi đã làm vẫn được giữ."</p>
            <ActionForm action=act attr:class="form inline-form">
                <label>"Số điện thoại hoặc e-mail" <input type="text" name="login" required maxlength="254"/></label>
                <label>"Thao tác"
                    <select name="active">
                        <option value="false">"Khóa"</option>
                        <option value="true">"Mở khóa"</option>
                    </select>
                </label>
                <button type="submit">"Thực hiện"</button>
            </ActionForm>
            {action_error(act.value())}
            {move || act.value().get().and_then(|r| r.ok()).map(|_| view! { <div class="alert ok" role="status">"Đã cập nhật tài khoản"</div> })}
        </section>
    }
}

/// Merge a person registered twice (admins).
#[component]
pub fn MergeForm() -> impl IntoView {
    let merge = ServerAction::<MergeUsers>::new();
    view! {
        <section class="card">
            <h2>"Gộp tài khoản trùng"</h2>
            <p class="muted">
                "Cùng một người đăng ký hai lần: bài thi, suất chung kết và tệp tải lên của tài khoản trùng "
                "chuyển sang tài khoản giữ lại; tài khoản trùng bị khóa."
            </p>
            <ActionForm action=merge attr:class="form inline-form">
                <label>"Tài khoản giữ lại" <input type="text" name="keep" required maxlength="254"/></label>
                <label>"Tài khoản trùng" <input type="text" name="duplicate" required maxlength="254"/></label>
                <button type="submit">"Gộp"</button>
            </ActionForm>
            {action_error(merge.value())}
            {move || merge.value().get().and_then(|r| r.ok()).map(|m| view! {
                <div class="alert ok" role="status">
                    {format!("Đã gộp: {} bài thi, {} suất chung kết đã chuyển sang tài khoản giữ lại", m.attempts, m.finalists)}
                </div>
            })}
        </section>
    }
}
