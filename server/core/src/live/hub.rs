//! Live rooms: one per final in this process, holding the state rebuilt
//! from the stored log. Commands from screens are decided one at a time per
//! room, stored, then applied and published; screens watch the latest state
//! and each renders its own view, so a slow screen only skips states and
//! never holds up the room.

use super::engine::{decide, replay, Actor, Command, Event, LiveError, State};
use super::program::Program;
use crate::store::finals::{self, AppendError};
use crate::store::{now_ms, Db, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::{watch, Mutex};

pub struct Room {
    pub id: String,
    pub name: String,
    pub join_code: String,
    pub program: Program,
    state: Mutex<State>,
    tx: watch::Sender<Arc<State>>,
    /// The audience's view of the latest state, serialised once for every
    /// projector and phone watching.
    audience: std::sync::Mutex<Option<(u64, Arc<str>)>>,
    /// Bumped when a seat's or judge's device is bound or released here, so
    /// the host's list and a released device's socket follow at once.
    devices: watch::Sender<u64>,
    /// Audience screens open on this instance, held to a cap.
    audience_screens: AtomicUsize,
}

/// An audience screen's place in a room; given back when dropped.
pub struct AudienceTicket(Arc<Room>);

impl Drop for AudienceTicket {
    fn drop(&mut self) {
        self.0.audience_screens.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Room {
    /// The audience's view message for `state`, shared by all its screens.
    pub fn audience_message(&self, state: &State) -> Arc<str> {
        let seq = state.last_seq();
        if let Some((s, m)) = self.audience.lock().expect("audience cache").as_ref() {
            if *s == seq {
                return m.clone();
            }
        }
        let msg = super::wire::ServerMsg::View {
            view: Box::new(super::view(
                &self.program,
                state,
                super::Viewer::Audience,
                now_ms(),
            )),
        };
        let m: Arc<str> = serde_json::to_string(&msg).unwrap_or_default().into();
        *self.audience.lock().expect("audience cache") = Some((seq, m.clone()));
        m
    }

    /// The latest published state (without the log); `changed()` wakes on
    /// every new one.
    pub fn subscribe(&self) -> watch::Receiver<Arc<State>> {
        self.tx.subscribe()
    }

    pub fn snapshot(&self) -> Arc<State> {
        self.tx.borrow().clone()
    }

    pub fn screens(&self) -> usize {
        self.tx.receiver_count()
    }

    /// A place for one more audience screen, unless `max` are open.
    pub fn admit_audience(self: &Arc<Self>, max: usize) -> Option<AudienceTicket> {
        self.audience_screens
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| AudienceTicket(self.clone()))
    }

    pub fn devices_changed(&self) {
        self.devices.send_modify(|n| *n += 1);
    }

    pub fn watch_devices(&self) -> watch::Receiver<u64> {
        self.devices.subscribe()
    }
}

#[derive(Debug)]
pub enum SendError {
    Live(LiveError),
    Store(StoreError),
    /// Other writers kept winning the race for the next number.
    Busy,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::Live(e) => write!(f, "{e}"),
            SendError::Store(_) => write!(f, "Lỗi hệ thống khi lưu thao tác, vui lòng thử lại"),
            SendError::Busy => write!(f, "Hệ thống đang bận, vui lòng thử lại"),
        }
    }
}

pub struct Hub {
    db: Db,
    rooms: Mutex<HashMap<String, Arc<Room>>>,
}

impl Hub {
    pub fn new(db: Db) -> Hub {
        Hub {
            db,
            rooms: Mutex::new(HashMap::new()),
        }
    }

    /// The room of a final, loaded from the database on first use; if the
    /// stored log has moved on (another instance wrote), it catches up.
    pub async fn room(&self, final_id: &str) -> Result<Arc<Room>, StoreError> {
        let mut rooms = self.rooms.lock().await;
        if let Some(room) = rooms.get(final_id).cloned() {
            drop(rooms);
            self.catch_up(&room).await?;
            return Ok(room);
        }
        let rec = finals::get_one(&self.db, final_id).await?;
        let events = finals::events(&self.db, final_id).await?;
        let state = replay(&rec.program, &events);
        let (tx, _) = watch::channel(Arc::new(state.without_log()));
        let room = Arc::new(Room {
            id: rec.id,
            name: rec.name,
            join_code: rec.join_code,
            program: rec.program,
            state: Mutex::new(state),
            tx,
            audience: Default::default(),
            devices: watch::channel(0).0,
            audience_screens: AtomicUsize::new(0),
        });
        rooms.insert(final_id.to_string(), room.clone());
        Ok(room)
    }

