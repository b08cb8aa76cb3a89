//! `/v1/media`: resumable, content-addressed uploads of photos and videos,
//! and serving the stored files with cache headers and byte ranges.
//!
//! An upload is a session (`POST /media/uploads`) that receives chunks at the
//! offset the server is at (`PATCH` with `Upload-Offset`) into the media
//! store's staging area, and is completed (`POST .../complete`): the bytes
//! must hash to the SHA-256 the session named, their type is decided by
//! content, photos are checked from the header for pixel bombs before any
//! decoding, then fully decoded once (corrupt files fail) while their
//! thumbnail and blurhash are made. Whatever is refused leaves nothing behind.
//! Files are served only to readers who may see what uses them
//! (`service::access`); a content-addressed file never changes, so it is
//! cached as immutable.

pub mod service;
pub mod store;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use moa_protocol::limits::MAX_UPLOAD_CHUNK;
use moa_protocol::{
    CreateUploadRequest, ErrorBody, ErrorCode, Media, MediaKind, UPLOAD_OFFSET_HEADER,
    UploadSession, UploadStarted, is_media_id,
};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::actor::{Actor, Reader};
use crate::error::{Error, Result};
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::util::{new_id, now_ms};
use service::{Access, Upload};
use store::{chunk_key, file_key, thumbnail_key};

/// Long edge of the thumbnails the server makes, in pixels.
pub const THUMBNAIL_EDGE: u32 = 320;

pub fn router() -> OpenApiRouter<AppState> {
    let chunks = OpenApiRouter::new()
        .routes(routes!(get_upload, send_chunk))
        .layer(DefaultBodyLimit::max(
            usize::try_from(MAX_UPLOAD_CHUNK).unwrap_or(usize::MAX),
        ));
    OpenApiRouter::new()
        .routes(routes!(create_upload))
        .merge(chunks)
        .routes(routes!(complete_upload))
        .routes(routes!(get_file))
        .routes(routes!(get_thumbnail))
        .routes(routes!(get_info))
}

fn limit_for(state: &AppState, kind: MediaKind) -> u64 {
    match kind {
        MediaKind::Photo => state.settings.media.max_photo_bytes,
        MediaKind::Video => state.settings.media.max_video_bytes,
    }
}

/// Start an upload. If the server already has a file with this SHA-256 it
/// answers it (200, `media`) and the caller may use it at once; if the
/// caller has an open session for the same file it is answered (200,
/// `upload`, resume from `received`); otherwise a new session (201).
#[utoipa::path(
    post, path = "/media/uploads", tag = "media", security(("bearer" = [])),
    request_body = CreateUploadRequest,
    responses(
        (status = 201, description = "A new session", body = UploadStarted),
        (status = 200, description = "Already stored, or an open session to resume", body = UploadStarted),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
    )
)]
async fn create_upload(
    State(state): State<AppState>,
    member: Actor,
    ApiJson(req): ApiJson<CreateUploadRequest>,
) -> Result<(StatusCode, Json<UploadStarted>)> {
    member.ensure_can_write()?;
    if !is_media_id(&req.sha256) {
        return Err(Error::invalid(
            "sha256",
            "must be the lowercase hex SHA-256 of the file",
        ));
    }
    if req.size == 0 {
        return Err(Error::invalid("size", "must be at least 1 byte"));
    }
    let limit = limit_for(&state, req.kind);
    if req.size > limit {
        return Err(Error::TooLarge(format!(
            "a {} may be at most {limit} bytes; this one has {}",
            req.kind.as_str(),
            req.size
        )));
    }
    let now = now_ms();
    sweep_expired(&state, now).await;
    let ttl = i64::try_from(state.settings.media.upload_ttl.as_millis()).unwrap_or(i64::MAX);
    let (status, started) = state
        .write_quiet(async |tx| {
            if let Some(stored) = service::get_media(tx, &req.sha256).await? {
                service::add_owner(tx, &req.sha256, &member.user_id, now).await?;
                let started = UploadStarted {
                    media: Some(stored),
                    upload: None,
                };
                return Ok((StatusCode::OK, started));
            }
            if let Some(open) =
                service::open_upload_for(tx, &member.user_id, &req.sha256, req.size, now).await?
            {
                let started = UploadStarted {
                    media: None,
                    upload: Some(open.session(MAX_UPLOAD_CHUNK)),
                };
                return Ok((StatusCode::OK, started));
            }
            let upload = Upload {
                id: new_id(),
                user_id: member.user_id.clone(),
                sha256: req.sha256.clone(),
                size: req.size,
                kind: req.kind,
                received: 0,
                expires_at: now.saturating_add(ttl),
            };
            service::insert_upload(tx, &upload, now).await?;
            let started = UploadStarted {
                media: None,
                upload: Some(upload.session(MAX_UPLOAD_CHUNK)),
            };
            Ok((StatusCode::CREATED, started))
        })
        .await?;
    Ok((status, Json(started)))
}

