//! A round's finished attempts with who took them: what every ranking,
//! result page and report of a round is built on.
//!
//! A round can hold a million attempts, so how they are read decides how
//! long a cold ranking takes. On SQLite a plain synchronous connection on a
//! blocking thread steps through the covering index `attempts_ranking`
//! (sqlx hands every row across its worker thread, and packing them into
//! text in SQL costs SQLite more than the scan itself), then finds who the
//! people are in one pass over the accounts (a join per person costs more
//! than reading every account). On PostgreSQL the same two reads come as
//! binary `COPY` streams parsed as they arrive (`pgcopy`): sqlx's decoding
//! of a million rows, or the database packing them into text, cost more
//! than the reading.

use super::{sqlite_path, Backend, Db, Result, StoreError};
use crate::round::ranking::Outcome;
use crate::round::{self as rules};
use std::collections::HashMap;
use std::sync::Arc;

/// Who took an attempt; shared by all of that person's attempts.
#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub user_id: String,
    pub full_name: String,
    pub login: String,
    pub unit_id: Option<String>,
    pub unit_name: Option<String>,
    pub position: String,
}

/// A finished attempt with who took it, for rankings and dashboards.
#[derive(Clone, Debug)]
pub struct Finished {
    pub outcome: Outcome,
    pub person: Arc<Person>,
}

/// One person's graded attempts, as (seq, outcome) in the order taken.
type Taken = (Arc<Person>, Vec<(i64, Outcome)>);

/// The attempts as both stores read them: by person, then as taken.
type Grouped = Vec<(String, Vec<(i64, Outcome)>)>;

/// A round's graded attempts in the covering index's order; `{round}` is
/// the round's placeholder or literal.
const ATTEMPTS: &str = "SELECT user_id, seq, started_at, deadline, finished_at, total, score, prediction \
     FROM attempts WHERE round_id = {round} AND finished_at IS NOT NULL AND score IS NOT NULL \
     ORDER BY user_id, seq";

/// Who the people are, with their unit's name.
const PERSON: &str = "SELECT u.id, u.full_name, u.login, u.unit_id, u.position, n.name \
     FROM users u LEFT JOIN units n ON n.id = u.unit_id";

/// Adds one attempt read in index order to its person's group.
fn add_attempt(taken: &mut Grouped, user: &str, one: (i64, Outcome)) {
    match taken.last_mut() {
        Some((u, mine)) if u == user => mine.push(one),
        _ => {
            // Most people take a few attempts: one allocation for them.
            let mut mine = Vec::with_capacity(4);
            mine.push(one);
            taken.push((user.to_string(), mine));
        }
    }
}

/// Whether one pass over every account is cheaper than finding the
/// round's people one by one.
fn read_every_account(people: usize, accounts: i64, scan_below: i64) -> bool {
    (people as i64).saturating_mul(scan_below) >= accounts
}

/// Each person's attempts with who they are. A missing person cannot
/// happen with the foreign key; if it did, their attempts are left out
/// rather than shown under no one.
fn with_people(people: Vec<Option<Arc<Person>>>, taken: Grouped) -> Vec<Taken> {
    people
        .into_iter()
        .zip(taken)
        .filter_map(|(p, (_, mine))| p.map(|p| (p, mine)))
        .collect()
}

/// A round's finished attempts, grouped by person in the order taken.
/// Disqualified people and attempts are left out.
pub async fn finished(db: &Db, round_id: &str) -> Result<Vec<Finished>> {
    let taken = match db.backend {
        Backend::Sqlite => {
            let path = sqlite_path(&db.url)?;
            let round = round_id.to_string();
            tokio::task::spawn_blocking(move || read_sqlite(&path, &round))
                .await
                .map_err(|e| StoreError::Corrupt(format!("ranking read stopped: {e}")))??
        }
        Backend::Postgres => read_postgres(db, round_id).await?,
    };
    let excluded = super::fairplay::excluded(db, round_id).await?;
    let mut out = Vec::with_capacity(taken.len() * 4);
    for (person, mut mine) in taken {
        if excluded.people.contains(&person.user_id) {
            continue;
        }
        if !excluded.attempts.is_empty() {
            mine.retain(|(seq, _)| !excluded.attempts.contains(&(person.user_id.clone(), *seq)));
        }
        mine.sort_unstable_by_key(|(seq, _)| *seq);
        out.extend(mine.into_iter().map(|(_, outcome)| Finished {
            outcome,
            person: person.clone(),
        }));
    }
    Ok(out)
}

