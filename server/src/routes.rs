//! Plain HTTP routes beside the Leptos pages: file upload (works without
//! JavaScript), export downloads and the health check.

use app::ssr::{user_from_headers, AppState};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use hoithi_core::formats::{self, Defaults, Format};
use hoithi_core::model::{Difficulty, Role};
use hoithi_core::store::{self, uploads::Purpose, users::UserRecord};
use serde::Deserialize;

pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route(
            "/quan-tri/tai-len",
            post(upload).layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024)),
        )
        .route("/quan-tri/xuat", get(export))
        .route("/ban-to-chuc/xuat", get(export_report))
        .route("/quan-tri/nhat-ky/xuat", get(export_audit))
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(rename = "thao-tac", default)]
    action: String,
    #[serde(rename = "nguoi", default)]
    actor: String,
    #[serde(rename = "tu", default)]
    from: String,
    #[serde(rename = "den", default)]
    to: String,
}

/// The audit log as `.xlsx` (admins all of it, organizers their contests'),
/// the page's filter, up to 10,000 rows.
async fn export_audit(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> Response {
    let caller = match staff(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut f = match app::audit::filter(&q.action, &q.actor, &q.from, &q.to, 10_000) {
        Ok(f) => f,
        Err(e) => return plain(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    if let Err(e) = app::audit::scoped(&st, &caller, &mut f).await {
        return refusal(e);
    }
    let entries = match store::audit::list(&st.db, &f).await {
        Ok(e) => e,
        Err(e) => {
            tracing::error!(error = %e, "reading the audit log");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống, vui lòng thử lại sau");
        }
    };
    xlsx_download(app::types::TableView {
        key: "nhat-ky".into(),
        title: "Nhật ký thao tác".into(),
        header: ["Lúc", "Người thực hiện", "Tài khoản", "Thao tác", "Đối tượng", "Mã", "Nội dung", "Trước", "Sau"]
            .map(String::from)
            .to_vec(),
        rows: entries
            .into_iter()
            .map(|e| {
                vec![
                    app::types::format_time(e.at),
                    e.actor_name,
                    e.actor_login,
                    e.action,
                    e.object_kind,
                    e.object_id,
                    e.summary,
                    e.before.unwrap_or_default(),
                    e.after.unwrap_or_default(),
                ]
            })
            .collect(),
    })
}

async fn healthz(State(st): State<AppState>) -> Response {
    if st.db.healthy().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

pub(crate) fn plain(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.to_string(),
    )
        .into_response()
}

/// The caller when their role is one of `roles`; otherwise the response to send.
pub(crate) async fn require(
    st: &AppState,
    headers: &HeaderMap,
    roles: &[Role],
) -> Result<UserRecord, Response> {
    match user_from_headers(st, headers).await {
        Ok(Some(u)) if u.must_change_password => Err(plain(
            StatusCode::FORBIDDEN,
            "Bạn cần đổi mật khẩu trước khi tiếp tục",
        )),
        Ok(Some(u)) if roles.contains(&u.role) => Ok(u),
        Ok(Some(_)) => Err(plain(
            StatusCode::FORBIDDEN,
            "Bạn không có quyền thực hiện thao tác này",
        )),
        Ok(None) => Err(plain(
            StatusCode::UNAUTHORIZED,
            "Bạn cần đăng nhập để tiếp tục",
        )),
        Err(_) => Err(plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Lỗi hệ thống, vui lòng thử lại sau",
        )),
    }
}

/// An admin, or an organizer holding some grant, with their scope.
pub(crate) async fn staff(st: &AppState, headers: &HeaderMap) -> Result<app::access::Caller, Response> {
    let user = require(st, headers, &[Role::Admin, Role::Organizer]).await?;
    let caller = app::access::caller_for(st, user).await.map_err(refusal)?;
    if caller.scope.is_staff() {
        Ok(caller)
    } else {
        Err(refusal(app::error::AppError::Forbidden))
    }
}

/// The caller when they run the final (its contest's organizers, admins).
pub(crate) async fn require_final(st: &AppState, headers: &HeaderMap, final_id: &str) -> Result<app::access::Caller, Response> {
    let caller = staff(st, headers).await?;
    let f = store::finals::get_one(&st.db, final_id)
        .await
        .map_err(|e| refusal(e.into()))?;
    match app::access::runs_final(st, &caller, &f).await {
        Ok(true) => Ok(caller),
        Ok(false) => Err(refusal(app::error::AppError::Forbidden)),
        Err(e) => Err(refusal(e)),
    }
}

/// A server-side refusal as a plain response with its status.
pub(crate) fn refusal(e: app::error::AppError) -> Response {
    use app::error::AppError;
    let status = match &e {
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::MustChangePassword => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    plain(status, &e.to_string())
}

fn back_with_error(purpose: Purpose, msg: &str) -> Response {
    let page = match purpose {
        Purpose::Questions => "/quan-tri/ngan-hang",
        Purpose::Units => "/quan-tri/don-vi",
        Purpose::Cadres => "/ban-to-chuc/thi-sinh",
    };
    let enc: String = msg
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    Redirect::to(&format!("{page}?loi={enc}")).into_response()
}

/// Stores an uploaded file and sends the admin to its preview.
async fn upload(State(st): State<AppState>, headers: HeaderMap, mut form: Multipart) -> Response {
    // Organizers may upload cadre lists only; the purpose is checked below.
    let user = match staff(&st, &headers).await {
        Ok(c) => c.user,
        Err(r) => return r,
    };
    let mut purpose = Purpose::Questions;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut defaults = Defaults::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                return back_with_error(
                    purpose,
                    "Tải lên bị gián đoạn hoặc tệp quá lớn (tối đa 10 MB)",
                )
            }
        };
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("tep").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((file_name, b.to_vec())),
                    Err(_) => {
                        return back_with_error(
                            purpose,
                            "Tải lên bị gián đoạn hoặc tệp quá lớn (tối đa 10 MB)",
                        )
                    }
                }
            }
            _ => {
                let value = field.text().await.unwrap_or_default();
                match name.as_str() {
                    "purpose" if value == "units" => purpose = Purpose::Units,
                    "purpose" if value == "cadres" => purpose = Purpose::Cadres,
                    "topic" if !value.trim().is_empty() => {
                        match hoithi_core::taxonomy::find(&value) {
                            Some(t) => defaults.topic = Some(t.key.to_string()),
                            None => {
                                return back_with_error(purpose, "Chủ đề mặc định không hợp lệ")
                            }
                        }
                    }
                    "difficulty" if !value.trim().is_empty() => {
                        defaults.difficulty = Difficulty::parse(&value)
                    }
                    _ => {}
                }
            }
        }
    }
    if user.role != Role::Admin && purpose != Purpose::Cadres {
        return plain(
            StatusCode::FORBIDDEN,
            "Bạn không có quyền thực hiện thao tác này",
        );
    }
    let Some((file_name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return back_with_error(purpose, "Chưa chọn tệp hoặc tệp rỗng");
    };
    let Some(format) = Format::detect(&file_name, &bytes) else {
        return back_with_error(
            purpose,
            "Không nhận ra định dạng tệp (.hq, .xlsx, .csv, .gift, .aiken, .xml, .txt)",
        );
    };
    if purpose != Purpose::Questions && !matches!(format, Format::Csv | Format::Xlsx) {
        return back_with_error(purpose, "Tệp phải là CSV hoặc Excel (.xlsx)");
    }
    match store::uploads::save(
        &st.db, &user.id, purpose, &file_name, format, &defaults, &bytes,
    )
    .await
    {
        Ok(id) => {
            let to = match purpose {
                Purpose::Questions => format!("/quan-tri/nhap/{id}"),
                Purpose::Units => format!("/quan-tri/don-vi/nhap/{id}"),
                Purpose::Cadres => format!("/ban-to-chuc/thi-sinh/nhap/{id}"),
            };
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "saving upload");
            back_with_error(purpose, "Lỗi hệ thống khi lưu tệp, vui lòng thử lại")
        }
    }
}

