//! The local SQLite database of one account (rusqlite, bundled SQLite).
//!
//! WAL mode, exactly one writer connection and one reader connection, each
//! behind a mutex and used from `spawn_blocking`, so no SQLite call ever runs
//! on the async runtime and no write transaction is held across an await.
//! Functions that write take a `&Transaction`; reads take a `&Connection`.
//! The schema lives in numbered files under `client-core/migrations`, applied
//! in order and tracked with `PRAGMA user_version`.

pub mod chat;
pub mod entities;
pub mod outbox;
pub mod search;
pub mod session;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags, Transaction};

use crate::error::{Error, Result};

/// The schema, one file per version. Never edit a file that has shipped;
/// add the next one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_cache.sql"),
    include_str!("../../migrations/0002_drafts.sql"),
    include_str!("../../migrations/0003_chat.sql"),
    include_str!("../../migrations/0004_lost_answers.sql"),
    include_str!("../../migrations/0005_search.sql"),
    include_str!("../../migrations/0006_search_words.sql"),
    include_str!("../../migrations/0007_order_drafts.sql"),
    include_str!("../../migrations/0008_similar.sql"),
    include_str!("../../migrations/0009_search_title_initials.sql"),
];

/// The database of one account: a writer and a reader.
#[derive(Clone)]
pub struct Store {
    writer: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Applies the migrations `conn` has not seen yet, each in its own
/// transaction together with the new `user_version`.
pub fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |row| {
        row.get::<_, i64>(0)
            .map(|v| usize::try_from(v).unwrap_or(usize::MAX))
    })?;
    if version > migrations.len() {
        return Err(Error::Storage(
            format!(
                "the local database has schema version {version}, newer than this app knows ({}); \
             update the app",
                migrations.len()
            )
            .into(),
        ));
    }
    for (index, sql) in migrations.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

impl Store {
    /// Opens (creating and upgrading as needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        // Keep the WAL bounded: checkpoint every ~1000 pages (SQLite's
        // default, set explicitly because it matters here).
        writer.pragma_update(None, "wal_autocheckpoint", 1000)?;
        migrate(&mut writer, MIGRATIONS)?;
        let tx = writer.transaction()?;
        search::backfill(&tx)?;
        tx.commit()?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&reader)?;
        Ok(Store {
            writer: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
        })
    }

    /// Runs `f` with the reader connection on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            let conn = reader
                .lock()
                .map_err(|_| Error::Storage("the database reader is poisoned".into()))?;
            f(&conn)
        })
        .await?
    }

    /// [`Store::write`], then `after` with `f`'s value on the same thread
    /// once committed. `after` runs even if the caller stops waiting (a
    /// dropped future: a cancelled wait, a connection that ended), so what a
    /// committed change must tell the UI is never lost.
    pub async fn write_then<T, U, F, A>(&self, f: F, after: A) -> Result<U>
    where
        T: Send + 'static,
        U: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
        A: FnOnce(T) -> U + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| Error::Storage("the database writer is poisoned".into()))?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            drop(conn);
            Ok(after(value))
        })
        .await?
    }

    /// Runs `f` in one write transaction on a blocking thread; commits if it
    /// returns `Ok`, rolls back otherwise.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let writer = Arc::clone(&self.writer);
        tokio::task::spawn_blocking(move || {
            let mut conn = writer
                .lock()
                .map_err(|_| Error::Storage("the database writer is poisoned".into()))?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn schema(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn upgrading_every_old_version_gives_the_fresh_schema_and_keeps_data() {
        let dir = tempfile::tempdir().unwrap();
        let fresh = Store::open(&dir.path().join("fresh.db")).unwrap();
        let fresh_schema = schema(&fresh.writer.lock().unwrap());
        for old in 1..MIGRATIONS.len() {
            let path = dir.path().join(format!("v{old}.db"));
            let mut conn = Connection::open(&path).unwrap();
            migrate(&mut conn, &MIGRATIONS[..old]).unwrap();
            conn.execute(
                "INSERT INTO entities (kind, id, data, seq) VALUES ('review', 'r1', '{}', 7)",
                [],
            )
            .unwrap();
            drop(conn);
            let upgraded = Store::open(&path).unwrap();
            let conn = upgraded.writer.lock().unwrap();
            assert_eq!(schema(&conn), fresh_schema, "upgrade from v{old}");
            let seq: i64 = conn
                .query_row("SELECT seq FROM entities WHERE id = 'r1'", [], |r| r.get(0))
                .unwrap();
            assert_eq!(seq, 7);
            let version: i64 = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(version as usize, MIGRATIONS.len());
        }
    }

    #[test]
    fn a_database_from_a_newer_app_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(matches!(err, Error::Storage(m) if m.contains("newer")));
    }

    #[tokio::test]
    async fn a_failed_write_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a.db")).unwrap();
        let result: Result<()> = store
            .write(|tx| {
                tx.execute("INSERT INTO session (key, value) VALUES ('k', 'v')", [])?;
                Err(Error::Storage("boom".into()))
            })
            .await;
        assert!(result.is_err());
        let n: i64 = store
            .read(|c| Ok(c.query_row("SELECT COUNT(*) FROM session", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 0);
    }
}
