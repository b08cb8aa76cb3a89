//! "Download my data": a member's copy of everything Moa holds about them,
//! as a zip built by a `data_export` job.
//!
//! The zip holds `README.txt` (what each file is, in Korean and English),
//! one JSON file per section (`profile`, `reviews`, `comments`, `likes`,
//! `scraps`, `follows`, `chats`, `orders`, `points`, `requests`) and
//! `photos/` with every photo or video the member uploaded. Times are Unix
//! milliseconds UTC, each with a `…_kst` twin in Korean time for people.
//! Chats carry the member's own messages and each room's context (its
//! name, kind and members), not other people's words.
//!
//! The job reads the sections through the read pool, writes the zip on a
//! blocking thread (entries arrive over a channel, so a large photo set
//! never sits in memory at once) into a temporary file, then streams it to
//! the media store under `exports/<id>.zip` so any node can serve it.
//! `done`/`total` move as it goes. A ready export is kept for
//! [`KEEP_READY`], then the clean-up job deletes the file.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use moa_protocol::kst::Kst;
use moa_protocol::{DataExport, ExportState};
use serde_json::{Map, Value, json};
use sqlx::{AnyConnection, Column, Row};

use crate::error::{Error, Result};
use crate::jobs::{self, Job};
use crate::state::AppState;
use crate::util::{new_id, now_ms};

/// The job's kind.
pub const JOB: &str = "data_export";
/// How long a ready export can be downloaded.
pub const KEEP_READY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Exports a member may ask for in [`WINDOW`].
pub const PER_WINDOW: i64 = 3;
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);
/// The JSON sections, in the order they are written.
pub const SECTIONS: [&str; 10] = [
    "profile", "reviews", "comments", "likes", "scraps", "follows", "chats", "orders", "points",
    "requests",
];

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The store key of an export's zip.
pub fn object_key(id: &str) -> String {
    format!("exports/{id}.zip")
}

const COLUMNS: &str = "id, user_id, state, done, total, bytes, created_at, ready_at, expires_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub id: String,
    pub user_id: String,
    pub state: String,
    pub done: i64,
    pub total: i64,
    pub bytes: i64,
    pub created_at: i64,
    pub ready_at: Option<i64>,
    pub expires_at: Option<i64>,
}

impl ExportRow {
    /// The export as its member sees it at `now` (a ready one past its
    /// time reads as expired before the clean-up gets to it).
    pub fn to_wire(&self, now: i64) -> DataExport {
        let mut state = ExportState::parse(&self.state);
        if state == ExportState::Ready && self.expires_at.is_some_and(|at| at <= now) {
            state = ExportState::Expired;
        }
        DataExport {
            id: self.id.clone(),
            state,
            done: u32::try_from(self.done).unwrap_or(0),
            total: u32::try_from(self.total).unwrap_or(0),
            bytes: u64::try_from(self.bytes).unwrap_or(0),
            created_at: self.created_at,
            ready_at: self.ready_at,
            expires_at: self.expires_at,
        }
    }
}

