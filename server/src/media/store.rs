//! The one storage interface for media files: local disk (default, under the
//! data dir) or an S3-compatible object store, chosen by configuration.
//!
//! Both are `object_store` backends behind [`MediaStore`], so the upload and
//! serving code never knows which one it talks to. Keys are
//! `media/<aa>/<sha256>` for files, `media/<aa>/<sha256>.thumb` for
//! thumbnails, and `staging/<upload id>/...` for the chunks of unfinished
//! uploads (kept in the store, not on a node's disk, so any node can take the
//! next chunk).

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use crate::state::{MediaStoreConfig, S3Settings};

/// Errors of the storage backend (mapped to 5xx at the edge, except
/// [`StoreError::NotFound`]).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such object: {0}")]
    NotFound(String),
    #[error("cannot set up media storage: {0}")]
    Config(String),
    #[error("media storage: {0}")]
    Backend(#[source] object_store::Error),
    /// A local file being stored could not be read.
    #[error("reading {0}")]
    File(String),
}

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { path, .. } => StoreError::NotFound(path),
            other => StoreError::Backend(other),
        }
    }
}

/// Media storage; cheap to clone.
#[derive(Clone, Debug)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    kind: &'static str,
}

/// A byte stream read from the store.
pub type ByteStream = BoxStream<'static, Result<Bytes, StoreError>>;

impl MediaStore {
    /// Opens the store `config` names; disk media lives in `data_dir/media`.
    pub fn open(config: &MediaStoreConfig, data_dir: &FsPath) -> Result<MediaStore, StoreError> {
        match config {
            MediaStoreConfig::Disk => {
                let root = data_dir.join("media");
                std::fs::create_dir_all(&root)
                    .map_err(|e| StoreError::Config(format!("{}: {e}", root.display())))?;
                let fs = LocalFileSystem::new_with_prefix(&root)
                    .map_err(|e| StoreError::Config(e.to_string()))?
                    .with_automatic_cleanup(true);
                Ok(MediaStore {
                    inner: Arc::new(fs),
                    kind: "disk",
                })
            }
            MediaStoreConfig::S3(s3) => Self::s3(s3),
        }
    }

    fn s3(s3: &S3Settings) -> Result<MediaStore, StoreError> {
        install_tls_provider();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&s3.bucket)
            .with_region(&s3.region)
            .with_access_key_id(&s3.access_key_id)
            .with_secret_access_key(&s3.secret_access_key);
        if let Some(endpoint) = &s3.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder
            .build()
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let inner: Arc<dyn ObjectStore> = match s3.prefix.as_deref().filter(|p| !p.is_empty()) {
            Some(prefix) => Arc::new(PrefixStore::new(store, prefix)),
            None => Arc::new(store),
        };
        Ok(MediaStore { inner, kind: "s3" })
    }

    /// `disk` or `s3`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    pub async fn put(&self, key: &str, bytes: Bytes) -> Result<(), StoreError> {
        self.inner
            .put(&Path::from(key), PutPayload::from_bytes(bytes))
            .await?;
        Ok(())
    }

    /// Writes an object from a stream of chunks without holding it whole in
    /// memory (a multipart upload on S3). On error nothing is left behind.
    pub async fn put_stream(
        &self,
        key: &str,
        mut chunks: impl futures_util::Stream<Item = Result<Bytes, StoreError>> + Unpin,
    ) -> Result<(), StoreError> {
        let upload = self.inner.put_multipart(&Path::from(key)).await?;
        let mut writer = WriteMultipart::new(upload);
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(bytes) => writer.put(bytes),
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            }
        }
        writer.finish().await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Bytes, StoreError> {
        Ok(self.inner.get(&Path::from(key)).await?.bytes().await?)
    }

    /// The whole object as a stream.
    pub async fn stream(&self, key: &str) -> Result<ByteStream, StoreError> {
        let result = self.inner.get(&Path::from(key)).await?;
        Ok(result.into_stream().map_err(StoreError::from).boxed())
    }

    pub async fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes, StoreError> {
        Ok(self.inner.get_range(&Path::from(key), range).await?)
    }

    /// Size of an object, or `None` when there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>, StoreError> {
        match self.inner.head(&Path::from(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes an object; a missing one is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Keys under `prefix` (for tests and clean-up).
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let prefix = Path::from(prefix);
        let metas: Vec<_> = self.inner.list(Some(&prefix)).try_collect().await?;
        Ok(metas.into_iter().map(|m| m.location.to_string()).collect())
    }
}

/// The key of a media file.
pub fn file_key(id: &str) -> String {
    format!("media/{}/{id}", &id[..2.min(id.len())])
}

/// The key of a photo's thumbnail.
pub fn thumbnail_key(id: &str) -> String {
    format!("{}.thumb", file_key(id))
}

/// The key of one received chunk of an upload.
pub fn chunk_key(upload_id: &str, offset: u64, nonce: &str) -> String {
    format!("staging/{upload_id}/{offset:016}-{nonce}")
}

/// rustls needs one process-wide crypto provider for HTTPS to S3; the
/// workspace uses `ring` (as sqlx does). Installing twice is harmless.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
