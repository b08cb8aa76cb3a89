//! [`MoaMedia`]: client-core's `MediaHandle` (`client.media()`) as a uniffi
//! object: adding photos and videos, and the facts and local files of
//! media ids.
//! Each method is one call of the method of the same name there.

use moa_client_core::protocol::Media;
use moa_client_core::{MediaHandle, MediaSource, PreparedMedia};

use crate::error::Result;
use crate::handles::Live;

/// Photos and videos, from `MoaClient.media()`.
#[derive(uniffi::Object)]
pub struct MoaMedia {
    core: MediaHandle,
    _live: Live,
}

impl MoaMedia {
    pub(crate) fn new(core: MediaHandle) -> MoaMedia {
        MoaMedia {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaMedia {
    /// Compresses a photo on the device and queues its upload; answers its
    /// media id at once. Progress: `Compressing`, then `Uploading` events.
    pub async fn add_photo(&self, source: MediaSource) -> Result<PreparedMedia> {
        Ok(self.core.add_photo(source).await?)
    }

    /// Queues a video (MP4, MOV or WebM, at most 100 MB) as it is.
    pub async fn add_video(&self, source: MediaSource) -> Result<PreparedMedia> {
        Ok(self.core.add_video(source).await?)
    }

    /// What the server knows of a media id (type, size, pixels, blurhash),
    /// fetched once and kept on the device, so placeholders show offline.
    pub async fn info(&self, media_id: String) -> Result<Media> {
        Ok(self.core.info(&media_id).await?)
    }

    /// The local file of a media id (or its thumbnail), downloaded once.
    pub async fn file(&self, media_id: String, thumbnail: bool) -> Result<String> {
        let path = self.core.file(&media_id, thumbnail).await?;
        Ok(path.to_string_lossy().into_owned())
    }
}

impl std::fmt::Debug for MoaMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaMedia")
            .field("core", &self.core)
            .finish()
    }
}
