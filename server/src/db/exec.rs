//! One statement interface over two kinds of connection, so the chat send
//! path is written once and runs on either:
//!
//! - sqlx's [`AnyConnection`] (REST, push, PostgreSQL, every other write):
//!   each statement is a round trip to the connection's worker (a thread on
//!   SQLite, the network on PostgreSQL);
//! - a synchronous [`rusqlite::Connection`] owned by the socket writer's
//!   thread on SQLite ([`crate::realtime::writer`]): the same statements run
//!   on the calling thread, so a batch of a dozen statements costs no thread
//!   hops (under load each hop waited for the other thread to be scheduled;
//!   BENCHMARKS.md "Chat latency").
//!
//! Statements use the `$1` parameters both engines accept; the rusqlite side
//! binds them by name, so `$1` may appear anywhere (even after `$2`).
//! Values are the two types the schema uses: text and 64-bit integers.

use std::borrow::Cow;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::error::{Error, Result};

/// A bound value.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Int(i64),
    /// Text, or NULL.
    Text(Option<Cow<'a, str>>),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Some(Cow::Borrowed(s)))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Some(Cow::Borrowed(s.as_str())))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Some(Cow::Owned(s)))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(s: Option<&'a str>) -> Self {
        Arg::Text(s.map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Arg<'_> {
    fn from(s: Option<String>) -> Self {
        Arg::Text(s.map(Cow::Owned))
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Int(n)
    }
}

/// A row read by column position.
pub trait SqlRow {
    fn int(&self, i: usize) -> Result<i64>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>>;
    fn text(&self, i: usize) -> Result<String>;
    fn opt_text(&self, i: usize) -> Result<Option<String>>;
}

/// Runs statements (see the module comment). The futures carry no `Send`
/// bound of their own: they are `Send` exactly when the implementation's
/// are, which holds for both (and the compiler checks it at each use).
#[allow(async_fn_in_trait)]
pub trait Exec {
    type Row: SqlRow;
    /// Runs `sql`; answers the rows it changed.
    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64>;
    /// Runs `sql`; answers every row.
    async fn fetch(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<Self::Row>>;
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_any<'q>(mut query: AnyQuery<'q>, args: &'q [Arg<'_>]) -> AnyQuery<'q> {
    for arg in args {
        query = match arg {
            Arg::Int(n) => query.bind(*n),
            Arg::Text(s) => query.bind(s.as_deref()),
        };
    }
    query
}

impl Exec for AnyConnection {
    type Row = AnyRow;

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let done = bind_any(sqlx::query(sql), args).execute(&mut *self).await?;
        Ok(done.rows_affected())
    }

    async fn fetch(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<AnyRow>> {
        Ok(bind_any(sqlx::query(sql), args)
            .fetch_all(&mut *self)
            .await?)
    }
}

impl SqlRow for AnyRow {
    fn int(&self, i: usize) -> Result<i64> {
        Ok(self.try_get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.try_get(i)?)
    }
    fn text(&self, i: usize) -> Result<String> {
        Ok(self.try_get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.try_get(i)?)
    }
}

/// A row of a [`rusqlite::Connection`], owned (rusqlite's rows borrow
/// their statement).
#[derive(Debug)]
pub struct OwnedRow(Vec<rusqlite::types::Value>);

impl OwnedRow {
    fn get(&self, i: usize) -> Result<&rusqlite::types::Value> {
        self.0
            .get(i)
            .ok_or_else(|| Error::Internal(format!("no column {i} in a row")))
    }
}

fn wrong_type(i: usize, want: &str) -> Error {
    Error::Internal(format!("column {i} is not {want}"))
}

impl SqlRow for OwnedRow {
    fn int(&self, i: usize) -> Result<i64> {
        self.opt_int(i)?.ok_or_else(|| wrong_type(i, "an integer"))
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        use rusqlite::types::Value;
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Integer(n) => Ok(Some(*n)),
            _ => Err(wrong_type(i, "an integer")),
        }
    }
    fn text(&self, i: usize) -> Result<String> {
        self.opt_text(i)?.ok_or_else(|| wrong_type(i, "text"))
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>> {
        use rusqlite::types::Value;
        match self.get(i)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s.clone())),
            _ => Err(wrong_type(i, "text")),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(format!("database: {e}"))
    }
}

