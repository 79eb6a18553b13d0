//! Server functions. Each checks the caller's role on the server before it
//! touches anything; the browser's idea of who it is counts for nothing.

use crate::error::AppError;
use crate::types::*;
use hoithi_core::bank::PlanCounts;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::ssr::{self, require, state},
    hoithi_core::model::Role,
    hoithi_core::store,
};

#[cfg(feature = "ssr")]
const ADMIN: &[Role] = &[Role::Admin];

/// Whether a bank reader may see the answer keys: admins, and organizers an
/// admin granted them to.
#[cfg(feature = "ssr")]
pub fn sees_keys(u: &store::users::UserRecord) -> bool {
    u.role == Role::Admin || u.bank_keys
}

/// Where to go after log-in: only a path on this site. A browser drops
/// tabs and line breaks from a URL and reads `\\` as `/`, so `/\t/evil`
/// would leave the site: any control character, space or backslash, and
/// any `//` start, sends the user home instead.
pub fn safe_next(next: &str) -> String {
    let ok = next.len() <= 512
        && next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<UserView>, AppError> {
    Ok(ssr::current_user().await?.map(UserView::from))
}

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(login: String, password: String, next: String) -> Result<(), AppError> {
    use ssr::caps;
    let st = state()?;
    let ip = ssr::client_ip();
    ssr::rate_limit(&format!("login:ip:{ip}"), 30)?;
    ssr::cap(&login, caps::LOGIN, "Tài khoản")?;
    ssr::cap(&password, caps::PASSWORD, "Mật khẩu")?;
    let login_norm =
        hoithi_core::auth::normalize_login(&login).unwrap_or_else(|_| login.trim().to_lowercase());
    ssr::rate_limit(&format!("login:user:{login_norm}"), 10)?;
    let found = store::users::by_login(&st.db, &login_norm).await?;
    let (user, hash) = match found {
        Some((u, h)) => (Some(u), Some(h)),
        None => (None, None),
    };
    // Unknown logins verify a dummy hash: the same time as a wrong password.
    let ok = hoithi_core::auth::verify_password_async(password, hash)
        .await
        .map_err(|_| busy())?;
    let user = match user {
        Some(u) if ok => u,
        _ => {
            // Same answer for an unknown login and a wrong password.
            return Err(ssr::invalid("Sai tài khoản hoặc mật khẩu".into()));
        }
    };
    if user.deactivated {
        return Err(ssr::invalid(
            "Tài khoản này đã bị khóa. Hãy liên hệ ban tổ chức của đơn vị.".into(),
        ));
    }
    st.limiter.reset(&format!("login:user:{login_norm}"));
    let token = store::sessions::create(&st.db, &user.id).await?;
    ssr::set_session_cookie(&token);
    let next = safe_next(&next);
    if user.must_change_password {
        // A password somebody else has seen: replace it, then go on.
        crate::ssr::redirect(&crate::accounts::password::change_page(&next));
    } else {
        crate::ssr::redirect(&next);
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn busy() -> AppError {
    ssr::set_status(http::StatusCode::SERVICE_UNAVAILABLE);
    AppError::Invalid(store::users::BUSY.into())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let st = state()?;
    if let Some(token) = ssr::session_token() {
        store::sessions::delete(&st.db, &token).await?;
    }
    ssr::clear_session_cookie();
    crate::ssr::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "register")]
pub async fn register(
    full_name: String,
    login: String,
    password: String,
    password2: String,
    unit_id: String,
    position: String,
) -> Result<(), AppError> {
    use ssr::caps;
    let st = state()?;
    let ip = ssr::client_ip();
    ssr::rate_limit(&format!("register:ip:{ip}"), 20)?;
    ssr::cap(&full_name, caps::NAME, "Họ và tên")?;
    ssr::cap(&login, caps::LOGIN, "Số điện thoại hoặc e-mail")?;
    ssr::cap(&password, caps::PASSWORD, "Mật khẩu")?;
    ssr::cap(&password2, caps::PASSWORD, "Mật khẩu")?;
    ssr::cap(&unit_id, caps::ID, "Đơn vị")?;
    ssr::cap(&position, caps::NAME, "Chức vụ")?;
    let full_name = hoithi_core::text::clean(&full_name);
    if full_name.chars().count() < 2 {
        return Err(ssr::invalid("Vui lòng nhập họ và tên".into()));
    }
    let login = hoithi_core::auth::normalize_login(&login).map_err(ssr::invalid)?;
    ssr::rate_limit(&format!("register:login:{login}"), 5)?;
    if password.chars().count() < 8 {
        return Err(ssr::invalid("Mật khẩu cần ít nhất 8 ký tự".into()));
    }
    if password != password2 {
        return Err(ssr::invalid("Hai lần nhập mật khẩu không khớp".into()));
    }
    let unit = (!unit_id.trim().is_empty()).then(|| unit_id.trim().to_string());
    let position = hoithi_core::text::clean(&position);
    let user = store::users::create(
        &st.db,
        store::users::NewUser {
            login: &login,
            full_name: &full_name,
            password: &password,
            role: Role::Contestant,
            unit_id: unit.as_deref(),
            position: &position,
        },
    )
    .await?;
    let token = store::sessions::create(&st.db, &user.id).await?;
    ssr::set_session_cookie(&token);
    crate::ssr::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "list_units")]
pub async fn list_units() -> Result<Vec<UnitView>, AppError> {
    let st = state()?;
    Ok(crate::ssr_views::unit_tree(
        store::units::list(&st.db).await?,
    ))
}

#[server(prefix = "/api", endpoint = "list_contests")]
pub async fn list_contests() -> Result<Vec<ContestView>, AppError> {
    let st = state()?;
    Ok(store::contests::list(&st.db)
        .await?
        .into_iter()
        .map(ContestView::from)
        .collect())
}

pub const PER_PAGE: i64 = 50;

#[server(prefix = "/api", endpoint = "list_questions")]
pub async fn list_questions(
    topic: String,
    difficulty: String,
    q: String,
    retired: bool,
    page: i64,
) -> Result<QuestionPage, AppError> {
    let user = crate::access::staff().await?.user;
    let st = state()?;
    ssr::cap(&q, ssr::caps::TEXT, "Từ khóa")?;
    ssr::cap(&topic, ssr::caps::ID, "Chủ đề")?;
    let keys = sees_keys(&user);
    let page = page.clamp(1, 1_000_000);
    let filter = store::questions::Filter {
        topic: (!topic.is_empty()).then_some(topic),
        difficulty: hoithi_core::model::Difficulty::parse(&difficulty),
        text: (!q.trim().is_empty()).then_some(q),
        include_retired: retired,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
    };
    let (rows, total) = store::questions::list(&st.db, &filter).await?;
    Ok(QuestionPage {
        items: rows
            .into_iter()
            .map(|r| crate::ssr_views::item(r, keys))
            .collect(),
        total,
        page,
        per_page: PER_PAGE,
    })
}

#[server(prefix = "/api", endpoint = "bank_stats")]
pub async fn bank_stats() -> Result<Vec<BankStat>, AppError> {
    crate::access::staff().await?;
    let st = state()?;
    Ok(crate::ssr_views::bank_stats(
        store::questions::stats(&st.db).await?,
    ))
}

#[server(prefix = "/api", endpoint = "get_question")]
pub async fn get_question(id: String) -> Result<QuestionDetail, AppError> {
    let user = crate::access::staff().await?.user;
    let st = state()?;
    ssr::cap(&id, ssr::caps::ID, "Mã câu hỏi")?;
    let row = store::questions::get_one(&st.db, &id).await?;
    let versions = store::questions::versions(&st.db, &id)
        .await?
        .into_iter()
        .map(|(version, created_at, draft)| VersionView {
            version,
            created_at,
            // Old versions carry their keys too.
            draft: if sees_keys(&user) { draft } else { draft.without_key() },
        })
        .collect();
    Ok(QuestionDetail {
        item: crate::ssr_views::item(row, sees_keys(&user)),
        versions,
    })
}

/// Saves an edit as a new version. `options` holds one option a line, `*`
/// before a correct one; `answers` one accepted answer a line.
#[server(prefix = "/api", endpoint = "save_question")]
#[allow(clippy::too_many_arguments)]
pub async fn save_question(
    id: String,
    kind: String,
    topic: String,
    difficulty: String,
    text: String,
    options: String,
    answers: String,
    tolerance: String,
    explanation: String,
    source: String,
    image: String,
) -> Result<i64, AppError> {
    let user = require(ADMIN).await?;
    let st = state()?;
    let draft = crate::ssr_views::draft_from_form(
        &kind,
        &topic,
        &difficulty,
        &text,
        &options,
        &answers,
        &tolerance,
        &explanation,
        &source,
        &image,
    )
    .map_err(ssr::invalid)?;
    let before = store::questions::get_one(&st.db, &id).await?.draft;
    let after = draft.clone();
    let version = store::questions::save_version(&st.db, &id, draft, &user.id).await?;
    crate::audit::record(&st, &user, store::audit::Change {
        before: Some(serde_json::json!(before)),
        after: Some(serde_json::json!(after)),
        ..crate::audit::change("bank.edit", "question", &id, format!("Sửa câu hỏi (phiên bản {version})"))
    })
    .await;
    Ok(version)
}

#[server(prefix = "/api", endpoint = "set_question_retired")]
pub async fn set_question_retired(id: String, retired: bool) -> Result<(), AppError> {
    let me = require(ADMIN).await?;
    let st = state()?;
    store::questions::set_retired(&st.db, &id, retired).await?;
    let what = if retired { "Ngừng dùng câu hỏi" } else { "Dùng lại câu hỏi" };
    crate::audit::record(&st, &me, store::audit::Change {
        after: Some(serde_json::json!({ "retired": retired })),
        ..crate::audit::change("bank.retire", "question", &id, what.into())
    })
    .await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "import_preview")]