#[derive(Deserialize)]
struct ExportQuery {
    format: String,
    #[serde(default)]
    all: bool,
}

async fn export(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Response {
    let user = match staff(&st, &headers).await {
        Ok(c) => c.user,
        Err(r) => return r,
    };
    // The key travels only to admins and organizers an admin granted it.
    let keys = app::api::sees_keys(&user);
    if !keys && q.format == "native" {
        return plain(
            StatusCode::FORBIDDEN,
            "Tệp .hq chứa đáp án; hãy xuất Excel hoặc CSV (không kèm đáp án) hoặc đề nghị quản trị viên cấp quyền xem đáp án",
        );
    }
    let questions = match store::questions::export(&st.db, q.all).await {
        Ok(q) if keys => q,
        Ok(q) => q.into_iter().map(|d| d.without_key()).collect(),
        Err(e) => {
            tracing::error!(error = %e, "export");
            return plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi hệ thống, vui lòng thử lại sau",
            );
        }
    };
    let (bytes, mime, ext) = match q.format.as_str() {
        "xlsx" => (
            formats::xlsx::write(&questions),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        "csv" => (
            formats::csv_fmt::write(&questions),
            "text/csv; charset=utf-8",
            "csv",
        ),
        "native" => (
            formats::native::write(&questions).into_bytes(),
            "text/plain; charset=utf-8",
            "hq",
        ),
        _ => {
            return plain(
                StatusCode::BAD_REQUEST,
                "Định dạng xuất không hợp lệ (xlsx, csv, native)",
            )
        }
    };
    Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"ngan-hang-cau-hoi{}.{ext}\"",
                if keys { "" } else { "-khong-dap-an" }
            ),
        )
        .body(Body::from(bytes))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống"))
}

