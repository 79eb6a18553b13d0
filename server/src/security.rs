//! Defences every request goes through: cross-site requests refused, body
//! size capped before anything reads it, and the security headers.

use app::ssr::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A server function's arguments: a few form fields.
pub const API_BODY: usize = 64 * 1024;
/// The final's set-up (a list of seats and segments) and a question edit.
pub const LARGE_API_BODY: usize = 512 * 1024;
const LARGE: &[&str] = &["/api/create_final", "/api/save_question"];

/// `HOITHI_FRAME_ORIGINS`: space-separated `https://host[:port]` origins.
pub fn frame_origins(s: &str) -> Result<Vec<String>, String> {
    s.split_whitespace()
        .map(|o| {
            let o = o.trim_end_matches('/');
            let ok = (o.starts_with("https://") || o.starts_with("http://"))
                && o.len() <= 200
                && o.chars().skip(8).all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c));
            if ok {
                Ok(o.to_string())
            } else {
                Err(format!("HOITHI_FRAME_ORIGINS: not an origin: {o:?}"))
            }
        })
        .collect()
}

fn refuse(status: StatusCode, msg: &str) -> Response {
    let mut r = Response::new(Body::from(msg.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// Whether a request was sent by a page of another site. Browsers say so
/// in `Sec-Fetch-Site`; older ones send `Origin` on every POST. A client
/// with neither (a script, curl) is not a browser another site can drive.
pub fn cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://").map(|(_, h)| h));
    match (origin_host, host) {
        (Some(o), Some(h)) => !o.eq_ignore_ascii_case(h),
        _ => true,
    }
}

fn state_changing(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
        // Downloads carry data out: a page elsewhere must not trigger them.
        || path.contains("/xuat")
}

/// The live screens' pages (`/truc-tiep`, `/truc-tiep/{code}`, its
/// projector), not their socket or QR routes.
fn live_page(path: &str) -> bool {
    path == "/truc-tiep"
        || (path.starts_with("/truc-tiep/")
            && !path.starts_with("/truc-tiep/ws/")
            && !path.starts_with("/truc-tiep/qr/"))
}

/// Pages that only a signed-in account can use (organizers', admins', the
/// password change, an attempt, a judge's list); downloads and uploads
/// under the same prefixes answer 401 themselves.
fn signed_in_page(path: &str) -> bool {
    let prefixed = ["/ban-to-chuc", "/quan-tri", "/doi-mat-khau", "/giam-khao", "/bai-thi"]
        .iter()
        .any(|p| path == *p || path.starts_with(&format!("{p}/")));
    prefixed && !path.ends_with("/xuat") && path != "/quan-tri/tai-len" && path != "/ban-to-chuc/chung-nhan"
}

/// Where a visitor without a session goes instead: the log-in page, which
/// brings them back.
fn login_then(uri: &axum::http::Uri) -> String {
    let back = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    format!("/dang-nhap?next={}", app::pages::urlencode(back))
}

pub async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if req.method() == Method::GET
        && signed_in_page(&path)
        && matches!(app::ssr::user_from_headers(&st, req.headers()).await, Ok(None))
    {
        return axum::response::Redirect::to(&login_then(req.uri())).into_response();
    }
    if state_changing(req.method(), &path) && cross_site(req.headers()) {
        tracing::warn!(path, "refused a cross-site request");
        return refuse(
            StatusCode::FORBIDDEN,
            "Yêu cầu gửi từ một trang web khác bị từ chối",
        );
    }
    let req = if path.starts_with("/api/") {
        let limit = if LARGE.contains(&path.as_str()) {
            LARGE_API_BODY
        } else {
            API_BODY
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, "Dữ liệu gửi lên quá lớn");
        }
        // A body without a length is cut off at the limit while it is read.
        let (parts, body) = req.into_parts();
        Request::from_parts(
            parts,
            Body::new(http_body_util::Limited::new(body, limit)),
        )
    } else {
        req
    };
    let https = app::ssr::is_https(&st.config, req.headers());
    // Every page gives a browser without one its device id: a live screen's
    // WebSocket presents it (seats and judge pads bind to it), and an
    // attempt records it for the fair-play signals.
    let device_cookie = (req.method() == Method::GET
        && app::ssr::device_id(&st.config, req.headers()).is_none())
    .then(|| app::ssr::new_device_cookie(&st.config, req.headers()))
    .flatten();
    let mut res = next.run(req).await;
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let Some(c) = device_cookie.filter(|_| html || live_page(&path)) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages set their own policy (with the nonce of their inline scripts);
    // anything else may load nothing and be framed nowhere.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    let framable = h
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.contains("frame-ancestors 'none'"));
    if !framable {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_requests_are_recognised() {
        assert!(!cross_site(&headers(&[])));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!cross_site(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(cross_site(&headers(&[("origin", "null"), ("host", "a")])));
    }

    #[test]
    fn pages_for_signed_in_accounts_are_told_from_downloads() {
        for p in ["/ban-to-chuc", "/ban-to-chuc/vong/x", "/quan-tri/nguoi-dung", "/doi-mat-khau", "/bai-thi/a/ket-qua", "/giam-khao"] {
            assert!(signed_in_page(p), "{p}");
        }
        for p in ["/", "/dang-nhap", "/ban-to-chuc/xuat", "/quan-tri/xuat", "/quan-tri/nhat-ky/xuat", "/ban-to-chuc/chung-ket/xuat", "/quan-tri/tai-len", "/ban-to-chucx", "/truc-tiep"] {
            assert!(!signed_in_page(p), "{p}");
        }
        let uri: axum::http::Uri = "/ban-to-chuc/vong/a?x=1&y=2".parse().unwrap();
        assert_eq!(login_then(&uri), "/dang-nhap?next=%2Fban-to-chuc%2Fvong%2Fa%3Fx%3D1%26y%3D2");
    }

    #[test]
    fn live_pages_are_told_from_their_sockets() {
        assert!(live_page("/truc-tiep"));
        assert!(live_page("/truc-tiep/ABCDEFGHJK"));
        assert!(live_page("/truc-tiep/ABCDEFGHJK/man-chieu"));
        assert!(!live_page("/truc-tiep/ws/ABCDEFGHJK"));
        assert!(!live_page("/truc-tiep/qr/ABCDEFGHJK"));
        assert!(!live_page("/truc-tiepx"));
    }

    #[test]
    fn frame_origins_are_checked() {
        assert_eq!(
            frame_origins("https://a.example http://b.example:8080/").unwrap(),
            vec!["https://a.example", "http://b.example:8080"]
        );
        assert!(frame_origins("javascript:alert(1)").is_err());
        assert!(frame_origins("").unwrap().is_empty());
    }
}