pub async fn get_import_preview(id: String) -> Result<ImportPreview, AppError> {
    let user = require(ADMIN).await?;
    let st = state()?;
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &user, store::uploads::Purpose::Questions)
            .await?;
    crate::ssr_views::preview(&st.db, upload).await
}

/// The preview's choices for a file not yet imported: a topic for each
/// category naming none (`categories[i]` → `topics[i]`; an empty topic
/// forgets the choice), and whether to skip essay and matching questions.
#[server(prefix = "/api", endpoint = "import_options")]
pub async fn import_options(
    id: String,
    categories: Option<Vec<String>>,
    topics: Option<Vec<String>>,
    skip_unsupported: Option<String>,
) -> Result<(), AppError> {
    let user = require(ADMIN).await?;
    let st = state()?;
    ssr::cap(&id, ssr::caps::ID, "Tệp")?;
    let (categories, topics) = (categories.unwrap_or_default(), topics.unwrap_or_default());
    if categories.len() != topics.len() || categories.len() > 500 {
        return Err(ssr::invalid("Danh sách danh mục không hợp lệ".into()));
    }
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &user, store::uploads::Purpose::Questions)
            .await?;
    let mut defaults = upload.defaults.clone();
    for (category, topic) in categories.iter().zip(&topics) {
        ssr::cap(category, ssr::caps::NAME, "Danh mục")?;
        ssr::cap(topic, ssr::caps::ID, "Chủ đề")?;
        let category = hoithi_core::text::clean(category);
        match topic.trim() {
            "" => {
                defaults.categories.remove(&category);
            }
            t => {
                let key = hoithi_core::taxonomy::find(t)
                    .ok_or_else(|| ssr::invalid(format!("Chủ đề \"{t}\" không có trong danh mục")))?;
                defaults.categories.insert(category, key.key.to_string());
            }
        }
    }
    defaults.skip_unsupported = skip_unsupported.is_some_and(|v| v != "false" && !v.is_empty());
    store::uploads::set_defaults(&st.db, &upload.id, &defaults).await?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "import_confirm")]
