//! Backups of a server on embedded SQLite, and restoring one.
//!
//! [`backup`] copies a live data directory while the server keeps serving:
//! the database through `VACUUM INTO` (read in one snapshot, so the copy is
//! consistent as of the moment it began, never a file copy of a database in
//! use), then the media files on disk (after the snapshot, so every object a
//! copied row names is there), then the signing key (so tokens issued before
//! stay valid after a restore). A `backup.json` manifest is written last: a
//! directory without one is an unfinished backup. [`restore`] checks a
//! backup (`PRAGMA integrity_check`) and rebuilds a new data directory from
//! it; the server started on it migrates it as on any start.
//!
//! PostgreSQL and S3 have their own tools (`pg_dump` or point-in-time
//! recovery, bucket versioning; README "Backups"): asked to copy either,
//! [`backup`] refuses instead of copying half a community.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sqlx::{Connection, SqliteConnection};

use crate::state::MediaStoreConfig;

/// The database file, the key and the media folder in a data directory (and
/// in a backup).
const DATABASE: &str = "moa.db";
const KEY: &str = "jwt-secret";
const MEDIA: &str = "media";
const MANIFEST: &str = "backup.json";

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "this server runs on PostgreSQL: back it up with pg_dump or point-in-time recovery \
         (README, \"Backups\"); `moa-server backup` copies embedded SQLite only"
    )]
    Postgres,
    #[error(
        "media are in S3: keep them with bucket versioning (README, \"Backups\"); \
         `moa-server backup` copies media on disk only"
    )]
    S3Media,
    #[error("no database at {0}: is --data-dir the server's data directory?")]
    NoDatabase(PathBuf),
    #[error("{0} is not empty: back up into a new directory")]
    TargetNotEmpty(PathBuf),
    #[error(
        "{0} is a server's data directory already (it holds a database or a signing key): \
         restore into a new one"
    )]
    DataDirInUse(PathBuf),
    #[error("{0} is not a finished backup (no {MANIFEST})")]
    NotABackup(PathBuf),
    #[error("the backup's database is damaged: {0}")]
    Damaged(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{path}: {source}")]
    Manifest {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a backup holds (its `backup.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// When the database snapshot began (UTC milliseconds): every write
    /// committed before it is in the copy.
    pub taken_at: i64,
    /// The server version that took it.
    pub version: String,
    pub database_bytes: u64,
    pub media_files: u64,
    pub media_bytes: u64,
    /// Whether the signing key is in it (a server given `--jwt-secret` has
    /// none in its data directory).
    pub key: bool,
}

/// Copies the server on `data_dir` (its SQLite database, media on disk
/// and signing key) into `to`, a new or empty directory, while it serves.
pub async fn backup(
    data_dir: &Path,
    database_url: Option<&str>,
    media: &MediaStoreConfig,
    to: &Path,
) -> Result<Manifest, BackupError> {
    if database_url.is_some_and(|u| !u.starts_with("sqlite:")) {
        return Err(BackupError::Postgres);
    }
    if matches!(media, MediaStoreConfig::S3(_)) {
        return Err(BackupError::S3Media);
    }
    let database = match database_url {
        Some(url) => crate::db::sqlite_file(url),
        None => data_dir.join(DATABASE),
    };
    if !database.is_file() {
        return Err(BackupError::NoDatabase(database));
    }
    if std::fs::read_dir(to).is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(BackupError::TargetNotEmpty(to.to_owned()));
    }
    std::fs::create_dir_all(to).map_err(io(to))?;

    // The database: one read transaction, written out page by page.
    let taken_at = crate::util::now_ms();
    let copy = to.join(DATABASE);
    let mut conn =
        SqliteConnection::connect(&format!("sqlite://{}?mode=ro", database.display())).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(copy.display().to_string())
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let database_bytes = std::fs::metadata(&copy).map_err(io(&copy))?.len();

    // Media after the snapshot: an object is stored before the row naming
    // it commits, so every object the copy names is on disk by now.
    let (media_files, media_bytes) = copy_tree(&data_dir.join(MEDIA), &to.join(MEDIA))?;
    let key = copy_key(&data_dir.join(KEY), &to.join(KEY))?;

    let manifest = Manifest {
        taken_at,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database_bytes,
        media_files,
        media_bytes,
        key,
    };
    write_manifest(&to.join(MANIFEST), &manifest)?;
    Ok(manifest)
}

/// Rebuilds the data directory `data_dir` (new, or without a database) from
/// the backup in `from`, after checking its database.
pub async fn restore(from: &Path, data_dir: &Path) -> Result<Manifest, BackupError> {
    let manifest_path = from.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path)
        .map_err(|_| BackupError::NotABackup(from.to_owned()))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|source| BackupError::Manifest {
            path: manifest_path,
            source,
        })?;
    let target = data_dir.join(DATABASE);
    if target.exists() || data_dir.join(KEY).exists() {
        return Err(BackupError::DataDirInUse(data_dir.to_owned()));
    }
    let source = from.join(DATABASE);
    if !source.is_file() {
        return Err(BackupError::NotABackup(from.to_owned()));
    }
    let mut conn =
        SqliteConnection::connect(&format!("sqlite://{}?mode=ro", source.display())).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    if check != "ok" {
        return Err(BackupError::Damaged(check));
    }
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    // The database last but one, under a temporary name: a restore cut
    // short leaves no database a server would start on.
    let partial = data_dir.join(format!("{DATABASE}.restoring"));
    std::fs::copy(&source, &partial).map_err(io(&partial))?;
    copy_tree(&from.join(MEDIA), &data_dir.join(MEDIA))?;
    copy_key(&from.join(KEY), &data_dir.join(KEY))?;
    std::fs::rename(&partial, &target).map_err(io(&target))?;
    Ok(manifest)
}

/// Copies every finished file under `from` into `to` (object stores write a
/// `name#n` staging file and rename it: those are left), answering the
/// files and bytes copied; nothing when `from` does not exist.
fn copy_tree(from: &Path, to: &Path) -> Result<(u64, u64), BackupError> {
    let entries = match std::fs::read_dir(from) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(io(from)(e)),
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    let (mut files, mut bytes) = (0, 0);
    for entry in entries {
        let entry = entry.map_err(io(from))?;
        let path = entry.path();
        let name = entry.file_name();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            let (f, b) = copy_tree(&path, &to.join(&name))?;
            files += f;
            bytes += b;
        } else if kind.is_file() && !name.to_string_lossy().contains('#') {
            let dest = to.join(&name);
            match std::fs::copy(&path, &dest) {
                Ok(n) => {
                    files += 1;
                    bytes += n;
                }
                // Deleted since it was listed (an orphan cleaned up): the
                // snapshot's rows do not name it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&dest)(e)),
            }
        }
    }
    Ok((files, bytes))
}

/// Copies the signing key, readable by its owner only; whether there was one.
fn copy_key(from: &Path, to: &Path) -> Result<bool, BackupError> {
    let key = match std::fs::read(from) {
        Ok(key) => key,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(io(from)(e)),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(to).map_err(io(to))?;
    std::io::Write::write_all(&mut file, &key).map_err(io(to))?;
    file.sync_all().map_err(io(to))?;
    Ok(true)
}

fn write_manifest(path: &Path, manifest: &Manifest) -> Result<(), BackupError> {
    let text = serde_json::to_string_pretty(manifest).map_err(|source| BackupError::Manifest {
        path: path.to_owned(),
        source,
    })?;
    let mut file = std::fs::File::create(path).map_err(io(path))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    Ok(())
}

/// The scheduled backup's job kind (`--backup-every`).
pub const JOB: &str = "backup";

/// Schedules the backup of the next `every` slot (one row per slot).
pub async fn schedule(
    conn: &mut sqlx::AnyConnection,
    every: std::time::Duration,
    now: i64,
) -> crate::Result<()> {
    let every = i64::try_from(every.as_millis())
        .unwrap_or(i64::MAX)
        .max(60_000);
    let slot = now / every + 1;
    crate::jobs::schedule(
        conn,
        JOB,
        &format!("{JOB}:{slot}"),
        &serde_json::json!({}),
        slot * every,
        now,
    )
    .await
}

/// Where scheduled backups go.
pub fn folder(settings: &crate::Settings) -> PathBuf {
    settings
        .backup_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("backups"))
}

/// The job: a backup into a new `moa-<ms>` folder, then all but the newest
/// `backup_keep` finished ones (and any unfinished one) removed, then the
/// next run scheduled. A failure fails the job: retried with backoff,
/// listed for admins and alerted like any failing job.
pub async fn run(state: &crate::AppState, job: &crate::jobs::Job) -> crate::Result<()> {
    let settings = &state.settings;
    let folder = folder(settings);
    let failed = |e: BackupError| crate::Error::Internal(format!("backup: {e}"));
    let target = folder.join(format!("moa-{:013}", crate::util::now_ms()));
    let manifest = backup(
        &settings.data_dir,
        settings.database_url.as_deref(),
        &settings.media.store,
        &target,
    )
    .await
    .map_err(failed)?;
    let removed = prune(&folder, settings.backup_keep.max(1) as usize, &target).map_err(failed)?;
    let bytes = manifest.database_bytes + manifest.media_bytes;
    state.metrics.backup_done(manifest.taken_at, bytes);
    tracing::info!(
        to = %target.display(),
        bytes,
        media_files = manifest.media_files,
        removed,
        "backup taken"
    );
    let now = crate::util::now_ms();
    let every = settings
        .backup_every
        .unwrap_or(std::time::Duration::from_secs(86_400));
    state
        .write_quiet(async |tx| {
            crate::jobs::finish(tx, &job.id, now).await?;
            schedule(tx, every, now).await
        })
        .await
}

/// Removes from `folder` every `moa-…` backup but the newest `keep`
/// finished ones, and unfinished ones other than `current`; answers how
/// many went.
fn prune(folder: &Path, keep: usize, current: &Path) -> Result<usize, BackupError> {
    let mut finished = Vec::new();
    let mut removed = 0;
    for entry in std::fs::read_dir(folder).map_err(io(folder))? {
        let path = entry.map_err(io(folder))?.path();
        let named = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("moa-"));
        if !named || !path.is_dir() {
            continue;
        }
        if path.join(MANIFEST).is_file() {
            finished.push(path);
        } else if path != current {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
            removed += 1;
        }
    }
    finished.sort();
    let extra = finished.len().saturating_sub(keep);
    for path in &finished[..extra] {
        std::fs::remove_dir_all(path).map_err(io(path))?;
        removed += 1;
    }
    Ok(removed)
}
