//! A fresh database per test: PostgreSQL when `HOITHI_TEST_POSTGRES` holds a
//! maintenance URL (the test command's second pass), else a SQLite file.

use hoithi_core::store::{now_ms, Db};

pub async fn fresh_db(label: &str) -> Db {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    match std::env::var("HOITHI_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("hoithi_core_{label}_{}_{n}", std::process::id());
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("PostgreSQL for tests");
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&pool)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .unwrap();
            let (base, _) = admin.rsplit_once('/').unwrap();
            Db::connect(&format!("{base}/{name}")).await.unwrap()
        }
        _ => {
            let dir = std::env::temp_dir().join("hoithi-core-tests");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!(
                "{label}-{}-{}-{n}.db",
                std::process::id(),
                now_ms()
            ));
            Db::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap()
        }
    }
}
