//! The database: embedded SQLite (default) or PostgreSQL, behind one handle.
//!
//! Queries are written once, in the SQL both engines accept (`$1` parameters,
//! `ON CONFLICT`, `RETURNING`), and run through sqlx's `Any` driver; only the
//! migrations differ per dialect (`migrations/sqlite`, `migrations/postgres`).
//! Ids are text and times are `BIGINT` milliseconds, the types `Any` carries
//! without loss on both engines.
//!
//! SQLite has one writer: [`Db::begin_write`] takes a transaction on a pool
//! of exactly one connection, so writers queue in-process instead of failing
//! with `SQLITE_BUSY`, while reads use a separate read-only pool (WAL mode lets
//! them run during writes). On PostgreSQL both come from one pool.

pub mod batch;
pub mod exec;
pub mod filter;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Transaction};

/// Which engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors opening or migrating the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL (expected postgres://... or sqlite://...): {0}")]
    UnsupportedUrl(String),
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A handle to the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Db {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    /// SQLite: a connection of its own for checkpoints (see [`Db::checkpoint`]).
    checkpointer: Option<AnyPool>,
    /// SQLite: the database file (for [`Db::open_sync_writer`]).
    sqlite_file: Option<std::path::PathBuf>,
    /// Writers waiting in [`Db::begin_write`], so a holder of
    /// [`Db::write_gate`] knows when to let it go.
    demand: std::sync::Arc<Demand>,
}

/// Who is waiting for SQLite's one write connection: counted while they
/// wait, and a wake-up for the gate's holder each time one starts to.
#[derive(Debug, Default)]
struct Demand {
    waiting: std::sync::atomic::AtomicUsize,
    asked: tokio::sync::Notify,
}

/// Counts one waiting writer for as long as it lives.
struct Waiting<'a>(&'a Demand);

