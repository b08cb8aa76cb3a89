//! Media on the wire: resumable, content-addressed uploads
//! (`/v1/media/uploads`) and the stored media they produce (`/v1/media/{id}`).
//!
//! A media id is the lowercase hex SHA-256 of the file's bytes, so the same
//! photo is stored once. An upload starts with the hash and size; if the
//! server already has the file the answer is the stored [`Media`] and nothing
//! is sent. Otherwise the client sends chunks at the offset the server asks
//! for (`PATCH` with `Upload-Offset`), and completes; after an interruption it
//! asks for the session (`GET`) or starts again with the same hash, which
//! answers the open session, and goes on from `received`.

use serde::{Deserialize, Serialize};

/// What a media file is for; decides its checks and limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    /// JPEG, PNG or WebP, metadata stripped; the server makes its thumbnail.
    Photo,
    /// MP4, MOV or WebM, stored as sent.
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        match s {
            "photo" => Some(MediaKind::Photo),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }
}

/// `POST /v1/media/uploads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateUploadRequest {
    /// Lowercase hex SHA-256 of the whole file: its media id.
    pub sha256: String,
    /// Size of the whole file in bytes.
    pub size: u64,
    pub kind: MediaKind,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadSession {
    pub id: String,
    pub sha256: String,
    pub size: u64,
    pub kind: MediaKind,
    /// Bytes the server has: the offset of the next chunk.
    pub received: u64,
    /// The largest chunk the server takes in one request.
    pub max_chunk: u64,
    /// Unix ms after which an unfinished session is discarded.
    pub expires_at: i64,
}

/// The answer to starting an upload: either the file is already stored
/// (`media`, nothing to send) or a session to send it in (`upload`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadStarted {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<Media>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload: Option<UploadSession>,
}

/// A stored media file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Media {
    /// The SHA-256 of the file (lowercase hex).
    pub id: String,
    pub kind: MediaKind,
    /// Decided by the content: `image/jpeg`, `image/png`, `image/webp`,
    /// `video/mp4`, `video/quicktime`, `video/webm`.
    pub content_type: String,
    pub bytes: u64,
    /// Pixels, for photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// A blurhash placeholder, for photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    /// Path of the file (`/v1/media/{id}`).
    pub url: String,
    /// Path of the thumbnail (`/v1/media/{id}/thumbnail`), for photos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
    pub created_at: i64,
}

/// The header carrying a chunk's offset in `PATCH /v1/media/uploads/{id}`.
pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";

/// Whether `s` has the form of a media id (64 lowercase hex digits).
pub fn is_media_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_ids_are_lowercase_sha256_hex() {
        assert!(is_media_id(&"ab".repeat(32)));
        assert!(!is_media_id(&"AB".repeat(32)));
        assert!(!is_media_id(&"ab".repeat(31)));
        assert!(!is_media_id("../../etc/passwd"));
    }

    #[test]
    fn upload_started_carries_one_of_two() {
        let json = serde_json::to_string(&UploadStarted {
            media: None,
            upload: Some(UploadSession {
                id: "u".into(),
                sha256: "s".into(),
                size: 10,
                kind: MediaKind::Photo,
                received: 4,
                max_chunk: 8,
                expires_at: 1,
            }),
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"upload":{"id":"u","sha256":"s","size":10,"kind":"photo","received":4,"max_chunk":8,"expires_at":1}}"#
        );
    }
}
