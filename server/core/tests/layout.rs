//! SQLite's own layout of the attempt items (clustered on their key), for a
//! new database and for one migrated before it existed.

#![cfg(feature = "store")]

use hoithi_core::store::{now_ms, Db};
use sqlx::Row;

async fn items_sql(db: &Db) -> String {
    sqlx::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'attempt_items'")
        .fetch_one(&db.pool)
        .await
        .unwrap()
        .try_get::<String, _>(0)
        .unwrap()
}

#[tokio::test]
async fn attempt_items_are_clustered_and_an_older_database_keeps_its_rows() {
    let dir = std::env::temp_dir().join("hoithi-core-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!(
        "sqlite://{}",
        dir.join(format!("layout-{}-{}.db", std::process::id(), now_ms())).display()
    );
    let db = Db::connect(&url).await.unwrap();
    assert!(items_sql(&db).await.contains("WITHOUT ROWID"));

    // A database from before: the table as migration 0002 made it, with rows.
    {
        let mut conn = db.pool.acquire().await.unwrap();
        for sql in [
            "PRAGMA foreign_keys = OFF",
            "DROP TABLE attempt_items",
            "CREATE TABLE attempt_items (attempt_id TEXT NOT NULL REFERENCES attempts(id), position BIGINT NOT NULL, \
             question_id TEXT NOT NULL, version BIGINT NOT NULL, option_order TEXT NOT NULL, response TEXT, \
             answered_at BIGINT, correct BIGINT, PRIMARY KEY (attempt_id, position), \
             FOREIGN KEY (question_id, version) REFERENCES question_versions(question_id, version))",
            // A column a later migration might add: the rebuild keeps it.
            "ALTER TABLE attempt_items ADD COLUMN note TEXT",
            "INSERT INTO attempt_items VALUES ('a1', 0, 'q1', 2, '[1,0]', '{\"Choices\":[0]}', 1700000000000, 1, 'kept'), \
             ('a1', 1, 'q2', 1, '[0,1]', NULL, NULL, NULL, NULL)",
            "PRAGMA foreign_keys = ON",
        ] {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
    }
    assert!(!items_sql(&db).await.contains("WITHOUT ROWID"));
    db.pool.close().await;
    drop(db);

    let db = Db::connect(&url).await.unwrap();
    let sql = items_sql(&db).await;
    assert!(sql.contains("WITHOUT ROWID"), "{sql}");
    let rows = sqlx::query(
        "SELECT attempt_id, position, question_id, version, option_order, response, answered_at, correct, note \
         FROM attempt_items ORDER BY position",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2);
    let first = &rows[0];
    assert_eq!(first.try_get::<String, _>(0).unwrap(), "a1");
    assert_eq!(first.try_get::<String, _>(2).unwrap(), "q1");
    assert_eq!(first.try_get::<i64, _>(3).unwrap(), 2);
    assert_eq!(first.try_get::<String, _>(4).unwrap(), "[1,0]");
    assert_eq!(first.try_get::<String, _>(5).unwrap(), "{\"Choices\":[0]}");
    assert_eq!(first.try_get::<i64, _>(6).unwrap(), 1_700_000_000_000);
    assert_eq!(first.try_get::<i64, _>(7).unwrap(), 1);
    assert_eq!(first.try_get::<String, _>(8).unwrap(), "kept");
    assert_eq!(rows[1].try_get::<Option<String>, _>(5).unwrap(), None);
    // The key still holds: a second row at a taken position is refused.
    let mut conn = db.pool.acquire().await.unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await.unwrap();
    let dup = sqlx::query("INSERT INTO attempt_items (attempt_id, position, question_id, version, option_order) VALUES ('a1', 0, 'q3', 1, '[]')")
        .execute(&mut *conn)
        .await;
    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await.unwrap();
    drop(conn);
    let err = dup.unwrap_err().to_string();
    assert!(err.contains("UNIQUE") || err.contains("PRIMARY KEY"), "{err}");
    db.pool.close().await;
    drop(db);

    // Once is enough: the next start leaves it as it is.
    let db = Db::connect(&url).await.unwrap();
    assert_eq!(items_sql(&db).await, sql);
}