impl<'a> Waiting<'a> {
    fn start(demand: &'a Demand) -> Waiting<'a> {
        demand
            .waiting
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        demand.asked.notify_one();
        Waiting(demand)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0
            .waiting
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

impl Db {
    /// Connects to `database_url`, or to `moa.db` in `data_dir` when it is `None`.
    pub async fn connect(database_url: Option<&str>, data_dir: &Path) -> Result<Db, DbError> {
        install_default_drivers();
        match database_url {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .map_err(DbError::Connect)?;
                Ok(Db {
                    backend: Backend::Postgres,
                    read: pool.clone(),
                    write: pool,
                    checkpointer: None,
                    sqlite_file: None,
                    demand: Default::default(),
                })
            }
            Some(url) if url.starts_with("sqlite:") => Self::open_sqlite(url).await,
            Some(url) => Err(DbError::UnsupportedUrl(redact_url(url))),
            None => {
                std::fs::create_dir_all(data_dir).map_err(|source| DbError::DataDir {
                    path: data_dir.display().to_string(),
                    source,
                })?;
                let file = data_dir.join("moa.db");
                Self::open_sqlite(&format!("sqlite://{}", file.display())).await
            }
        }
    }

    async fn open_sqlite(url: &str) -> Result<Db, DbError> {
        let base = url.split('?').next().unwrap_or(url);
        // The single writer creates the file and switches it to WAL first.
        let write = sqlite_pool(1, true)
            .connect(&format!("{base}?mode=rwc"))
            .await;
        let write = write.map_err(DbError::Connect)?;
        let read = sqlite_pool(4, false)
            .connect(&format!("{base}?mode=ro"))
            .await;
        let read = read.map_err(DbError::Connect)?;
        let checkpointer = sqlite_pool(1, false)
            .connect(&format!("{base}?mode=rw"))
            .await
            .map_err(DbError::Connect)?;
        let path = sqlite_file(url);
        Ok(Db {
            backend: Backend::Sqlite,
            read,
            write,
            checkpointer: Some(checkpointer),
            sqlite_file: (!path.as_os_str().is_empty()
                && !path.to_string_lossy().contains(":memory:"))
            .then_some(path),
            demand: Default::default(),
        })
    }

    /// SQLite: a synchronous connection to the database file for a writer
    /// that runs its statements on its own thread (the socket writer, see
    /// [`exec`]), set up as the pool's writer is. `None` on PostgreSQL or
    /// an in-memory database. It must only write while holding
    /// [`Db::write_gate`].
    pub fn open_sync_writer(&self) -> Option<rusqlite::Result<rusqlite::Connection>> {
        let file = self.sqlite_file.as_ref()?;
        Some((|| {
            let conn = rusqlite::Connection::open_with_flags(
                file,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                 PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;",
            )?;
            conn.set_prepared_statement_cache_capacity(64);
            Ok(conn)
        })())
    }

    /// SQLite: the right to write, held by a writer with a connection of
    /// its own ([`Db::open_sync_writer`]): the pool's one write connection,
    /// taken and left unused, so every other writer waits as it would for
    /// a transaction (no `SQLITE_BUSY`, no busy-wait sleeps). Its holder
    /// lets it go when [`Db::gate_wanted`] says another writer waits: taking
    /// it back costs a round trip to sqlx's connection thread (the pool pings
    /// a connection it is given back), so it is not let go on a timer.
    pub async fn write_gate(&self) -> Result<sqlx::pool::PoolConnection<Any>, sqlx::Error> {
        self.write.acquire().await
    }

    /// How many writers wait for the write connection ([`Db::begin_write`]).
    pub fn writers_waiting(&self) -> usize {
        self.demand
            .waiting
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Resolves when a writer has started waiting for the write connection
    /// since this was last resolved (at once if one did meanwhile); check
    /// [`Db::writers_waiting`] then, as that writer may be done already.
    pub async fn gate_wanted(&self) {
        self.demand.asked.notified().await;
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads. On SQLite its connections are read-only.
    pub fn read(&self) -> &AnyPool {
        &self.read
    }

    /// Begins a write transaction. Write transactions are serialised: on
    /// SQLite by its one writer connection, on PostgreSQL (several server
    /// nodes) by a transaction-level advisory lock taken first, so that the
    /// change log's sequence numbers commit in order. Never hold one across a
    /// network call: commit or drop it promptly.
    pub async fn begin_write(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        let waiting = Waiting::start(&self.demand);
        let mut tx = self.write.begin().await?;
        drop(waiting);
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock($1)) AS locked")
                .bind(WRITE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// Applies the migrations of this backend's dialect that are not applied yet.
    pub async fn migrate(&self) -> Result<(), DbError> {
        let files = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrator = Migrator::new(Embedded(files)).await?;
        migrator.run(&self.write).await?;
        Ok(())
    }

    /// SQLite: copies what the write-ahead log holds into the database file,
    /// as far as readers allow, without waiting for anyone. The writer does
    /// not checkpoint by itself (`wal_autocheckpoint = 0`): a checkpoint
    /// ends in an fsync, and inside the writer's commit that stalled every
    /// write queued behind it (100+ ms stalls in the chat benchmark). The
    /// server calls this every [`CHECKPOINT_EVERY`] on a connection of its
    /// own; closing the last connection checkpoints what is left.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if let Some(pool) = &self.checkpointer {
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(pool)
                .await?;
        }
        Ok(())
    }

    /// Whether the database answers a trivial query within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> bool {
        let query = sqlx::query("SELECT 1").execute(&self.read);
        matches!(tokio::time::timeout(timeout, query).await, Ok(Ok(_)))
    }

    /// Closes every connection (after the server stops serving).
    pub async fn close(&self) {
        self.read.close().await;
        if let Some(pool) = &self.checkpointer {
            pool.close().await;
        }
        self.write.close().await;
    }
}

/// Decodes a column stored as JSON text (a list of photos, the tags, an
/// outcome); text that does not decode is an internal error naming `what`.
pub fn json_column<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> crate::Result<T> {
    serde_json::from_str(text).map_err(|e| crate::Error::Internal(format!("corrupt {what}: {e}")))
}

/// The file a `sqlite://PATH?options` (or `sqlite:PATH`) URL names.
pub fn sqlite_file(url: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(
        url.trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:")
            .split('?')
            .next()
            .unwrap_or_default(),
    )
}

/// How often the server checkpoints SQLite's write-ahead log. Writes go on
/// during a checkpoint, but slower while its fsync flushes what the log
/// took since the last one (at 3,200 chat sends/s, 500 ms of log made a
/// 26-53 ms fsync, and batches in the 50 ms from its start took three times
/// as long): a checkpoint this often flushes a fifth as much at a time, and
/// the chat tail shrank with it (BENCHMARKS.md, chat step 6).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The PostgreSQL advisory lock key that serialises write transactions.
const WRITE_LOCK_KEY: i64 = 0x6d6f_615f_7772; // "moa_wr"

fn sqlite_pool(max: u32, writer: bool) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        // An in-process SQLite connection does not go away by itself; the
        // test would be a round trip to its thread on every acquire.
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                for pragma in [
                    "PRAGMA busy_timeout = 5000",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA synchronous = NORMAL",
                ] {
                    sqlx::query(pragma).execute(&mut *conn).await?;
                }
                if writer {
                    // WAL is persistent in the file; readers then see it too.
                    sqlx::query("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await?;
                    // Checkpoints happen off the writer (Db::checkpoint).
                    sqlx::query("PRAGMA wal_autocheckpoint = 0")
                        .execute(&mut *conn)
                        .await?;
                    // Statement journals in memory: a statement writing an
                    // FTS5 table through a trigger opens one, and on disk
                    // each was a temporary file's writes (issue 19).
                    sqlx::query("PRAGMA temp_store = MEMORY")
                        .execute(&mut *conn)
                        .await?;
                }
                Ok(())
            })
        })
}

