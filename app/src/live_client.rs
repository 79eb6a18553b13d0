//! A live screen's connection: the WebSocket to its room, reconnecting with
//! backoff, the latest view and an estimate of the server's clock so every
//! countdown agrees. On the server this only holds the first view.

use hoithi_core::live::wire::{DeviceView, ServerMsg};
use hoithi_core::live::{Actor, Command, View};
use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conn {
    Connecting,
    Open,
    /// Dropped; a new attempt is scheduled.
    Lost,
    /// The server will not let this device use the code: no retry.
    Refused,
}

#[derive(Clone, Copy)]
pub struct Live {
    pub view: RwSignal<View>,
    pub conn: RwSignal<Conn>,
    /// Server clock minus this device's clock, in ms.
    pub offset: RwSignal<f64>,
    /// This device's clock, ticking for countdowns.
    pub tick: RwSignal<f64>,
    /// The last refusal of a command, in Vietnamese.
    pub error: RwSignal<Option<String>>,
    /// Commands sent and not yet answered.
    pub pending: RwSignal<u32>,
    /// The host's list of which device holds each seat's and judge's code.
    pub devices: RwSignal<Vec<DeviceView>>,
}

impl Live {
    /// Starts from the server-rendered view and connects in the browser.
    pub fn new(code: String, first: View) -> Live {
        let live = Live {
            view: RwSignal::new(first),
            conn: RwSignal::new(Conn::Connecting),
            offset: RwSignal::new(0.0),
            tick: RwSignal::new(0.0),
            error: RwSignal::new(None),
            pending: RwSignal::new(0),
            devices: RwSignal::new(Vec::new()),
        };
        #[cfg(feature = "hydrate")]
        client::start(code, live);
        #[cfg(not(feature = "hydrate"))]
        let _ = code;
        live
    }

    /// The server's time now, as this screen best knows it.
    pub fn server_now(&self) -> f64 {
        self.tick.get() + self.offset.get()
    }

    /// Seconds left until `deadline` (server time), never negative.
    pub fn seconds_left(&self, deadline: i64) -> u32 {
        (((deadline as f64) - self.server_now()) / 1000.0)
            .ceil()
            .max(0.0) as u32
    }

    pub fn send(&self, cmd: Command) {
        self.error.set(None);
        #[cfg(feature = "hydrate")]
        client::send(*self, cmd);
        #[cfg(not(feature = "hydrate"))]
        let _ = cmd;
    }

    /// Host: frees a seat's or judge pad's code for another device.
    pub fn release(&self, who: Actor) {
        self.error.set(None);
        #[cfg(feature = "hydrate")]
        client::release(*self, who);
        #[cfg(not(feature = "hydrate"))]
        let _ = who;
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn receive(&self, msg: ServerMsg, sent_at: impl Fn(f64) -> f64) {
        match msg {
            ServerMsg::View { view } => {
                // The log only grows, so an older view (a late frame from a
                // dropped socket) is never newer than what is shown.
                if view.seq >= self.view.with_untracked(|v| v.seq) {
                    self.view.set(*view);
                }
            }
            ServerMsg::Pong { client, server } => {
                let rtt = sent_at(client);
                self.offset.set(server as f64 - (client + rtt / 2.0));
            }
            ServerMsg::Ok { .. } => self.pending.update(|p| *p = p.saturating_sub(1)),
            ServerMsg::Err { msg, .. } => {
                self.pending.update(|p| *p = p.saturating_sub(1));
                self.error.set(Some(msg));
            }
            ServerMsg::Devices { list } => self.devices.set(list),
            ServerMsg::Refused { msg } => {
                self.conn.set(Conn::Refused);
                self.error.set(Some(msg));
            }
        }
    }
}

#[cfg(feature = "hydrate")]
mod client {
    use super::{Conn, Live};
    use hoithi_core::live::wire::{ClientMsg, ServerMsg};
    use hoithi_core::live::{Actor, Command};
    use leptos::prelude::*;
    use std::cell::{Cell, RefCell};
    use std::time::Duration;
    use wasm_bindgen::prelude::*;
    use web_sys::{CloseEvent, MessageEvent, WebSocket};

