//! Photos and videos on the device: compression before upload, the upload
//! queue, and the local media files the UI shows.
//!
//! [`MediaHandle`] (`client.media()`) is the handle on them.
//! [`MediaHandle::add_photo`] compresses on a blocking thread (upright,
//! metadata stripped, long edge at most `Options::photo.max_edge`, JPEG
//! quality 80 by default, a 320 px thumbnail and a blurhash; progress as
//! [`Event::Compressing`]), keeps the result in `DATA_DIR/media/` and queues
//! an upload in the outbox *before* whatever will use the photo, so the
//! review is pushed only after its photos are stored. The upload itself
//! (resumable chunks, `Event::Uploading` progress) runs in the sync loop
//! (`upload`). [`MediaHandle::file`] answers a local file for a media id,
//! downloading it (or its thumbnail) once when it is not on the device.

use std::path::{Path, PathBuf};

use moa_protocol::MediaKind;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::{Event, Topic};
use crate::store::outbox;
use crate::view::now_ms;

pub use moa_media::{CompressOptions, OutputFormat, Stage as CompressStage};

/// The outbox name of an upload item (local: never sent as a mutation).
pub const UPLOAD: &str = "media.upload";

/// Largest video the client queues (the server's default limit).
pub const MAX_VIDEO_BYTES: u64 = 100 * 1024 * 1024;

/// Where a photo comes from.
#[derive(Debug, Clone)]
pub enum MediaSource {
    /// A file on the device.
    Path(PathBuf),
    /// Bytes in memory (a camera capture, a paste); `name` labels progress.
    Bytes { name: String, bytes: Vec<u8> },
}

impl MediaSource {
    /// The label progress events carry.
    pub fn label(&self) -> String {
        match self {
            MediaSource::Path(p) => p.display().to_string(),
            MediaSource::Bytes { name, .. } => name.clone(),
        }
    }

    async fn read(self) -> Result<Vec<u8>> {
        match self {
            MediaSource::Path(p) => tokio::fs::read(&p)
                .await
                .map_err(|e| Error::invalid("path", &format!("cannot read {}: {e}", p.display()))),
            MediaSource::Bytes { bytes, .. } => Ok(bytes),
        }
    }
}

/// A photo or video ready to use in a review (or message): its media id is
/// valid at once; the upload is queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedMedia {
    /// The SHA-256 of the file: use it in `NewReview::photos`.
    pub media_id: String,
    pub kind: MediaKind,
    pub bytes: u64,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub blurhash: Option<String>,
    /// The compressed file on the device.
    pub path: PathBuf,
    /// Its thumbnail (photos).
    pub thumbnail_path: Option<PathBuf>,
    /// The outbox item uploading it.
    pub upload_id: String,
}

/// The arguments of an upload item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadArgs {
    pub sha256: String,
    pub size: u64,
    pub kind: MediaKind,
    /// The file to send.
    pub path: String,
}

/// Where media files live on the device.
pub(crate) fn media_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("media")
}

fn file_path(data_dir: &Path, id: &str, thumbnail: bool) -> PathBuf {
    let name = if thumbnail {
        format!("{id}.thumb")
    } else {
        id.to_owned()
    };
    media_dir(data_dir).join(name)
}

/// Writes `bytes` to `path` whole or not at all (temp file, then rename).
async fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let storage = |e: std::io::Error| {
        Error::Storage(crate::error::Detail::caused_by(
            format!("{}: {e}", path.display()),
            e,
        ))
    };
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await.map_err(storage)?;
    }
    let tmp = path.with_extension(format!("tmp{}", rand::random::<u32>()));
    tokio::fs::write(&tmp, bytes).await.map_err(storage)?;
    tokio::fs::rename(&tmp, path).await.map_err(storage)
}