/// An upload session of the caller's: how many bytes the server has.
#[utoipa::path(
    get, path = "/media/uploads/{id}", tag = "media", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = UploadSession), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody))
)]
async fn get_upload(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<Json<UploadSession>> {
    let mut conn = state.db.read().acquire().await?;
    let upload = service::own_upload(&mut conn, &member.user_id, &id, now_ms()).await?;
    Ok(Json(upload.session(MAX_UPLOAD_CHUNK)))
}

/// Send the chunk that starts at `Upload-Offset` (which must be the
/// session's `received`), at most `max_chunk` bytes, as the raw body.
#[utoipa::path(
    patch, path = "/media/uploads/{id}", tag = "media", security(("bearer" = [])),
    params(("id" = String, Path), ("Upload-Offset" = u64, Header, description = "Byte offset of this chunk")),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 200, body = UploadSession),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not the offset the server is at", body = ErrorBody),
        (status = 413, body = ErrorBody),
    )
)]
async fn send_chunk(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Json<UploadSession>> {
    member.ensure_can_write()?;
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::TooLarge(format!("a chunk may be at most {MAX_UPLOAD_CHUNK} bytes"))
        } else {
            Error::BadRequest {
                code: ErrorCode::InvalidParameter,
                message: format!("could not read the chunk: {rejection}"),
            }
        }
    })?;
    let offset = headers
        .get(UPLOAD_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| Error::BadRequest {
            code: ErrorCode::InvalidParameter,
            message: "the Upload-Offset header (the byte offset of this chunk) is required".into(),
        })?;
    let upload = {
        let mut conn = state.db.read().acquire().await?;
        service::own_upload(&mut conn, &member.user_id, &id, now_ms()).await?
    };
    if offset != upload.received {
        return Err(offset_mismatch(upload.received));
    }
    if body.is_empty() {
        return Err(Error::invalid("body", "a chunk must not be empty"));
    }
    let len = body.len() as u64;
    if offset + len > upload.size {
        return Err(Error::TooLarge(format!(
            "the chunk goes past the {} bytes the upload declared",
            upload.size
        )));
    }
    // The chunk goes to the store first, outside any transaction; a key of
    // its own means a racing request for the same offset cannot overwrite it.
    let key = chunk_key(&upload.id, offset, &new_id());
    state.media_store.put(&key, body).await?;
    let recorded = state
        .write_quiet(async |tx| service::record_chunk(tx, &upload.id, offset, len, &key).await)
        .await?;
    if !recorded {
        let _ = state.media_store.delete(&key).await;
        let current = {
            let mut conn = state.db.read().acquire().await?;
            service::own_upload(&mut conn, &member.user_id, &id, now_ms()).await?
        };
        return Err(offset_mismatch(current.received));
    }
    let mut session = upload.session(MAX_UPLOAD_CHUNK);
    session.received = offset + len;
    Ok(Json(session))
}

