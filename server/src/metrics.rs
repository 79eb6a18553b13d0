//! Prometheus metrics at `/metrics`: requests and latencies per route
//! group, attempts in progress and live sockets per final. Served to
//! callers with `HOITHI_METRICS_TOKEN` as a bearer token (or, with the token
//! explicitly `off`, to loopback callers).

use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    errors: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

fn table() -> &'static Mutex<BTreeMap<String, Series>> {
    static T: OnceLock<Mutex<BTreeMap<String, Series>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

/// The server functions this binary has, read once: only their names
/// become labels, so a scan of made-up paths adds no series.
fn known_functions() -> &'static std::collections::HashSet<&'static str> {
    static K: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    K.get_or_init(|| {
        leptos::server_fn::axum::server_fn_paths()
            .filter_map(|(p, _)| p.strip_prefix("/api/"))
            .collect()
    })
}

/// A few labels only: each server function by name, then pages, assets,
/// live sockets and the rest; anything unknown is one series.
fn route(path: &str) -> String {
    if let Some(name) = path.strip_prefix("/api/") {
        return if known_functions().contains(name) {
            format!("api:{name}")
        } else {
            "api:unknown".to_string()
        };
    }
    let group = if path.starts_with("/pkg/") {
        "static"
    } else if path.starts_with("/truc-tiep/ws/") {
        "live-socket"
    } else if path.starts_with("/truc-tiep/qr/") {
        "live-qr"
    } else if path.starts_with("/quan-tri/tai-len") {
        "upload"
    } else if path.contains("xuat") {
        "export"
    } else if path == "/metrics" || path == "/healthz" {
        "ops"
    } else {
        "page"
    };
    group.to_string()
}

pub async fn record(req: Request, next: Next) -> Response {
    let key = route(req.uri().path());
    let started = Instant::now();
    let res = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let failed = res.status().is_server_error();
    let mut t = table().lock().expect("metrics");
    let s = t.entry(key).or_default();
    s.count += 1;
    s.errors += u64::from(failed);
    s.sum += secs;
    for (i, b) in BUCKETS.iter().enumerate() {
        if secs <= *b {
            s.buckets[i] += 1;
        }
    }
    res
}

/// `HOITHI_METRICS_TOKEN` is required as a bearer token; set to `off`, no
/// token is asked but only loopback callers are served. Unset, nobody is.
fn allowed(headers: &HeaderMap, peer: SocketAddr) -> Result<(), &'static str> {
    match std::env::var("HOITHI_METRICS_TOKEN") {
        Ok(t) if t == "off" => {
            if peer.ip().is_loopback() {
                Ok(())
            } else {
                Err("metrics: loopback only (HOITHI_METRICS_TOKEN=off)")
            }
        }
        Ok(token) if !token.is_empty() => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            // Compared in constant time: the token is a password.
            let (a, b) = (
                sha2_digest(given.as_bytes()),
                sha2_digest(token.as_bytes()),
            );
            if a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0 {
                Ok(())
            } else {
                Err("metrics: bearer token required")
            }
        }
        _ => Err("metrics: set HOITHI_METRICS_TOKEN (or HOITHI_METRICS_TOKEN=off for loopback)"),
    }
}

fn sha2_digest(b: &[u8]) -> [u8; 32] {
    let hex = hoithi_core::auth::token_hash(&String::from_utf8_lossy(b));
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).unwrap_or(0);
    }
    out
}

pub async fn metrics(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if let Err(why) = allowed(&headers, peer) {
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    let mut out = String::new();
    {
        let _ = writeln!(out, "# HELP hoithi_requests_total HTTP requests by route group.\n# TYPE hoithi_requests_total counter");
        let t = table().lock().expect("metrics");
        for (k, s) in t.iter() {
            let _ = writeln!(out, "hoithi_requests_total{{route=\"{k}\"}} {}", s.count);
        }
        let _ = writeln!(out, "# HELP hoithi_request_errors_total Responses with a 5xx status.\n# TYPE hoithi_request_errors_total counter");
        for (k, s) in t.iter() {
            let _ = writeln!(
                out,
                "hoithi_request_errors_total{{route=\"{k}\"}} {}",
                s.errors
            );
        }
        let _ = writeln!(out, "# HELP hoithi_request_seconds Time to the response head.\n# TYPE hoithi_request_seconds histogram");
        for (k, s) in t.iter() {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "hoithi_request_seconds_bucket{{route=\"{k}\",le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "hoithi_request_seconds_bucket{{route=\"{k}\",le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "hoithi_request_seconds_sum{{route=\"{k}\"}} {}", s.sum);
            let _ = writeln!(
                out,
                "hoithi_request_seconds_count{{route=\"{k}\"}} {}",
                s.count
            );
        }
    }
    let now = hoithi_core::store::now_ms();
    match hoithi_core::store::attempts::open_count(&st.db, now).await {
        Ok(n) => {
            let _ = writeln!(out, "# HELP hoithi_attempts_in_progress Attempts started and not yet closed.\n# TYPE hoithi_attempts_in_progress gauge\nhoithi_attempts_in_progress {n}");
        }
        Err(e) => tracing::warn!(error = %e, "metrics: counting attempts"),
    }
    let _ = writeln!(out, "# HELP hoithi_live_sockets Screens connected to a final on this instance.\n# TYPE hoithi_live_sockets gauge");
    for (id, n) in st.hub.sockets().await {
        let _ = writeln!(out, "hoithi_live_sockets{{final=\"{id}\"}} {n}");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
