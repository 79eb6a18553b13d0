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

/// Rebuilds `attempt_items` clustered if it is not yet (once per database,
/// after the migrations), keeping every row. All or nothing. The new table
/// is the old one's own definition (as the migrations left it, columns
/// added later included) with `WITHOUT ROWID` after it.
pub(crate) fn apply(path: &std::path::Path) -> Result<()> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    if unclustered(&conn)?.is_none() {
        return Ok(());
    }
    // With foreign keys on, dropping the old table would check every row
    // of it against its parents; the copy keeps the rows exactly as they
    // were, so there is nothing to check.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another instance may have rebuilt it while this one waited.
    if let Some(create) = unclustered(&tx)? {
        let clustered = create.replacen("attempt_items", "attempt_items_clustered", 1);
        tx.execute_batch(&format!(
            "{clustered} WITHOUT ROWID;
             INSERT INTO attempt_items_clustered SELECT * FROM attempt_items;
             DROP TABLE attempt_items;
             ALTER TABLE attempt_items_clustered RENAME TO attempt_items;"
        ))?;
    }
    tx.commit()?;
    Ok(())
}

/// `attempt_items`' definition while it is not clustered yet; `None` once
/// it is (or in a database without it, where there is nothing to do).
fn unclustered(conn: &Connection) -> Result<Option<String>> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'attempt_items'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(sql.filter(|s| !s.contains("WITHOUT ROWID")))
}