pub async fn import_confirm(id: String) -> Result<PlanCounts, AppError> {
    let user = require(ADMIN).await?;
    let st = state()?;
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &user, store::uploads::Purpose::Questions)
            .await?;
    let parsed = crate::ssr_views::parse_upload(&upload).await?;
    if !parsed.errors.is_empty() {
        return Err(ssr::invalid(format!(
            "Tệp có {} lỗi, không câu nào được nhập",
            parsed.errors.len()
        )));
    }
    let plan = store::questions::import(&st.db, parsed.questions, Some(&user.id), Some(&upload.id))
        .await?;
    tracing::info!(upload = %upload.id, user = %user.id, counts = ?plan.counts(), "questions imported");
    let counts = plan.counts();
    crate::audit::record(&st, &user, store::audit::Change {
        after: Some(serde_json::json!({
            "file": upload.file_name, "counts": format!("{counts:?}"),
            "skipped": parsed.skipped.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            "categories": upload.defaults.categories,
        })),
        ..crate::audit::change(
            "bank.import",
            "upload",
            &upload.id,
            format!("Nhập câu hỏi từ tệp «{}»", upload.file_name),
        )
    })
    .await;
    Ok(counts)
}

#[server(prefix = "/api", endpoint = "unit_preview")]
pub async fn get_unit_preview(id: String) -> Result<UnitPreview, AppError> {
    let user = require(ADMIN).await?;
    let st = state()?;
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &user, store::uploads::Purpose::Units).await?;
    crate::ssr_views::unit_preview(&st.db, upload).await
}

