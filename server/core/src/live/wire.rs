//! Messages on a screen's WebSocket. Screens get their role's view, never
//! raw events: events carry every finalist's answer, which only the host may
//! see before the reveal.

use super::engine::{Actor, Command};
use super::view::View;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ClientMsg {
    /// A command; `id` comes back in the answer.
    Cmd { id: u64, cmd: Command },
    /// Clock probe: the client's own time, returned with the server's.
    Ping { client: f64 },
    /// Host only: frees a seat's or judge pad's code from the device it is
    /// bound to, so another device can take it.
    Release { id: u64, who: Actor },
}

/// A seat's or judge pad's code and the device holding it, for the host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceView {
    pub who: Actor,
    /// When a device took the code (server time, ms); `None` while free.
    pub bound_at: Option<i64>,
    /// What the device said it is and where from, for the host to recognise.
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The state as this screen may see it: on connect, then after every change.
    View {
        view: Box<View>,
    },
    /// Accepted; `seq` is the last event it stored, so the screen knows
    /// which view first shows it.
    Ok {
        id: u64,
        seq: u64,
    },
    Err {
        id: u64,
        msg: String,
    },
    Pong {
        client: f64,
        server: i64,
    },
    /// To the host: who holds each seat's and judge's code, on connect and
    /// after every change.
    Devices { list: Vec<DeviceView> },
    /// This screen may not (or no longer) use its code: the socket closes
    /// after it, and the screen should not reconnect by itself.
    Refused { msg: String },
}
