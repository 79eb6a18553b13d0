//! The live final's transport: a WebSocket per screen, the QR code of a
//! screen's address and the final ranking as `.xlsx`.

use crate::routes::{plain, xlsx_download};
use app::ssr::{client_ip_from, AppState};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use hoithi_core::live::hub::{Hub, Room};
use hoithi_core::live::wire::{ClientMsg, ServerMsg};
use hoithi_core::live::{view, Actor, Viewer};
use hoithi_core::store::{finals, now_ms, Db, StoreError};
use serde::Deserialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/truc-tiep/ws/{code}", get(socket))
        .route("/truc-tiep/qr/{code}", get(qr))
        .route("/ban-to-chuc/chung-ket/xuat", get(export))
}

/// Wrong codes allowed per address and minute.
pub const MISSES: u32 = 30;

fn too_many() -> Response {
    plain(
        StatusCode::TOO_MANY_REQUESTS,
        "Bạn nhập sai mã quá nhiều lần, vui lòng thử lại sau ít phút",
    )
}

/// Unknown codes are counted per address, and an address past the limit is
/// refused before its code is even looked up, so codes cannot be guessed.
async fn open(
    st: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    code: &str,
) -> Result<(Arc<Room>, Viewer), Response> {
    let ip = client_ip_from(headers, Some(peer), st.config.proxy_hops);
    let key = format!("live:code:{ip}");
    // Checked before the lookup: past the limit even a right code waits.
    if st.limiter.exceeded(&key, MISSES, Duration::from_secs(60)) {
        return Err(too_many());
    }
    match finals::resolve(&st.db, code).await {
        Ok((final_id, viewer)) => match st.hub.room(&final_id).await {
            Ok(room) => Ok((room, viewer)),
            Err(e) => {
                tracing::error!(error = %e, "loading a live room");
                Err(plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Lỗi hệ thống, vui lòng thử lại sau",
                ))
            }
        },
        Err(StoreError::NotFound) => {
            if !st.limiter.allow(&key, MISSES, Duration::from_secs(60)) {
                return Err(too_many());
            }
            Err(plain(StatusCode::NOT_FOUND, "Mã không đúng"))
        }
        Err(StoreError::Invalid(m)) => Err(plain(StatusCode::GONE, &m)),
        Err(e) => {
            tracing::error!(error = %e, "resolving a live code");
            Err(plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Lỗi hệ thống, vui lòng thử lại sau",
            ))
        }
    }
}

async fn socket(
    State(st): State<AppState>,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let (room, viewer) = match open(&st, &headers, peer, &code).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ip = client_ip_from(&headers, Some(peer), st.config.proxy_hops);
    // The audience's code is public: its sockets are capped per address and
    // per final. Host, seat and judge codes are secret and never crowded out.
    let mut tickets = None;
    if viewer == Viewer::Audience {
        let Some(at_gate) = st.sockets.enter(&ip) else {
            return plain(
                StatusCode::TOO_MANY_REQUESTS,
                "Quá nhiều màn hình đang mở từ địa chỉ này",
            );
        };
        let Some(in_room) = room.admit_audience(st.config.ws_audience) else {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "Số màn hình khán giả đã đủ, vui lòng theo dõi trên màn chiếu",
            );
        };
        tickets = Some((at_gate, in_room));
    }
    // A seat's or judge's code is taken by the first device that opens it.
    let mut device = None;
    let mut refusal = None;
    if let Some(who @ (Actor::Seat(_) | Actor::Judge(_))) = viewer.actor() {
        match app::ssr::device_id(&st.config, &headers) {
            None => {
                refusal = Some(
                    "Thiết bị chưa được nhận diện: hãy mở trang của màn hình bằng mã được phát".to_string(),
                )
            }
            Some(id) => {
                let hash = finals::device_hash(&id);
                let label = app::ssr::device_label(&headers, &ip);
                match finals::bind(&st.db, &room.id, who, &hash, &label, now_ms()).await {
                    Ok(true) => {
                        room.devices_changed();
                        device = Some(hash);
                    }
                    Ok(false) => refusal = Some(finals::HELD_ELSEWHERE.to_string()),
                    Err(e) => {
                        tracing::error!(error = %e, "binding a live code to a device");
                        return plain(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "Lỗi hệ thống, vui lòng thử lại sau",
                        );
                    }
                }
            }
        }
    }
    let hub = st.hub.clone();
    let db = st.db.clone();
    // Commands are a few hundred bytes; anything bigger is not a screen.
    // Frames too: a 16 MiB frame would be buffered before the message cap.
    // Buffers are per socket: tungstenite's defaults (128 KiB read, 128 KiB
    // write) held about 220 KiB for each of 5,000 idle screens. Commands are
    // small and frames go out at once, so small buffers cost nothing.
    ws.max_message_size(16 * 1024)
        .max_frame_size(16 * 1024)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_write_buffer_size(1024 * 1024)
        .on_upgrade(move |socket| async move {
            let _tickets = tickets;
            match refusal {
                Some(msg) => refuse(socket, msg).await,
                None => {
                    Session {
                        hub,
                        db,
                        room,
                        viewer,
                        device,
                    }
                    .run(socket)
                    .await
                }
            }
        })
}