#[derive(Deserialize)]
struct ReportQuery {
    /// A round's dashboard table (`bang` is its key) …
    vong: Option<String>,
    /// … or a contest's unit leaderboard (`don-vi`) or overall ranking (`xep-hang`).
    cuoc_thi: Option<String>,
    bang: String,
    /// With `vong` and `bang=chua-tham-gia`: the unit whose subtree to list.
    #[serde(rename = "don-vi", default)]
    don_vi: String,
}

/// Any organizer table as `.xlsx`: the same rows the page shows.
async fn export_report(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    let caller = match staff(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let now = store::now_ms();
    let heavy = app::ssr::heavy_key(Some(&caller.user.id), "");
    // Each table as the caller may see it: whole for who runs the contest,
    // their own units' rows for an organizer of units inside it.
    let table: Result<Option<app::types::TableView>, app::error::AppError> = async {
        match (&q.vong, &q.cuoc_thi) {
            (Some(id), _) => {
                let (access, round) = app::access::round_of(&st, caller, id).await?;
                if q.bang == "chua-tham-gia" {
                    app::ssr::heavy(&st, &heavy)?;
                    return Ok(Some(app::participation::table(&st, &access, id, &q.don_vi).await?));
                }
                let d = app::ssr_reports::scoped_dashboard(&st, &access, round, now).await?;
                Ok(d.tables.into_iter().find(|t| t.key == q.bang))
            }
            (None, Some(cid)) => {
                let access = app::access::contest_of(&st, caller, cid).await?;
                app::ssr::heavy(&st, &heavy)?;
                let sees = |u: Option<&str>| access.sees(u);
                match q.bang.as_str() {
                    "don-vi" => Ok(Some(app::ssr_reports::unit_leaderboard(&st.db, cid, &sees).await?)),
                    "xep-hang" => Ok(Some(app::ssr_reports::ranking_table(
                        &store::results::overall(&st.db, cid)
                            .await?
                            .into_iter()
                            .filter(|r| sees(r.person.unit_id.as_deref()))
                            .collect::<Vec<_>>(),
                    ))),
                    "chung-ket" => Ok(Some(app::ssr_reports::finalists_table(
                        &store::results::finalists(&st.db, cid)
                            .await?
                            .into_iter()
                            .filter(|f| sees(f.unit_id.as_deref()))
                            .collect::<Vec<_>>(),
                    ))),
                    _ => Ok(None),
                }
            }
            (None, None) => Ok(None),
        }
    }
    .await;
    let table = match table {
        Ok(Some(t)) => t,
        Ok(None) => return plain(StatusCode::NOT_FOUND, "Không tìm thấy bảng cần xuất"),
        Err(e) => return refusal(e),
    };
    xlsx_download(table)
}

/// An organizer table as an `.xlsx` download named after its key.
pub(crate) fn xlsx_download(table: app::types::TableView) -> Response {
    let mut rows = vec![table.header.clone()];
    rows.extend(table.rows);
    let sheet: String = table.title.chars().take(31).collect();
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.xlsx\"", table.key),
        )
        .body(Body::from(formats::xlsx::write_rows(&sheet, &rows)))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống"))
}
