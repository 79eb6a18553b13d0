//! Live finals in the database: the program, the join codes of the screens
//! and the append-only event log.

use super::{get, is_unique_violation, new_id, now_ms, Db, Result, StoreError};
use crate::live::{Actor, Event, EventKind, Program};
use rand::Rng;

#[derive(Clone, Debug, PartialEq)]
pub struct FinalRecord {
    pub id: String,
    pub contest_id: Option<String>,
    pub name: String,
    pub program: Program,
    pub join_code: String,
}

/// Who a code lets in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeRole {
    Host,
    Seat(u32),
    Judge(usize),
}

impl CodeRole {
    pub fn actor(self) -> Actor {
        match self {
            CodeRole::Host => Actor::Host,
            CodeRole::Seat(s) => Actor::Seat(s),
            CodeRole::Judge(j) => Actor::Judge(j),
        }
    }
}

/// 10 characters of 32: 50 bits, beyond guessing at the limiter's pace.
pub const CODE_LEN: usize = 10;
pub const HOST_CODE_LEN: usize = 12;

/// Codes are read aloud and typed on phones: no look-alike characters.
fn code(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn program_json(p: &Program) -> Result<String> {
    serde_json::to_string(p).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Creates a final with a join code, a host code and a code per seat and judge.
pub async fn create(
    db: &Db,
    contest_id: Option<&str>,
    name: &str,
    program: &Program,
) -> Result<String> {
    let problems = program.problems();
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems.join("; ")));
    }
    let id = new_id();
    let mut tx = db.pool.begin().await?;
    sqlx::query("INSERT INTO finals (id, contest_id, name, program, join_code, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(contest_id)
        .bind(name)
        .bind(program_json(program)?)
        .bind(code(CODE_LEN))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    let mut slots: Vec<(&str, i64)> = vec![("host", 0)];
    slots.extend(
        program
            .finalists
            .iter()
            .map(|f| ("seat", i64::from(f.seat))),
    );
    slots.extend((0..program.judges.len()).map(|j| ("judge", j as i64)));
    for (role, slot) in slots {
        sqlx::query("INSERT INTO final_codes (code, final_id, role, slot) VALUES ($1, $2, $3, $4)")
            .bind(code(if role == "host" { HOST_CODE_LEN } else { CODE_LEN }))
            .bind(&id)
            .bind(role)
            .bind(slot)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn get_one(db: &Db, id: &str) -> Result<FinalRecord> {
    let r =
        sqlx::query("SELECT id, contest_id, name, program, join_code FROM finals WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
    let program: String = get(&r, "program")?;
    Ok(FinalRecord {
        id: get(&r, "id")?,
        contest_id: get(&r, "contest_id")?,
        name: get(&r, "name")?,
        program: serde_json::from_str(&program)
            .map_err(|e| StoreError::Corrupt(format!("program: {e}")))?,
        join_code: get(&r, "join_code")?,
    })
}

/// The final and role a screen's code opens.
pub async fn by_code(db: &Db, code: &str) -> Result<(String, CodeRole)> {
    let r = sqlx::query("SELECT final_id, role, slot FROM final_codes WHERE code = $1")
        .bind(code.trim().to_uppercase())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    let role: String = get(&r, "role")?;
    let slot: i64 = get(&r, "slot")?;
    let role = match role.as_str() {
        "host" => CodeRole::Host,
        "seat" => CodeRole::Seat(slot as u32),
        "judge" => CodeRole::Judge(slot as usize),
        other => return Err(StoreError::Corrupt(format!("code role {other}"))),
    };
    Ok((get(&r, "final_id")?, role))
}

/// Every code of a final, for the organizer: (role, slot, code).
pub async fn codes(db: &Db, final_id: &str) -> Result<Vec<(String, i64, String)>> {
    let rows = sqlx::query(
        "SELECT role, slot, code FROM final_codes WHERE final_id = $1 ORDER BY role, slot",
    )
    .bind(final_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| Ok((get(r, "role")?, get(r, "slot")?, get(r, "code")?)))
        .collect()
}

pub async fn events(db: &Db, final_id: &str) -> Result<Vec<Event>> {
    events_after(db, final_id, 0).await
}

/// Appends events atomically. `Conflict` when another writer already used
/// one of the numbers: the caller reloads and decides again.
pub async fn append(
    db: &Db,
    final_id: &str,
    actor: Actor,
    events: &[Event],
) -> std::result::Result<(), AppendError> {
    let actor = serde_json::to_string(&actor)
        .map_err(|e| AppendError::Store(StoreError::Corrupt(e.to_string())))?;
    let mut tx = db
        .pool
        .begin()
        .await
        .map_err(|e| AppendError::Store(e.into()))?;
    for e in events {
        let kind = serde_json::to_string(&e.kind)
            .map_err(|e| AppendError::Store(StoreError::Corrupt(e.to_string())))?;
        let res = sqlx::query(
            "INSERT INTO live_events (final_id, seq, at, actor, kind) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(final_id)
        .bind(e.seq as i64)
        .bind(e.at)
        .bind(&actor)
        .bind(kind)
        .execute(&mut *tx)
        .await;
        match res {
            Err(err) if is_unique_violation(&err) => return Err(AppendError::Conflict),
            Err(err) => return Err(AppendError::Store(err.into())),
            Ok(_) => {}
        }
    }
    // Other instances hear of it on commit (PostgreSQL only; SQLite
    // instances share one machine and poll).
    if db.backend == super::Backend::Postgres {
        let last = events.last().map(|e| e.seq).unwrap_or(0);
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(LIVE_CHANNEL)
            .bind(format!("{final_id}:{last}"))
            .execute(&mut *tx)
            .await
            .map_err(|e| AppendError::Store(e.into()))?;
    }
    tx.commit().await.map_err(|e| {
        if is_unique_violation(&e) {
            AppendError::Conflict
        } else {
            AppendError::Store(e.into())
        }
    })
}

/// The PostgreSQL channel that carries "final_id:seq" after every append.
pub const LIVE_CHANNEL: &str = "hoithi_live";

/// Events after `seq`, in order.
pub async fn events_after(db: &Db, final_id: &str, seq: u64) -> Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT seq, at, kind FROM live_events WHERE final_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(final_id)
    .bind(seq as i64)
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(event_row).collect()
}

fn event_row(r: &sqlx::any::AnyRow) -> Result<Event> {
    let kind: String = get(r, "kind")?;
    Ok(Event {
        seq: get::<i64>(r, "seq")? as u64,
        at: get(r, "at")?,
        kind: serde_json::from_str::<EventKind>(&kind)
            .map_err(|e| StoreError::Corrupt(format!("event: {e}")))?,
    })
}

#[derive(Debug)]
pub enum AppendError {
    Conflict,
    Store(StoreError),
}

/// The number of the last stored event (0 when none).
pub async fn last_seq(db: &Db, final_id: &str) -> Result<u64> {
    let r =
        sqlx::query("SELECT COALESCE(MAX(seq), 0) AS last FROM live_events WHERE final_id = $1")
            .bind(final_id)
            .fetch_one(&db.pool)
            .await?;
    Ok(get::<i64>(&r, "last")? as u64)
}

/// The final a join code opens to the audience.
pub async fn by_join_code(db: &Db, code: &str) -> Result<String> {
    let r = sqlx::query("SELECT id FROM finals WHERE join_code = $1")
        .bind(code.trim().to_uppercase())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&r, "id")
}

#[derive(Clone, Debug, PartialEq)]
pub struct FinalSummary {
    pub id: String,
    pub name: String,
    pub contest_id: Option<String>,
    pub finalists: usize,
    pub segments: usize,
    pub events: i64,
    pub created_at: i64,
}

/// Every final, newest first.
pub async fn list(db: &Db) -> Result<Vec<FinalSummary>> {
    let rows = sqlx::query(
        "SELECT f.id, f.name, f.contest_id, f.program, f.created_at, (SELECT COUNT(*) FROM live_events e WHERE e.final_id = f.id) AS events \
         FROM finals f ORDER BY f.created_at DESC",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let program: String = get(r, "program")?;
            let program: Program = serde_json::from_str(&program)
                .map_err(|e| StoreError::Corrupt(format!("program: {e}")))?;
            Ok(FinalSummary {
                id: get(r, "id")?,
                name: get(r, "name")?,
                contest_id: get(r, "contest_id")?,
                finalists: program.finalists.len(),
                segments: program.segments.len(),
                events: get(r, "events")?,
                created_at: get(r, "created_at")?,
            })
        })
        .collect()
}

/// The log with who sent each event, for the organizer.
pub async fn log(db: &Db, final_id: &str) -> Result<Vec<(Event, Actor)>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, kind FROM live_events WHERE final_id = $1 ORDER BY seq",
    )
    .bind(final_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let actor: String = get(r, "actor")?;
            Ok((
                event_row(r)?,
                serde_json::from_str::<Actor>(&actor)
                    .map_err(|e| StoreError::Corrupt(format!("actor: {e}")))?,
            ))
        })
        .collect()
}

