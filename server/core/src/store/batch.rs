//! Group commit for SQLite's single writer.
//!
//! SQLite runs one write transaction at a time, and each commit costs a WAL
//! write of every page it touched. Under a start storm that serial cost
//! (about 1.4 ms a start) was the ceiling. Hot writes (starting an attempt,
//! saving an answer) are therefore queued here as plain data; one thread
//! takes everything pending, runs it in one transaction and answers each
//! caller only after the commit, so an acknowledged write is a stored
//! write. If any write of a batch fails (say a unique key two starts raced
//! for), the batch is rolled back and each write runs again in its own
//! transaction, so only the failing caller sees the error. PostgreSQL has
//! real concurrent writers: there each write is simply its own transaction.
//!
//! The thread holds a plain SQLite connection (`rusqlite`, the same library
//! sqlx links), not one of the pool's: through sqlx every statement (BEGIN,
//! each write, COMMIT) was a hand-off to its worker thread and back.

use sqlx::{Any, AnyPool};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// Writes per transaction at most: bounds how long one batch holds the
/// writer (and so how long a close or an import waits).
const MAX_BATCH: usize = 256;

/// A bound value.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Int(i64),
    OptText(Option<String>),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<i64> for Arg {
    fn from(n: i64) -> Arg {
        Arg::Int(n)
    }
}
impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Arg {
        Arg::OptText(s)
    }
}

/// One statement with its arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Stmt {
    pub fn new(sql: impl Into<String>, args: Vec<Arg>) -> Stmt {
        Stmt {
            sql: sql.into(),
            args,
        }
    }
}

/// Statements that commit together or not at all.
pub type Write = Vec<Stmt>;

/// Rows changed by each statement of a write.
pub type Changed = Vec<u64>;

pub(crate) struct Job {
    write: Write,
    done: oneshot::Sender<Result<Changed, sqlx::Error>>,
}

pub(crate) type Queue = mpsc::UnboundedSender<Job>;

/// Starts the committing thread on its own connection to the SQLite file at
/// `path`; it ends when every sender is dropped. The thread talks to SQLite
/// directly: through sqlx every statement of a batch (BEGIN, each write,
/// COMMIT) was a hand-off to sqlx's worker thread and back, two context
/// switches each on a busy core; here a batch costs one wake-up of this
/// thread, whatever it holds.
pub(crate) fn spawn(path: &std::path::Path, turn: Arc<Mutex<()>>) -> Result<Queue, sqlx::Error> {
    let conn = open(path).map_err(to_sqlx)?;
    let checkpoints = checkpointer(path)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    std::thread::Builder::new()
        .name("hoithi-writer".into())
        .spawn(move || {
            let mut asked = std::time::Instant::now();
            let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.blocking_recv() {
                jobs.push(first);
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                // Other writers (closing, imports, finals) take the same turn.
                let _turn = turn.blocking_lock();
                let writes: Vec<&Write> = jobs.iter().map(|j| &j.write).collect();
                match run(&conn, &writes) {
                    Ok(changed) => {
                        for (job, c) in jobs.drain(..).zip(changed) {
                            let _ = job.done.send(Ok(c));
                        }
                    }
                    Err(e) if jobs.len() == 1 => {
                        let job = jobs.pop().expect("one job");
                        let _ = job.done.send(Err(to_sqlx(e)));
                    }
                    Err(_) => {
                        // Find the culprit: each write on its own.
                        for job in jobs.drain(..) {
                            let r = run(&conn, &[&job.write])
                                .map(|mut c| c.pop().unwrap_or_default())
                                .map_err(to_sqlx);
                            let _ = job.done.send(r);
                        }
                    }
                }
                // Writes came in: at most once a second, the log is copied
                // back to the file beside the writer, not inside its commits.
                if asked.elapsed() >= CHECKPOINT_PERIOD {
                    asked = std::time::Instant::now();
                    let _ = checkpoints.try_send(());
                }
            }
        })
        .map_err(sqlx::Error::Io)?;
    Ok(tx)
}

/// How often, while writes come in, the checkpointer is asked to run.
const CHECKPOINT_PERIOD: std::time::Duration = std::time::Duration::from_secs(1);

/// A thread with its own connection that copies the WAL back to the
/// database file when asked (`PASSIVE`: only what no reader still needs,
/// never waiting for or blocking the writer). SQLite's automatic checkpoint
/// runs inside the COMMIT that crosses its threshold, so every write of
/// that batch waited for the whole copy and its `fsync`: with the threshold
/// at 10,000 pages, a save's p99 went from 10–26 to 34–58 ms. Here the
/// writer only signals, and the copy shares the core with it instead of
/// holding its callers. The thread ends with the writer (its sender).
fn checkpointer(path: &std::path::Path) -> Result<std::sync::mpsc::SyncSender<()>, sqlx::Error> {
    let conn = open(path).map_err(to_sqlx)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name("hoithi-checkpoint".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL checkpoint");
                }
            }
        })
        .map_err(sqlx::Error::Io)?;
    Ok(tx)
}