fn media_error(e: moa_media::Error) -> Error {
    match e {
        // Photos of a type this device cannot decode (HEIC from an iPhone):
        // a refusal apps recognise, to convert the photo and try again.
        moa_media::Error::Unsupported { format }
            if matches!(format.as_str(), "heic" | "avif" | "gif") =>
        {
            Error::UnsupportedPhoto { format }
        }
        moa_media::Error::Unsupported { format } => Error::invalid(
            "photo",
            &format!("not a photo ({format}): choose a JPEG, PNG or WebP photo"),
        ),
        moa_media::Error::TooManyPixels { width, height, max } => Error::invalid(
            "photo",
            &format!("{width} x {height} is more than the {max} pixels a photo may have"),
        ),
        moa_media::Error::Corrupt(detail) => {
            Error::invalid("photo", &format!("the photo is damaged: {detail}"))
        }
        other => Error::Storage(format!("photo compression failed: {other}").into()),
    }
}

impl Client {
    /// The member's photos and videos: adding them (compressed, queued for
    /// upload) and the local files and facts of any media id. Cheap.
    pub fn media(&self) -> MediaHandle {
        MediaHandle {
            client: self.clone(),
        }
    }
}

/// Photos and videos, from [`Client::media`]: [`add_photo`](Self::add_photo)
/// and [`add_video`](Self::add_video) queue uploads, [`file`](Self::file)
/// and [`info`](Self::info) answer what a media id is, from the device when
/// they can. Cheap to clone (a [`Client`] clone). Named so that it does not
/// clash with the wire type `moa_protocol::Media` (what [`Self::info`]
/// answers).
#[derive(Clone, Debug)]
pub struct MediaHandle {
    client: Client,
}

impl MediaHandle {
    /// Compresses a photo, keeps it on the device and queues its upload.
    /// Answers at once with its media id, usable in a review right away
    /// (also offline). Progress: [`Event::Compressing`], then
    /// [`Event::Uploading`] from the sync loop.
    pub async fn add_photo(&self, source: MediaSource) -> Result<PreparedMedia> {
        let account = self.client.account()?;
        let label = source.label();
        let input = source.read().await?;
        let options = self.client.options().photo;
        let events = account.clone();
        let progress_label = label.clone();
        let compressed = tokio::task::spawn_blocking(move || {
            moa_media::compress(&input, &options, &mut |stage| {
                events.send(Event::Compressing {
                    source: progress_label.clone(),
                    stage,
                });
            })
        })
        .await?
        .map_err(media_error)?;
        let id = moa_media::sha256_hex(&compressed.image.bytes);
        let path = file_path(self.client.data_dir(), &id, false);
        let thumbnail_path = file_path(self.client.data_dir(), &id, true);
        write_atomic(&path, &compressed.image.bytes).await?;
        write_atomic(&thumbnail_path, &compressed.thumbnail.bytes).await?;
        let size = compressed.image.bytes.len() as u64;
        let upload_id = self
            .queue_upload(&account, &id, size, MediaKind::Photo, &path)
            .await?;
        Ok(PreparedMedia {
            media_id: id,
            kind: MediaKind::Photo,
            bytes: size,
            width: Some(compressed.image.width),
            height: Some(compressed.image.height),
            blurhash: Some(compressed.blurhash),
            path,
            thumbnail_path: Some(thumbnail_path),
            upload_id,
        })
    }

    /// Queues a video (MP4, MOV or WebM, at most 100 MB) to upload as it is.
    /// No poster frame is made: that would need a system video library.
    pub async fn add_video(&self, source: MediaSource) -> Result<PreparedMedia> {
        let account = self.client.account()?;
        let bytes = source.read().await?;
        match moa_media::sniff(&bytes) {
            Some(f) if f.is_video() => {}
            _ => return Err(Error::invalid("video", "choose an MP4, MOV or WebM video")),
        }
        let size = bytes.len() as u64;
        if size > MAX_VIDEO_BYTES {
            return Err(Error::invalid(
                "video",
                &format!("a video may be at most {} MB", MAX_VIDEO_BYTES >> 20),
            ));
        }
        let id = moa_media::sha256_hex(&bytes);
        let path = file_path(self.client.data_dir(), &id, false);
        write_atomic(&path, &bytes).await?;
        let upload_id = self
            .queue_upload(&account, &id, size, MediaKind::Video, &path)
            .await?;
        Ok(PreparedMedia {
            media_id: id,
            kind: MediaKind::Video,
            bytes: size,
            width: None,
            height: None,
            blurhash: None,
            path,
            thumbnail_path: None,
            upload_id,
        })
    }

