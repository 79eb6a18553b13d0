//! Roles given on a place: an organizer on the whole city, a unit (and the
//! units under it) or one contest; a judge on one final, at a place on its
//! panel. Admins grant anything; an organizer hands on only what lies
//! inside their own scope (a district to its communes). Every grant and
//! revocation is kept with who and when, and audited.

use crate::error::AppError;
use crate::pages::{action_error, error_view, loading};
use crate::types::format_time;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::access::{self, Caller},
    crate::ssr::{self, caps, AppState},
    hoithi_core::model::Role,
    hoithi_core::scope::{GrantRole, Target},
    hoithi_core::store::{self, finals, grants},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GrantView {
    pub id: String,
    pub user_name: String,
    pub user_login: String,
    pub role: String,
    /// "Toàn thành phố", "Đơn vị: …", "Cuộc thi: …", "Chung kết: … – Giám khảo 2".
    pub target: String,
    pub granted_by: String,
    pub granted_at: i64,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<i64>,
}

/// A judge's place on a final, as their page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JudgeSeat {
    pub final_name: String,
    pub label: String,
    /// The judge screen's code; opening it binds it to this device.
    pub code: String,
}

#[cfg(feature = "ssr")]
fn view_of(g: grants::GrantRow) -> GrantView {
    let target = match &g.target {
        Target::All => "Toàn thành phố".to_string(),
        Target::Unit(_) => format!("Đơn vị: {}", g.target_name),
        Target::Contest(_) => format!("Cuộc thi: {}", g.target_name),
        Target::Final(_) => match g.judge_no {
            Some(n) => format!("Chung kết: {} – Giám khảo {n}", g.target_name),
            None => format!("Chung kết: {}", g.target_name),
        },
    };
    GrantView {
        id: g.id,
        user_name: g.user_name,
        user_login: g.user_login,
        role: g.role.label().to_string(),
        target,
        granted_by: g.granted_by.unwrap_or_else(|| "(nâng cấp hệ thống)".into()),
        granted_at: g.granted_at,
        revoked_by: g.revoked_by,
        revoked_at: g.revoked_at,
    }
}

/// The contest a grant's target belongs to (with its owner), for the
/// scope's question and the audit log; NotFound when the target is gone.
#[cfg(feature = "ssr")]
async fn contest_of_target(st: &AppState, target: &Target) -> Result<Option<(String, Option<String>)>, AppError> {
    Ok(match target {
        Target::All | Target::Unit(_) => None,
        Target::Contest(c) => Some((c.clone(), grants::contest_owner(&st.db, c).await?)),
        Target::Final(f) => match finals::get_one(&st.db, f).await?.contest_id {
            Some(c) => {
                let owner = grants::contest_owner(&st.db, &c).await?;
                Some((c, owner))
            }
            None => None,
        },
    })
}

#[cfg(feature = "ssr")]
async fn may_grant(st: &AppState, caller: &Caller, target: &Target) -> Result<bool, AppError> {
    let contest = contest_of_target(st, target).await?;
    Ok(caller.scope.may_grant(
        &caller.tree,
        target,
        contest.as_ref().map(|(c, o)| (c.as_str(), o.as_deref())),
    ))
}

/// Grants on the places the caller may hand on (admins: all), newest
/// first; of one person when `login` is given; revoked ones with `history`.
#[server(prefix = "/api", endpoint = "list_grants")]
pub async fn list_grants(login: String, history: bool) -> Result<Vec<GrantView>, AppError> {
    let caller = access::staff().await?;
    let st = ssr::state()?;
    ssr::cap(&login, caps::LOGIN, "Tài khoản")?;
    let user_id = match login.trim() {
        "" => String::new(),
        l => {
            let norm = hoithi_core::auth::normalize_login(l).unwrap_or_else(|_| l.to_lowercase());
            match store::users::by_login(&st.db, &norm).await? {
                Some((u, _)) => u.id,
                None => return Ok(Vec::new()),
            }
        }
    };
    let mut out = Vec::new();
    for g in grants::list(&st.db, &user_id, history, 1_000).await? {
        // A target since deleted is shown to admins only.
        let visible = match may_grant(&st, &caller, &g.target).await {
            Ok(v) => v,
            Err(AppError::NotFound) => caller.scope.admin,
            Err(e) => return Err(e),
        };
        if visible {
            out.push(view_of(g));
        }
    }
    Ok(out)
}