#[server(prefix = "/api", endpoint = "unit_confirm")]
pub async fn unit_confirm(id: String) -> Result<(usize, usize), AppError> {
    let user = require(ADMIN).await?;
    let st = state()?;
    let upload =
        crate::ssr_views::own_upload(&st.db, &id, &user, store::uploads::Purpose::Units).await?;
    let rows = crate::ssr_views::unit_rows(&st.db, &upload)
        .await?
        .map_err(|errs| {
            ssr::invalid(format!(
                "Tệp có {} lỗi, không đơn vị nào được nhập",
                errs.len()
            ))
        })?;
    let applied = store::units::apply(&st.db, &rows, &upload.id).await?;
    crate::audit::record(&st, &user, store::audit::Change {
        after: Some(serde_json::json!({ "file": upload.file_name, "added": applied.0, "updated": applied.1 })),
        ..crate::audit::change(
            "units.import",
            "upload",
            &upload.id,
            format!("Nhập cây đơn vị từ tệp «{}»", upload.file_name),
        )
    })
    .await;
    Ok(applied)
}

#[server(prefix = "/api", endpoint = "list_users")]
pub async fn list_users(q: String) -> Result<Vec<UserView>, AppError> {
    let caller = crate::access::staff().await?;
    let st = state()?;
    ssr::cap(&q, ssr::caps::NAME, "Từ khóa")?;
    if caller.scope.admin {
        return Ok(store::users::list(&st.db, &q, 200)
            .await?
            .into_iter()
            .map(UserView::from)
            .collect());
    }
    // An organizer sees the people of the units they manage.
    let reach = caller.scope.people();
    Ok(store::users::list(&st.db, &q, 5_000)
        .await?
        .into_iter()
        .filter(|u| reach.allows(&caller.tree, u.unit_id.as_deref()))
        .take(200)
        .map(UserView::from)
        .collect())
}

