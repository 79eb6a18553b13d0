//! SQLite reads on the calling thread, through plain read-only connections.
//!
//! The reads on a round's hot path (whose session a token is, a person's
//! attempts in the contest, an attempt's saved answers) are indexed lookups
//! that cost SQLite a few microseconds. Through sqlx's pool each was a
//! hand-off to the connection's worker thread and back: two context
//! switches on the server's one core, which in a start storm made sqlx's
//! worker a sixth of the server's samples. Here they run where they are
//! asked, on a connection taken from a small idle set; WAL lets them read
//! beside the writer without waiting for it.

use super::batch::{bind_lite, to_sqlx, Arg};
use super::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::Mutex;

/// Idle connections kept for reuse; more are opened under load and dropped.
const KEEP: usize = 8;

pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers").field("path", &self.path).finish()
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Sql(to_sqlx(e))
    }
}

impl Readers {
    pub(crate) fn new(path: PathBuf) -> Readers {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Every row of `sql` (with `$n` parameters, as sqlx takes them), each
    /// decoded by `decode`.
    pub(crate) fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg],
        mut decode: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let taken = self.idle.lock().expect("readers").pop();
        let conn = match taken {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let out = (|| {
            let mut st = conn.prepare_cached(sql)?;
            bind_lite(&mut st, args)?;
            let mut rows = st.raw_query();
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(decode(r)?);
            }
            Ok(out)
        })();
        // A connection that failed is dropped rather than reused.
        if out.is_ok() {
            let mut idle = self.idle.lock().expect("readers");
            if idle.len() < KEEP {
                idle.push(conn);
            }
        }
        out
    }
}

/// The page cache of a connection that only reads the hot rows (see
/// `open`); the pool's connections use it too.
pub(crate) const SMALL_CACHE: &str = "PRAGMA cache_size = -512;";

/// A read-only connection to the SQLite file at `path`.
pub(crate) fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Readers never wait for the writer under WAL; this covers the brief
    // locks of a checkpoint or of opening the log.
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // A read transaction that finds the file changed since the last one
    // empties its connection's page cache, and during a round the writer
    // commits between nearly any two reads: a big cache here holds memory,
    // not pages worth keeping. The OS's file cache serves the rereads.
    conn.execute_batch(SMALL_CACHE)?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// A value both drivers decode, so one decoder reads either's rows.
pub(crate) trait Col:
    Sized + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl<T> Col for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

/// A row of either driver, read by column name.
pub(crate) trait Cols {
    fn col<T: Col>(&self, name: &str) -> Result<T>;
}

impl Cols for sqlx::any::AnyRow {
    fn col<T: Col>(&self, name: &str) -> Result<T> {
        super::get(self, name)
    }
}

impl Cols for rusqlite::Row<'_> {
    fn col<T: Col>(&self, name: &str) -> Result<T> {
        Ok(self.get(name)?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{batch::Arg, sessions, users, Db};
    use crate::model::Role;

    /// The same row read by sqlx and by a reader decodes to the same record,
    /// and a reader sees what was committed a moment before.
    #[tokio::test]
    async fn readers_and_sqlx_decode_the_same_rows() {
        let dir = std::env::temp_dir().join("hoithi-core-tests");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("lite-{}-{}.db", std::process::id(), super::super::now_ms()));
        let db = Db::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        let u = users::create(
            &db,
            users::NewUser {
                login: "0912000111",
                full_name: "Nguyễn Văn Đức",
                password: "mật-khẩu-dài-đủ",
                role: Role::Contestant,
                unit_id: None,
                position: "Chuyên viên",
            },
        )
        .await
        .unwrap();
        let token = sessions::create(&db, &u.id).await.unwrap();
        // Through the reader (not cached yet).
        let read = sessions::user(&db, &token).await.unwrap().expect("session");
        assert_eq!(read, u);
        // The same user row through sqlx.
        let sql = "SELECT u.id, u.login, u.full_name, u.role, u.unit_id, NULL AS unit_name, u.position, u.created_at, \
                   u.bank_keys, u.must_change_password, u.deactivated_at FROM users u WHERE u.id = $1 AND u.login = $2";
        let any = sqlx::query(sql).bind(&u.id).bind(&u.login).fetch_one(&db.pool).await.unwrap();
        let lite = db
            .readers()
            .expect("SQLite readers")
            .rows(sql, &[Arg::from(&u.id), Arg::from(&u.login)], |r| users::from_row(r))
            .unwrap();
        assert_eq!(lite, vec![users::from_row(&any).unwrap()]);
        // A parameter used twice binds by its number.
        let twice = db
            .readers()
            .unwrap()
            .rows("SELECT $1 || '/' || $1 AS x", &[Arg::from("a")], |r| {
                super::Cols::col::<String>(r, "x")
            })
            .unwrap();
        assert_eq!(twice, vec!["a/a".to_string()]);
        let _ = std::fs::remove_file(&path);
    }
}