/// What a screen's code opens: a final and the viewer it sees as. Seat,
/// judge and host codes first, then the audience's join code.
pub async fn resolve(db: &Db, code: &str) -> Result<(String, crate::live::Viewer)> {
    use crate::live::Viewer;
    let code = code.trim();
    if code.is_empty() || code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(StoreError::NotFound);
    }
    match by_code(db, code).await {
        Ok((id, _)) if ended(db, &id).await? => Err(StoreError::Invalid(
            "Vòng chung kết đã kết thúc; mã này không còn hiệu lực".into(),
        )),
        Ok((id, role)) => Ok((
            id,
            match role {
                CodeRole::Host => Viewer::Host,
                CodeRole::Seat(s) => Viewer::Seat(s),
                CodeRole::Judge(j) => Viewer::Judge(j),
            },
        )),
        Err(StoreError::NotFound) => Ok((by_join_code(db, code).await?, Viewer::Audience)),
        Err(e) => Err(e),
    }
}

/// Said to a device that opens a seat's or judge's code another device holds.
pub const HELD_ELSEWHERE: &str = "Mã này đang được dùng trên một thiết bị khác. \
Nếu đây là thiết bị của bạn, hãy nhờ người dẫn chương trình giải phóng mã rồi tải lại trang.";

/// The role and slot columns of a seat's or judge's code.
fn slot_of(who: Actor) -> Option<(&'static str, i64)> {
    match who {
        Actor::Host => None,
        Actor::Seat(s) => Some(("seat", i64::from(s))),
        Actor::Judge(j) => Some(("judge", j as i64)),
    }
}