#[server(prefix = "/api", endpoint = "set_user_role")]
pub async fn set_user_role(user_id: String, role: String) -> Result<(), AppError> {
    let me = require(ADMIN).await?;
    let st = state()?;
    let role = Role::parse(&role).ok_or_else(|| ssr::invalid("Vai trò không hợp lệ".into()))?;
    if me.id == user_id && role != Role::Admin {
        return Err(ssr::invalid(
            "Không thể tự bỏ quyền quản trị của chính mình".into(),
        ));
    }
    let before = store::users::by_id(&st.db, &user_id).await?;
    store::users::set_role(&st.db, &user_id, role).await?;
    // A new role starts without the old one's grants: none lies dormant to
    // wake when someone grants the account anything later.
    let revoked = if before.role != role {
        store::grants::revoke_all(&st.db, &user_id, &me.id, store::now_ms()).await?
    } else {
        0
    };
    crate::audit::record(&st, &me, store::audit::Change {
        before: Some(serde_json::json!({ "role": before.role.as_str() })),
        after: Some(serde_json::json!({ "role": role.as_str(), "grants_revoked": revoked })),
        ..crate::audit::change(
            "user.role",
            "user",
            &user_id,
            format!("Đổi vai trò của {} ({}) thành {}", before.full_name, before.login, role.label()),
        )
    })
    .await;
    Ok(())
}

/// Grants (or withdraws) an organizer's sight of the bank's answer keys:
/// browsing with keys and exporting the bank with them.
#[server(prefix = "/api", endpoint = "set_bank_keys")]
pub async fn set_bank_keys(user_id: String, allowed: bool) -> Result<(), AppError> {
    let me = require(ADMIN).await?;
    let st = state()?;
    ssr::cap(&user_id, ssr::caps::ID, "Người dùng")?;
    store::users::set_bank_keys(&st.db, &user_id, allowed).await?;
    tracing::info!(admin = %me.id, user = %user_id, allowed, "bank keys grant");
    let what = if allowed { "Cho phép xem đáp án ngân hàng" } else { "Thu hồi quyền xem đáp án ngân hàng" };
    crate::audit::record(&st, &me, store::audit::Change {
        after: Some(serde_json::json!({ "bank_keys": allowed })),
        ..crate::audit::change("user.bank_keys", "user", &user_id, what.into())
    })
    .await;
    Ok(())
}

#[server(prefix = "/api", endpoint = "create_user")]
pub async fn create_user(
    full_name: String,
    login: String,
    password: String,
    role: String,
    unit_id: String,
    position: String,
) -> Result<(), AppError> {
    use ssr::caps;
    let me = require(ADMIN).await?;
    let st = state()?;
    ssr::cap(&full_name, caps::NAME, "Họ và tên")?;
    ssr::cap(&login, caps::LOGIN, "Tài khoản")?;
    ssr::cap(&password, caps::PASSWORD, "Mật khẩu")?;
    ssr::cap(&unit_id, caps::ID, "Đơn vị")?;
    ssr::cap(&position, caps::NAME, "Chức vụ")?;
    let role = Role::parse(&role).ok_or_else(|| ssr::invalid("Vai trò không hợp lệ".into()))?;
    let full_name = hoithi_core::text::clean(&full_name);
    if full_name.is_empty() {
        return Err(ssr::invalid("Vui lòng nhập họ và tên".into()));
    }
    let login = hoithi_core::auth::normalize_login(&login).map_err(ssr::invalid)?;
    if password.chars().count() < 8 {
        return Err(ssr::invalid("Mật khẩu cần ít nhất 8 ký tự".into()));
    }
    let unit = (!unit_id.trim().is_empty()).then(|| unit_id.trim().to_string());
    let created = store::users::create(
        &st.db,
        store::users::NewUser {
            login: &login,
            full_name: &full_name,
            password: &password,
            role,
            unit_id: unit.as_deref(),
            position: &hoithi_core::text::clean(&position),
        },
    )
    .await?;
    crate::audit::record(&st, &me, store::audit::Change {
        after: Some(serde_json::json!({ "login": created.login, "role": role.as_str(), "unit_id": unit })),
        ..crate::audit::change(
            "user.create",
            "user",
            &created.id,
            format!("Tạo tài khoản {} ({})", created.full_name, created.login),
        )
    })
    .await;
    Ok(())
}