/// `postgres://user:secret@host/db` without the password, for error messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// One migration file: (version, description, SQL).
type EmbeddedMigration = (i64, &'static str, &'static str);

/// Migrations compiled into the binary, so it needs no files at run time.
/// `tests::embedded_lists_match_the_folders` checks these lists against
/// the `migrations/` folders.
pub const SQLITE_MIGRATIONS: &[EmbeddedMigration] = &[
    (
        1,
        "accounts",
        include_str!("../../../migrations/sqlite/0001_accounts.sql"),
    ),
    (
        2,
        "community",
        include_str!("../../../migrations/sqlite/0002_community.sql"),
    ),
    (
        3,
        "moderation",
        include_str!("../../../migrations/sqlite/0003_moderation.sql"),
    ),
    (
        4,
        "sync",
        include_str!("../../../migrations/sqlite/0004_sync.sql"),
    ),
    (
        5,
        "media",
        include_str!("../../../migrations/sqlite/0005_media.sql"),
    ),
    (
        6,
        "chat",
        include_str!("../../../migrations/sqlite/0006_chat.sql"),
    ),
    (
        7,
        "scrap_reviews",
        include_str!("../../../migrations/sqlite/0007_scrap_reviews.sql"),
    ),
    (
        8,
        "search",
        include_str!("../../../migrations/sqlite/0008_search.sql"),
    ),
    (
        9,
        "search_words",
        include_str!("../../../migrations/sqlite/0009_search_words.sql"),
    ),
    (
        10,
        "shop",
        include_str!("../../../migrations/sqlite/0010_shop.sql"),
    ),
    (
        11,
        "catalog_upkeep",
        include_str!("../../../migrations/sqlite/0011_catalog_upkeep.sql"),
    ),
    (
        12,
        "campaign_scraps",
        include_str!("../../../migrations/sqlite/0012_campaign_scraps.sql"),
    ),
    (
        13,
        "backoffice",
        include_str!("../../../migrations/sqlite/0013_backoffice.sql"),
    ),
    (
        14,
        "texts",
        include_str!("../../../migrations/sqlite/0014_texts.sql"),
    ),
    (
        15,
        "requests",
        include_str!("../../../migrations/sqlite/0015_requests.sql"),
    ),
    (
        16,
        "password_resets",
        include_str!("../../../migrations/sqlite/0016_password_resets.sql"),
    ),
    (
        17,
        "phone_verification",
        include_str!("../../../migrations/sqlite/0017_phone_verification.sql"),
    ),
    (
        18,
        "push",
        include_str!("../../../migrations/sqlite/0018_push.sql"),
    ),
    (
        19,
        "social_sign_in",
        include_str!("../../../migrations/sqlite/0019_social_sign_in.sql"),
    ),
    (
        20,
        "discovery",
        include_str!("../../../migrations/sqlite/0020_discovery.sql"),
    ),
    (
        21,
        "recommendations",
        include_str!("../../../migrations/sqlite/0021_recommendations.sql"),
    ),
    (
        22,
        "data_exports",
        include_str!("../../../migrations/sqlite/0022_data_exports.sql"),
    ),
    (
        23,
        "search_lean",
        include_str!("../../../migrations/sqlite/0023_search_lean.sql"),
    ),
    (
        24,
        "search_common",
        include_str!("../../../migrations/sqlite/0024_search_common.sql"),
    ),
];