fn outcome(started: i64, deadline: i64, finished: i64, total: i64, score: i64, prediction: Option<i64>) -> Outcome {
    Outcome {
        score: score.clamp(0, u32::MAX as i64) as u32,
        total: total.clamp(0, u32::MAX as i64) as u32,
        prediction,
        time_ms: rules::time_taken(started, finished, deadline),
        submitted_at: finished,
    }
}

/// Below one person of the round per this many accounts, people are looked
/// up one by one; above it one pass over the accounts is cheaper (a point
/// lookup costs about twenty rows of a scan).
const SCAN_USERS_BELOW: i64 = 16;

/// All statements read one snapshot (one read transaction), so a person and
/// their attempts always agree even while attempts close.
fn read_sqlite(path: &std::path::Path, round_id: &str) -> Result<Vec<Taken>> {
    read_sqlite_with(path, round_id, SCAN_USERS_BELOW)
}

pub(crate) fn read_sqlite_with(path: &std::path::Path, round_id: &str, scan_below: i64) -> Result<Vec<Taken>> {
    use rusqlite::OptionalExtension;
    // A connection of its own: the read transaction spans several statements.
    let conn = super::lite::open(path)?;
    conn.execute_batch("BEGIN")?;
    let mut taken = Grouped::new();
    {
        let mut st = conn.prepare(&ATTEMPTS.replace("{round}", "?1"))?;
        let mut rows = st.query([round_id])?;
        while let Some(r) = rows.next()? {
            let user = r.get_ref(0).and_then(|v| Ok(v.as_str()?))?;
            let n = |k: usize| -> Result<i64> { Ok(r.get::<_, i64>(k)?) };
            let prediction: Option<i64> = r.get(7)?;
            add_attempt(&mut taken, user, (n(1)?, outcome(n(2)?, n(3)?, n(4)?, n(5)?, n(6)?, prediction)));
        }
    }
    // Who they are.
    let person = |r: &rusqlite::Row| -> rusqlite::Result<Arc<Person>> {
        Ok(Arc::new(Person {
            user_id: r.get(0)?,
            full_name: r.get(1)?,
            login: r.get(2)?,
            unit_id: r.get(3)?,
            position: r.get(4)?,
            unit_name: r.get(5)?,
        }))
    };
    let accounts: i64 = conn
        .query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
    let mut people: Vec<Option<Arc<Person>>> = vec![None; taken.len()];
    if read_every_account(taken.len(), accounts, scan_below) {
        let index = ById::new(taken.iter().map(|(u, _)| u.as_str()));
        let mut st = conn.prepare(PERSON)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id = r.get_ref(0).and_then(|v| Ok(v.as_str()?))?;
            if let Some(i) = index.get(id) {
                people[i] = Some(person(r)?);
            }
        }
    } else {
        let mut st = conn
            .prepare(&format!("{PERSON} WHERE u.id = ?1"))?;
        for (slot, (user, _)) in people.iter_mut().zip(&taken) {
            *slot = st.query_row([user], person).optional()?;
        }
    }
    conn.execute_batch("COMMIT")?;
    Ok(with_people(people, taken))
}

/// Positions by account id, for matching a quarter of a million accounts
/// to the round's people. Ids are lowercase UUIDs (`new_id`): kept as their
/// 128-bit value, a look-up compares in the table instead of following a
/// pointer to each id's text, which was most of its cost. Any other id
/// (none is made today) is kept as text. The ids are the server's own, so a
/// fast hash needs no guard against chosen collisions.
struct ById<'a> {
    uuid: HashMap<u128, usize, foldhash::fast::RandomState>,
    text: HashMap<&'a str, usize, foldhash::fast::RandomState>,
}

