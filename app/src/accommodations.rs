//! Accommodations for organizers: on a round, for one cadre or one unit
//! (and the units under it), extra time per attempt, extra attempts or a
//! later closing, with a reason; recorded in the audit log and shown to the
//! cadre on the round's page.

use crate::error::AppError;
use crate::pages::{action_error, error_view, loading, UnitSelect};
use crate::types::format_time;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps},
    hoithi_core::round::accommodation::Accommodation,
    hoithi_core::store::{self, accommodations::Target},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccommodationView {
    pub id: String,
    /// The cadre (name and log-in) or the unit.
    pub who: String,
    pub what: String,
    pub reason: String,
    pub created_at: i64,
}

#[server(prefix = "/api", endpoint = "list_accommodations")]
pub async fn list_accommodations(round_id: String) -> Result<Vec<AccommodationView>, AppError> {
    crate::access::manage_round(&round_id).await?;
    let st = ssr::state()?;
    Ok(store::accommodations::list(&st.db, &round_id)
        .await?
        .into_iter()
        .map(|o| AccommodationView {
            id: o.id,
            who: match (o.user_name, o.user_login, o.unit_name) {
                (Some(n), Some(l), _) => format!("{n} ({l})"),
                (_, _, Some(u)) => format!("Đơn vị: {u}"),
                _ => String::new(),
            },
            what: o.grant.describe(format_time),
            reason: o.reason,
            created_at: o.created_at,
        })
        .collect())
}

/// Grants an accommodation to one cadre (`login`) or one unit (`unit_id`).
#[server(prefix = "/api", endpoint = "add_accommodation")]
#[allow(clippy::too_many_arguments)]
pub async fn add_accommodation(
    round_id: String,
    login: String,
    unit_id: String,
    extra_minutes: u32,
    extra_attempts: u32,
    closes_at: String,
    reason: String,
) -> Result<String, AppError> {
    ssr::cap(&login, caps::LOGIN, "Tài khoản")?;
    ssr::cap(&unit_id, caps::ID, "Đơn vị")?;
    ssr::cap(&closes_at, caps::ID, "Hạn chót mới")?;
    ssr::cap(&reason, 1_000, "Lý do")?;
    let (access, round) = crate::access::manage_round(&round_id).await?;
    let st = ssr::state()?;
    if round.key_published || round.results_published {
        return Err(ssr::invalid(
            "Đáp án hoặc kết quả đã được công bố: không thể dành thêm thời gian hay lượt thi".into(),
        ));
    }
    let reason = hoithi_core::text::clean(&reason);
    if reason.is_empty() {
        return Err(ssr::invalid("Vui lòng ghi lý do".into()));
    }
    if extra_minutes > 600 || extra_attempts > 10 {
        return Err(ssr::invalid("Tối đa 600 phút và 10 lượt thi thêm".into()));
    }
    let closes_at = match closes_at.trim() {
        "" => None,
        t => {
            let t = crate::types::parse_local_time(t)
                .ok_or_else(|| ssr::invalid("Hạn chót mới không hợp lệ".into()))?;
            if t <= round.rules.closes_at {
                return Err(ssr::invalid("Hạn chót mới phải sau hạn chót của vòng thi".into()));
            }
            Some(t)
        }
    };
    let grant = Accommodation {
        extra_secs: extra_minutes * 60,
        extra_attempts,
        closes_at,
    };
    if grant.is_none() {
        return Err(ssr::invalid("Hãy chọn thêm thời gian, thêm lượt thi hoặc lùi hạn chót".into()));
    }
    let (target, who, kind, target_id) = match (login.trim(), unit_id.trim()) {
        ("", "") => return Err(ssr::invalid("Hãy chọn một thí sinh hoặc một đơn vị".into())),
        (l, "") => {
            let norm = hoithi_core::auth::normalize_login(l).unwrap_or_else(|_| l.to_lowercase());
            let Some((u, _)) = store::users::by_login(&st.db, &norm).await? else {
                ssr::set_status(http::StatusCode::NOT_FOUND);
                return Err(AppError::Invalid(format!("Không có tài khoản \"{norm}\"")));
            };
            // Only someone the contest covers.
            if !access.sees(u.unit_id.as_deref()) {
                ssr::set_status(http::StatusCode::FORBIDDEN);
                return Err(AppError::Forbidden);
            }
            (u.id.clone(), format!("{} ({})", u.full_name, u.login), "user", u.id)
        }
        ("", u) => {
            let unit = store::units::list(&st.db)
                .await?
                .into_iter()
                .find(|x| x.id == u)
                .ok_or_else(|| ssr::invalid("Đơn vị không tồn tại".into()))?;
            if !access.sees(Some(&unit.id)) {
                ssr::set_status(http::StatusCode::FORBIDDEN);
                return Err(AppError::Forbidden);
            }
            (unit.id.clone(), format!("đơn vị {}", unit.name), "unit", unit.id)
        }
        _ => return Err(ssr::invalid("Chọn thí sinh hoặc đơn vị, không chọn cả hai".into())),
    };
    let target_ref = if kind == "user" { Target::Person(&target) } else { Target::Unit(&target) };
    let me = access.caller.user;
    let id = store::accommodations::add(&st.db, &round_id, target_ref, grant, &reason, &me.id, store::now_ms()).await?;
    st.round_cache.forget(&round_id);
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&round.contest_id),
        after: Some(serde_json::json!({
            "round_id": round_id, "target": format!("{kind}:{target_id}"), "extra_secs": grant.extra_secs,
            "extra_attempts": grant.extra_attempts, "closes_at": grant.closes_at, "reason": reason,
        })),
        ..crate::audit::change(
            "round.accommodation",
            "round",
            &round_id,
            format!("Dành cho {who}: {} ({reason})", grant.describe(format_time)),
        )
    })
    .await;
    Ok(id)
}

