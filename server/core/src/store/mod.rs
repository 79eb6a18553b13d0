//! Storage on SQLite (embedded default) or PostgreSQL through sqlx's `Any`
//! driver: one portable SQL dialect (`$n` parameters in order, TEXT ids,
//! BIGINT times), so switching is a `DATABASE_URL` change.

pub mod accommodations;
pub mod answers;
pub mod attempts;
pub mod audit;
pub mod batch;
pub mod certificates;
pub mod contests;
pub mod demo;
pub mod exposure;
mod layout;
pub mod finished;
pub mod fairplay;
pub mod finals;
pub mod grants;
pub mod hot;
mod lite;
mod pgcopy;
pub mod questions;
pub mod results;
pub mod rounds;
pub mod participation;
pub mod seed;
pub mod sessions;
pub mod units;
pub mod uploads;
pub mod users;

use sqlx::any::{AnyPoolOptions, AnyRow};
pub(crate) use lite::Cols;
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A refusal the user can act on; the message is Vietnamese.
    #[error("{0}")]
    Invalid(String),
    #[error("Không tìm thấy")]
    NotFound,
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// The URL connected to (PostgreSQL's LISTEN needs its own connection).
    pub url: String,
    /// SQLite has one writer at a time; queueing writers here is far
    /// cheaper than letting them spin in SQLite's busy handler.
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite's group-commit queue for hot writes (`batch`); none on PostgreSQL.
    queue: Option<batch::Queue>,
    /// SQLite's reads on the calling thread (`lite`); none on PostgreSQL.
    readers: Option<std::sync::Arc<lite::Readers>>,
    /// The drawable bank, kept while the questions table is unchanged.
    /// Round contexts, open attempts and question versions (`hot`).
    pub(crate) hot: std::sync::Arc<hot::Hot>,
    pub(crate) session_cache: std::sync::Arc<std::sync::Mutex<sessions::Cache>>,
    pub(crate) bank_cache: std::sync::Arc<
        std::sync::Mutex<
            Option<(
                String,
                std::time::Instant,
                std::sync::Arc<Vec<rounds::BankEntry>>,
            )>,
        >,
    >,
    /// Per round, how often each question has been drawn by this instance
    /// (loaded from the attempts on first use): the draw favours the less
    /// drawn. Other instances' draws are missed until a restart; the spread
    /// only needs to be rough.
    pub(crate) exposure: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, exposure::Counts>>>,
    /// Held while a round's exposure is first counted.
    pub(crate) exposure_load: std::sync::Arc<tokio::sync::Mutex<()>>,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.message().contains("UNIQUE")
                || d.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

pub(crate) fn get<T>(row: &AnyRow, col: &str) -> Result<T>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    use sqlx::Row;
    row.try_get::<T, _>(col).map_err(StoreError::from)
}

impl Db {
    /// Connects, creating the SQLite file and folder if needed, and runs the
    /// migrations.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Invalid(format!(
                "DATABASE_URL không được hỗ trợ: {url}"
            )));
        };
        if backend == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or("");
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Invalid(format!(
                            "không tạo được thư mục dữ liệu {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
            }
        }
        let url = if backend == Backend::Sqlite && !url.contains("mode=") {
            format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
        } else {
            url.to_string()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 32 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; busy_timeout
                        // makes writers queue instead of failing.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                            .await?;
                        // A small page cache, as the readers' (`lite::open`):
                        // the writer's commits empty it between reads anyway.
                        conn.execute(lite::SMALL_CACHE).await?;
                        conn.execute(batch::CHECKPOINT_EVERY).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        if backend == Backend::Sqlite {
            let path = sqlite_path(&url)?;
            tokio::task::spawn_blocking(move || layout::apply(&path))
                .await
                .map_err(|e| StoreError::Corrupt(format!("SQLite layout stopped: {e}")))??;
        }
        let writer: std::sync::Arc<tokio::sync::Mutex<()>> = Default::default();
        let (queue, readers) = match backend {
            Backend::Sqlite => {
                let path = sqlite_path(&url)?;
                let queue = batch::spawn(&path, writer.clone())?;
                (Some(queue), Some(std::sync::Arc::new(lite::Readers::new(path))))
            }
            Backend::Postgres => (None, None),
        };
        Ok(Db {
            pool,
            backend,
            url,
            writer,
            queue,
            readers,
            hot: Default::default(),
            session_cache: Default::default(),
            bank_cache: Default::default(),
            exposure: Default::default(),
            exposure_load: Default::default(),
        })
    }

    /// SQLite's readers on the calling thread; `None` on PostgreSQL, where
    /// the pool's connections are the way to the server.
    pub(crate) fn readers(&self) -> Option<&lite::Readers> {
        self.readers.as_deref()
    }

    /// Held around a write on SQLite (none needed on PostgreSQL).
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    /// Commits `write` (with others pending on SQLite); the rows each of its
    /// statements changed. Returns only once the write is stored.
    pub async fn write(&self, write: batch::Write) -> Result<batch::Changed> {
        Ok(batch::submit(&self.pool, self.queue.as_ref(), write).await?)
    }

    pub async fn healthy(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// The file a `sqlite:` URL names.
pub(crate) fn sqlite_path(url: &str) -> Result<std::path::PathBuf> {
    use std::str::FromStr;
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
    Ok(options.get_filename().to_path_buf())
}

/// An online backup of a SQLite database into a new file (`VACUUM INTO`:
/// one consistent snapshot, writers keep going). Returns its size.
pub async fn backup(db: &Db, path: &std::path::Path) -> Result<u64> {
    if db.backend != Backend::Sqlite {
        return Err(StoreError::Invalid(
            "Sao lưu trực tiếp chỉ dành cho SQLite; với PostgreSQL hãy dùng pg_dump".into(),
        ));
    }
    if path.exists() {
        return Err(StoreError::Invalid(format!(
            "Tệp {} đã có; hãy chọn tên khác",
            path.display()
        )));
    }
    let target = path
        .to_str()
        .ok_or_else(|| StoreError::Invalid("Đường dẫn không hợp lệ".into()))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&db.pool)
        .await?;
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| StoreError::Invalid(format!("Không đọc được tệp sao lưu: {e}")))
}