fn offset_mismatch(received: u64) -> Error {
    Error::conflict(
        ErrorCode::UploadOffsetMismatch,
        format!(
            "the server has {received} bytes of this upload: send the chunk at offset {received}"
        ),
    )
}

/// Finish an upload: checks the hash, the type (by content) and, for
/// photos, the pixel limit, full decodability and metadata; stores the file
/// (and a photo's thumbnail). Anything refused discards the upload.
#[utoipa::path(
    post, path = "/media/uploads/{id}/complete", tag = "media", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses(
        (status = 201, body = Media),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not all bytes received yet", body = ErrorBody),
        (status = 415, description = "Not a type this kind takes", body = ErrorBody),
        (status = 422, description = "Hash mismatch, pixel bomb, corrupt, metadata left in", body = ErrorBody),
    )
)]
async fn complete_upload(
    State(state): State<AppState>,
    member: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Media>)> {
    member.ensure_can_write()?;
    let (upload, chunks) = {
        let mut conn = state.db.read().acquire().await?;
        let upload = service::own_upload(&mut conn, &member.user_id, &id, now_ms()).await?;
        let chunks = service::chunks(&mut conn, &upload.id).await?;
        (upload, chunks)
    };
    if upload.received < upload.size {
        return Err(Error::conflict(
            ErrorCode::UploadIncomplete,
            format!(
                "the server has {} of {} bytes: send the rest first",
                upload.received, upload.size
            ),
        ));
    }
    let keys: Vec<String> = chunks.into_iter().map(|(_, _, key)| key).collect();
    let finished = match upload.kind {
        MediaKind::Photo => finish_photo(&state, &upload, &keys).await,
        MediaKind::Video => finish_video(&state, &upload, &keys).await,
    };
    let media = match finished {
        Ok(done) => done,
        Err(e) => {
            // The client's bytes are at fault: nothing of them is kept. A
            // server-side failure keeps the chunks so that completing can be
            // retried.
            if e.refusal().is_some() {
                discard(&state, &upload.id, &keys).await;
            }
            return Err(e);
        }
    };
    state
        .write_quiet(async |tx| {
            service::insert_media(tx, &media, &member.user_id).await?;
            service::delete_upload(tx, &upload.id).await
        })
        .await?;
    delete_keys(&state, &keys).await;
    // Another upload of the same bytes may have been stored first: answer the
    // stored row.
    let mut conn = state.db.read().acquire().await?;
    let stored = service::get_media(&mut conn, &media.id)
        .await?
        .unwrap_or(media);
    Ok((StatusCode::CREATED, Json(stored)))
}

fn hash_mismatch() -> Error {
    Error::Unprocessable {
        code: ErrorCode::HashMismatch,
        message: "the bytes sent do not hash to the SHA-256 the upload named".into(),
    }
}

