//! Certificates: a contest's settings (the committee's name and seal, and
//! whether every participant gets one), issuing a round's certificates once
//! its results are public (and keeping them in step: a prize taken away
//! revokes its certificate), the holder's own, and the public verification
//! page a certificate's QR code leads to. The PDFs themselves are made by
//! the server binary (`server/src/certificates.rs`).

use crate::error::AppError;
use crate::pages::{action_error, error_view, loading};
use crate::types::format_time;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, caps, AppState},
    hoithi_core::store::{self, certificates, contests, rounds::RoundRecord},
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateSettingsView {
    pub committee: String,
    pub seal: String,
    pub participants: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CertificateView {
    pub serial: String,
    pub full_name: String,
    pub unit_name: Option<String>,
    /// "Giải Nhất", or "Chứng nhận tham gia".
    pub award: String,
    pub round_name: String,
    pub contest_name: String,
    pub committee: String,
    pub issued_at: i64,
    /// Why it no longer stands, if revoked.
    pub revoked: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<certificates::Certificate> for CertificateView {
    fn from(c: certificates::Certificate) -> Self {
        CertificateView {
            serial: c.serial,
            full_name: c.full_name,
            unit_name: c.unit_name,
            award: c.prize.unwrap_or_else(|| "Chứng nhận tham gia".into()),
            round_name: c.round_name,
            contest_name: c.contest_name,
            committee: c.committee,
            issued_at: c.issued_at,
            revoked: c
                .revoked_at
                .map(|t| format!("{} ({})", c.revoked_reason.unwrap_or_default(), format_time(t))),
        }
    }
}

/// A seal: a PNG or JPEG kept as a `data:` address, as question images are.
#[cfg(feature = "ssr")]
fn seal_problem(seal: &str) -> Option<String> {
    if seal.is_empty() {
        return None;
    }
    if !(seal.starts_with("data:image/png;base64,") || seal.starts_with("data:image/jpeg;base64,")) {
        return Some("Con dấu phải là ảnh PNG hoặc JPEG tải lên từ máy".into());
    }
    hoithi_core::model::image_problem(seal)
}

#[server(prefix = "/api", endpoint = "certificate_settings")]
pub async fn certificate_settings(contest_id: String) -> Result<CertificateSettingsView, AppError> {
    ssr::cap(&contest_id, caps::ID, "Cuộc thi")?;
    let access = crate::access::manage_contest(&contest_id).await?;
    let st = ssr::state()?;
    let s = certificates::settings(&st.db, &access.contest_id).await?;
    Ok(match s {
        Some(s) => CertificateSettingsView { committee: s.committee, seal: s.seal.unwrap_or_default(), participants: s.participants },
        None => CertificateSettingsView {
            committee: default_committee(&st, &access.contest_id).await?,
            seal: String::new(),
            participants: false,
        },
    })
}

#[cfg(feature = "ssr")]
async fn default_committee(st: &AppState, contest_id: &str) -> Result<String, AppError> {
    let c = contests::get_one(&st.db, contest_id).await?;
    Ok(match c.unit_name {
        Some(u) => format!("BAN TỔ CHỨC HỘI THI {}", u.to_uppercase()),
        None => certificates::DEFAULT_COMMITTEE.into(),
    })
}

#[server(prefix = "/api", endpoint = "save_certificate_settings")]
pub async fn save_certificate_settings(
    contest_id: String,
    committee: String,
    seal: String,
    participants: Option<String>,
) -> Result<(), AppError> {
    ssr::cap(&contest_id, caps::ID, "Cuộc thi")?;
    ssr::cap(&committee, caps::NAME, "Tên ban tổ chức")?;
    ssr::cap(&seal, hoithi_core::model::MAX_IMAGE_BYTES * 4 / 3 + 64, "Con dấu")?;
    let access = crate::access::manage_contest(&contest_id).await?;
    let st = ssr::state()?;
    let committee = hoithi_core::text::clean(&committee);
    if committee.is_empty() {
        return Err(ssr::invalid("Vui lòng nhập tên ban tổ chức in trên giấy chứng nhận".into()));
    }
    let seal = seal.trim().to_string();
    if let Some(p) = seal_problem(&seal) {
        return Err(ssr::invalid(p));
    }
    let s = certificates::Settings {
        committee,
        seal: (!seal.is_empty()).then_some(seal),
        participants: participants.is_some(),
    };
    let me = access.caller.user;
    certificates::save_settings(&st.db, &contest_id, &s, &me.id, store::now_ms()).await?;
    crate::audit::record(&st, &me, store::audit::Change {
        contest_id: Some(&contest_id),
        after: Some(serde_json::json!({
            "committee": s.committee, "seal": s.seal.is_some(), "participants": s.participants,
        })),
        ..crate::audit::change(
            "contest.certificates",
            "contest",
            &contest_id,
            format!(
                "Giấy chứng nhận: {}{}{}",
                s.committee,
                if s.seal.is_some() { ", có con dấu" } else { ", không con dấu" },
                if s.participants { ", cấp cho mọi người tham gia" } else { ", chỉ người đạt giải" }
            ),
        )
    })
    .await;
    Ok(())
}

/// Brings a round's certificates in line with its results now: one per
/// prize-winner (and participant, when the contest says so), revoking what
/// no longer stands. Returns (issued, revoked).
#[cfg(feature = "ssr")]
pub async fn sync(st: &AppState, round: &RoundRecord) -> Result<(usize, usize), AppError> {
    let contest = contests::get_one(&st.db, &round.contest_id).await?;
    let settings = certificates::settings(&st.db, &round.contest_id).await?;
    let (committee, participants) = match settings {
        Some(s) => (s.committee, s.participants),
        None => (default_committee(st, &round.contest_id).await?, false),
    };
    st.round_cache.forget(&round.id);
    let ranked = crate::round_api::ranked(&st.db, round).await?;
    let wanted: Vec<certificates::Wanted> = ranked
        .rows
        .iter()
        .filter(|r| r.prize.is_some() || participants)
        .map(|r| certificates::Wanted {
            user_id: r.person.user_id.clone(),
            prize: r.prize.clone(),
            full_name: r.person.full_name.clone(),
            unit_name: r.person.unit_name.clone(),
        })
        .collect();
    let heading = certificates::Heading {
        round_name: &round.rules.name,
        contest_name: &contest.name,
        committee: &committee,
    };
    Ok(certificates::sync(&st.db, &round.id, &wanted, &heading, store::now_ms()).await?)
}

/// After a change to a round's results (a fair-play decision), its
/// certificates follow, if any were ever issued.
#[cfg(feature = "ssr")]
pub async fn resync_if_issued(st: &AppState, round: &RoundRecord) -> Result<(), AppError> {
    if round.results_published && certificates::issued_for(&st.db, &round.id).await? {
        sync(st, round).await?;
    }
    Ok(())
}

#[server(prefix = "/api", endpoint = "issue_certificates")]
pub async fn issue_certificates(round_id: String) -> Result<String, AppError> {
    let (access, round) = crate::access::manage_round(&round_id).await?;
    let st = ssr::state()?;
    if !round.results_published {
        return Err(ssr::invalid("Hãy công bố kết quả vòng thi trước khi cấp giấy chứng nhận".into()));
    }
    ssr::heavy(&st, &ssr::heavy_key(Some(&access.caller.user.id), ""))?;
    let (issued, revoked) = sync(&st, &round).await?;
    let summary = format!("Cấp {issued} giấy chứng nhận mới, thu hồi {revoked} ({})", round.rules.name);
    crate::audit::record(&st, &access.caller.user, store::audit::Change {
        contest_id: Some(&round.contest_id),
        after: Some(serde_json::json!({ "round_id": round_id, "issued": issued, "revoked": revoked })),
        ..crate::audit::change("round.certificates", "round", &round_id, summary.clone())
    })
    .await;
    Ok(summary)
}

#[server(prefix = "/api", endpoint = "round_certificates")]
pub async fn round_certificates(round_id: String) -> Result<Vec<CertificateView>, AppError> {
    let (_, round) = crate::access::manage_round(&round_id).await?;
    let st = ssr::state()?;
    Ok(certificates::of_round(&st.db, &round.id).await?.into_iter().map(Into::into).collect())
}

/// The caller's own standing certificates.
#[server(prefix = "/api", endpoint = "my_certificates")]
pub async fn my_certificates() -> Result<Vec<CertificateView>, AppError> {
    let user = ssr::require(&[
        hoithi_core::model::Role::Admin,
        hoithi_core::model::Role::Organizer,
        hoithi_core::model::Role::Judge,
        hoithi_core::model::Role::Contestant,
    ])
    .await?;
    let st = ssr::state()?;
    Ok(certificates::of_user(&st.db, &user.id).await?.into_iter().map(Into::into).collect())
}

/// Public: what a certificate's serial stands for, or that it does not.
#[server(prefix = "/api", endpoint = "verify_certificate")]
pub async fn verify_certificate(serial: String) -> Result<Option<CertificateView>, AppError> {
    ssr::cap(&serial, 40, "Số hiệu")?;
    ssr::rate_limit(&format!("verify:{}", ssr::client_ip()), 60)?;
    let serial = serial.trim().to_uppercase();
    if !certificates::is_serial(&serial) {
        return Ok(None);
    }
    let st = ssr::state()?;
    match certificates::by_serial(&st.db, &serial).await {
        Ok(c) => Ok(Some(c.into())),
        Err(store::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `/chung-nhan/:serial`: the page a certificate's QR code opens.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let params = use_params_map();
    let serial = move || params.read().get("serial").unwrap_or_default();
    let found = Resource::new(serial, verify_certificate);
    view! {
        <h1>"Kiểm tra giấy chứng nhận"</h1>
        <Suspense fallback=loading>
            {move || Suspend::new(async move {
                match found.await {
                    Err(e) => error_view(&e),
                    Ok(None) => view! {
                        <div class="card" data-verify="invalid">
                            <p class="error"><strong>"Không hợp lệ"</strong></p>
                            <p>"Không có giấy chứng nhận nào mang số hiệu " <code>{serial()}</code> "."</p>
                        </div>
                    }.into_any(),
                    Ok(Some(c)) if c.revoked.is_some() => view! {
                        <div class="card" data-verify="revoked">
                            <p class="error"><strong>"Không hợp lệ"</strong>": giấy chứng nhận này đã bị thu hồi."</p>
                            <p>{format!("Số hiệu {} — {}", c.serial, c.revoked.clone().unwrap_or_default())}</p>
                        </div>
                    }.into_any(),
                    Ok(Some(c)) => view! {
                        <div class="card" data-verify="valid">
                            <p class="ok"><strong>"Hợp lệ"</strong></p>
                            <dl class="facts">
                                <dt>"Số hiệu"</dt><dd>{c.serial.clone()}</dd>
                                <dt>"Họ và tên"</dt><dd>{c.full_name.clone()}</dd>
                                <dt>"Đơn vị"</dt><dd>{c.unit_name.clone().unwrap_or_else(|| "—".into())}</dd>
                                <dt>"Giải"</dt><dd>{c.award.clone()}</dd>
                                <dt>"Vòng thi"</dt><dd>{c.round_name.clone()}</dd>
                                <dt>"Cuộc thi"</dt><dd>{c.contest_name.clone()}</dd>
                                <dt>"Đơn vị cấp"</dt><dd>{c.committee.clone()}</dd>
                                <dt>"Ngày cấp"</dt><dd>{format_time(c.issued_at)}</dd>
                            </dl>
                        </div>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The round page's section: the contest's certificate settings, issuing,
/// the list and the downloads.
#[component]
pub fn CertificatesPanel(round_id: String, contest_id: String, results_published: bool) -> impl IntoView {
    let save = ServerAction::<SaveCertificateSettings>::new();
    let issue = ServerAction::<IssueCertificates>::new();
    let cid = contest_id.clone();
    let settings = Resource::new(move || (cid.clone(), save.version().get()), |(c, _)| certificate_settings(c));
    let rid = round_id.clone();
    let list = Resource::new(move || (rid.clone(), issue.version().get()), |(r, _)| round_certificates(r));
    let seal = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let base = format!("/ban-to-chuc/chung-nhan?vong={round_id}");
    view! {
        <section class="card" data-certificates="">
            <h2>"Giấy chứng nhận"</h2>
            <Transition fallback=loading>
                {move || {
                    let contest_id = contest_id.clone();
                    Suspend::new(async move {
                    match settings.await {
                        Err(e) => error_view(&e),
                        Ok(s) => {
                            seal.set(s.seal.clone());
                            view! {
                                <ActionForm action=save attr:class="form">
                                    <input type="hidden" name="contest_id" value=contest_id.clone()/>
                                    <label>"Tên ban tổ chức in trên giấy" <input type="text" name="committee" required maxlength="200" value=s.committee/></label>
                                    <input type="hidden" name="seal" value=move || seal.get()/>
                                    <label>"Con dấu (ảnh PNG hoặc JPEG, tối đa 200 KB)"
                                        <input type="file" accept="image/png,image/jpeg" on:change=move |ev| {
                                            #[cfg(feature = "hydrate")]
                                            crate::pages::bank::read_image(ev, seal, problem);
                                            #[cfg(not(feature = "hydrate"))]
                                            let _ = ev;
                                        }/>
                                    </label>
                                    {move || problem.get().map(|m| view! { <p class="alert error" role="alert">{m}</p> })}
                                    {move || (!seal.with(String::is_empty)).then(|| view! {
                                        <img class="seal" src=seal.get() alt="Con dấu"/>
                                        <button type="button" class="small secondary" on:click=move |_| seal.set(String::new())>"Bỏ con dấu"</button>
                                    })}
                                    <label class="check"><input type="checkbox" name="participants" checked=s.participants/>" Cấp cho mọi người tham gia (không chỉ người đạt giải)"</label>
                                    {action_error(save.value())}
                                    <button type="submit" class="secondary">"Lưu"</button>
                                </ActionForm>
                            }.into_any()
                        }
                    }
                })}}
            </Transition>
            {if results_published {
                view! {
                    <ActionForm action=issue attr:class="inline">
                        <input type="hidden" name="round_id" value=round_id.clone()/>
                        <button type="submit">"Cấp / cập nhật giấy chứng nhận"</button>
                    </ActionForm>
                    {move || issue.value().get().and_then(|r| r.ok()).map(|m| view! { <p class="ok">{m}</p> })}
                    {action_error(issue.value())}
                }.into_any()
            } else {
                view! { <p class="muted">"Giấy chứng nhận được cấp sau khi công bố kết quả vòng thi."</p> }.into_any()
            }}
            <Transition fallback=loading>
                {move || {
                    let base = base.clone();
                    Suspend::new(async move {
                    match list.await {
                        Err(e) => error_view(&e),
                        Ok(l) if l.is_empty() => view! { <p class="muted">"Chưa cấp giấy chứng nhận nào."</p> }.into_any(),
                        Ok(l) => view! {
                            <p>
                                <a href=format!("{base}&dang=pdf") rel="external">"Tải tất cả (một tệp PDF)"</a> " · "
                                <a href=format!("{base}&dang=zip") rel="external">"Tải tất cả (.zip)"</a> " · "
                                <a href=format!("{base}&dang=xlsx") rel="external">"Danh sách quyết định khen thưởng (.xlsx)"</a>
                            </p>
                            <table>
                                <thead><tr><th>"Số hiệu"</th><th>"Họ và tên"</th><th>"Đơn vị"</th><th>"Giải"</th><th>"Tình trạng"</th></tr></thead>
                                <tbody>
                                    {l.into_iter().map(|c| view! {
                                        <tr data-serial=c.serial.clone()>
                                            <td><a href=format!("/chung-nhan/{}", c.serial)>{c.serial.clone()}</a></td>
                                            <td>{c.full_name}</td>
                                            <td>{c.unit_name.unwrap_or_default()}</td>
                                            <td>{c.award}</td>
                                            <td>{c.revoked.map(|r| format!("Đã thu hồi: {r}")).unwrap_or_else(|| "Còn hiệu lực".into())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}}
            </Transition>
        </section>
    }
}