    async fn queue_upload(
        &self,
        account: &crate::account::Account,
        id: &str,
        size: u64,
        kind: MediaKind,
        path: &Path,
    ) -> Result<String> {
        let args = UploadArgs {
            sha256: id.to_owned(),
            size,
            kind,
            path: path.display().to_string(),
        };
        let args = serde_json::to_value(&args)
            .map_err(|e| Error::Storage(format!("cannot encode an upload: {e}").into()))?;
        let item = uuid::Uuid::now_v7().to_string();
        let item_id = item.clone();
        let media_id = id.to_owned();
        let queued = account
            .store
            .write(move |tx| {
                // The same file added twice (two reviews, a retry) uploads once.
                if let Some(existing) = outbox::pending_upload_of(tx, &media_id)? {
                    return Ok(existing);
                }
                outbox::append_upload(tx, &item_id, &args, now_ms())?;
                Ok(item_id)
            })
            .await?;
        self.client.after_write(account, vec![Topic::Outbox]).await;
        Ok(queued)
    }

    /// Calls the server as the signed-in member (the token refreshed once if
    /// it expired), or anonymously when nobody is signed in: media of public
    /// content is readable by anyone.
    async fn as_member_or_anonymous<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: Fn(crate::api::Api, Option<String>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        match self.client.account() {
            Ok(account) => account.authed(|api, token| call(api, Some(token))).await,
            Err(_) => call(self.client.api().clone(), None).await,
        }
    }

    /// What the server knows of a media id (size, pixels, blurhash), fetched
    /// once and kept beside the file, so placeholders show offline too.
    pub async fn info(&self, media_id: &str) -> Result<moa_protocol::Media> {
        if !moa_protocol::is_media_id(media_id) {
            return Err(Error::invalid("media_id", "not a media id"));
        }
        let path = media_dir(self.client.data_dir()).join(format!("{media_id}.json"));
        if let Ok(bytes) = tokio::fs::read(&path).await
            && let Ok(info) = serde_json::from_slice::<moa_protocol::Media>(&bytes)
        {
            return Ok(info);
        }
        let remote = format!("/media/{media_id}/info");
        let info: moa_protocol::Media = self
            .as_member_or_anonymous(|api, token| {
                let remote = remote.clone();
                async move { api.get(token.as_deref(), &remote).await }
            })
            .await?;
        if info.id != media_id {
            return Err(Error::Server("the media info is of another file".into()));
        }
        write_atomic(&path, &serde_json::to_vec(&info)?).await?;
        Ok(info)
    }

    /// A local file of a media id (its thumbnail when `thumbnail`): the
    /// photo the member added, or a copy downloaded once from the server.
    pub async fn file(&self, media_id: &str, thumbnail: bool) -> Result<PathBuf> {
        if !moa_protocol::is_media_id(media_id) {
            return Err(Error::invalid("media_id", "not a media id"));
        }
        let path = file_path(self.client.data_dir(), media_id, thumbnail);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(path);
        }
        let remote = if thumbnail {
            format!("/media/{media_id}/thumbnail")
        } else {
            format!("/media/{media_id}")
        };
        let bytes = self
            .as_member_or_anonymous(|api, token| {
                let remote = remote.clone();
                async move { api.download(token.as_deref(), &remote).await }
            })
            .await?;
        if !thumbnail && moa_media::sha256_hex(&bytes) != media_id {
            return Err(Error::Server(
                "the downloaded file does not match its id".into(),
            ));
        }
        write_atomic(&path, &bytes).await?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn photos_of_an_undecodable_type_are_their_own_error() {
        for format in ["heic", "avif", "gif"] {
            let e = media_error(moa_media::Error::Unsupported {
                format: format.into(),
            });
            assert_eq!(
                e,
                Error::UnsupportedPhoto {
                    format: format.into()
                }
            );
        }
        // Bytes that are no photo at all stay a plain refusal of the field.
        let e = media_error(moa_media::Error::Unsupported {
            format: "unknown".into(),
        });
        assert!(matches!(e, Error::Invalid { field, .. } if field == "photo"));
    }
}