async fn finish_photo(state: &AppState, upload: &Upload, keys: &[String]) -> Result<Media> {
    let mut bytes = Vec::with_capacity(usize::try_from(upload.size).unwrap_or(0));
    for key in keys {
        bytes.extend_from_slice(&state.media_store.get(key).await?);
    }
    if moa_media::sha256_hex(&bytes) != upload.sha256 {
        return Err(hash_mismatch());
    }
    match moa_media::sniff(&bytes) {
        Some(moa_media::Format::Jpeg | moa_media::Format::Png | moa_media::Format::Webp) => {}
        Some(moa_media::Format::Heic) => {
            return Err(Error::UnsupportedFormat(
                "HEIC photos are not supported: send JPEG, PNG or WebP".into(),
            ));
        }
        Some(other) => {
            return Err(Error::UnsupportedFormat(format!(
                "a photo must be JPEG, PNG or WebP, not {}",
                other.mime()
            )));
        }
        None => {
            return Err(Error::UnsupportedFormat(
                "this is not a JPEG, PNG or WebP image".into(),
            ));
        }
    }
    let max_pixels = state.settings.media.max_photo_pixels;
    let (info, bytes) = tokio::task::spawn_blocking(move || {
        let info = moa_media::inspect_photo(&bytes, max_pixels, THUMBNAIL_EDGE);
        (info, bytes)
    })
    .await
    .map_err(|e| Error::Internal(format!("photo check panicked: {e}")))?;
    let info = info.map_err(media_error)?;
    if info.has_metadata {
        return Err(Error::Unprocessable {
            code: ErrorCode::MediaHasMetadata,
            message: "the photo carries EXIF, XMP or text metadata (which can include where it \
                      was taken): strip it before uploading"
                .into(),
        });
    }
    let id = upload.sha256.clone();
    state
        .media_store
        .put(&thumbnail_key(&id), Bytes::from(info.thumbnail.bytes))
        .await?;
    state
        .media_store
        .put(&file_key(&id), Bytes::from(bytes))
        .await?;
    let media = Media {
        url: service::file_url(&id),
        thumbnail_url: Some(service::thumbnail_url(&id)),
        kind: MediaKind::Photo,
        content_type: info.format.mime().to_owned(),
        bytes: upload.size,
        width: Some(info.width),
        height: Some(info.height),
        blurhash: Some(info.blurhash),
        created_at: now_ms(),
        id,
    };
    Ok(media)
}

/// Maps the media library's refusals to answers; its other failures are
/// the server's.
fn media_error(e: moa_media::Error) -> Error {
    match e {
        moa_media::Error::Unsupported { format } => {
            Error::UnsupportedFormat(format!("unsupported format: {format}"))
        }
        moa_media::Error::TooManyPixels { width, height, max } => Error::Unprocessable {
            code: ErrorCode::TooManyPixels,
            message: format!(
                "the image claims {width} x {height} pixels; at most {max} pixels are accepted"
            ),
        },
        moa_media::Error::Corrupt(detail) => Error::Unprocessable {
            code: ErrorCode::CorruptMedia,
            message: format!("the image is damaged or truncated: {detail}"),
        },
        other => Error::Internal(format!("photo processing: {other}")),
    }
}

/// Videos are stored as sent: the hash is checked in a first pass over the
/// chunks, so a mismatch never writes the content-addressed key; the second
/// pass streams them into the file (multipart on S3) without holding the
/// whole video in memory.
async fn finish_video(state: &AppState, upload: &Upload, keys: &[String]) -> Result<Media> {
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(64);
    for key in keys {
        let chunk = state.media_store.get(key).await?;
        if head.len() < 64 {
            let take = (64 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
        }
        hasher.update(&chunk);
    }
    if moa_media::hex(&hasher.finalize()) != upload.sha256 {
        return Err(hash_mismatch());
    }
    let format = match moa_media::sniff(&head) {
        Some(f) if f.is_video() => f,
        _ => {
            return Err(Error::UnsupportedFormat(
                "a video must be MP4, MOV or WebM".into(),
            ));
        }
    };
    let store = state.media_store.clone();
    let keys_owned: Vec<String> = keys.to_vec();
    let chunks = futures_util::stream::iter(keys_owned)
        .then(move |key| {
            let store = store.clone();
            async move { store.get(&key).await }
        })
        .boxed();
    state
        .media_store
        .put_stream(&file_key(&upload.sha256), chunks)
        .await?;
    let media = Media {
        id: upload.sha256.clone(),
        url: service::file_url(&upload.sha256),
        thumbnail_url: None,
        kind: MediaKind::Video,
        content_type: format.mime().to_owned(),
        bytes: upload.size,
        width: None,
        height: None,
        blurhash: None,
        created_at: now_ms(),
    };
    Ok(media)
}

/// Forgets an upload and deletes its chunks (best effort: a failure only
/// leaves garbage under staging/, logged).
async fn discard(state: &AppState, upload_id: &str, keys: &[String]) {
    let forgotten = state
        .write_quiet(async |tx| service::delete_upload(tx, upload_id).await)
        .await;
    if let Err(e) = forgotten {
        tracing::warn!(error = %e, upload_id, "cannot forget a refused upload");
        return;
    }
    delete_keys(state, keys).await;
}

async fn delete_keys(state: &AppState, keys: &[String]) {
    for key in keys {
        if let Err(e) = state.media_store.delete(key).await {
            tracing::warn!(error = %e, key, "cannot delete an upload chunk");
        }
    }
}

/// Discards a few expired upload sessions (called when uploads start, so
/// clean-up keeps pace with use without a timer per node).
pub(crate) async fn sweep_expired(state: &AppState, now: i64) {
    let expired = match state.db.read().acquire().await {
        Ok(mut conn) => service::expired_uploads(&mut conn, now, 8).await,
        Err(e) => Err(e.into()),
    };
    let expired = match expired {
        Ok(ids) => ids,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list expired uploads");
            return;
        }
    };
    for id in expired {
        let keys = match state.db.read().acquire().await {
            Ok(mut conn) => service::chunks(&mut conn, &id).await.unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let keys: Vec<String> = keys.into_iter().map(|(_, _, k)| k).collect();
        discard(state, &id, &keys).await;
    }
}

/// Which object of a media file to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    File,
    Thumbnail,
}