    /// Brings a room up to the stored log: events another instance wrote
    /// are applied in order and published to this instance's screens.
    async fn catch_up(&self, room: &Room) -> Result<(), StoreError> {
        let mut state = room.state.lock().await;
        let stored = finals::last_seq(&self.db, &room.id).await?;
        let mine = state.last_seq();
        if stored > mine {
            for e in finals::events_after(&self.db, &room.id, mine).await? {
                state.apply(&room.program, e);
            }
            room.tx.send_replace(Arc::new(state.without_log()));
        } else if stored < mine {
            // Never expected: the log is append-only. Trust the database.
            *state = replay(&room.program, &finals::events(&self.db, &room.id).await?);
            room.tx.send_replace(Arc::new(state.without_log()));
        }
        Ok(())
    }

    /// Screens connected per loaded final, for metrics.
    pub async fn sockets(&self) -> Vec<(String, usize)> {
        self.rooms
            .lock()
            .await
            .values()
            .map(|r| (r.id.clone(), r.screens()))
            .collect()
    }

    /// A room already loaded here, if any.
    async fn loaded(&self, final_id: &str) -> Option<Arc<Room>> {
        self.rooms.lock().await.get(final_id).cloned()
    }

    /// Keeps this instance's rooms in step with other instances: on
    /// PostgreSQL, every append is announced with NOTIFY and applied here at
    /// once; on both backends, rooms with screens are also checked every
    /// `poll`, which covers SQLite and any notification missed while the
    /// listening connection was down.
    pub fn follow(self: &Arc<Self>, poll: std::time::Duration) {
        let hub = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let rooms: Vec<Arc<Room>> = hub
                    .rooms
                    .lock()
                    .await
                    .values()
                    .filter(|r| r.screens() > 0)
                    .cloned()
                    .collect();
                for room in rooms {
                    if let Err(e) = hub.catch_up(&room).await {
                        tracing::warn!(error = %e, final_id = %room.id, "catching up a live room");
                    }
                }
            }
        });
        if self.db.backend == crate::store::Backend::Postgres {
            let hub = self.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = hub.listen().await {
                        tracing::warn!(error = %e, "live notifications stopped; reconnecting");
                    }
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            });
        }
    }

    async fn listen(&self) -> Result<(), sqlx::Error> {
        let mut listener = sqlx::postgres::PgListener::connect(&self.db.url).await?;
        listener.listen(finals::LIVE_CHANNEL).await?;
        loop {
            let n = listener.recv().await?;
            let Some((final_id, seq)) = n.payload().rsplit_once(':') else {
                continue;
            };
            let Ok(seq) = seq.parse::<u64>() else {
                continue;
            };
            if let Some(room) = self.loaded(final_id).await {
                if room.snapshot().last_seq() < seq {
                    if let Err(e) = self.catch_up(&room).await {
                        tracing::warn!(error = %e, final_id, "applying a notified event");
                    }
                }
            }
        }
    }

    /// Decides `cmd` for `actor`, stores the events, then publishes the new
    /// state, and returns the number of its last event. `arrived` is the server's clock when the command came in: the
    /// order of arrival is the order commands are decided in.
    pub async fn send(
        &self,
        room: &Room,
        actor: Actor,
        cmd: Command,
        arrived: i64,
    ) -> Result<u64, SendError> {
        let mut state = room.state.lock().await;
        for _ in 0..5 {
            // Never before the last stored event, so times only go forward.
            let now = arrived.max(state.log.last().map(|e| e.at).unwrap_or(i64::MIN));
            let kinds =
                decide(&room.program, &state, actor, cmd.clone(), now).map_err(SendError::Live)?;
            let first = state.last_seq() + 1;
            let events: Vec<Event> = kinds
                .into_iter()
                .enumerate()
                .map(|(i, kind)| Event {
                    seq: first + i as u64,
                    at: now,
                    kind,
                })
                .collect();
            match finals::append(&self.db, &room.id, actor, &events).await {
                Ok(()) => {
                    for e in events {
                        state.apply(&room.program, e);
                    }
                    room.tx.send_replace(Arc::new(state.without_log()));
                    return Ok(state.last_seq());
                }
                Err(AppendError::Conflict) => {
                    // Another instance wrote first: rebuild and decide again.
                    *state = replay(
                        &room.program,
                        &finals::events(&self.db, &room.id)
                            .await
                            .map_err(SendError::Store)?,
                    );
                    room.tx.send_replace(Arc::new(state.without_log()));
                }
                Err(AppendError::Store(e)) => return Err(SendError::Store(e)),
            }
        }
        Err(SendError::Busy)
    }
}
