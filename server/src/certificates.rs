//! Certificate PDFs: A4 landscape, DejaVu type (embedded and subset, so
//! Vietnamese prints and copies out exactly), the committee's name and seal,
//! the person, unit, award, round and contest, the date, the serial and a
//! QR code leading to the public verification page. And the downloads: a
//! holder's own certificate, a round's as one PDF or a zip, and the prize
//! decision list as `.xlsx`.

use crate::routes::{plain, refusal, staff, xlsx_download};
use app::ssr::{user_from_headers, AppState};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use hoithi_core::store::certificates::{self, Certificate};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use serde::Deserialize;
use std::sync::{Arc, LazyLock};

static REGULAR: &[u8] = include_bytes!("../../style/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../style/fonts/DejaVuSans-Bold.ttf");
static TITLE: &[u8] = include_bytes!("../../style/fonts/DejaVuSerif-Bold.ttf");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/giay-chung-nhan/{serial}", get(own))
        .route("/ban-to-chuc/chung-nhan", get(bundle))
}

/// A4 landscape, in points.
const W: f32 = 841.89;
const H: f32 = 595.28;
const RED: (u8, u8, u8) = (150, 20, 20);

struct Face {
    font: Font,
    metrics: ttf_parser::Face<'static>,
}

impl Face {
    fn load(data: &'static [u8]) -> Face {
        Face {
            font: Font::new(Arc::new(data.to_vec()).into(), 0).expect("bundled font"),
            metrics: ttf_parser::Face::parse(data, 0).expect("bundled font"),
        }
    }

    /// Width of `text` at `size` points (precomposed Vietnamese letters are
    /// single glyphs in DejaVu, so a sum of advances is exact enough).
    fn width(&self, text: &str, size: f32) -> f32 {
        let upem = f32::from(self.metrics.units_per_em());
        text.chars()
            .map(|c| {
                self.metrics
                    .glyph_index(c)
                    .and_then(|g| self.metrics.glyph_hor_advance(g))
                    .map_or(upem / 2.0, f32::from)
            })
            .sum::<f32>()
            * size
            / upem
    }
}

static FACES: LazyLock<(Face, Face, Face)> = LazyLock::new(|| (Face::load(REGULAR), Face::load(BOLD), Face::load(TITLE)));