/// A media file, to readers who may see what uses it (404 otherwise).
/// `ETag`, immutable caching, `Range` (one range) for video seeking.
#[utoipa::path(
    get, path = "/media/{id}", tag = "media",
    params(("id" = String, Path, description = "SHA-256 of the file")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = 206, description = "The requested range"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, body = ErrorBody), (status = 416, body = ErrorBody),
    )
)]
async fn get_file(
    State(state): State<AppState>,
    viewer: Reader,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    serve(&state, &viewer, &id, &headers, Variant::File).await
}

/// A photo's thumbnail (JPEG, long edge 320 px).
#[utoipa::path(
    get, path = "/media/{id}/thumbnail", tag = "media",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/jpeg"),
        (status = 304, description = "Not modified"), (status = 404, body = ErrorBody),
    )
)]
async fn get_thumbnail(
    State(state): State<AppState>,
    viewer: Reader,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    serve(&state, &viewer, &id, &headers, Variant::Thumbnail).await
}

/// What is known of a media file (type, size, pixels, blurhash).
#[utoipa::path(
    get, path = "/media/{id}/info", tag = "media",
    params(("id" = String, Path)),
    responses((status = 200, body = Media), (status = 404, body = ErrorBody))
)]
async fn get_info(
    State(state): State<AppState>,
    viewer: Reader,
    Path(id): Path<String>,
) -> Result<Json<Media>> {
    let (stored, _) = visible(&state, &viewer, &id).await?;
    Ok(Json(stored))
}

async fn visible(state: &AppState, viewer: &Reader, id: &str) -> Result<(Media, Access)> {
    let not_found = || Error::NotFound("no such media".into());
    let mut conn = state.db.read().acquire().await?;
    let stored = service::get_media(&mut conn, id)
        .await?
        .ok_or_else(not_found)?;
    let access = service::access(&mut conn, id, viewer.id(), viewer.is_moderator()).await?;
    if access == Access::Denied {
        return Err(not_found());
    }
    Ok((stored, access))
}

async fn serve(
    state: &AppState,
    viewer: &Reader,
    id: &str,
    headers: &HeaderMap,
    variant: Variant,
) -> Result<Response> {
    let (stored, access) = visible(state, viewer, id).await?;
    let (key, etag, content_type) = match variant {
        Variant::File => (
            file_key(id),
            format!("\"{id}\""),
            stored.content_type.clone(),
        ),
        Variant::Thumbnail if stored.thumbnail_url.is_some() => (
            thumbnail_key(id),
            format!("\"{id}.thumb\""),
            "image/jpeg".to_owned(),
        ),
        Variant::Thumbnail => return Err(Error::NotFound("this media has no thumbnail".into())),
    };
    let cache = match access {
        Access::Public => "public, max-age=31536000, immutable",
        _ => "private, max-age=31536000, immutable",
    };
    let mut out = HeaderMap::new();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if if_none_match(headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        out.insert(header::CONTENT_TYPE, v);
    }
    if variant == Variant::Thumbnail {
        let bytes = state.media_store.get(&key).await?;
        return Ok((StatusCode::OK, out, bytes).into_response());
    }
    send_object(state, &key, stored.bytes, headers, out).await
}