impl<'a> ById<'a> {
    fn new(ids: impl ExactSizeIterator<Item = &'a str>) -> ById<'a> {
        let mut index = ById {
            uuid: HashMap::with_capacity_and_hasher(ids.len(), Default::default()),
            text: HashMap::default(),
        };
        for (i, id) in ids.enumerate() {
            match uuid_key(id) {
                Some(k) => index.uuid.insert(k, i),
                None => index.text.insert(id, i),
            };
        }
        index
    }

    fn get(&self, id: &str) -> Option<usize> {
        match uuid_key(id) {
            Some(k) => self.uuid.get(&k).copied(),
            None => self.text.get(id).copied(),
        }
    }
}

/// The UUID an id spells, when it spells one in exactly one way (hyphenated,
/// lowercase), so no two ids share a key.
fn uuid_key(id: &str) -> Option<u128> {
    if id.len() != 36 || id.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    uuid::Uuid::try_parse(id).ok().map(|u| u.as_u128())
}

/// On PostgreSQL the attempts and then their people come as two binary
/// `COPY` streams read in one snapshot (a read-only repeatable-read
/// transaction) on a connection of the ranking's own, parsed as they
/// arrive (`pgcopy`). The attempts come in the covering index's order, so
/// PostgreSQL neither sorts nor groups them.
async fn read_postgres(db: &Db, round_id: &str) -> Result<Vec<Taken>> {
    use super::pgcopy::{self, int8, int8_or_null, text, text_or_null};
    use sqlx::{Connection, Executor};
    // A round id is one the store made; anything else names no round.
    let round = pgcopy::id_literal(round_id).ok_or(StoreError::NotFound)?;
    let mut conn = sqlx::PgConnection::connect(&db.url).await?;
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
    let mut taken = Grouped::new();
    copy(
        &mut conn,
        &format!("COPY ({}) TO STDOUT (FORMAT binary)", ATTEMPTS.replace("{round}", &round)),
        &mut |f| {
            let [user, seq, started, deadline, finished, total, score, prediction] = f else {
                return Err(StoreError::Corrupt("ranking read: attempt columns".into()));
            };
            let one = (
                int8(*seq)?,
                outcome(int8(*started)?, int8(*deadline)?, int8(*finished)?, int8(*total)?, int8(*score)?, int8_or_null(*prediction)?),
            );
            add_attempt(&mut taken, text(*user)?, one);
            Ok(())
        },
    )
    .await?;
    // Who they are: one pass over the accounts when the round holds many
    // of them (as on SQLite), else only the round's people.
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&mut conn).await?;
    let which = if read_every_account(taken.len(), accounts, SCAN_USERS_BELOW) {
        String::new()
    } else {
        format!(
            " WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = {round} AND a.user_id = u.id \
              AND a.finished_at IS NOT NULL AND a.score IS NOT NULL)"
        )
    };
    let index = ById::new(taken.iter().map(|(u, _)| u.as_str()));
    let mut people: Vec<Option<Arc<Person>>> = vec![None; taken.len()];
    copy(
        &mut conn,
        &format!("COPY ({PERSON}{which}) TO STDOUT (FORMAT binary)"),
        &mut |f| {
            let [id, full_name, login, unit_id, position, unit_name] = f else {
                return Err(StoreError::Corrupt("ranking read: person columns".into()));
            };
            let id = text(*id)?;
            if let Some(i) = index.get(id) {
                people[i] = Some(Arc::new(Person {
                    user_id: id.to_string(),
                    full_name: text(*full_name)?.to_string(),
                    login: text(*login)?.to_string(),
                    unit_id: text_or_null(*unit_id)?.map(str::to_string),
                    position: text(*position)?.to_string(),
                    unit_name: text_or_null(*unit_name)?.map(str::to_string),
                }));
            }
            Ok(())
        },
    )
    .await?;
    drop(index);
    conn.execute("COMMIT").await?;
    let _ = conn.close().await;
    Ok(with_people(people, taken))
}

/// Runs one `COPY … TO STDOUT (FORMAT binary)` and hands each tuple to `each`.
async fn copy(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    each: &mut impl FnMut(&[Option<&[u8]>]) -> Result<()>,
) -> Result<u64> {
    use futures_util::StreamExt;
    let mut stream = conn.copy_out_raw(statement).await?;
    let mut tuples = super::pgcopy::Tuples::default();
    while let Some(chunk) = stream.next().await {
        tuples.feed(&chunk?, each)?;
    }
    tuples.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_whatever_their_form() {
        let lower = "8f14e45f-ceea-467f-a0e6-3f9c2b6d1e2a";
        let upper = "8F14E45F-CEEA-467F-A0E6-3F9C2B6D1E2A";
        let ids = [lower, "demo-contestant-7", upper, "", "8f14e45fceea467fa0e63f9c2b6d1e2a"];
        let index = ById::new(ids.iter().copied());
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(index.get(id), Some(i), "{id}");
        }
        // The same UUID spelled in capitals is another account, not a twin.
        assert_eq!(index.uuid.len(), 1);
        assert_eq!(index.get("8f14e45f-ceea-467f-a0e6-3f9c2b6d1e2b"), None);
        assert_eq!(index.get("demo-contestant-8"), None);
        assert_eq!(uuid_key(lower), Some(0x8f14e45f_ceea_467f_a0e6_3f9c2b6d1e2a));
    }
}
