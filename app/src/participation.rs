//! The cadres of a unit (and the units under it) who have not taken a round
//! yet: the list a commune's party office works through before the round
//! closes, on the round's page and as `.xlsx`.

use crate::error::AppError;
use crate::pages::{error_view, loading, UnitSelect};
use crate::types::TableView;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps},
    hoithi_core::store::{self, participation, units},
};

/// The table, for the page and the export (`unit_id` empty: everyone the
/// caller sees in the round's contest).
#[cfg(feature = "ssr")]
pub async fn table(
    st: &ssr::AppState,
    access: &crate::access::ContestAccess,
    round_id: &str,
    unit_id: &str,
) -> Result<TableView, AppError> {
    ssr::cap(unit_id, caps::ID, "Đơn vị")?;
    let db = &st.db;
    let round = store::rounds::get_one(db, round_id).await?;
    if !unit_id.is_empty() && !access.sees(Some(unit_id)) {
        ssr::set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    let (scope, title) = if unit_id.is_empty() {
        (
            crate::access::reach_units(st, &access.reach).await?,
            format!("Chưa tham gia – {}", round.rules.name),
        )
    } else {
        let all = units::list(db).await?;
        let name = all
            .iter()
            .find(|u| u.id == unit_id)
            .map(|u| u.name.clone())
            .ok_or_else(|| ssr::invalid("Đơn vị không tồn tại".into()))?;
        (Some(units::subtree(&all, unit_id)), format!("Chưa tham gia – {name}"))
    };
    let rows = participation::not_taken(db, round_id, scope.as_deref()).await?;
    Ok(TableView {
        key: "chua-tham-gia".into(),
        title,
        header: ["Họ và tên", "Tài khoản", "Đơn vị", "Chức vụ"].map(String::from).to_vec(),
        rows: rows
            .into_iter()
            .map(|a| vec![a.full_name, a.login, a.unit_name.unwrap_or_default(), a.position])
            .collect(),
    })
}

#[server(prefix = "/api", endpoint = "not_taken")]
pub async fn not_taken(round_id: String, unit_id: String) -> Result<TableView, AppError> {
    let (access, _) = crate::access::round(&round_id).await?;
    let st = ssr::state()?;
    ssr::heavy(&st, &ssr::heavy_key(Some(&access.caller.user.id), ""))?;
    table(&st, &access, &round_id, &unit_id).await
}

#[component]
pub fn NotTakenPanel(round_id: String) -> impl IntoView {
    let unit = RwSignal::new(String::new());
    let shown = RwSignal::new(None::<String>);
    let rid = round_id.clone();
    let list = Resource::new(
        move || shown.get(),
        move |u| {
            let rid = rid.clone();
            async move {
                match u {
                    Some(u) => not_taken(rid, u).await.map(Some),
                    None => Ok(None),
                }
            }
        },
    );
    view! {
        <section class="card">
            <h2>"Người chưa tham gia"</h2>
            <p class="muted">"Cán bộ của một đơn vị (kể cả các đơn vị trực thuộc) chưa làm bài vòng này, để đôn đốc trước hạn chót."</p>
            <div class="form inline-form" on:change=move |e| {
                let v = event_target_value(&e);
                unit.set(v);
            }>
                <label>"Đơn vị" <UnitSelect blank="— Tất cả —"/></label>
                <button type="button" data-not-taken="1" on:click=move |_| shown.set(Some(unit.get_untracked()))>"Xem danh sách"</button>
            </div>
            <Transition fallback=loading>
                {move || {
                    let round_id = round_id.clone();
                    Suspend::new(async move {
                    match list.await {
                        Err(e) => error_view(&e),
                        Ok(None) => ().into_any(),
                        Ok(Some(t)) => {
                            let href = format!(
                                "/ban-to-chuc/xuat?vong={}&bang=chua-tham-gia&don-vi={}",
                                round_id,
                                shown.get_untracked().unwrap_or_default()
                            );
                            let n = t.rows.len();
                            view! {
                                <p>{format!("{n} người chưa tham gia. ")} <a href=href rel="external">"Tải về (.xlsx)"</a></p>
                                {(n > 0).then(|| view! {
                                    <div class="table-wrap">
                                        <table>
                                            <thead><tr>{t.header.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view()}</tr></thead>
                                            <tbody>
                                                {t.rows.iter().map(|r| view! { <tr>{r.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr> }).collect_view()}
                                            </tbody>
                                        </table>
                                    </div>
                                })}
                            }
                            .into_any()
                        }
                    }
                    })
                }}
            </Transition>
        </section>
    }
}