/// What is stored of a device: a hash of its cookie, so the database alone
/// does not let anyone act as that device.
pub fn device_hash(cookie: &str) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(cookie.as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The device (cookie hash) holding a seat's or judge's code, if any.
async fn holder(db: &Db, final_id: &str, role: &str, slot: i64) -> Result<Option<String>> {
    let r = sqlx::query("SELECT device FROM final_codes WHERE final_id = $1 AND role = $2 AND slot = $3")
        .bind(final_id)
        .bind(role)
        .bind(slot)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    get(&r, "device")
}

/// Whether a seat's or judge's code may be opened by `device` (a cookie
/// hash): it is free or held by that device. The host's code is not bound.
pub async fn may_use(db: &Db, final_id: &str, who: Actor, device: Option<&str>) -> Result<bool> {
    let Some((role, slot)) = slot_of(who) else {
        return Ok(true);
    };
    Ok(match holder(db, final_id, role, slot).await? {
        None => true,
        Some(held) => device == Some(held.as_str()),
    })
}

/// Whether `device` holds a seat's or judge's code now: a screen acts only
/// while it does (a released code is free, but not this device's).
pub async fn held_by(db: &Db, final_id: &str, who: Actor, device: Option<&str>) -> Result<bool> {
    let Some((role, slot)) = slot_of(who) else {
        return Ok(true);
    };
    Ok(holder(db, final_id, role, slot).await?.is_some_and(|held| device == Some(held.as_str())))
}

/// Binds a seat's or judge's code to `device` if it is free; true when the
/// code is (now) held by that device. One statement, so two devices racing
/// for a free code cannot both win.
pub async fn bind(
    db: &Db,
    final_id: &str,
    who: Actor,
    device: &str,
    label: &str,
    now: i64,
) -> Result<bool> {
    let Some((role, slot)) = slot_of(who) else {
        return Ok(true);
    };
    sqlx::query(
        "UPDATE final_codes SET device = $1, bound_at = $2, device_label = $3 \
         WHERE final_id = $4 AND role = $5 AND slot = $6 AND device IS NULL",
    )
    .bind(device)
    .bind(now)
    .bind(label)
    .bind(final_id)
    .bind(role)
    .bind(slot)
    .execute(&db.pool)
    .await?;
    held_by(db, final_id, who, Some(device)).await
}

/// Frees a seat's or judge's code: the next device to open it takes it.
pub async fn release(db: &Db, final_id: &str, who: Actor) -> Result<()> {
    let Some((role, slot)) = slot_of(who) else {
        return Err(StoreError::Invalid("Mã của người dẫn chương trình không gắn với thiết bị".into()));
    };
    let n = sqlx::query(
        "UPDATE final_codes SET device = NULL, bound_at = NULL, device_label = NULL \
         WHERE final_id = $1 AND role = $2 AND slot = $3",
    )
    .bind(final_id)
    .bind(role)
    .bind(slot)
    .execute(&db.pool)
    .await?;
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Gives a judge's place a new code and frees its device: the old code
/// (and whoever held it) opens nothing any more. Returns the new code.
pub async fn renew_judge_code(db: &Db, final_id: &str, judge: usize) -> Result<String> {
    let fresh = code(CODE_LEN);
    let n = sqlx::query(
        "UPDATE final_codes SET code = $1, device = NULL, bound_at = NULL, device_label = NULL \
         WHERE final_id = $2 AND role = 'judge' AND slot = $3",
    )
    .bind(&fresh)
    .bind(final_id)
    .bind(judge as i64)
    .execute(&db.pool)
    .await?;
    if n.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(fresh)
}

/// Who holds each seat's and judge's code, seats first.
pub async fn devices(db: &Db, final_id: &str) -> Result<Vec<crate::live::wire::DeviceView>> {
    let rows = sqlx::query(
        "SELECT role, slot, bound_at, device_label FROM final_codes \
         WHERE final_id = $1 AND role <> 'host' ORDER BY role DESC, slot",
    )
    .bind(final_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let role: String = get(r, "role")?;
            let slot: i64 = get(r, "slot")?;
            Ok(crate::live::wire::DeviceView {
                who: if role == "seat" {
                    Actor::Seat(slot as u32)
                } else {
                    Actor::Judge(slot as usize)
                },
                bound_at: get(r, "bound_at")?,
                label: get::<Option<String>>(r, "device_label")?.unwrap_or_default(),
            })
        })
        .collect()
}

async fn ended(db: &Db, final_id: &str) -> Result<bool> {
    let r = sqlx::query("SELECT ended_at FROM finals WHERE id = $1")
        .bind(final_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(get::<Option<i64>>(&r, "ended_at")?.is_some())
}

/// Ends a final: its host, seat and judge codes stop working; the audience's
/// join code keeps showing the final scoreboard.
pub async fn end(db: &Db, final_id: &str, now: i64) -> Result<()> {
    let n = sqlx::query("UPDATE finals SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(final_id)
        .execute(&db.pool)
        .await?;
    if n.rows_affected() == 0 {
        get_one(db, final_id).await?;
    }
    Ok(())
}
