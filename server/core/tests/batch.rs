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