/// Says why a screen may not use its code, then closes: the browser cannot
/// read an HTTP refusal of a WebSocket, but it reads this.
async fn refuse(mut socket: WebSocket, msg: String) {
    if let Ok(s) = serde_json::to_string(&ServerMsg::Refused { msg }) {
        let _ = socket.send(Message::Text(s.into())).await;
    }
    let _ = socket
        .send(Message::Close(Some(axum::extract::ws::CloseFrame {
            code: 4003,
            reason: "refused".into(),
        })))
        .await;
}

/// Commands a screen may send in a burst: a finalist changing an answer a
/// few times is normal, a loop is not.
const BURST: u32 = 20;
const BURST_WINDOW: Duration = Duration::from_secs(2);
const PING_EVERY: Duration = Duration::from_secs(20);
const SILENT_LIMIT: Duration = Duration::from_secs(65);

/// One screen's socket.
struct Session {
    hub: Arc<Hub>,
    db: Db,
    room: Arc<Room>,
    viewer: Viewer,
    /// The device holding a seat's or judge's code (its cookie's hash).
    device: Option<String>,
}

impl Session {
    fn render(&self, state: &hoithi_core::live::State) -> Option<Message> {
        // Every audience screen gets the same bytes, rendered once per change.
        if self.viewer == Viewer::Audience {
            return Some(Message::Text(
                self.room.audience_message(state).to_string().into(),
            ));
        }
        let msg = ServerMsg::View {
            view: Box::new(view(&self.room.program, state, self.viewer, now_ms())),
        };
        serde_json::to_string(&msg)
            .ok()
            .map(|s| Message::Text(s.into()))
    }

    /// Whether this screen may still act: a seat's or judge's device may
    /// have been released by the host (on any instance).
    async fn still_holds(&self) -> bool {
        match self.viewer.actor() {
            Some(who @ (Actor::Seat(_) | Actor::Judge(_))) => {
                finals::held_by(&self.db, &self.room.id, who, self.device.as_deref())
                    .await
                    .unwrap_or(false)
            }
            _ => true,
        }
    }

    /// The host's list of who holds each code.
    async fn devices(&self) -> Option<Message> {
        let list = finals::devices(&self.db, &self.room.id).await.ok()?;
        serde_json::to_string(&ServerMsg::Devices { list })
            .ok()
            .map(|s| Message::Text(s.into()))
    }

