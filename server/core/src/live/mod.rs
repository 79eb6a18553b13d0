//! The live final as a pure state machine: commands in, events out, state =
//! fold of events. `decide` checks a command against the state and the
//! sender; the caller stores the events it returns before anyone sees them,
//! then applies them. Replaying the stored events rebuilds the exact state,
//! which is how a restarted server, a reconnecting screen or a second
//! instance catches up. Times are the server's, stamped on arrival.

pub mod build;
pub mod engine;
#[cfg(feature = "store")]
pub mod hub;
pub mod program;
pub mod results;
pub mod view;
pub mod wire;

pub use engine::{decide, judged_mean, replay, Actor, Command, Event, EventKind, LiveError, State};
pub use program::{Finalist, Item, Points, Program, Segment, SegmentKind};
pub use view::{view, View, Viewer};

#[cfg(test)]
mod tests;