/// Gives `login` a role on a place: `kind` is "all", "unit", "contest" or
/// "final" (judges, with their place `judge_no` on the panel).
#[server(prefix = "/api", endpoint = "add_grant")]
pub async fn add_grant(
    login: String,
    role: String,
    kind: String,
    target_id: String,
    judge_no: Option<u32>,
) -> Result<String, AppError> {
    let caller = access::staff().await?;
    let st = ssr::state()?;
    ssr::cap(&login, caps::LOGIN, "Tài khoản")?;
    ssr::cap(&role, caps::ID, "Vai trò")?;
    ssr::cap(&kind, caps::ID, "Phạm vi")?;
    ssr::cap(&target_id, caps::ID, "Nơi được giao")?;
    let role = GrantRole::parse(&role).ok_or_else(|| ssr::invalid("Vai trò không hợp lệ".into()))?;
    let target = Target::parse(&kind, Some(&target_id))
        .ok_or_else(|| ssr::invalid("Hãy chọn phạm vi và nơi được giao".into()))?;
    if !role.fits(&target) {
        return Err(ssr::invalid(
            "Ban tổ chức được giao toàn thành phố, một đơn vị hoặc một cuộc thi; giám khảo được giao một vòng chung kết".into(),
        ));
    }
    if let Target::Unit(u) = &target {
        if !caller.tree.contains(u) {
            return Err(ssr::invalid("Đơn vị không tồn tại".into()));
        }
    }
    // Scope first: nothing is told about a place outside it.
    let contest = contest_of_target(&st, &target).await?;
    if !caller.scope.may_grant(&caller.tree, &target, contest.as_ref().map(|(c, o)| (c.as_str(), o.as_deref()))) {
        return Err(access::forbidden());
    }
    let judge_no = match &target {
        Target::Final(f) => {
            let rec = finals::get_one(&st.db, f).await?;
            let n = judge_no.unwrap_or(0);
            if n == 0 || n as usize > rec.program.judges.len() {
                return Err(ssr::invalid(format!(
                    "Vòng chung kết này có {} giám khảo: hãy chọn vị trí từ 1 đến {}",
                    rec.program.judges.len(),
                    rec.program.judges.len()
                )));
            }
            Some(n)
        }
        _ => None,
    };
    let norm = hoithi_core::auth::normalize_login(&login).unwrap_or_else(|_| login.trim().to_lowercase());
    let Some((user, _)) = store::users::by_login(&st.db, &norm).await? else {
        ssr::set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::Invalid(format!("Không có tài khoản \"{norm}\"")));
    };
    if user.id == caller.user.id {
        return Err(ssr::invalid("Không thể tự giao quyền cho chính mình".into()));
    }
    if user.role == Role::Admin {
        return Err(ssr::invalid("Quản trị viên đã có mọi quyền".into()));
    }
    if user.deactivated {
        return Err(ssr::invalid("Tài khoản này đã bị khóa".into()));
    }
    // Only someone of one's own units: a commune cannot turn a cadre of
    // another district into its organizer or judge.
    if !caller.scope.people().allows(&caller.tree, user.unit_id.as_deref()) {
        return Err(access::forbidden());
    }
    if grants::exists(&st.db, &user.id, role, &target, judge_no).await? {
        return Err(ssr::invalid("Người này đã được giao quyền này".into()));
    }
    // A cadre's account becomes an organizer's or a judge's: the grant is
    // what gives it power, the role what kind of pages it opens.
    let needed = match role {
        GrantRole::Organizer => Role::Organizer,
        GrantRole::Judge if user.role == Role::Organizer => Role::Organizer,
        GrantRole::Judge => Role::Judge,
    };
    if user.role != needed {
        store::users::set_role(&st.db, &user.id, needed).await?;
    }
    let me = &caller.user;
    let id = grants::add(
        &st.db,
        grants::NewGrant {
            user_id: &user.id,
            role,
            target: &target,
            judge_no,
            by: &me.id,
            at: store::now_ms(),
        },
    )
    .await?;
    let row = view_of(grants::one(&st.db, &id).await?);
    crate::audit::record(&st, me, store::audit::Change {
        contest_id: contest.as_ref().map(|(c, _)| c.as_str()),
        before: Some(serde_json::json!({ "role": user.role.as_str() })),
        after: Some(serde_json::json!({
            "role": needed.as_str(), "grant": role.as_str(), "scope": target.kind(),
            "scope_id": target.id(), "judge_no": judge_no,
        })),
        ..crate::audit::change(
            "grant.add",
            "user",
            &user.id,
            format!("Giao {} ({}) vai trò {} – {}", user.full_name, user.login, role.label(), row.target),
        )
    })
    .await;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "revoke_grant")]
