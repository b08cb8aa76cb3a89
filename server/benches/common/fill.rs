//! SQL helpers both server benches fill their databases with: a numbers
//! series `s(i)` in either dialect, and one statement in a write transaction.

#![allow(dead_code)] // each bench uses what it needs

use moa_server::{Backend, Db};

/// A `WITH` clause making `s(i)` the numbers 1 to `n`.
pub fn series(backend: Backend, n: impl std::fmt::Display) -> String {
    match backend {
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        ),
        Backend::Postgres => format!("WITH s(i) AS (SELECT generate_series(1, {n})) "),
    }
}

/// Runs `sql` in a write transaction of its own (panics with the SQL).
pub async fn exec(db: &Db, sql: &str) {
    let mut tx = db.begin_write().await.unwrap();
    sqlx::query(sql)
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
    tx.commit().await.unwrap();
}