fn fill(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// Hà Nội's date of `ms`: "ngày 3 tháng 12 năm 2026".
fn date_words(ms: i64) -> String {
    let days = (ms.div_euclid(1000) + 7 * 3600).div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("ngày {d} tháng {m} năm {y}")
}

/// Renders each certificate as a page of one PDF. `verify` is the address
/// of the verification page without the serial; `seal` a PNG or JPEG.
pub fn render(certs: &[Certificate], seal: Option<&[u8]>, verify: &str) -> Result<Vec<u8>, String> {
    let (regular, bold, title) = &*FACES;
    let mut doc = Document::new();
    let seal = seal.and_then(|bytes| {
        let data: krilla::Data = Arc::new(bytes.to_vec()).into();
        krilla::image::Image::from_png(data.clone(), true)
            .or_else(|_| krilla::image::Image::from_jpeg(data, true))
            .ok()
    });
    for c in certs {
        let mut page = doc.start_page_with(PageSettings::from_wh(W, H).ok_or("page size")?);
        let mut s = page.surface();
        // Two frames.
        for (inset, width) in [(18.0, 3.0), (27.0, 1.0)] {
            let mut pb = PathBuilder::new();
            pb.push_rect(Rect::from_xywh(inset, inset, W - 2.0 * inset, H - 2.0 * inset).ok_or("frame")?);
            s.set_fill(None);
            s.set_stroke(Some(Stroke { paint: rgb::Color::new(RED.0, RED.1, RED.2).into(), width, ..Default::default() }));
            s.draw_path(&pb.finish().ok_or("frame")?);
        }
        s.set_stroke(None);
        let mut text = |face: &Face, size: f32, color: (u8, u8, u8), center_x: f32, y: f32, t: &str, max_w: f32| {
            // Long lines shrink to fit rather than run off the frame.
            let mut size = size;
            while face.width(t, size) > max_w && size > 8.0 {
                size -= 0.5;
            }
            let x = center_x - face.width(t, size) / 2.0;
            s.set_fill(Some(fill(color)));
            s.draw_text(Point::from_xy(x, y), face.font.clone(), size, t, false, TextDirection::Auto);
        };
        let black = (20, 20, 20);
        // The heading: the committee on the left, the national motto on the right.
        text(bold, 13.0, black, 215.0, 72.0, &c.committee.to_uppercase(), 330.0);
        text(bold, 12.0, black, 610.0, 72.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 330.0);
        text(bold, 12.0, black, 610.0, 90.0, "Độc lập - Tự do - Hạnh phúc", 330.0);
        text(title, 40.0, RED, W / 2.0, 175.0, "GIẤY CHỨNG NHẬN", 700.0);
        text(regular, 16.0, black, W / 2.0, 222.0, "Chứng nhận đồng chí", 700.0);
        text(title, 30.0, RED, W / 2.0, 268.0, &c.full_name, 700.0);
        if let Some(u) = &c.unit_name {
            text(regular, 15.0, black, W / 2.0, 300.0, &format!("Đơn vị: {u}"), 700.0);
        }
        let award = match &c.prize {
            Some(p) => format!("Đã đạt {p}"),
            None => "Đã tham gia".into(),
        };
        text(bold, 22.0, black, W / 2.0, 345.0, &award, 700.0);
        text(regular, 15.0, black, W / 2.0, 375.0, &c.round_name, 700.0);
        text(regular, 15.0, black, W / 2.0, 398.0, &c.contest_name, 700.0);
        text(regular, 13.0, black, 610.0, 445.0, &format!("Hà Nội, {}", date_words(c.issued_at)), 330.0);
        text(bold, 13.0, black, 610.0, 465.0, &format!("TM. {}", c.committee.to_uppercase()), 330.0);
        if let Some(img) = &seal {
            s.push_transform(&Transform::from_translate(555.0, 475.0));
            s.draw_image(img.clone(), Size::from_wh(100.0, 100.0).ok_or("seal")?);
            s.pop();
        }
        // The QR code and the serial, bottom left.
        let url = format!("{verify}/{}", c.serial);
        let qr = qrcode::QrCode::new(url.as_bytes()).map_err(|e| e.to_string())?;
        let n = qr.width();
        let cell = 90.0 / n as f32;
        let (x0, y0) = (60.0, 455.0);
        let mut pb = PathBuilder::new();
        for (i, color) in qr.to_colors().iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (col, row) = ((i % n) as f32, (i / n) as f32);
                pb.push_rect(Rect::from_xywh(x0 + col * cell, y0 + row * cell, cell, cell).ok_or("qr")?);
            }
        }
        if let Some(p) = pb.finish() {
            s.set_fill(Some(fill(black)));
            s.draw_path(&p);
        }
        s.set_fill(Some(fill(black)));
        s.draw_text(Point::from_xy(160.0, 505.0), regular.font.clone(), 11.0, &format!("Số hiệu: {}", c.serial), false, TextDirection::Auto);
        s.draw_text(Point::from_xy(160.0, 522.0), regular.font.clone(), 8.5, "Quét mã QR hoặc mở địa chỉ dưới đây để kiểm tra:", false, TextDirection::Auto);
        s.draw_text(Point::from_xy(160.0, 536.0), regular.font.clone(), 8.5, &url, false, TextDirection::Auto);
        s.finish();
        page.finish();
    }
    doc.finish().map_err(|e| format!("{e:?}"))
}