#[server(prefix = "/api", endpoint = "remove_accommodation")]
pub async fn remove_accommodation(id: String) -> Result<(), AppError> {
    let caller = crate::access::staff().await?;
    let st = ssr::state()?;
    ssr::cap(&id, caps::ID, "Mục")?;
    let row = store::accommodations::one(&st.db, &id).await?;
    let (access, _) = crate::access::round_of(&st, caller, &row.round_id).await?;
    if !access.manage {
        return Err(crate::access::forbidden());
    }
    let me = access.caller.user;
    let gone = store::accommodations::remove(&st.db, &id).await?;
    st.round_cache.forget(&gone.round_id);
    crate::audit::record(&st, &me, store::audit::Change {
        before: Some(serde_json::json!({
            "user_id": gone.user_id, "unit_id": gone.unit_id, "extra_secs": gone.grant.extra_secs,
            "extra_attempts": gone.grant.extra_attempts, "closes_at": gone.grant.closes_at, "reason": gone.reason,
        })),
        ..crate::audit::change(
            "round.accommodation_removed",
            "round",
            &gone.round_id,
            format!("Bỏ ưu tiên: {}", gone.grant.describe(format_time)),
        )
    })
    .await;
    Ok(())
}

/// The round page's section: the accommodations granted, and a form.
#[component]
pub fn AccommodationsPanel(round_id: String) -> impl IntoView {
    let add = ServerAction::<AddAccommodation>::new();
    let remove = ServerAction::<RemoveAccommodation>::new();
    let rid = round_id.clone();
    let list = Resource::new(
        move || (rid.clone(), add.version().get(), remove.version().get()),
        |(r, _, _)| list_accommodations(r),
    );
    view! {
        <section class="card">
            <h2>"Ưu tiên riêng"</h2>
            <p class="muted">
                "Cho một thí sinh hoặc một đơn vị (kể cả các đơn vị trực thuộc): thêm thời gian mỗi lượt, "
                "thêm lượt thi hoặc lùi hạn chót (ví dụ một xã mất mạng vào buổi tối cuối). "
                "Ghi vào nhật ký và hiện cho thí sinh trên trang vòng thi."
            </p>
            <Transition fallback=loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => error_view(&e),
                        Ok(l) if l.is_empty() => view! { <p class="muted">"Chưa có ưu tiên nào."</p> }.into_any(),
                        Ok(l) => view! {
                            <ul class="accommodations">
                                {l.into_iter().map(|a| {
                                    let key = a.id.clone();
                                    view! {
                                    <li data-accommodation=key>
                                        <b>{a.who}</b> ": " {a.what} " — " <i>{a.reason}</i>
                                        <span class="muted">{format!(" ({})", format_time(a.created_at))}</span>
                                        " "
                                        <ActionForm action=remove attr:class="inline">
                                            <input type="hidden" name="id" value=a.id/>
                                            <button type="submit" class="small secondary">"Bỏ"</button>
                                        </ActionForm>
                                    </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
            <ActionForm action=add attr:class="form">
                <input type="hidden" name="round_id" value=round_id/>
                <label>"Thí sinh (số điện thoại hoặc e-mail)" <input type="text" name="login" maxlength="254"/></label>
                <label>"hoặc đơn vị" <UnitSelect blank="— Không —"/></label>
                <label>"Thêm thời gian mỗi lượt (phút)" <input type="number" name="extra_minutes" min="0" max="600" value="0"/></label>
                <label>"Thêm lượt thi" <input type="number" name="extra_attempts" min="0" max="10" value="0"/></label>
                <label>"Lùi hạn chót đến" <input type="datetime-local" name="closes_at"/></label>
                <label>"Lý do" <input type="text" name="reason" required maxlength="1000"/></label>
                {action_error(add.value())}
                {action_error(remove.value())}
                <button type="submit">"Dành ưu tiên"</button>
            </ActionForm>
        </section>
    }
}