/// Binds `args` to `stmt` by their `$n` names (a statement may name a
/// parameter out of order or more than once).
fn bind_named(stmt: &mut rusqlite::CachedStatement<'_>, args: &[Arg<'_>]) -> Result<()> {
    for i in 1..=stmt.parameter_count() {
        let n: usize = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::Internal(format!("parameter {i} is not named $n")))?;
        let arg = args
            .get(n.wrapping_sub(1))
            .ok_or_else(|| Error::Internal(format!("no value for ${n}")))?;
        match arg {
            Arg::Int(v) => stmt.raw_bind_parameter(i, v)?,
            Arg::Text(v) => stmt.raw_bind_parameter(i, v.as_deref())?,
        }
    }
    Ok(())
}

impl Exec for rusqlite::Connection {
    type Row = OwnedRow;

    async fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_named(&mut stmt, args)?;
        Ok(stmt.raw_execute()? as u64)
    }

    async fn fetch(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<OwnedRow>> {
        let mut stmt = self.prepare_cached(sql)?;
        bind_named(&mut stmt, args)?;
        let columns = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..columns)
                .map(|i| row.get::<_, rusqlite::types::Value>(i))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            out.push(OwnedRow(values));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same statements through both kinds of connection give the same
    /// answers, `$n` bound by name whatever their order.
    #[tokio::test]
    async fn both_connections_run_the_same_statements() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.db");
        let mut any = {
            sqlx::any::install_default_drivers();
            sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=rwc", file.display()))
                .await
                .unwrap()
        };
        any.execute("CREATE TABLE t (a TEXT NOT NULL, b BIGINT, c TEXT)", &[])
            .await
            .unwrap();
        let mut sync = rusqlite::Connection::open(&file).unwrap();
        // $1 last: bound by name, not by position.
        let insert = "INSERT INTO t (a, b, c) VALUES ($2, $1, $3), ($4, $1, NULL)";
        let n = Exec::execute(
            &mut sync,
            insert,
            &[Arg::Int(7), "x".into(), Arg::Text(None), "y".into()],
        )
        .await
        .unwrap();
        assert_eq!(n, 2);
        any.execute(
            insert,
            &[Arg::Int(8), "z".into(), "note".into(), "w".into()],
        )
        .await
        .unwrap();
        let select = "SELECT a, b, c FROM t WHERE b >= $1 ORDER BY a";
        let read = |rows: Vec<Box<dyn SqlRowDyn>>| -> Vec<(String, i64, Option<String>)> {
            rows.iter().map(|r| r.tuple()).collect()
        };
        let from_sync = Exec::fetch(&mut sync, select, &[Arg::Int(7)])
            .await
            .unwrap();
        let from_any = any.fetch(select, &[Arg::Int(7)]).await.unwrap();
        let a = read(
            from_sync
                .into_iter()
                .map(|r| Box::new(r) as Box<dyn SqlRowDyn>)
                .collect(),
        );
        let b = read(
            from_any
                .into_iter()
                .map(|r| Box::new(r) as Box<dyn SqlRowDyn>)
                .collect(),
        );
        assert_eq!(a, b);
        assert_eq!(
            a,
            [
                ("w".to_owned(), 8, None),
                ("x".to_owned(), 7, None),
                ("y".to_owned(), 7, None),
                ("z".to_owned(), 8, Some("note".to_owned())),
            ]
        );
        // A missing value is an error, not a NULL.
        assert!(
            Exec::execute(&mut sync, insert, &[Arg::Int(1)])
                .await
                .is_err()
        );
        // Reading a column as the wrong type is an error.
        let rows = Exec::fetch(&mut sync, select, &[Arg::Int(0)])
            .await
            .unwrap();
        assert!(rows[0].int(0).is_err());
        assert!(rows[0].text(1).is_err());
    }

    trait SqlRowDyn {
        fn tuple(&self) -> (String, i64, Option<String>);
    }
    impl<R: SqlRow> SqlRowDyn for R {
        fn tuple(&self) -> (String, i64, Option<String>) {
            (
                self.text(0).unwrap(),
                self.int(1).unwrap(),
                self.opt_text(2).unwrap(),
            )
        }
    }
}
