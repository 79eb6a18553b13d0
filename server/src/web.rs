//! The web server: state, router, listener.

use crate::config::ServeArgs;
use app::ssr::{AppState, Config};
use app::{shell, App};
use axum::Router;
use hoithi_core::auth::RateLimiter;
use hoithi_core::store::{attempts, now_ms, seed, Db};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

pub async fn serve(database_url: &str, args: ServeArgs) -> Result<(), Box<dyn std::error::Error>> {
    let db = Db::connect(database_url).await?;
    let report = seed::first_start(&db, args.admin_password.as_deref(), !args.no_demo).await?;
    if report.questions > 0 {
        tracing::info!(
            questions = report.questions,
            "seeded the directive question bank"
        );
    }
    if let Some((login, password)) = &report.admin {
        // Printed once, on the start that creates the admin.
        println!("Tài khoản quản trị đầu tiên — đăng nhập: {login}  mật khẩu: {password}");
        if args.admin_password.is_none() {
            println!("(Chỉ hiển thị một lần. Lần đăng nhập đầu tiên sẽ yêu cầu đổi mật khẩu này.)");
        }
    }
    if let Some(demo) = &report.demo {
        // The demo final's screens, like the admin's password: shown once.
        let base = format!("http://{}", args.addr);
        println!("Bản trình diễn: một vòng thi đang mở, một vòng đã có kết quả, và «{}» sẵn sàng:", demo.name);
        println!("  Người dẫn:  {base}/truc-tiep/{}", demo.host);
        for (seat, code) in &demo.seats {
            println!("  Ghế {seat}:      {base}/truc-tiep/{code}");
        }
        for (i, code) in demo.judges.iter().enumerate() {
            println!("  Giám khảo {}: {base}/truc-tiep/{code}", i + 1);
        }
        println!("  Màn chiếu:  {base}/truc-tiep/{}/man-chieu", demo.join);
        println!("(Mỗi mã gắn với thiết bị mở nó đầu tiên. Khởi động với --no-demo để bắt đầu trống.)");
    }

    // Attempts past their deadline close even if nobody comes back to them.
    tokio::spawn({
        let db = db.clone();
        async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                tick.tick().await;
                match attempts::close_due(&db, now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(closed = n, "closed attempts past their deadline"),
                    Err(e) => {
                        tracing::warn!(error = %e, "closing attempts past their deadline failed")
                    }
                }
            }
        }
    });

    // A copy older than its file would send a previous build's app.
    let stale = crate::precompress::drop_stale(&std::path::Path::new(&args.site_root).join("pkg"));
    if stale > 0 {
        tracing::warn!(
            files = stale,
            "removed brotli copies older than the build; run `hoithi precompress`"
        );
    }
    let leptos_options = LeptosOptions::builder()
        .output_name("hoithi")
        .site_root(args.site_root.clone())
        .site_pkg_dir("pkg")
        .site_addr(args.addr)
        .build();
    // Screens on this instance follow events written on any instance.
    let hub = Arc::new(hoithi_core::live::hub::Hub::new(db.clone()));
    hub.follow(std::time::Duration::from_millis(500));
    let state = AppState::from(app::ssr::Shared {
        leptos_options: leptos_options.clone(),
        hub: hub.clone(),
        db,
        limiter: Arc::new(RateLimiter::default()),
        sockets: hoithi_core::auth::SocketGate::new(args.ws_per_address),
        round_cache: Default::default(),
        config: Arc::new(Config {
            secure_cookies: args.secure_cookies,
            proxy_hops: args.trust_proxy,
            frame_origins: crate::security::frame_origins(&args.frame_origins)?,
            ws_per_address: args.ws_per_address,
            ws_audience: args.ws_audience as usize,
            public_url: args.public_url.clone(),
        }),
    });
    // Ended rate-limit windows and unconfirmed uploads go on a timer.
    tokio::spawn({
        let limiter = state.limiter.clone();
        let db = state.db.clone();
        async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.sweep();
                match hoithi_core::store::uploads::purge(&db, now_ms()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(purged = n, "removed unconfirmed uploads older than a day"),
                    Err(e) => tracing::warn!(error = %e, "purging uploads failed"),
                }
            }
        }
    });
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!("Hội thi đang chạy tại http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    Ok(())
}

/// The routes beside the pages and server functions, for `hoithi routes`
/// (and so the role matrix test): keep in step with `routes()` below and in
/// `routes.rs` / `live.rs`.
pub const PLAIN_ROUTES: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("POST", "/quan-tri/tai-len"),
    ("GET", "/quan-tri/xuat"),
    ("GET", "/quan-tri/nhat-ky/xuat"),
    ("GET", "/ban-to-chuc/xuat"),
    ("GET", "/ban-to-chuc/chung-ket/xuat"),
    ("GET", "/ban-to-chuc/chung-nhan"),
    ("GET", "/giay-chung-nhan/{serial}"),
    ("GET", "/truc-tiep/ws/{code}"),
    ("GET", "/truc-tiep/qr/{code}"),
    ("GET", "/favicon.ico"),
    ("GET", "/favicon.svg"),
    ("GET", "/icon-192.png"),
    ("GET", "/icon-512.png"),
    ("GET", "/manifest.webmanifest"),
];

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    // Static files: the brotli copy `hoithi precompress` made when there is
    // one, else the file (compressed on the fly below).
    let pkg = std::path::Path::new(state.leptos_options.site_root.as_ref()).join("pkg");
    Router::new()
        .nest_service(
            "/pkg",
            tower_http::services::ServeDir::new(pkg).precompressed_br(),
        )
        .merge(crate::routes::routes())
        .merge(crate::certificates::routes())
        .merge(crate::live::routes())
        .merge(crate::icons::routes())
        .route("/metrics", axum::routing::get(crate::metrics::metrics))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Compressing a 200-byte server-function reply costs more CPU than
        // it saves bytes; pages, scripts and the wasm are far above 1 KB.
        .layer(tower_http::compression::CompressionLayer::new().compress_when({
            use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
            SizeAbove::new(1024)
                .and(NotForContentType::GRPC)
                .and(NotForContentType::IMAGES)
                .and(NotForContentType::SSE)
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::security::guard,
        ))
        .layer(axum::middleware::from_fn(crate::metrics::record))
        .with_state(state)
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