fn zip_files(files: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    // PDFs are compressed already.
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        out.start_file(name.as_str(), opts)?;
        out.write_all(bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

/// The verification page's address, printed and in the QR code: the
/// site's public address when the operator set one (`HOITHI_PUBLIC_URL`),
/// else as the caller reached this server. A `Host` that is not a plain
/// host name or address (with a port) is not printed on a certificate.
fn verify_base(st: &AppState, headers: &HeaderMap) -> String {
    verify_base_of(&st.config, headers)
}

fn verify_base_of(config: &app::ssr::Config, headers: &HeaderMap) -> String {
    if let Some(url) = &config.public_url {
        return format!("{url}/chung-nhan");
    }
    let host = app::ssr::plain_host(headers).unwrap_or("localhost");
    let https = app::ssr::is_https(config, headers);
    format!("{}://{host}/chung-nhan", if https { "https" } else { "http" })
}

fn seal_bytes(seal: Option<&str>) -> Option<Vec<u8>> {
    use base64::Engine;
    let b64 = seal?.split_once(";base64,")?.1;
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn pdf_response(bytes: Vec<u8>, name: &str) -> Response {
    Response::builder()
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.pdf\""))
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(Body::from(bytes))
        .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống"))
}

async fn seal_of(st: &AppState, round_id: &str) -> Option<Vec<u8>> {
    let round = hoithi_core::store::rounds::get_one(&st.db, round_id).await.ok()?;
    let settings = certificates::settings(&st.db, &round.contest_id).await.ok()??;
    seal_bytes(settings.seal.as_deref())
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "making certificates");
    plain(StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được giấy chứng nhận, vui lòng thử lại sau")
}

/// A standing certificate, for its holder or whoever runs its round.
async fn own(State(st): State<AppState>, headers: HeaderMap, Path(serial): Path<String>) -> Response {
    let serial = serial.trim_end_matches(".pdf").to_uppercase();
    let user = match user_from_headers(&st, &headers).await {
        Ok(Some(u)) if !u.must_change_password => u,
        Ok(Some(_)) => return plain(StatusCode::FORBIDDEN, "Bạn cần đổi mật khẩu trước khi tiếp tục"),
        Ok(None) => return plain(StatusCode::UNAUTHORIZED, "Bạn cần đăng nhập để tiếp tục"),
        Err(e) => return failed(format!("{e:?}")),
    };
    let not_found = || plain(StatusCode::NOT_FOUND, "Không có giấy chứng nhận này");
    if !certificates::is_serial(&serial) {
        return not_found();
    }
    let c = match certificates::by_serial(&st.db, &serial).await {
        Ok(c) if c.revoked_at.is_none() => c,
        Ok(_) => return plain(StatusCode::GONE, "Giấy chứng nhận này đã bị thu hồi"),
        Err(_) => return not_found(),
    };
    if c.user_id != user.id {
        let Ok(caller) = app::access::caller_for(&st, user).await else { return not_found() };
        match app::access::round_of(&st, caller, &c.round_id).await {
            Ok((access, _)) if access.manage => {}
            _ => return not_found(),
        }
    }
    let seal = seal_of(&st, &c.round_id).await;
    let verify = verify_base(&st, &headers);
    match tokio::task::spawn_blocking(move || render(std::slice::from_ref(&c), seal.as_deref(), &verify)).await {
        Ok(Ok(bytes)) => pdf_response(bytes, &serial),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
}

#[derive(Deserialize)]
struct BundleQuery {
    vong: String,
    #[serde(default)]
    dang: String,
}

/// A round's standing certificates as one PDF, a zip of one PDF each, or
/// the prize decision list as `.xlsx`.
async fn bundle(State(st): State<AppState>, headers: HeaderMap, Query(q): Query<BundleQuery>) -> Response {
    let caller = match staff(&st, &headers).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    if q.vong.len() > app::ssr::caps::ID {
        return plain(StatusCode::UNPROCESSABLE_ENTITY, "Vòng thi không hợp lệ");
    }
    let (access, round) = match app::access::round_of(&st, caller, &q.vong).await {
        Ok(x) => x,
        Err(e) => return refusal(e),
    };
    if !access.manage {
        return refusal(app::error::AppError::Forbidden);
    }
    let all = match certificates::of_round(&st.db, &round.id).await {
        Ok(l) => l,
        Err(e) => return failed(e),
    };
    if q.dang == "xlsx" {
        return xlsx_download(app::types::TableView {
            key: "quyet-dinh-khen-thuong".into(),
            title: "Danh sách khen thưởng".into(),
            header: ["STT", "Họ và tên", "Đơn vị", "Giải", "Vòng thi", "Số hiệu giấy chứng nhận", "Ngày cấp", "Tình trạng"]
                .map(String::from)
                .to_vec(),
            rows: all
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        (i + 1).to_string(),
                        c.full_name.clone(),
                        c.unit_name.clone().unwrap_or_default(),
                        c.prize.clone().unwrap_or_else(|| "Chứng nhận tham gia".into()),
                        c.round_name.clone(),
                        c.serial.clone(),
                        app::types::format_time(c.issued_at),
                        match &c.revoked_reason {
                            Some(r) => format!("Đã thu hồi: {r}"),
                            None => "Còn hiệu lực".into(),
                        },
                    ]
                })
                .collect(),
        });
    }
    let standing: Vec<Certificate> = all.into_iter().filter(|c| c.revoked_at.is_none()).collect();
    if standing.is_empty() {
        return plain(StatusCode::NOT_FOUND, "Vòng thi này chưa có giấy chứng nhận nào");
    }
    let heavy = app::ssr::heavy_key(Some(&access.caller.user.id), "");
    if let Err(e) = app::ssr::heavy(&st, &heavy) {
        return refusal(e);
    }
    let seal = seal_of(&st, &round.id).await;
    let verify = verify_base(&st, &headers);
    let zip = q.dang == "zip";
    let made = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        if !zip {
            return render(&standing, seal.as_deref(), &verify);
        }
        let mut files = Vec::with_capacity(standing.len());
        for c in &standing {
            files.push((format!("{}.pdf", c.serial), render(std::slice::from_ref(c), seal.as_deref(), &verify)?));
        }
        zip_files(&files).map_err(|e| e.to_string())
    })
    .await;
    match made {
        Ok(Ok(bytes)) if zip => Response::builder()
            .header(header::CONTENT_TYPE, "application/zip")
            .header(header::CONTENT_DISPOSITION, "attachment; filename=\"giay-chung-nhan.zip\"")
            .body(Body::from(bytes))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "Lỗi hệ thống")),
        Ok(Ok(bytes)) => pdf_response(bytes, "giay-chung-nhan"),
        Ok(Err(e)) => failed(e),
        Err(e) => failed(e),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_address_is_the_sites_not_the_callers() {
        let config = |public_url: Option<&str>, proxy_hops| app::ssr::Config {
            secure_cookies: false,
            proxy_hops,
            frame_origins: Vec::new(),
            ws_per_address: 1,
            ws_audience: 1,
            public_url: public_url.map(str::to_string),
        };
        let headers = |host: &str, proto: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, host.parse().unwrap());
            if let Some(p) = proto {
                h.insert("x-forwarded-proto", p.parse().unwrap());
            }
            h
        };
        // The operator's address wins over whatever the request names.
        assert_eq!(
            verify_base_of(&config(Some("https://hoithi.hanoi.vn"), 0), &headers("evil.example", None)),
            "https://hoithi.hanoi.vn/chung-nhan"
        );
        // Without it, the request's host, over https only through a trusted proxy.
        assert_eq!(verify_base_of(&config(None, 0), &headers("hoithi.vn:8443", None)), "http://hoithi.vn:8443/chung-nhan");
        assert_eq!(verify_base_of(&config(None, 0), &headers("hoithi.vn", Some("https"))), "http://hoithi.vn/chung-nhan");
        assert_eq!(verify_base_of(&config(None, 1), &headers("hoithi.vn", Some("https"))), "https://hoithi.vn/chung-nhan");
        // A Host that is not a host is not printed.
        for forged in ["evil.example/phish?x=", "a@b", "x\\y", "\"q\""] {
            assert_eq!(verify_base_of(&config(None, 0), &headers(forged, None)), "http://localhost/chung-nhan", "{forged}");
        }
    }

    #[test]
    fn dates_read_as_hanoi_writes_them() {
        // 2026-12-03 17:00 UTC is already the 4th in Hà Nội.
        assert_eq!(date_words(1_796_317_200_000), "ngày 4 tháng 12 năm 2026");
        assert_eq!(date_words(0), "ngày 1 tháng 1 năm 1970");
    }

    #[test]
    fn a_certificate_renders_with_its_text() {
        let c = Certificate {
            serial: "HT-ABCDEFGHJK".into(),
            round_id: "r".into(),
            user_id: "u".into(),
            prize: Some("Giải Nhất".into()),
            full_name: "Nguyễn Thị Hồng Nhung".into(),
            unit_name: Some("Xã Quảng Phú Cầu".into()),
            round_name: "Tuần thi thứ nhất".into(),
            contest_name: "Hội thi tìm hiểu Chỉ thị 24-CT/TU".into(),
            committee: "Ban Tổ chức Hội thi huyện Ứng Hòa".into(),
            issued_at: 1_796_317_200_000,
            revoked_at: None,
            revoked_reason: None,
        };
        let pdf = render(&[c.clone(), c], None, "https://hoithi.vn/chung-nhan").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 5_000, "{} bytes", pdf.len());
    }
}