/// Answers the stored object `key` of `size` bytes with the headers in
/// `out`: whole (streamed) or the one `Range` asked for (206).
pub(crate) async fn send_object(
    state: &AppState,
    key: &str,
    size: u64,
    headers: &HeaderMap,
    mut out: HeaderMap,
) -> Result<Response> {
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    match requested_range(headers, size) {
        RangeRequest::Whole => {
            out.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
            let stream = state.media_store.stream(key).await?;
            Ok((StatusCode::OK, out, Body::from_stream(stream)).into_response())
        }
        RangeRequest::Part(start, end) => {
            let bytes = state.media_store.get_range(key, start..end + 1).await?;
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
                out.insert(header::CONTENT_RANGE, v);
            }
            Ok((StatusCode::PARTIAL_CONTENT, out, bytes).into_response())
        }
        RangeRequest::Unsatisfiable => Err(Error::RangeNotSatisfiable { size }),
    }
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// What a `Range` header asks of a file of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum RangeRequest {
    Whole,
    /// Inclusive byte positions.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range (`a-b`, `a-`, `-n`). Several ranges or a malformed
/// header are answered with the whole file, as RFC 9110 allows.
fn requested_range(headers: &HeaderMap, size: u64) -> RangeRequest {
    let Some(spec) = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((start, end)) = spec.split_once('-') else {
        return RangeRequest::Whole;
    };
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        (true, true) => return RangeRequest::Whole,
        (true, false) => match end.parse::<u64>() {
            Ok(0) => return RangeRequest::Unsatisfiable,
            Ok(n) => (size.saturating_sub(n), size.saturating_sub(1)),
            Err(_) => return RangeRequest::Whole,
        },
        (false, _) => {
            let Ok(a) = start.parse::<u64>() else {
                return RangeRequest::Whole;
            };
            let b = if end.is_empty() {
                size.saturating_sub(1)
            } else {
                match end.parse::<u64>() {
                    Ok(b) if b >= a => b.min(size.saturating_sub(1)),
                    _ => return RangeRequest::Whole,
                }
            };
            (a, b)
        }
    };
    if size == 0 || parsed.0 >= size {
        RangeRequest::Unsatisfiable
    } else {
        RangeRequest::Part(parsed.0, parsed.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &str, size: u64) -> RangeRequest {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(v).unwrap());
        requested_range(&h, size)
    }

    #[test]
    fn ranges() {
        assert_eq!(range("bytes=0-99", 1000), RangeRequest::Part(0, 99));
        assert_eq!(range("bytes=900-", 1000), RangeRequest::Part(900, 999));
        assert_eq!(range("bytes=-100", 1000), RangeRequest::Part(900, 999));
        assert_eq!(range("bytes=990-2000", 1000), RangeRequest::Part(990, 999));
        assert_eq!(range("bytes=1000-", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(range("bytes=-0", 1000), RangeRequest::Unsatisfiable);
        assert_eq!(range("bytes=0-1,5-6", 1000), RangeRequest::Whole);
        assert_eq!(range("bytes=5-1", 1000), RangeRequest::Whole);
        assert_eq!(range("items=0-1", 1000), RangeRequest::Whole);
        assert_eq!(requested_range(&HeaderMap::new(), 10), RangeRequest::Whole);
    }

    #[test]
    fn etags_match_strong_weak_and_star() {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(if_none_match(&h, "\"abc\""));
        assert!(!if_none_match(&h, "\"abd\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(if_none_match(&h, "\"q\""));
    }
}