    thread_local! {
        static SOCKET: RefCell<Option<WebSocket>> = const { RefCell::new(None) };
        static NEXT_ID: Cell<u64> = const { Cell::new(1) };
        static ATTEMPT: Cell<u32> = const { Cell::new(0) };
    }

    fn now() -> f64 {
        js_sys::Date::now()
    }

    pub fn start(code: String, live: Live) {
        live.tick.set(now());
        let _ = set_interval_with_handle(move || live.tick.set(now()), Duration::from_millis(200));
        // Keep-alive and a fresh clock estimate.
        let _ = set_interval_with_handle(move || ping(), Duration::from_secs(10));
        connect(code, live);
    }

    fn ping() {
        let msg = serde_json::to_string(&ClientMsg::Ping { client: now() }).unwrap_or_default();
        SOCKET.with(|s| {
            if let Some(ws) = s.borrow().as_ref() {
                if ws.ready_state() == WebSocket::OPEN {
                    let _ = ws.send_with_str(&msg);
                }
            }
        });
    }

    fn retry(code: String, live: Live) {
        live.conn.set(Conn::Lost);
        let n = ATTEMPT.with(|a| {
            let n = a.get();
            a.set(n + 1);
            n
        });
        // 0.5 s, 1 s, 2 s … up to 10 s, with jitter so a hall of phones
        // does not come back at the same instant.
        let base = (500.0 * 2f64.powi(n.min(5) as i32)).min(10_000.0);
        let wait = base * (0.75 + 0.5 * js_sys::Math::random());
        set_timeout(
            move || connect(code, live),
            Duration::from_millis(wait as u64),
        );
    }

    fn connect(code: String, live: Live) {
        live.conn.set(Conn::Connecting);
        let loc = window().location();
        let proto = if loc.protocol().ok().as_deref() == Some("https:") {
            "wss"
        } else {
            "ws"
        };
        let host = loc.host().unwrap_or_default();
        let ws = match WebSocket::new(&format!("{proto}://{host}/truc-tiep/ws/{code}")) {
            Ok(ws) => ws,
            Err(_) => return retry(code, live),
        };
        let onopen = Closure::<dyn FnMut()>::new(move || {
            ATTEMPT.with(|a| a.set(0));
            live.conn.set(Conn::Open);
            live.pending.set(0);
            ping();
        });
        ws.set_onopen(Some(onopen.as_ref().unchecked_ref()));
        onopen.forget();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            if let Ok(msg) = serde_json::from_str::<ServerMsg>(&text) {
                live.receive(msg, |client| now() - client);
            }
        });
        ws.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        onmessage.forget();
        let onclose = Closure::<dyn FnMut(CloseEvent)>::new(move |_e: CloseEvent| {
            SOCKET.with(|s| *s.borrow_mut() = None);
            // Refused (another device holds the code): retrying cannot help.
            if live.conn.get_untracked() != Conn::Refused {
                retry(code.clone(), live);
            }
        });
        ws.set_onclose(Some(onclose.as_ref().unchecked_ref()));
        onclose.forget();
        SOCKET.with(|s| *s.borrow_mut() = Some(ws));
    }

    pub fn send(live: Live, cmd: Command) {
        send_msg(live, |id| ClientMsg::Cmd { id, cmd });
    }

    pub fn release(live: Live, who: Actor) {
        send_msg(live, |id| ClientMsg::Release { id, who });
    }

    fn send_msg(live: Live, msg: impl FnOnce(u64) -> ClientMsg) {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let msg = serde_json::to_string(&msg(id)).unwrap_or_default();
        let sent = SOCKET.with(|s| {
            s.borrow()
                .as_ref()
                .filter(|ws| ws.ready_state() == WebSocket::OPEN)
                .map(|ws| ws.send_with_str(&msg).is_ok())
                .unwrap_or(false)
        });
        if sent {
            live.pending.update(|p| *p += 1);
        } else {
            live.error.set(Some(
                "Mất kết nối tới máy chủ, đang kết nối lại… Hãy thử lại sau giây lát.".into(),
            ));
        }
    }
}
