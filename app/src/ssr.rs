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
/// The session cookie's name over HTTPS: `__Host-` makes browsers refuse it
/// unless it is Secure, host-only and for `/`, so no sibling site sets it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-hoithi_session";

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Served over HTTPS (behind a proxy that terminates TLS): cookies are
    /// `Secure` with a `__Host-` name, and HSTS is sent.
    pub secure_cookies: bool,
    /// Proxies in front of the server whose `X-Forwarded-For` entries are
    /// trusted (0: none, the peer address counts).
    pub proxy_hops: usize,
    /// Origins that may frame the projector page (`frame-ancestors`);
    /// empty: none but this site.
    pub frame_origins: Vec<String>,
    /// Live-final audience sockets one client address may hold open.
    pub ws_per_address: u32,
    /// Audience screens per final on one instance.
    pub ws_audience: usize,
    /// The site's public address (`https://hoithi.example`, no trailing
    /// slash): what printed certificates' QR codes point to. None: the
    /// address each request came to.
    pub public_url: Option<String>,
}

/// The request's `Host` when it is a plain host name or address with an
/// optional port: the only form repeated in a page's policy or printed on
/// a certificate.
pub fn plain_host(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        })
}

/// Whether this request came over HTTPS: the operator says the site is
/// served so, or a trusted proxy does in `X-Forwarded-Proto`.
pub fn is_https(config: &Config, headers: &HeaderMap) -> bool {
    config.secure_cookies
        || (config.proxy_hops > 0
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
}

/// The session cookie's name for a request (see `SECURE_SESSION_COOKIE`).
pub fn session_cookie_name(config: &Config, headers: &HeaderMap) -> &'static str {
    if is_https(config, headers) {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// A first-party cookie naming this browser, so a seat's or judge's code
/// can be bound to the device that first opened it.
pub const DEVICE_COOKIE: &str = "hoithi_device";
pub const SECURE_DEVICE_COOKIE: &str = "__Host-hoithi_device";

pub fn device_cookie_name(config: &Config, headers: &HeaderMap) -> &'static str {
    if is_https(config, headers) {
        SECURE_DEVICE_COOKIE
    } else {
        DEVICE_COOKIE
    }
}

/// This device's id from its cookie, if it has one of the form the server
/// gives out (anything else is ignored, never stored).
pub fn device_id(config: &Config, headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, device_cookie_name(config, headers))
        .filter(|v| (16..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// A `Set-Cookie` value giving this browser a new device id (a year, not
/// readable by scripts, never sent by other sites' pages).
pub fn new_device_cookie(config: &Config, headers: &HeaderMap) -> Option<HeaderValue> {
    let secure = is_https(config, headers);
    let name = device_cookie_name(config, headers);
    let id = hoithi_core::store::new_id();
    HeaderValue::from_str(&format!(
        "{name}={id}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    ))
    .ok()
}

/// What the host sees of a device: its kind of system and browser and its
/// address, so the finalist's own phone can be told from another.
pub fn device_label(headers: &HeaderMap, address: &str) -> String {
    let ua = headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let system = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v)
    .unwrap_or("thiết bị khác");
    let browser = [
        ("Edg/", "Edge"),
        ("CriOS", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Firefox/", "Firefox"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v)
    .unwrap_or("trình duyệt khác");
    let address: String = address.chars().take(45).collect();
    format!("{system} · {browser} · {address}")
}

/// The page's Content-Security-Policy, with the nonce Leptos put on this
/// render's inline scripts; set from the shell of every page.
pub fn page_policy() {
    let Some(res) = use_context::<ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let (path, host) = with_parts(|p| {
        (p.uri.path().to_string(), plain_host(&p.headers).unwrap_or("").to_string())
    })
    .unwrap_or_default();
    let origins = state()
        .map(|s| s.config.frame_origins.clone())
        .unwrap_or_default();
    // Only the projector may be framed, and only where the operator allows.
    let ancestors = if path.ends_with("/man-chieu") && !origins.is_empty() {
        format!("'self' {}", origins.join(" "))
    } else {
        "'none'".to_string()
    };
    let sockets = if host.is_empty() {
        String::new()
    } else {
        format!(" ws://{host} wss://{host}")
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; \
         connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors {ancestors}"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        res.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

/// The one application state: the router's state and, through Leptos
/// context, every server function's. It is cloned several times per
/// request (the router's handler, the context, `state()`), so a clone is
/// one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl From<Shared> for AppState {
    fn from(s: Shared) -> AppState {
        AppState(Arc::new(s))
    }
}

/// What `AppState` holds.
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub limiter: Arc<RateLimiter>,
    pub config: Arc<Config>,
    /// Live finals in progress on this instance.
    pub hub: Arc<hoithi_core::live::hub::Hub>,
    /// Open audience sockets per client address.
    pub sockets: Arc<hoithi_core::auth::SocketGate>,
    /// Rankings and dashboards of rounds, computed once while nothing they
    /// depend on changes.
    pub round_cache: Arc<crate::round_cache::RoundCaches>,
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
            bank_keys: u.bank_keys,
            must_change_password: u.must_change_password,
            deactivated: u.deactivated,
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
    st: &AppState,
    headers: &HeaderMap,
) -> Result<Option<UserRecord>, AppError> {
    user_with(st, plausible_token(&st.config, headers)).await
}

async fn user_with(st: &AppState, token: Option<String>) -> Result<Option<UserRecord>, AppError> {
    match token {
        Some(token) => Ok(sessions::user(&st.db, &token).await?),
        None => Ok(None),
    }
}

/// The session cookie's token, if it could be one of ours (a token is 43
/// characters; anything longer is not).
fn plausible_token(config: &Config, headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, session_cookie_name(config, headers)).filter(|t| t.len() <= 128)
}

/// Reads this request's head in place. `use_context` would clone it
/// (headers, extensions, URI: a dozen allocations), and a start asked for
/// it four times.
fn with_parts<R>(f: impl FnOnce(&http::request::Parts) -> R) -> Option<R> {
    with_context::<http::request::Parts, _>(f)
}

/// The path of the page or call being served.
pub fn request_path() -> Option<String> {
    with_parts(|p| p.uri.path().to_string())
}

/// Sends the browser to `path` after this server function, as
/// `leptos_axum::redirect` does (a 302 for a form posted without
/// JavaScript, otherwise the header the server-function client follows),
/// without cloning the request's head to read its `Accept`.
pub fn redirect(path: &str) {
    let (Some(res), Ok(location)) = (
        use_context::<ResponseOptions>(),
        http::HeaderValue::from_str(path),
    ) else {
        tracing::warn!(path, "redirect not sent: outside a request, or not a header value");
        return;
    };
    res.insert_header(http::header::LOCATION, location);
    if accepts_html() {
        res.set_status(StatusCode::FOUND);
    } else {
        res.insert_header(
            http::HeaderName::from_static(leptos::server_fn::redirect::REDIRECT_HEADER),
            http::HeaderValue::from_static(""),
        );
    }
}

/// Whether the request came from a form posted without JavaScript.
fn accepts_html() -> bool {
    with_parts(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
    })
    .unwrap_or(false)
}

/// The hash of this request's device id, as bindings store it.
pub fn this_device() -> Option<String> {
    let st = state().ok()?;
    with_parts(|parts| device_id(&st.config, &parts.headers))?
        .map(|d| hoithi_core::store::finals::device_hash(&d))
}

pub async fn current_user() -> Result<Option<UserRecord>, AppError> {
    let st = state()?;
    // Every server function asks: read the cookie in place rather than
    // cloning the request's headers.
    let token = with_context::<http::request::Parts, _>(|p| plausible_token(&st.config, &p.headers))
        .ok_or(AppError::Internal)?;
    user_with(&st, token).await
}

/// Sets an error status for callers of the API. A form posted without
/// JavaScript is left alone: Leptos answers it with a redirect back to the
/// page, carrying the error, and a status would break that.
pub fn set_status(code: StatusCode) {
    if accepts_html() {
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
        // A password somebody else has seen opens nothing until replaced.
        Some(u) if u.must_change_password => {
            set_status(StatusCode::FORBIDDEN);
            Err(AppError::MustChangePassword)
        }
        Some(u) if roles.contains(&u.role) => Ok(u),
        Some(_) => {
            set_status(StatusCode::FORBIDDEN);
            Err(AppError::Forbidden)
        }
    }
}

/// The caller, whatever their role, even one who must change the password
/// first (changing it, logging out); otherwise 401.
pub async fn require_signed_in() -> Result<UserRecord, AppError> {
    match current_user().await? {
        Some(u) => Ok(u),
        None => {
            set_status(StatusCode::UNAUTHORIZED);
            Err(AppError::Unauthorized)
        }
    }
}

/// Computations that cost seconds on a large round (rankings, dashboards,
/// contest-wide tables) a caller may start per minute; cached answers are
/// not counted.
pub const HEAVY_PER_MINUTE: u32 = 20;

/// The limiter key of a caller of expensive views: their account, else
/// their address.
pub fn heavy_key(user: Option<&str>, ip: &str) -> String {
    match user {
        Some(id) => format!("heavy:user:{id}"),
        None => format!("heavy:ip:{ip}"),
    }
}

/// Counts one expensive computation for `key` (see `heavy_key`); works in
/// server functions and plain routes alike.
pub fn heavy(st: &AppState, key: &str) -> Result<(), AppError> {
    if st
        .limiter
        .allow(key, HEAVY_PER_MINUTE, std::time::Duration::from_secs(60))
    {
        Ok(())
    } else {
        set_status(StatusCode::TOO_MANY_REQUESTS);
        Err(AppError::TooManyRequests)
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

/// The client's address: the peer's, or behind `hops` trusted proxies the
/// entry they appended to `X-Forwarded-For`, counted from the right (the
/// left end is whatever the client wrote itself).
pub fn client_ip_from(headers: &HeaderMap, peer: Option<SocketAddr>, hops: usize) -> String {
    let peer_ip = || {
        peer.map(|p| p.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    };
    if hops == 0 {
        return peer_ip();
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    // With fewer entries than hops, the leftmost was written by our first proxy.
    let pick = entries
        .len()
        .checked_sub(hops)
        .and_then(|i| entries.get(i))
        .or_else(|| entries.first());
    match pick {
        Some(ip) => match ip.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => peer_ip(),
        },
        None => peer_ip(),
    }
}

pub fn client_ip() -> String {
    let hops = state().map(|s| s.config.proxy_hops).unwrap_or(0);
    with_parts(|parts| {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        client_ip_from(&parts.headers, peer, hops)
    })
    .unwrap_or_else(|| "unknown".into())
}

/// Refuses a text field longer than `max` characters, before any work is
/// done with it. `label` names the field in the Vietnamese message.
pub fn cap(value: &str, max: usize, label: &str) -> Result<(), AppError> {
    // Bytes first: a huge value is refused without counting its characters.
    if value.len() > max * 4 || value.chars().count() > max {
        return Err(invalid(format!("{label} dài quá {max} ký tự")));
    }
    Ok(())
}

/// Field length caps shared by every server function.
pub mod caps {
    pub const LOGIN: usize = 254;
    pub const PASSWORD: usize = 256;
    pub const NAME: usize = 200;
    pub const ID: usize = 64;
    pub const PATH: usize = 512;
    pub const TEXT: usize = 4_000;
    pub const LONG_TEXT: usize = 20_000;
}

pub fn session_token() -> Option<String> {
    let st = state().ok()?;
    with_parts(|parts| cookie_value(&parts.headers, session_cookie_name(&st.config, &parts.headers)))?
}

/// Whether the current request came over HTTPS.
pub fn https_request() -> bool {
    let Ok(st) = state() else { return false };
    with_parts(|p| is_https(&st.config, &p.headers)).unwrap_or(false)
}

pub fn set_session_cookie(token: &str) {
    let secure = https_request();
    let max_age = sessions::SESSION_DAYS * 86_400;
    let name = if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    };
    let cookie = format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
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
    let secure = https_request();
    let cookie = if secure {
        format!("{SECURE_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
    } else {
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    };
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
