//! Group commit for SQLite's single writer.
//!
//! SQLite runs one write transaction at a time, and each commit costs a WAL
//! write of every page it touched plus a hand-off to sqlx's worker thread per
//! statement. Under a start storm that serial cost (about 1.4 ms a start) was
//! the ceiling. Hot writes (starting an attempt, saving an answer) are
//! therefore queued here as plain data; one task takes everything pending,
//! runs it in one transaction and answers each caller only after the commit,
//! so an acknowledged write is a stored write. If any write of a batch fails
//! (say a unique key two starts raced for), the batch is rolled back and each
//! write runs again in its own transaction, so only the failing caller sees
//! the error. PostgreSQL has real concurrent writers: there each write is
//! simply its own transaction.

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

/// Starts the committing task; it ends when every sender is dropped.
pub(crate) fn spawn(pool: AnyPool, turn: Arc<Mutex<()>>) -> Queue {
    let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        let mut jobs: Vec<Job> = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
            // Other writers (closing, imports, finals) take the same turn.
            let _turn = turn.lock().await;
            let writes: Vec<&Write> = jobs.iter().map(|j| &j.write).collect();
            match run(&pool, &writes).await {
                Ok(changed) => {
                    for (job, c) in jobs.drain(..).zip(changed) {
                        let _ = job.done.send(Ok(c));
                    }
                }
                Err(e) if jobs.len() == 1 => {
                    let job = jobs.pop().expect("one job");
                    let _ = job.done.send(Err(e));
                }
                Err(_) => {
                    // Find the culprit: each write on its own.
                    for job in jobs.drain(..) {
                        let r = run(&pool, &[&job.write])
                            .await
                            .map(|mut c| c.pop().unwrap_or_default());
                        let _ = job.done.send(r);
                    }
                }
            }
        }
    });
    tx
}

/// Runs `write` through the queue (SQLite) or as its own transaction.
pub(crate) async fn submit(
    pool: &AnyPool,
    queue: Option<&Queue>,
    write: Write,
) -> Result<Changed, sqlx::Error> {
    let Some(queue) = queue else {
        return run(pool, &[&write])
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
async fn run(pool: &AnyPool, writes: &[&Write]) -> Result<Vec<Changed>, sqlx::Error> {
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
