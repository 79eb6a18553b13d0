//! Messages on a screen's WebSocket. Screens get their role's view, never
//! raw events: events carry every finalist's answer, which only the host may
//! see before the reveal.

use super::engine::Command;
use super::view::View;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ClientMsg {
    /// A command; `id` comes back in the answer.
    Cmd { id: u64, cmd: Command },
    /// Clock probe: the client's own time, returned with the server's.
    Ping { client: f64 },
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
}
