//! SQLite's physical layout where it departs from the portable schema.
//!
//! The migrations are one SQL text for both stores. An attempt's items are
//! inserted twenty at a time by every start and only ever reached through
//! their attempt, so on SQLite they are stored clustered on that key
//! (`WITHOUT ROWID`): one B-tree per item instead of a rowid table plus the
//! primary key's index, which halves the items' share of a start's writes
//! and makes a save's update one descent instead of two. PostgreSQL has no
//! such option and keeps the table as migrated.

use super::Result;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

const COLUMNS: &str = "attempt_id, position, question_id, version, option_order, response, answered_at, correct";

/// `attempt_items` of migration 0002, clustered on its primary key.
const CLUSTERED: &str = "CREATE TABLE attempt_items_clustered (
    attempt_id TEXT NOT NULL REFERENCES attempts(id),
    position BIGINT NOT NULL,
    question_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    option_order TEXT NOT NULL,
    response TEXT,
    answered_at BIGINT,
    correct BIGINT,
    PRIMARY KEY (attempt_id, position),
    FOREIGN KEY (question_id, version) REFERENCES question_versions(question_id, version)
) WITHOUT ROWID";

/// Rebuilds `attempt_items` clustered if it is not yet (once per database,
/// after the migrations), keeping every row. All or nothing.
pub(crate) fn apply(path: &std::path::Path) -> Result<()> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    if clustered(&conn)? {
        return Ok(());
    }
    // With foreign keys on, dropping the old table would check every row
    // of it against its parents; the copy keeps the rows exactly as they
    // were, so there is nothing to check.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another instance may have rebuilt it while this one waited.
    if !clustered(&tx)? {
        tx.execute_batch(&format!(
            "{CLUSTERED};
             INSERT INTO attempt_items_clustered ({COLUMNS}) SELECT {COLUMNS} FROM attempt_items;
             DROP TABLE attempt_items;
             ALTER TABLE attempt_items_clustered RENAME TO attempt_items;"
        ))?;
    }
    tx.commit()?;
    Ok(())
}

/// Whether `attempt_items` is already clustered (or absent, as in a
/// database of another shape, where there is nothing to do).
fn clustered(conn: &Connection) -> Result<bool> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'attempt_items'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(sql.is_none_or(|s| s.contains("WITHOUT ROWID")))
}