/// WAL pages between automatic checkpoints, for every connection that
/// writes. A checkpoint copies each page in the log back to the file and
/// syncs it; at SQLite's default of 1,000 pages (4 MB) a start storm
/// checkpointed several times a second, rewriting the same B-tree pages
/// each time, and checkpoints were a tenth of the storm's samples. The
/// checkpointer (below) now copies the log once a second while writes come
/// in; this threshold is the backstop should it fall behind.
pub(crate) const CHECKPOINT_EVERY: &str = "PRAGMA wal_autocheckpoint = 10000;";

fn open(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // The same settings as the pool's connections (`Db::connect`).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;",
    )?;
    // Only this connection writes the hot rows, so its page cache stays
    // valid between batches (a pool connection's is dropped whenever
    // another connection writes). 8 MiB holds the B-trees' upper levels and
    // the pages a storm appends to; a save's item page that fell out is one
    // read from the OS's file cache. 32 MiB held 15 MB more with no CPU
    // difference that showed (tests/BENCHMARKS.md).
    conn.execute_batch("PRAGMA cache_size = -8192;")?;
    conn.execute_batch(CHECKPOINT_EVERY)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// The writes in one transaction on the writer's connection.
fn run(conn: &rusqlite::Connection, writes: &[&Write]) -> rusqlite::Result<Vec<Changed>> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let done = (|| {
        let mut out = Vec::with_capacity(writes.len());
        for w in writes {
            let mut changed = Vec::with_capacity(w.len());
            for s in w.iter() {
                changed.push(execute(conn, s)? as u64);
            }
            out.push(changed);
        }
        conn.execute_batch("COMMIT")?;
        Ok(out)
    })();
    if done.is_err() && !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
}

fn execute(conn: &rusqlite::Connection, s: &Stmt) -> rusqlite::Result<usize> {
    let mut st = conn.prepare_cached(&s.sql)?;
    bind_lite(&mut st, &s.args)?;
    st.raw_execute()
}

/// Binds `$n` parameters by their number, as sqlx's SQLite driver does (a
/// number may appear more than once in the text).
pub(crate) fn bind_lite(st: &mut rusqlite::Statement<'_>, args: &[Arg]) -> rusqlite::Result<()> {
    for i in 1..=st.parameter_count() {
        let n = st
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let arg = n
            .checked_sub(1)
            .and_then(|k| args.get(k))
            .ok_or(rusqlite::Error::InvalidParameterCount(n, args.len()))?;
        match arg {
            Arg::Text(t) => st.raw_bind_parameter(i, t.as_str())?,
            Arg::Int(v) => st.raw_bind_parameter(i, *v)?,
            Arg::OptText(t) => st.raw_bind_parameter(i, t.as_deref())?,
        }
    }
    Ok(())
}

/// A failed write as the error sqlx would have given, so callers keep one
/// error type (and `is_unique_violation`) on both stores.
pub(crate) fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, message) => sqlx::Error::Database(Box::new(WriteError {
            message: message.unwrap_or_else(|| f.to_string()),
            code: f.extended_code,
        })),
        e => sqlx::Error::Protocol(format!("SQLite: {e}")),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct WriteError {
    message: String,
    code: std::os::raw::c_int,
}

impl sqlx::error::DatabaseError for WriteError {
    fn message(&self) -> &str {
        &self.message
    }
    fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(self.code.to_string().into())
    }
    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }
    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }
    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ErrorKind::UniqueViolation,
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

/// Runs `write` through the queue (SQLite) or as its own transaction.
pub(crate) async fn submit(
    pool: &AnyPool,
    queue: Option<&Queue>,
    write: Write,
) -> Result<Changed, sqlx::Error> {
    let Some(queue) = queue else {
        // One statement is its own transaction: no BEGIN and COMMIT round
        // trips around it.
        if let [one] = write.as_slice() {
            return Ok(vec![bind(one).execute(pool).await?.rows_affected()]);
        }
        return run_pool(pool, &[&write])
            .await
            .map(|mut c| c.pop().unwrap_or_default());
    };
    let (done, answer) = oneshot::channel();
    queue
        .send(Job { write, done })
        .map_err(|_| sqlx::Error::PoolClosed)?;
    answer.await.map_err(|_| sqlx::Error::PoolClosed)?
}

/// The writes in one transaction; the rows each statement changed.
async fn run_pool(pool: &AnyPool, writes: &[&Write]) -> Result<Vec<Changed>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut out = Vec::with_capacity(writes.len());
    for w in writes {
        let mut changed = Vec::with_capacity(w.len());
        for s in w.iter() {
            changed.push(bind(s).execute(&mut *tx).await?.rows_affected());
        }
        out.push(changed);
    }
    tx.commit().await?;
    Ok(out)
}

fn bind(s: &Stmt) -> sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>> {
    let mut q = sqlx::query(&s.sql);
    for a in &s.args {
        q = match a {
            Arg::Text(t) => q.bind(t.as_str()),
            Arg::Int(n) => q.bind(*n),
            Arg::OptText(t) => q.bind(t.as_deref()),
        };
    }
    q
}
