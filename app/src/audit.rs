//! The audit log for admins: every change an organizer or admin made, with
//! who, when and the values before and after; filtered on the page and
//! exported as `.xlsx` (`/quan-tri/nhat-ky/xuat`).

use crate::error::AppError;
use crate::pages::{error_view, loading};
use crate::types::format_time;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps, AppState},
    hoithi_core::store::{self, audit, users::UserRecord},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    pub at: i64,
    pub actor_name: String,
    pub actor_login: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub summary: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The groups of actions the filter offers.
pub const GROUPS: &[(&str, &str)] = &[
    ("", "Mọi thao tác"),
    ("contest", "Cuộc thi"),
    ("round", "Vòng thi"),
    ("finalists", "Danh sách chung kết"),
    ("final", "Chung kết trực tiếp"),
    ("user", "Người dùng và vai trò"),
    ("account", "Mật khẩu và tài khoản"),
    ("cadres", "Đăng ký thí sinh"),
    ("bank", "Ngân hàng câu hỏi"),
    ("fairplay", "Thi công bằng"),
    ("units", "Cây đơn vị"),
];

/// Records a change made by `me`. The change has already happened: a
/// failure to record it is logged loudly, never undone.
#[cfg(feature = "ssr")]
pub async fn record(st: &AppState, me: &UserRecord, change: audit::Change<'_>) {
    let actor = audit::Actor {
        id: &me.id,
        name: &me.full_name,
        login: &me.login,
    };
    if let Err(e) = audit::record(&st.db, actor, change, store::now_ms()).await {
        tracing::error!(error = %e, "writing the audit log");
    }
}

/// A change with no before/after values.
#[cfg(feature = "ssr")]
pub fn change<'a>(action: &'a str, kind: &'a str, id: &'a str, summary: String) -> audit::Change<'a> {
    audit::Change {
        action,
        object_kind: kind,
        object_id: id,
        contest_id: None,
        summary,
        before: None,
        after: None,
    }
}

/// The filter from the page's fields (dates as `YYYY-MM-DD`, Hà Nội time).
#[cfg(feature = "ssr")]
pub fn filter(
    action: &str,
    actor: &str,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<audit::Filter, AppError> {
    for (v, what) in [(action, "Thao tác"), (actor, "Người thực hiện"), (from, "Từ ngày"), (to, "Đến ngày")] {
        ssr::cap(v, caps::LOGIN, what)?;
    }
    let day = |s: &str, time: &str| -> Result<Option<i64>, AppError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        crate::types::parse_local_time(&format!("{s}T{time}"))
            .map(Some)
            .ok_or_else(|| ssr::invalid(format!("Ngày không hợp lệ: {s}")))
    };
    Ok(audit::Filter {
        action: action.trim().to_string(),
        actor: actor.trim().to_lowercase(),
        from: day(from, "00:00")?,
        to: day(to, "23:59")?.map(|t| t + 59_999),
        limit,
        ..Default::default()
    })
}

#[cfg(feature = "ssr")]
pub fn view_of(e: audit::Entry) -> AuditView {
    AuditView {
        at: e.at,
        actor_name: e.actor_name,
        actor_login: e.actor_login,
        action: e.action,
        object_kind: e.object_kind,
        object_id: e.object_id,
        summary: e.summary,
        before: e.before,
        after: e.after,
    }
}

/// What of the log `caller` reads: admins all of it, organizers the
/// entries of the contests they run (none when they run none).
#[cfg(feature = "ssr")]
pub async fn scoped(st: &ssr::AppState, caller: &crate::access::Caller, f: &mut audit::Filter) -> Result<(), AppError> {
    if !caller.scope.admin {
        let all = hoithi_core::store::grants::contest_owners(&st.db).await?;
        f.within = Some(crate::access::managed(caller, &all).into_iter().map(String::from).collect());
    }
    Ok(())
}

/// The newest 500 entries matching the filter: admins all, contest
/// organizers their contests'.
#[server(prefix = "/api", endpoint = "audit_log")]
pub async fn audit_log(
    action: String,
    actor: String,
    from: String,
    to: String,
) -> Result<Vec<AuditView>, AppError> {
    let caller = crate::access::staff().await?;
    let st = ssr::state()?;
    let mut f = filter(&action, &actor, &from, &to, 500)?;
    scoped(&st, &caller, &mut f).await?;
    Ok(audit::list(&st.db, &f).await?.into_iter().map(view_of).collect())
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let entries = Resource::new(
        move || (field("thao-tac")(), field("nguoi")(), field("tu")(), field("den")()),
        |(a, p, f, t)| audit_log(a, p, f, t),
    );
    let export = move || {
        let q = query.read();
        let enc = |s: String| crate::pages::urlencode(&s);
        format!(
            "/quan-tri/nhat-ky/xuat?thao-tac={}&nguoi={}&tu={}&den={}",
            enc(q.get("thao-tac").unwrap_or_default()),
            enc(q.get("nguoi").unwrap_or_default()),
            enc(q.get("tu").unwrap_or_default()),
            enc(q.get("den").unwrap_or_default())
        )
    };
    view! {
        <h1>"Nhật ký thao tác"</h1>
        <p class="muted">"Mọi thay đổi của ban tổ chức và quản trị: ai, lúc nào, thay đổi gì, giá trị trước và sau."</p>
        <Form method="GET" action="/quan-tri/nhat-ky" attr:class="filters">
            <select name="thao-tac" aria-label="Thao tác">
                {move || {
                    let cur = field("thao-tac")();
                    GROUPS.iter().map(|(k, label)| view! { <option value=*k selected=cur == *k>{*label}</option> }).collect_view()
                }}
            </select>
            <input type="text" name="nguoi" placeholder="Tài khoản người thực hiện" prop:value=field("nguoi")/>
            <label>"Từ ngày " <input type="date" name="tu" prop:value=field("tu")/></label>
            <label>"đến " <input type="date" name="den" prop:value=field("den")/></label>
            <button type="submit">"Lọc"</button>
            " "
            <a class="button secondary" href=export rel="external">"Tải về (.xlsx)"</a>
        </Form>
        <Transition fallback=loading>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Chưa có thao tác nào phù hợp."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap">
                            <table class="audit">
                                <thead><tr><th>"Lúc"</th><th>"Người thực hiện"</th><th>"Thao tác"</th><th>"Nội dung"</th><th>"Trước"</th><th>"Sau"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|e| {
                                        let action = e.action.clone();
                                        view! {
                                        <tr data-action=action>
                                            <td>{format_time(e.at)}</td>
                                            <td>{e.actor_name} <br/><span class="muted">{e.actor_login}</span></td>
                                            <td><code>{e.action}</code></td>
                                            <td>{e.summary}</td>
                                            <td><code class="json">{e.before.unwrap_or_default()}</code></td>
                                            <td><code class="json">{e.after.unwrap_or_default()}</code></td>
                                        </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }
                    .into_any(),
                }
            })}
        </Transition>
    }
}
