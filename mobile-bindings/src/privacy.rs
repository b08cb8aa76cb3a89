//! The member's own data on [`MoaClient`]: "download my data" with its
//! progress told to a [`DataExportListener`] the app implements, and
//! deleting the account (what is kept first, then the deletion, which
//! also wipes this device's copy). Each method is one call of client-core's
//! method of the same name.

use std::path::PathBuf;
use std::sync::Arc;

use moa_client_core::protocol::{DataExport, DeletionPolicy};
use moa_client_core::{DataExportProgress, SavedExport};

use crate::client::MoaClient;
use crate::error::Result;

/// What the app implements to show "download my data" moving (called on a
/// runtime worker thread: post to the main thread from there).
#[uniffi::export(foreign)]
pub trait DataExportListener: Send + Sync {
    fn on_progress(&self, progress: DataExportProgress);
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaClient {
    /// What deleting the account keeps and for how long (online).
    pub async fn deletion_policy(&self) -> Result<DeletionPolicy> {
        Ok(self.core.deletion_policy().await?)
    }

    /// Deletes the account; the password confirms it. This device signs
    /// out and forgets the account's data (online).
    pub async fn delete_account(&self, password: String) -> Result<()> {
        Ok(self.core.delete_account(&password).await?)
    }

    /// Asks the server for a copy of the member's data (at most 3 a day).
    pub async fn request_data_export(&self) -> Result<DataExport> {
        Ok(self.core.request_data_export().await?)
    }

    /// The member's exports, newest first.
    pub async fn data_exports(&self) -> Result<Vec<DataExport>> {
        Ok(self.core.data_exports().await?)
    }

    /// One export, as it is now.
    pub async fn data_export(&self, id: String) -> Result<DataExport> {
        Ok(self.core.data_export(&id).await?)
    }

    /// Downloads a ready export into `folder` (resuming a cut download),
    /// telling `listener` the bytes received.
    pub async fn download_data_export(
        &self,
        id: String,
        folder: PathBuf,
        listener: Arc<dyn DataExportListener>,
    ) -> Result<SavedExport> {
        Ok(self
            .core
            .download_data_export(&id, &folder, |p| listener.on_progress(p))
            .await?)
    }

    /// "Download my data" in one call: asks, follows the build, downloads
    /// into `folder`, telling `listener` all the way.
    pub async fn export_my_data(
        &self,
        folder: PathBuf,
        listener: Arc<dyn DataExportListener>,
    ) -> Result<SavedExport> {
        Ok(self
            .core
            .export_my_data(&folder, |p| listener.on_progress(p))
            .await?)
    }
}