pub async fn revoke_grant(id: String) -> Result<(), AppError> {
    let caller = access::staff().await?;
    let st = ssr::state()?;
    ssr::cap(&id, caps::ID, "Mục")?;
    let row = grants::one(&st.db, &id).await?;
    let gave_it = row.granted_by_id.as_deref() == Some(caller.user.id.as_str());
    // Nobody changes their own powers, up or down.
    let allowed = match contest_of_target(&st, &row.target).await {
        _ if row.user_id == caller.user.id => false,
        Ok(contest) => caller.scope.may_revoke(
            &caller.tree,
            &row.target,
            contest.as_ref().map(|(c, o)| (c.as_str(), o.as_deref())),
            gave_it,
        ),
        // Its place is gone: an admin may still close it.
        Err(AppError::NotFound) => caller.scope.admin,
        Err(e) => return Err(e),
    };
    if !allowed {
        ssr::set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    if row.revoked_at.is_some() {
        return Err(ssr::invalid("Quyền này đã được thu hồi".into()));
    }
    let contest = contest_of_target(&st, &row.target).await.ok().flatten();
    grants::revoke(&st.db, &id, &caller.user.id, store::now_ms()).await?;
    // A judge taken off a panel loses the screen too: the place gets a new
    // code and the device that held the old one is let go.
    if let (GrantRole::Judge, Target::Final(f), Some(n)) = (row.role, &row.target, row.judge_no) {
        if n > 0 {
            match finals::renew_judge_code(&st.db, f, n as usize - 1).await {
                Ok(_) | Err(store::StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    // Powers come from grants: with none left, the account is a cadre's again.
    let holder = store::users::by_id(&st.db, &row.user_id).await?;
    if matches!(holder.role, Role::Organizer | Role::Judge)
        && grants::active_count(&st.db, &row.user_id).await? == 0
    {
        store::users::set_role(&st.db, &row.user_id, Role::Contestant).await?;
    }
    let v = view_of(row.clone());
    crate::audit::record(&st, &caller.user, store::audit::Change {
        contest_id: contest.as_ref().map(|(c, _)| c.as_str()),
        before: Some(serde_json::json!({ "grant": row.role.as_str(), "scope": row.target.kind(), "scope_id": row.target.id() })),
        ..crate::audit::change(
            "grant.revoke",
            "user",
            &row.user_id,
            format!("Thu hồi vai trò {} của {} ({}) – {}", v.role, v.user_name, v.user_login, v.target),
        )
    })
    .await;
    Ok(())
}

/// The judge's own places: each final they judge with its screen's code.
#[server(prefix = "/api", endpoint = "my_judging")]
pub async fn my_judging() -> Result<Vec<JudgeSeat>, AppError> {
    let me = ssr::require(&[Role::Admin, Role::Organizer, Role::Judge]).await?;
    let st = ssr::state()?;
    let mut out = Vec::new();
    for g in grants::active(&st.db, &me.id).await? {
        let (GrantRole::Judge, Target::Final(f), Some(n)) = (g.role, &g.target, g.judge_no) else {
            continue;
        };
        let rec = match finals::get_one(&st.db, f).await {
            Ok(r) => r,
            Err(store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        let slot = i64::from(n) - 1;
        if let Some((_, _, code)) = finals::codes(&st.db, f)
            .await?
            .into_iter()
            .find(|(role, s, _)| role == "judge" && *s == slot)
        {
            let name = rec.program.judges.get(slot as usize).cloned().unwrap_or_default();
            out.push(JudgeSeat {
                final_name: rec.name.clone(),
                label: format!("Giám khảo {n} – {name}"),
                code,
            });
        }
    }
    Ok(out)
}

/// The users page's section: grants in force (or all), a form to give one.
#[component]
pub fn GrantsPanel() -> impl IntoView {
    let grant = ServerAction::<AddGrant>::new();
    let revoke = ServerAction::<RevokeGrant>::new();
    let history = RwSignal::new(false);
    let list = Resource::new(
        move || (history.get(), grant.version().get(), revoke.version().get()),
        |(h, _, _)| list_grants(String::new(), h),
    );
    let kind = RwSignal::new("unit".to_string());
    view! {
        <section class="card" id="quyen">
            <h2>"Phân quyền theo đơn vị, cuộc thi, chung kết"</h2>
            <p class="muted">
                "Ban tổ chức chỉ thấy và thay đổi những gì thuộc phạm vi được giao: một đơn vị (cùng các đơn vị trực thuộc), "
                "một cuộc thi, hoặc toàn thành phố. Giám khảo được giao từng vòng chung kết."
            </p>
            <ActionForm action=grant attr:class="form inline-form">
                <label>"Tài khoản" <input type="text" name="login" required maxlength="254"/></label>
                <label>"Vai trò"
                    <select name="role">
                        <option value="organizer">"Ban tổ chức"</option>
                        <option value="judge">"Giám khảo"</option>
                    </select>
                </label>
                <label>"Phạm vi"
                    <select name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="unit" selected>"Đơn vị"</option>
                        <option value="contest">"Cuộc thi"</option>
                        <option value="final">"Vòng chung kết"</option>
                        <option value="all">"Toàn thành phố"</option>
                    </select>
                </label>
                <TargetSelect kind/>
                {move || (kind.get() == "final").then(|| view! {
                    <label>"Vị trí giám khảo" <input type="number" name="judge_no" min="1" value="1"/></label>
                })}
                <button type="submit">"Giao quyền"</button>
            </ActionForm>
            {action_error(grant.value())}
            {action_error(revoke.value())}
            <label class="check"><input type="checkbox" on:change=move |ev| history.set(event_target_checked(&ev))/>" Xem cả quyền đã thu hồi"</label>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => error_view(&e),
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">"Chưa giao quyền nào."</p> }.into_any(),
                        Ok(rows) => view! {
                            <div class="table-wrap">
                                <table class="grants">
                                    <thead><tr><th>"Người được giao"</th><th>"Vai trò"</th><th>"Phạm vi"</th><th>"Giao bởi, lúc"</th><th>"Thu hồi"</th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|g| {
                                            let id = g.id.clone();
                                            view! {
                                                <tr>
                                                    <td>{g.user_name} <br/><span class="muted">{g.user_login}</span></td>
                                                    <td>{g.role}</td>
                                                    <td>{g.target}</td>
                                                    <td>{g.granted_by} <br/><span class="muted">{format_time(g.granted_at)}</span></td>
                                                    <td>{match (g.revoked_at, g.revoked_by) {
                                                        (Some(at), by) => view! { <span class="muted">{format!("{} – {}", by.unwrap_or_default(), format_time(at))}</span> }.into_any(),
                                                        (None, _) => view! {
                                                            <ActionForm action=revoke attr:class="inline">
                                                                <input type="hidden" name="id" value=id/>
                                                                <button type="submit" class="small secondary">"Thu hồi"</button>
                                                            </ActionForm>
                                                        }.into_any(),
                                                    }}</td>
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
        </section>
    }
}

/// The place a grant is on, for the kind chosen.
#[component]
fn TargetSelect(kind: RwSignal<String>) -> impl IntoView {
    let contests = Resource::new(|| (), |_| crate::contests::my_contests());
    let finals_list = Resource::new(|| (), |_| crate::live_api::list_finals());
    view! {
        {move || match kind.get().as_str() {
            "unit" => view! { <label>"Đơn vị" <UnitTarget/></label> }.into_any(),
            "contest" => view! {
                <label>"Cuộc thi"
                    <Suspense fallback=loading>
                        {move || Suspend::new(async move {
                            let list = contests.await.unwrap_or_default();
                            view! {
                                <select name="target_id">
                                    {list.into_iter().filter(|m| m.manage).map(|m| view! { <option value=m.contest.id>{m.contest.name}</option> }).collect_view()}
                                </select>
                            }
                        })}
                    </Suspense>
                </label>
            }.into_any(),
            "final" => view! {
                <label>"Vòng chung kết"
                    <Suspense fallback=loading>
                        {move || Suspend::new(async move {
                            let list = finals_list.await.unwrap_or_default();
                            view! {
                                <select name="target_id">
                                    {list.into_iter().map(|f| view! { <option value=f.id>{f.name}</option> }).collect_view()}
                                </select>
                            }
                        })}
                    </Suspense>
                </label>
            }.into_any(),
            _ => view! { <input type="hidden" name="target_id" value=""/> }.into_any(),
        }}
    }
}

/// The unit tree as a select named `target_id`.
#[component]
fn UnitTarget() -> impl IntoView {
    let units = Resource::new(|| (), |_| crate::api::list_units());
    view! {
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                let list = units.await.unwrap_or_default();
                view! {
                    <select name="target_id">
                        {list.into_iter().map(|u| {
                            let label = format!("{}{}", "\u{a0}\u{a0}\u{a0}".repeat(u.depth), u.name);
                            view! { <option value=u.id>{label}</option> }
                        }).collect_view()}
                    </select>
                }
            })}
        </Suspense>
    }
}

/// A judge's page: the finals they judge, each a button to its screen.
#[component]
pub fn JudgingPage() -> impl IntoView {
    let seats = Resource::new(|| (), |_| my_judging());
    view! {
        <h1>"Chấm thi chung kết"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match seats.await {
                    Err(e) => error_view(&e),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"Bạn chưa được phân công chấm vòng chung kết nào."</p>
                    }
                    .into_any(),
                    Ok(list) => view! {
                        <p class="muted">"Mở màn hình chấm trên thiết bị bạn sẽ dùng trong buổi thi: mã gắn với thiết bị mở nó đầu tiên."</p>
                        <ul class="links">
                            {list.into_iter().map(|s| view! {
                                <li>
                                    <strong>{s.final_name}</strong>" — "{s.label}" "
                                    <a class="button" href=format!("/truc-tiep/{}", s.code) rel="external">"Mở màn hình chấm"</a>
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}
