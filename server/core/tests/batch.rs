//! Group commit (`store::batch`): many writers at once, each answered only
//! with its own outcome; a failing write does not take its batch with it.

mod common;

use hoithi_core::store::batch::{Arg, Stmt};
use hoithi_core::store::StoreError;

fn unit(code: &str) -> Vec<Stmt> {
    vec![Stmt::new(
        "INSERT INTO units (id, code, name, kind) VALUES ($1, $2, $3, 'chi-bo')",
        vec![
            Arg::from(hoithi_core::store::new_id()),
            Arg::from(code),
            Arg::from(format!("Chi bộ {code}")),
        ],
    )]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_commit_together_and_fail_alone() {
    let db = common::fresh_db("batch").await;
    db.write(unit("TRUNG")).await.unwrap();
    // 300 writers at once; every 50th reuses a code that is already taken.
    let tasks: Vec<_> = (0..300)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                let code = if i % 50 == 7 {
                    "TRUNG".to_string()
                } else {
                    format!("CB{i:03}")
                };
                (i, db.write(unit(&code)).await)
            })
        })
        .collect();
    let mut failed = Vec::new();
    for t in tasks {
        let (i, r) = t.await.unwrap();
        match r {
            Ok(changed) => assert_eq!(changed, vec![1], "writer {i}"),
            Err(StoreError::Sql(_)) => failed.push(i),
            Err(e) => panic!("writer {i}: {e}"),
        }
    }
    assert_eq!(
        failed,
        vec![7, 57, 107, 157, 207, 257],
        "only the duplicates fail"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1 + 300 - 6, "every acknowledged write is stored");
}

#[tokio::test]
async fn a_write_is_all_or_nothing() {
    let db = common::fresh_db("batch_atomic").await;
    let mut w = unit("A1");
    w.extend(unit("A1"));
    assert!(db.write(w).await.is_err());
    // Rows changed per statement come back in order.
    let mut w = unit("B1");
    w.push(Stmt::new(
        "UPDATE units SET headcount = $1 WHERE code LIKE $2",
        vec![Arg::Int(5), Arg::from("B%")],
    ));
    assert_eq!(db.write(w).await.unwrap(), vec![1, 1]);
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM units ORDER BY code")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        codes,
        vec!["B1".to_string()],
        "the failed write left nothing"
    );
}

/// The log reaches the database file while writes go on, without waiting
/// for SQLite's 10,000-page threshold: a copy of the file alone (no log
/// beside it) holds what was written a second before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_checkpointed_while_writes_go_on() {
    let db = common::fresh_db("checkpoint").await;
    if db.backend != hoithi_core::store::Backend::Sqlite {
        return;
    }
    let path = db.url.trim_start_matches("sqlite://").split('?').next().unwrap().to_string();
    db.write(unit("SOMOT")).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let mut found = false;
    for i in 0..50 {
        // Each write after a second of writes asks for a checkpoint.
        db.write(unit(&format!("SAU{i:02}"))).await.unwrap();
        let copy = std::env::temp_dir().join(format!("hoithi-ckpt-{}-{i}.db", std::process::id()));
        std::fs::copy(&path, &copy).unwrap();
        let n: rusqlite::Result<i64> = rusqlite::Connection::open(&copy)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM units WHERE code = 'SOMOT'", [], |r| r.get(0)));
        for f in [copy.clone(), copy.with_extension("db-wal"), copy.with_extension("db-shm")] {
            let _ = std::fs::remove_file(f);
        }
        if n.ok() == Some(1) {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "the first write never reached the database file");
}