/// See [`SQLITE_MIGRATIONS`].
pub const POSTGRES_MIGRATIONS: &[EmbeddedMigration] = &[
    (
        1,
        "accounts",
        include_str!("../../../migrations/postgres/0001_accounts.sql"),
    ),
    (
        2,
        "community",
        include_str!("../../../migrations/postgres/0002_community.sql"),
    ),
    (
        3,
        "moderation",
        include_str!("../../../migrations/postgres/0003_moderation.sql"),
    ),
    (
        4,
        "sync",
        include_str!("../../../migrations/postgres/0004_sync.sql"),
    ),
    (
        5,
        "media",
        include_str!("../../../migrations/postgres/0005_media.sql"),
    ),
    (
        6,
        "chat",
        include_str!("../../../migrations/postgres/0006_chat.sql"),
    ),
    (
        7,
        "scrap_reviews",
        include_str!("../../../migrations/postgres/0007_scrap_reviews.sql"),
    ),
    (
        8,
        "search",
        include_str!("../../../migrations/postgres/0008_search.sql"),
    ),
    (
        9,
        "search_words",
        include_str!("../../../migrations/postgres/0009_search_words.sql"),
    ),
    (
        10,
        "shop",
        include_str!("../../../migrations/postgres/0010_shop.sql"),
    ),
    (
        11,
        "catalog_upkeep",
        include_str!("../../../migrations/postgres/0011_catalog_upkeep.sql"),
    ),
    (
        12,
        "campaign_scraps",
        include_str!("../../../migrations/postgres/0012_campaign_scraps.sql"),
    ),
    (
        13,
        "backoffice",
        include_str!("../../../migrations/postgres/0013_backoffice.sql"),
    ),
    (
        14,
        "texts",
        include_str!("../../../migrations/postgres/0014_texts.sql"),
    ),
    (
        15,
        "requests",
        include_str!("../../../migrations/postgres/0015_requests.sql"),
    ),
    (
        16,
        "password_resets",
        include_str!("../../../migrations/postgres/0016_password_resets.sql"),
    ),
    (
        17,
        "phone_verification",
        include_str!("../../../migrations/postgres/0017_phone_verification.sql"),
    ),
    (
        18,
        "push",
        include_str!("../../../migrations/postgres/0018_push.sql"),
    ),
    (
        19,
        "social_sign_in",
        include_str!("../../../migrations/postgres/0019_social_sign_in.sql"),
    ),
    (
        20,
        "discovery",
        include_str!("../../../migrations/postgres/0020_discovery.sql"),
    ),
    (
        21,
        "recommendations",
        include_str!("../../../migrations/postgres/0021_recommendations.sql"),
    ),
    (
        22,
        "data_exports",
        include_str!("../../../migrations/postgres/0022_data_exports.sql"),
    ),
    (
        23,
        "search_lean",
        include_str!("../../../migrations/postgres/0023_search_lean.sql"),
    ),
    (
        24,
        "search_common",
        include_str!("../../../migrations/postgres/0024_search_common.sql"),
    ),
];

#[derive(Debug)]
struct Embedded(&'static [EmbeddedMigration]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>>
                + Send
                + 's,
        >,
    > {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    Migration::new(
                        *version,
                        (*description).into(),
                        MigrationType::Simple,
                        (*sql).into(),
                        false,
                    )
                })
                .collect())
        })
    }
}

#[cfg(test)]
mod dialects;

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_files(dialect: &str) -> Vec<(i64, String)> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(dialect);
        let mut files: Vec<(i64, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .map(|n| {
                let (version, rest) = n.split_once('_').unwrap();
                (
                    version.parse().unwrap(),
                    rest.trim_end_matches(".sql").to_owned(),
                )
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn embedded_lists_match_the_folders() {
        for (dialect, list) in [
            ("sqlite", SQLITE_MIGRATIONS),
            ("postgres", POSTGRES_MIGRATIONS),
        ] {
            let embedded: Vec<(i64, String)> =
                list.iter().map(|(v, d, _)| (*v, (*d).to_owned())).collect();
            assert_eq!(
                embedded,
                folder_files(dialect),
                "{dialect} list is out of date"
            );
        }
        assert_eq!(
            folder_files("sqlite"),
            folder_files("postgres"),
            "dialects must pair up"
        );
    }

    #[test]
    fn redacts_passwords_in_urls() {
        assert_eq!(redact_url("mysql://u:secret@h/db"), "mysql://***@h/db");
        assert_eq!(redact_url("mysql://h/db"), "mysql://h/db");
    }

    #[tokio::test]
    async fn sqlite_file_is_created_in_wal_mode_and_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(None, dir.path()).await.unwrap();
        db.migrate().await.unwrap();
        db.migrate().await.unwrap(); // idempotent
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.read())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert!(dir.path().join("moa.db").exists());
        // The read pool is read-only.
        let write_on_read = sqlx::query("DELETE FROM users").execute(db.read()).await;
        assert!(write_on_read.is_err());
        assert!(db.ping(Duration::from_secs(1)).await);
    }

    #[tokio::test]
    async fn the_writer_leaves_checkpoints_to_the_checkpointer() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(None, dir.path()).await.unwrap();
        db.migrate().await.unwrap();
        let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&db.write)
            .await
            .unwrap();
        assert_eq!(auto, 0, "the writer must not checkpoint in its commits");
        // Enough pages that the default (1,000) would have checkpointed.
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("CREATE TABLE filler (x TEXT)")
            .execute(&mut *tx)
            .await
            .unwrap();
        for _ in 0..2_000 {
            sqlx::query("INSERT INTO filler (x) VALUES ($1)")
                .bind("모아".repeat(1_000))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let size = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().len();
        // 12 MB written: all of it still in the log, none in the file.
        assert!(size("moa.db-wal") > 10_000_000, "{}", size("moa.db-wal"));
        assert!(size("moa.db") < 2_000_000, "{}", size("moa.db"));
        db.checkpoint().await.unwrap();
        assert!(size("moa.db") > 10_000_000, "{}", size("moa.db"));
    }
}
