//! Server-side context for server functions: the application state, the
//! session cookie and role checks. Every protected server function starts
//! with `require(&[...])`.

use crate::error::AppError;
use crate::types::UserView;
use axum::extract::FromRef;
use hoithi_core::auth::RateLimiter;
use hoithi_core::model::Role;
use hoithi_core::store::{sessions, users::UserRecord, Db};
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "hoithi_session";

#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind a proxy).
    pub trust_proxy: bool,
}

/// The one application state: the router's state and, through Leptos
/// context, every server function's.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub limiter: Arc<RateLimiter>,
    pub config: Arc<Config>,
    /// Live finals in progress on this instance.
    pub hub: Arc<hoithi_core::live::hub::Hub>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from context");
        AppError::Internal
    })
}

impl From<UserRecord> for UserView {
    fn from(u: UserRecord) -> Self {
        UserView {
            id: u.id,
            full_name: u.full_name,
            login: u.login,
            role: u.role,
            unit_name: u.unit_name,
            position: u.position,
        }
    }
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// The logged-in user for a request's headers, if any.
pub async fn user_from_headers(
    db: &Db,
    headers: &HeaderMap,
) -> Result<Option<UserRecord>, AppError> {
    match cookie_value(headers, SESSION_COOKIE) {
        None => Ok(None),
        Some(token) => Ok(sessions::user(db, &token).await?),
    }
}

fn request_parts() -> Result<http::request::Parts, AppError> {
    use_context::<http::request::Parts>().ok_or(AppError::Internal)
}

pub async fn current_user() -> Result<Option<UserRecord>, AppError> {
    let st = state()?;
    let parts = request_parts()?;
    user_from_headers(&st.db, &parts.headers).await
}

/// Sets an error status for callers of the API. A form posted without
/// JavaScript is left alone: Leptos answers it with a redirect back to the
/// page, carrying the error, and a status would break that.
pub fn set_status(code: StatusCode) {
    let form_post = request_parts()
        .ok()
        .and_then(|p| {
            p.headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|a| a.contains("text/html"))
        })
        .unwrap_or(false);
    if form_post {
        return;
    }
    if let Some(r) = use_context::<ResponseOptions>() {
        r.set_status(code);
    }
}

/// The caller, if logged in with one of `roles`; otherwise 401 or 403.
pub async fn require(roles: &[Role]) -> Result<UserRecord, AppError> {
    match current_user().await? {
        None => {
            set_status(StatusCode::UNAUTHORIZED);
            Err(AppError::Unauthorized)
        }
        Some(u) if roles.contains(&u.role) => Ok(u),
        Some(_) => {
            set_status(StatusCode::FORBIDDEN);
            Err(AppError::Forbidden)
        }
    }
}

/// Rejects with 429 when `key` has been used more than `max` times a minute.
pub fn rate_limit(key: &str, max: u32) -> Result<(), AppError> {
    let st = state()?;
    if st
        .limiter
        .allow(key, max, std::time::Duration::from_secs(60))
    {
        Ok(())
    } else {
        set_status(StatusCode::TOO_MANY_REQUESTS);
        Err(AppError::TooManyRequests)
    }
}

pub fn client_ip_from(headers: &HeaderMap, peer: Option<SocketAddr>, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            return ip.trim().to_string();
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn client_ip() -> String {
    let Ok(parts) = request_parts() else {
        return "unknown".into();
    };
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let trust = state().map(|s| s.config.trust_proxy).unwrap_or(false);
    client_ip_from(&parts.headers, peer, trust)
}

pub fn session_token() -> Option<String> {
    request_parts()
        .ok()
        .and_then(|p| cookie_value(&p.headers, SESSION_COOKIE))
}

pub fn set_session_cookie(token: &str, secure: bool) {
    let max_age = sessions::SESSION_DAYS * 86_400;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    if let (Some(r), Ok(v)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        r.append_header(SET_COOKIE, v);
    }
}

pub fn clear_session_cookie() {
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let (Some(r), Ok(v)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        r.append_header(SET_COOKIE, v);
    }
}

/// A refusal the user can act on (bad input, a rule of the contest): 422
/// with the Vietnamese message.
pub fn invalid(msg: String) -> AppError {
    set_status(StatusCode::UNPROCESSABLE_ENTITY);
    AppError::Invalid(msg)
}