    async fn run(self, socket: WebSocket) {
        let (mut sink, mut stream) = socket.split();
        let mut updates = self.room.subscribe();
        let mut bindings = self.room.watch_devices();
        let host = self.viewer == Viewer::Host;
        let mut window = (Instant::now(), 0u32);
        // The snapshot: everything a fresh or reconnecting screen needs.
        let first = updates.borrow_and_update().clone();
        if let Some(m) = self.render(&first) {
            if sink.send(m).await.is_err() {
                return;
            }
        }
        bindings.borrow_and_update();
        if host {
            if let Some(m) = self.devices().await {
                if sink.send(m).await.is_err() {
                    return;
                }
            }
        }
        let released = || {
            let msg = serde_json::to_string(&ServerMsg::Refused {
                msg: "Mã của màn hình này đã được người dẫn chương trình chuyển sang thiết bị khác".into(),
            })
            .unwrap_or_default();
            Message::Text(msg.into())
        };
        // A screen that says nothing (not even a pong) for this long is gone.
        let mut heard = Instant::now();
        let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            tokio::select! {
                _ = ping.tick() => {
                    if heard.elapsed() > SILENT_LIMIT {
                        break;
                    }
                    if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                        break;
                    }
                }
                changed = bindings.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    bindings.borrow_and_update();
                    if host {
                        if let Some(m) = self.devices().await {
                            if sink.send(m).await.is_err() {
                                break;
                            }
                        }
                    } else if !self.still_holds().await {
                        let _ = sink.send(released()).await;
                        break;
                    }
                }
                changed = updates.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    // Only the newest state: a slow screen skips, never queues.
                    let state = updates.borrow_and_update().clone();
                    let Some(m) = self.render(&state) else { continue };
                    if sink.send(m).await.is_err() {
                        break;
                    }
                }
                incoming = stream.next() => {
                    heard = Instant::now();
                    let text = match incoming {
                        Some(Ok(Message::Text(t))) => t,
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                        Some(Ok(_)) => continue,
                    };
                    let arrived = now_ms();
                    let msg = serde_json::from_str::<ClientMsg>(&text);
                    if matches!(msg, Ok(ClientMsg::Cmd { .. } | ClientMsg::Release { .. })) {
                        if window.0.elapsed() > BURST_WINDOW {
                            window = (Instant::now(), 0);
                        }
                        window.1 += 1;
                    }
                    let flood = window.1 > BURST;
                    let reply = match msg {
                        Err(_) => {
                            // Answer under the sender's id when there is one, so it is not left waiting.
                            let id = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["id"].as_u64()).unwrap_or(0);
                            ServerMsg::Err { id, msg: "Thông điệp không hợp lệ".into() }
                        }
                        Ok(ClientMsg::Ping { client }) => ServerMsg::Pong { client, server: arrived },
                        Ok(ClientMsg::Release { id, .. }) if !host => ServerMsg::Err { id, msg: "Chỉ người dẫn chương trình được giải phóng mã".into() },
                        Ok(ClientMsg::Release { id, .. }) if flood => ServerMsg::Err { id, msg: "Thao tác quá nhanh, vui lòng thử lại".into() },
                        Ok(ClientMsg::Release { id, who }) => match finals::release(&self.db, &self.room.id, who).await {
                            Ok(()) => {
                                tracing::info!(final_id = %self.room.id, ?who, "released a live code's device");
                                self.room.devices_changed();
                                ServerMsg::Ok { id, seq: self.room.snapshot().last_seq() }
                            }
                            Err(StoreError::NotFound) => ServerMsg::Err { id, msg: "Không có ghế hoặc giám khảo này".into() },
                            Err(StoreError::Invalid(m)) => ServerMsg::Err { id, msg: m },
                            Err(e) => {
                                tracing::error!(error = %e, "releasing a live code");
                                ServerMsg::Err { id, msg: "Lỗi hệ thống, vui lòng thử lại".into() }
                            }
                        },
                        Ok(ClientMsg::Cmd { id, cmd }) => match self.viewer.actor() {
                            None => ServerMsg::Err { id, msg: "Màn hình khán giả chỉ để xem".into() },
                            Some(_) if flood => ServerMsg::Err { id, msg: "Thao tác quá nhanh, vui lòng thử lại".into() },
                            Some(_) if !self.still_holds().await => {
                                let _ = sink.send(released()).await;
                                break;
                            }
                            Some(actor) => match self.hub.send(&self.room, actor, cmd, arrived).await {
                                Ok(seq) => ServerMsg::Ok { id, seq },
                                Err(e) => {
                                    if let hoithi_core::live::hub::SendError::Store(err) = &e {
                                        tracing::error!(error = %err, final_id = %self.room.id, "storing live events");
                                    }
                                    ServerMsg::Err { id, msg: e.to_string() }
                                }
                            },
                        },
                    };
                    let Ok(s) = serde_json::to_string(&reply) else { continue };
                    if sink.send(Message::Text(s.into())).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
}

/// The QR code of a screen's address, as SVG, for the projector and the
/// organizer's printouts. The audience's join code is public (the
/// projector shows it); a host, seat or judge code's QR only to organizers.
async fn qr(
    State(st): State<AppState>,
    Path(code): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let code: String = code.trim_end_matches(".svg").to_uppercase();
    let ip = client_ip_from(&headers, Some(peer), st.config.proxy_hops);
    let key = format!("live:code:{ip}");
    if st.limiter.exceeded(&key, MISSES, Duration::from_secs(60)) {
        return too_many();
    }
    match finals::resolve(&st.db, &code).await {
        Ok((_, Viewer::Audience)) => {}
        Ok(_) => {
            let final_id = match finals::by_code(&st.db, &code).await {
                Ok((f, _)) => f,
                Err(_) => return plain(StatusCode::NOT_FOUND, "Mã không đúng"),
            };
            if let Err(r) = crate::routes::require_final(&st, &headers, &final_id).await {
                return r;
            }
        }
        Err(StoreError::NotFound) => {
            st.limiter.allow(&key, MISSES, Duration::from_secs(60));
            return plain(StatusCode::NOT_FOUND, "Mã không đúng");
        }
        Err(_) => return plain(StatusCode::NOT_FOUND, "Mã không đúng"),
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if st.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v == "https")
    {
        "https"
    } else {
        "http"
    };
    let url = format!("{scheme}://{host}/truc-tiep/{code}");
    let Ok(qr) = qrcode::QrCode::new(url.as_bytes()) else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "Không tạo được mã QR");
    };
    let svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // A code's picture is a credential: never kept by caches.
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response()
}

#[derive(Deserialize)]
struct ExportQuery {
    id: String,
}

/// The final ranking with prizes, from the stored log.
async fn export(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Response {
    if q.id.len() > 64 {
        return plain(StatusCode::NOT_FOUND, "Không tìm thấy vòng chung kết");
    }
    if let Err(r) = crate::routes::require_final(&st, &headers, &q.id).await {
        return r;
    }
    match app::live_api::standings_table(&st.db, &q.id).await {
        Ok(t) => xlsx_download(t),
        Err(app::error::AppError::NotFound) => {
            plain(StatusCode::NOT_FOUND, "Không tìm thấy vòng chung kết")
        }
        Err(e) => plain(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}
