//! Prometheus metrics at `/metrics`: requests and latencies per route
//! group, attempts in progress and live sockets per final. Served to
//! loopback callers, or to anyone with `HOITHI_METRICS_TOKEN` as a bearer token.

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

/// A few labels only: each server function by name, then pages, assets,
/// live sockets and the rest.
fn route(path: &str) -> String {
    if let Some(name) = path.strip_prefix("/api/") {
        let name: String = name
            .chars()
            .take(40)
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        return format!("api:{name}");
    }
    let group = if path.starts_with("/pkg/") {
        "static"
    } else if path.starts_with("/truc-tiep/ws/") {
        "live-socket"
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

fn allowed(headers: &HeaderMap, peer: SocketAddr) -> bool {
    match std::env::var("HOITHI_METRICS_TOKEN") {
        Ok(token) if !token.is_empty() => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.strip_prefix("Bearer ") == Some(token.as_str())),
        _ => peer.ip().is_loopback(),
    }
}

pub async fn metrics(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !allowed(&headers, peer) {
        return (
            StatusCode::FORBIDDEN,
            "metrics: loopback or HOITHI_METRICS_TOKEN only",
        )
            .into_response();
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
