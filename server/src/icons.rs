//! The site's icon and web app manifest, built into the binary so every
//! page has them whatever the site folder holds: a phone can add Hội thi to
//! its home screen, and `/favicon.ico` is no longer a 404 on every page.

use app::ssr::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const SVG: &[u8] = include_bytes!("../../style/icons/icon.svg");
const PNG_48: &[u8] = include_bytes!("../../style/icons/icon-48.png");
const PNG_192: &[u8] = include_bytes!("../../style/icons/icon-192.png");
const PNG_512: &[u8] = include_bytes!("../../style/icons/icon-512.png");

/// Name, colours and icons for "add to home screen".
pub const MANIFEST: &str = r##"{
  "name": "Hội thi tìm hiểu Chỉ thị 24-CT/TU",
  "short_name": "Hội thi",
  "description": "Thi trực tuyến và chung kết trực tiếp tìm hiểu Chỉ thị số 24-CT/TU của Thành ủy Hà Nội",
  "lang": "vi",
  "start_url": "/",
  "scope": "/",
  "display": "standalone",
  "background_color": "#ffffff",
  "theme_color": "#b3261e",
  "icons": [
    { "src": "/icon-192.png", "sizes": "192x192", "type": "image/png" },
    { "src": "/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable" },
    { "src": "/favicon.svg", "sizes": "any", "type": "image/svg+xml" }
  ]
}
"##;

fn file(mime: &'static str, body: &'static [u8]) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, mime),
            // They change only with a release.
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/favicon.ico", get(|| async { file("image/png", PNG_48) }))
        .route("/favicon.svg", get(|| async { file("image/svg+xml", SVG) }))
        .route("/icon-192.png", get(|| async { file("image/png", PNG_192) }))
        .route("/icon-512.png", get(|| async { file("image/png", PNG_512) }))
        .route(
            "/manifest.webmanifest",
            get(|| async { file("application/manifest+json", MANIFEST.as_bytes()) }),
        )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_manifest_is_json_and_names_the_icons_served() {
        let m: serde_json::Value = serde_json::from_str(super::MANIFEST).unwrap();
        assert_eq!(m["short_name"], "Hội thi");
        for icon in m["icons"].as_array().unwrap() {
            let src = icon["src"].as_str().unwrap();
            assert!(["/icon-192.png", "/icon-512.png", "/favicon.svg"].contains(&src), "{src}");
        }
        assert!(super::PNG_512.starts_with(b"\x89PNG"));
    }
}