/// One of the member's exports (`None` for another member's or none).
pub async fn find(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<Option<ExportRow>> {
    Ok(sqlx::query_as::<_, ExportRow>(&format!(
        "SELECT {COLUMNS} FROM data_exports WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The member's exports, newest first (the last ten).
pub async fn list(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<ExportRow>> {
    Ok(sqlx::query_as::<_, ExportRow>(&format!(
        "SELECT {COLUMNS} FROM data_exports WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT 10"
    ))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Asks for an export, in the caller's write transaction: one still being
/// built is answered as it is; otherwise a new one is queued, at most
/// [`PER_WINDOW`] in [`WINDOW`] (429 with the wait).
pub async fn request(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<ExportRow> {
    let open: Option<ExportRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM data_exports WHERE user_id = $1 AND state IN ('queued', 'building') \
         ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(open) = open {
        return Ok(open);
    }
    let recent: Vec<i64> = sqlx::query_scalar(
        "SELECT created_at FROM data_exports WHERE user_id = $1 AND created_at > $2 \
         ORDER BY created_at",
    )
    .bind(user_id)
    .bind(now - ms(WINDOW))
    .fetch_all(&mut *conn)
    .await?;
    if recent.len() >= usize::try_from(PER_WINDOW).unwrap_or(3) {
        let free_at = recent[0] + ms(WINDOW);
        let wait = u64::try_from((free_at - now).max(1000) / 1000).unwrap_or(1);
        return Err(Error::RateLimited {
            retry_after_secs: wait,
        });
    }
    let row = ExportRow {
        id: new_id(),
        user_id: user_id.to_owned(),
        state: ExportState::Queued.as_str().to_owned(),
        done: 0,
        total: 0,
        bytes: 0,
        created_at: now,
        ready_at: None,
        expires_at: None,
    };
    sqlx::query(
        "INSERT INTO data_exports (id, user_id, state, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&row.id)
    .bind(user_id)
    .bind(&row.state)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    jobs::schedule(
        conn,
        JOB,
        &format!("{JOB}:{}", row.id),
        &json!({ "export_id": row.id }),
        now,
        now,
    )
    .await?;
    Ok(row)
}

/// The `data_export` job: builds the zip, stores it, marks it ready. A
/// build that keeps failing is marked failed on its last attempt (the
/// member is told and may ask again) instead of retrying for ever.
pub async fn run(state: &AppState, job: &Job) -> Result<()> {
    let id = job.text("export_id")?.to_owned();
    let row = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_as::<_, ExportRow>(&format!("SELECT {COLUMNS} FROM data_exports WHERE id = $1"))
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?
    };
    let Some(row) = row else {
        return Ok(());
    };
    if row.state != ExportState::Queued.as_str() && row.state != ExportState::Building.as_str() {
        return Ok(());
    }
    match build(state, &row).await {
        Ok(()) => Ok(()),
        Err(e) if job.attempts >= jobs::FAILING_AFTER => {
            tracing::error!(export = %id, error = %e, "data export failed for good");
            set_state(state, &id, ExportState::Failed).await
        }
        Err(e) => Err(e),
    }
}

async fn set_state(state: &AppState, id: &str, to: ExportState) -> Result<()> {
    state
        .write_quiet(async |tx| {
            sqlx::query("UPDATE data_exports SET state = $1 WHERE id = $2")
                .bind(to.as_str())
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
        .await
}

async fn progress(state: &AppState, id: &str, done: usize, total: usize) -> Result<()> {
    state
        .write_quiet(async |tx| {
            sqlx::query(
                "UPDATE data_exports SET state = 'building', done = $1, total = $2 \
                 WHERE id = $3 AND state IN ('queued', 'building')",
            )
            .bind(i64::try_from(done).unwrap_or(0))
            .bind(i64::try_from(total).unwrap_or(0))
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await
}

/// An entry for the zip thread.
enum Entry {
    /// Text, deflated.
    Text(String, Vec<u8>),
    /// A photo or video (compressed already): stored as is.
    Stored(String, bytes::Bytes),
}

/// The zip written on a blocking thread from the entries sent to it.
fn spawn_writer(
    path: PathBuf,
) -> (
    std::sync::mpsc::SyncSender<Entry>,
    tokio::task::JoinHandle<std::io::Result<u64>>,
) {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Entry>(4);
    let handle = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::create(&path)?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for entry in rx {
            match entry {
                Entry::Text(name, bytes) => {
                    zip.start_file(name, deflated)
                        .map_err(std::io::Error::other)?;
                    zip.write_all(&bytes)?;
                }
                Entry::Stored(name, bytes) => {
                    zip.start_file(name, stored)
                        .map_err(std::io::Error::other)?;
                    zip.write_all(&bytes)?;
                }
            }
        }
        let mut out = zip.finish().map_err(std::io::Error::other)?;
        out.flush()?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(file.metadata()?.len())
    });
    (tx, handle)
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("data export: {e}"))
}

async fn build(state: &AppState, row: &ExportRow) -> Result<()> {
    let user = row.user_id.as_str();
    let photos: Vec<(String, String)> = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_as(
            "SELECT m.id, m.content_type FROM media_owners o JOIN media m ON m.id = o.media_id \
             WHERE o.user_id = $1 ORDER BY o.created_at, m.id",
        )
        .bind(user)
        .fetch_all(&mut *conn)
        .await?
    };
    let total = SECTIONS.len() + photos.len() + 1;
    progress(state, &row.id, 0, total).await?;

    let dir = state.settings.data_dir.join("tmp");
    tokio::fs::create_dir_all(&dir).await.map_err(io)?;
    let path = dir.join(format!("export-{}.zip", row.id));
    let (tx, writer) = spawn_writer(path.clone());
    let sent = fill(state, row, &photos, total, &tx).await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| Error::Internal(format!("data export thread: {e}")))?;
    let outcome = match (sent, written) {
        (Err(e), _) => Err(e),
        (Ok(()), Err(e)) => Err(io(e)),
        (Ok(()), Ok(bytes)) => store(state, row, &path, bytes, total).await,
    };
    let _ = tokio::fs::remove_file(&path).await;
    outcome
}

/// Sends the zip's entries to the writer: the README, the sections, the
/// photos, with progress as it goes.
async fn fill(
    state: &AppState,
    row: &ExportRow,
    photos: &[(String, String)],
    total: usize,
    tx: &std::sync::mpsc::SyncSender<Entry>,
) -> Result<()> {
    let send = |entry: Entry| {
        let tx = tx.clone();
        async move {
            tokio::task::spawn_blocking(move || tx.send(entry))
                .await
                .map_err(|e| Error::Internal(format!("data export thread: {e}")))?
                .map_err(|_| Error::Internal("the zip writer stopped".into()))
        }
    };
    send(Entry::Text("README.txt".into(), readme(row).into_bytes())).await?;
    let mut done = 0;
    for name in SECTIONS {
        let value = {
            let mut conn = state.db.read().acquire().await?;
            section(&mut conn, name, &row.user_id).await?
        };
        let text = serde_json::to_vec_pretty(&value)
            .map_err(|e| Error::Internal(format!("data export: {e}")))?;
        send(Entry::Text(format!("{name}.json"), text)).await?;
        done += 1;
        progress(state, &row.id, done, total).await?;
    }
    for (i, (id, content_type)) in photos.iter().enumerate() {
        match state
            .media_store
            .get(&crate::media::store::file_key(id))
            .await
        {
            Ok(bytes) => {
                let name = format!("photos/{id}.{}", extension(content_type));
                send(Entry::Stored(name, bytes)).await?;
            }
            // A file swept meanwhile is left out; the JSON still names it.
            Err(crate::media::store::StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        done += 1;
        if i % 10 == 9 || i + 1 == photos.len() {
            progress(state, &row.id, done, total).await?;
        }
    }
    Ok(())
}

/// Streams the finished zip to the store and marks the export ready.
async fn store(
    state: &AppState,
    row: &ExportRow,
    path: &std::path::Path,
    bytes: u64,
    total: usize,
) -> Result<()> {
    let file = tokio::fs::File::open(path).await.map_err(io)?;
    let chunks = file_chunks(file);
    state
        .media_store
        .put_stream(&object_key(&row.id), chunks)
        .await?;
    let now = now_ms();
    let expires = now + ms(KEEP_READY);
    state
        .write_quiet(async |tx| {
            sqlx::query(
                "UPDATE data_exports SET state = 'ready', done = $1, total = $1, bytes = $2, \
                 ready_at = $3, expires_at = $4 WHERE id = $5",
            )
            .bind(i64::try_from(total).unwrap_or(0))
            .bind(i64::try_from(bytes).unwrap_or(i64::MAX))
            .bind(now)
            .bind(expires)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await
}

/// A file as a stream of 1 MiB chunks.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::result::Result<bytes::Bytes, crate::media::store::StoreError>>
+ Unpin {
    use tokio::io::AsyncReadExt;
    Box::pin(futures_util::stream::unfold(
        Some(file),
        |file| async move {
            let mut file = file?;
            let mut buf = vec![0u8; 1 << 20];
            let mut filled = 0;
            while filled < buf.len() {
                match file.read(&mut buf[filled..]).await {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) => {
                        return Some((
                            Err(crate::media::store::StoreError::File(e.to_string())),
                            None,
                        ));
                    }
                }
            }
            if filled == 0 {
                return None;
            }
            buf.truncate(filled);
            Some((Ok(bytes::Bytes::from(buf)), Some(file)))
        },
    ))
}

/// Deletes the files of exports past their time and marks them expired
/// (the clean-up job).
pub async fn sweep(state: &AppState, now: i64) -> Result<usize> {
    let gone: Vec<String> = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_scalar(
            "SELECT id FROM data_exports WHERE state = 'ready' AND expires_at <= $1 LIMIT 1000",
        )
        .bind(now)
        .fetch_all(&mut *conn)
        .await?
    };
    for id in &gone {
        state.media_store.delete(&object_key(id)).await?;
        set_state(state, id, ExportState::Expired).await?;
    }
    Ok(gone.len())
}

/// Deletes every export of a member, files first (account erasure).
pub async fn remove_all(state: &AppState, user_id: &str) -> Result<()> {
    let ids: Vec<String> = {
        let mut conn = state.db.read().acquire().await?;
        sqlx::query_scalar("SELECT id FROM data_exports WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?
    };
    for id in &ids {
        state.media_store.delete(&object_key(id)).await?;
    }
    state
        .write_quiet(async |tx| {
            sqlx::query("DELETE FROM data_exports WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
        .await
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/webp" => "webp",
        "image/gif" => "gif",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/webm" => "webm",
        _ => "bin",
    }
}

fn readme(row: &ExportRow) -> String {
    let at = Kst::of(row.created_at);
    format!(
        "모아(Moa) 내 데이터 — {date} {hour:02}:{minute:02} (한국 시간)에 요청한 사본입니다.\n\
         \n\
         profile.json   프로필, 연락처, 연결된 로그인, 알림 설정, 등록된 기기\n\
         reviews.json   내가 쓴 리뷰 (사진 id는 photos/ 폴더의 파일 이름)\n\
         comments.json  내가 쓴 댓글과 답글\n\
         likes.json     내가 누른 좋아요\n\
         scraps.json    내가 스크랩한 리뷰와 공동구매\n\
         follows.json   내가 팔로우하는 사람과 나를 팔로우하는 사람\n\
         chats.json     내가 있는 채팅방(이름, 종류, 참여자)과 내가 보낸 메시지\n\
         orders.json    공동구매 주문과 그 이력\n\
         points.json    포인트 잔액, 적립·사용 내역, 충전 내역\n\
         requests.json  내 부탁, 내가 낸 견적, 내가 쓴 도우미 후기\n\
         photos/        내가 올린 사진과 동영상\n\
         \n\
         시간은 UTC 기준 밀리초(…_at)이며, 같은 시각을 한국 시간으로 쓴 값(…_at_kst)이 함께 있습니다.\n\
         \n\
         Moa — a copy of your data, asked for on {date} {hour:02}:{minute:02} Korean time.\n\
         Each .json file above is one part of it (profile, reviews, comments, likes, scraps,\n\
         follows, chats with your own messages, orders, points, requests); photos/ holds the\n\
         photos and videos you uploaded. Times are Unix milliseconds UTC (…_at), each with\n\
         its Korean-time twin (…_at_kst).\n",
        date = at.date(),
        hour = at.hour,
        minute = at.minute,
    )
}

/// One section's JSON.
async fn section(conn: &mut AnyConnection, name: &str, user: &str) -> Result<Value> {
    let q = async |conn: &mut AnyConnection, sql: &str| rows(conn, sql, &[user]).await;
    Ok(match name {
        "profile" => {
            let mut profile = q(
                conn,
                "SELECT id, email, handle, display_name, bio, links, avatar_media_id, role, phone, \
                 phone_verified_at, sms_consent_at, community_id, created_at, updated_at \
                 FROM users WHERE id = $1",
            )
            .await?
            .into_iter()
            .next()
            .unwrap_or(Value::Null);
            if let Value::Object(map) = &mut profile {
                for (key, sql) in [
                    (
                        "sign_ins",
                        "SELECT provider, email, created_at FROM identities \
                         WHERE user_id = $1 ORDER BY created_at",
                    ),
                    (
                        "muted_notifications",
                        "SELECT kind FROM notification_mutes WHERE user_id = $1 ORDER BY kind",
                    ),
                    (
                        "devices",
                        "SELECT platform, created_at, updated_at FROM devices \
                         WHERE user_id = $1 ORDER BY created_at",
                    ),
                ] {
                    map.insert(key.into(), Value::Array(q(conn, sql).await?));
                }
            }
            profile
        }
        "reviews" => Value::Array(
            q(
                conn,
                "SELECT r.id, r.kind, r.title, r.body, r.photos, r.subject_type, r.subject_id, \
                 COALESCE((SELECT p.name FROM places p WHERE p.id = r.subject_id), \
                          (SELECT p.name FROM products p WHERE p.id = r.subject_id)) AS subject_name, \
                 r.rating, r.tags, r.like_count, r.comment_count, r.scrap_count, r.view_count, \
                 r.created_at, r.edited_at, r.hidden_at \
                 FROM reviews r WHERE r.author_id = $1 AND r.deleted_at IS NULL \
                 ORDER BY r.created_at, r.id",
            )
            .await?,
        ),
        "comments" => Value::Array(
            q(
                conn,
                "SELECT id, review_id, parent_id, body, like_count, created_at, edited_at, hidden_at \
                 FROM comments WHERE author_id = $1 AND deleted_at IS NULL \
                 ORDER BY created_at, id",
            )
            .await?,
        ),
        "likes" => Value::Array(
            q(
                conn,
                "SELECT target_type, target_id, created_at FROM likes WHERE user_id = $1 \
                 ORDER BY created_at, target_id",
            )
            .await?,
        ),
        "scraps" => json!({
            "reviews": q(
                conn,
                "SELECT s.review_id, r.title, s.created_at FROM scraps s \
                 LEFT JOIN reviews r ON r.id = s.review_id WHERE s.user_id = $1 \
                 ORDER BY s.created_at, s.review_id",
            )
            .await?,
            "campaigns": q(
                conn,
                "SELECT s.campaign_id, c.title, s.created_at FROM campaign_scraps s \
                 LEFT JOIN campaigns c ON c.id = s.campaign_id WHERE s.user_id = $1 \
                 ORDER BY s.created_at, s.campaign_id",
            )
            .await?,
        }),
        "follows" => json!({
            "following": q(
                conn,
                "SELECT f.followee_id AS user_id, u.handle, f.created_at FROM follows f \
                 JOIN users u ON u.id = f.followee_id WHERE f.follower_id = $1 \
                 ORDER BY f.created_at, f.followee_id",
            )
            .await?,
            "followers": q(
                conn,
                "SELECT f.follower_id AS user_id, u.handle, f.created_at FROM follows f \
                 JOIN users u ON u.id = f.follower_id WHERE f.followee_id = $1 \
                 ORDER BY f.created_at, f.follower_id",
            )
            .await?,
        }),
        "chats" => chats(conn, user).await?,
        "orders" => {
            let mut orders = q(
                conn,
                "SELECT o.id, o.campaign_id, c.title AS campaign_title, o.choices, o.quantity, \
                 o.unit_price_krw, o.amount_krw, o.status, o.paid_at, o.created_at, o.updated_at \
                 FROM orders o LEFT JOIN campaigns c ON c.id = o.campaign_id \
                 WHERE o.user_id = $1 ORDER BY o.created_at, o.id",
            )
            .await?;
            let history = q(
                conn,
                "SELECT h.order_id, h.status, h.note, h.created_at FROM order_history h \
                 JOIN orders o ON o.id = h.order_id WHERE o.user_id = $1 \
                 ORDER BY h.created_at, h.id",
            )
            .await?;
            for order in &mut orders {
                let id = order.get("id").cloned().unwrap_or(Value::Null);
                let own: Vec<Value> = history
                    .iter()
                    .filter(|h| h.get("order_id") == Some(&id))
                    .cloned()
                    .collect();
                if let Value::Object(map) = order {
                    map.insert("history".into(), Value::Array(own));
                }
            }
            Value::Array(orders)
        }
        "points" => json!({
            "wallet": q(conn, "SELECT balance, held, updated_at FROM wallets WHERE user_id = $1")
                .await?
                .into_iter()
                .next()
                .unwrap_or(Value::Null),
            "entries": q(
                conn,
                "SELECT id, kind, amount, balance_after, cause_type, cause_id, note, created_at \
                 FROM point_entries WHERE user_id = $1 ORDER BY created_at, id",
            )
            .await?,
            "charges": q(
                conn,
                "SELECT id, amount_krw, status, created_at, updated_at FROM point_charges \
                 WHERE user_id = $1 ORDER BY created_at, id",
            )
            .await?,
        }),
        "requests" => json!({
            "requests": q(
                conn,
                "SELECT id, title, category, region, place_id, starts_on, ends_on, budget_min_krw, \
                 budget_max_krw, details, photos, status, quote_count, price_krw, closing_note, \
                 expires_at, created_at, updated_at FROM requests WHERE user_id = $1 \
                 ORDER BY created_at, id",
            )
            .await?,
            "quotes": q(
                conn,
                "SELECT id, request_id, price_krw, message, status, created_at, updated_at \
                 FROM quotes WHERE user_id = $1 ORDER BY created_at, id",
            )
            .await?,
            "helper_reviews_written": q(
                conn,
                "SELECT id, request_id, helper_id, rating, text, photos, created_at \
                 FROM helper_reviews WHERE reviewer_id = $1 ORDER BY created_at, id",
            )
            .await?,
        }),
        other => return Err(Error::Internal(format!("no export section {other}"))),
    })
}

/// The rooms the member is in, each with its members and the member's own
/// messages.
async fn chats(conn: &mut AnyConnection, user: &str) -> Result<Value> {
    let rooms = rows(
        conn,
        "SELECT r.id, r.kind, r.name, r.created_at, m.joined_at FROM room_members m \
         JOIN rooms r ON r.id = m.room_id WHERE m.user_id = $1 ORDER BY m.joined_at, r.id",
        &[user],
    )
    .await?;
    let mut out = Vec::with_capacity(rooms.len());
    for mut room in rooms {
        let id = room
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let members: Vec<Value> = sqlx::query_scalar::<_, String>(
            "SELECT u.handle FROM room_members m JOIN users u ON u.id = m.user_id \
             WHERE m.room_id = $1 ORDER BY m.joined_at, u.id",
        )
        .bind(&id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(Value::String)
        .collect();
        let messages = rows(
            conn,
            "SELECT id, seq, body, media, reply_to, created_at, edited_at FROM messages \
             WHERE room_id = $1 AND sender_id = $2 AND deleted_at IS NULL ORDER BY seq",
            &[&id, user],
        )
        .await?;
        if let Value::Object(map) = &mut room {
            map.insert("members".into(), Value::Array(members));
            map.insert("my_messages".into(), Value::Array(messages));
        }
        out.push(room);
    }
    Ok(Value::Array(out))
}

/// The rows `sql` answers with `binds` as `$1`, `$2`, …, as JSON objects.
async fn rows(conn: &mut AnyConnection, sql: &str, binds: &[&str]) -> Result<Vec<Value>> {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(*b);
    }
    let found = query.fetch_all(&mut *conn).await?;
    Ok(found.iter().map(to_json).collect())
}

/// A row as a JSON object: numbers, text (JSON text such as photo lists
/// embedded as JSON), nulls; every `…_at` time gets a `…_at_kst` twin.
fn to_json(row: &sqlx::any::AnyRow) -> Value {
    let mut map = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let name = column.name().to_owned();
        let value = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map_or(Value::Null, embed_json)
        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
            v.map_or(Value::Null, Value::from)
        } else {
            Value::Null
        };
        if name.ends_with("_at")
            && let Some(at) = value.as_i64()
        {
            map.insert(format!("{name}_kst"), Value::String(kst_text(at)));
        }
        map.insert(name, value);
    }
    Value::Object(map)
}

/// Text that holds a JSON list or object becomes that JSON.
fn embed_json(text: String) -> Value {
    let t = text.trim_start();
    if (t.starts_with('[') || t.starts_with('{'))
        && let Ok(v) = serde_json::from_str::<Value>(&text)
    {
        return v;
    }
    Value::String(text)
}

/// `2026-12-04 15:25 KST`.
pub fn kst_text(at_ms: i64) -> String {
    let k = Kst::of(at_ms);
    format!("{} {:02}:{:02} KST", k.date(), k.hour, k.minute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_is_embedded_and_other_text_kept() {
        assert_eq!(embed_json("[\"a\",1]".into()), json!(["a", 1]));
        assert_eq!(embed_json("{\"k\":true}".into()), json!({"k": true}));
        assert_eq!(embed_json("[not json".into()), json!("[not json"));
        assert_eq!(embed_json("맛있어요".into()), json!("맛있어요"));
    }

    #[test]
    fn times_read_in_korean_time() {
        // 2026-12-03 15:30 UTC is 2026-12-04 00:30 in Seoul.
        assert_eq!(kst_text(1_796_311_800_000), "2026-12-04 00:30 KST");
    }

    #[test]
    fn a_ready_export_past_its_time_reads_expired() {
        let row = ExportRow {
            id: "e".into(),
            user_id: "u".into(),
            state: "ready".into(),
            done: 3,
            total: 3,
            bytes: 10,
            created_at: 0,
            ready_at: Some(1),
            expires_at: Some(100),
        };
        assert_eq!(row.to_wire(99).state, ExportState::Ready);
        assert_eq!(row.to_wire(100).state, ExportState::Expired);
    }
}
