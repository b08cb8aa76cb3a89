//! The member's own data: "download my data" (ask the server for a copy,
//! follow it being built, download it with progress into a folder,
//! resuming a cut download) and deleting the account (what the server
//! keeps and for how long, then the deletion, which also wipes this
//! device's copy of the account).
//!
//! All of it needs the server (offline: [`Error::Network`]); nothing here
//! goes through the outbox: a deletion must not wait in a queue, and a
//! copy of one's data is only useful fresh.

use std::path::{Path, PathBuf};
use std::time::Duration;

use moa_protocol::{DataExport, DeleteAccountRequest, DeletionPolicy, ExportState};

use crate::client::Client;
use crate::error::{Detail, Error, Result};

/// Bytes asked for per ranged request of a download.
pub const DOWNLOAD_CHUNK: u64 = 1 << 20;
/// How often a building export is asked about.
const POLL: Duration = Duration::from_millis(700);
/// How long [`Client::export_my_data`] waits for the server to build it.
const BUILD_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// Where "download my data" is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataExportProgress {
    /// The server is building the copy: `done` of `total` steps.
    Building { done: u32, total: u32 },
    /// Downloading: `received` of `total` bytes are in the file.
    Downloading { received: u64, total: u64 },
}

/// A copy of the member's data saved on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedExport {
    pub export_id: String,
    /// The zip.
    pub path: PathBuf,
    pub bytes: u64,
}

fn storage(what: String, e: std::io::Error) -> Error {
    Error::Storage(Detail::caused_by(what, e))
}

impl Client {
    /// What deleting the account keeps and for how long (show it before
    /// asking for the password).
    pub async fn deletion_policy(&self) -> Result<DeletionPolicy> {
        self.account()?.get("/me/deletion").await
    }

    /// Deletes the account (the password confirms it; an account without
    /// one signs in again with its provider first). On success this device
    /// signs out and forgets the account: its cached data and any changes
    /// not yet sent are wiped.
    pub async fn delete_account(&self, password: &str) -> Result<()> {
        let account = self.account()?;
        let req = DeleteAccountRequest {
            password: password.to_owned(),
        };
        account
            .authed(|api, token| {
                let req = req.clone();
                async move { api.delete_with::<_, ()>(Some(&token), "/me", &req).await }
            })
            .await?;
        let user_id = account.user_id.clone();
        drop(account);
        self.sign_out().await?;
        self.forget_account(&user_id).await;
        Ok(())
    }

    /// Asks the server for a copy of the member's data (an export still
    /// being built is answered as it is; at most 3 a day: `rate_limited`).
    pub async fn request_data_export(&self) -> Result<DataExport> {
        self.account()?.post("/me/exports", &()).await
    }

    /// The member's exports, newest first.
    pub async fn data_exports(&self) -> Result<Vec<DataExport>> {
        self.account()?.get("/me/exports").await
    }

    /// One export, as it is now.
    pub async fn data_export(&self, id: &str) -> Result<DataExport> {
        self.account()?.get(&format!("/me/exports/{id}")).await
    }

    /// Downloads a ready export into `folder` as `moa-data-<date>.zip`
    /// (`moa-data-<date> (2).zip` … when taken), 1 MiB a request, telling
    /// `progress` after each. A download cut short (network, app closed)
    /// leaves `<name>.part`; the next call for the same export resumes it.
    pub async fn download_data_export(
        &self,
        id: &str,
        folder: &Path,
        progress: impl Fn(DataExportProgress),
    ) -> Result<SavedExport> {
        let export = self.data_export(id).await?;
        if export.state != ExportState::Ready {
            return Err(Error::Rejected {
                code: moa_protocol::ErrorCode::InvalidState,
                message: format!("this export is {}, not ready", export.state.as_str()),
                field: None,
            });
        }
        let account = self.account()?;
        tokio::fs::create_dir_all(folder)
            .await
            .map_err(|e| storage(format!("cannot create {}", folder.display()), e))?;
        let partial = folder.join(format!("moa-data-{}.zip.part", short(&export.id)));
        let mut received = match tokio::fs::metadata(&partial).await {
            Ok(m) if m.len() <= export.bytes => m.len(),
            _ => 0,
        };
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)
            .await
            .map_err(|e| storage(format!("cannot write {}", partial.display()), e))?;
        file.set_len(received)
            .await
            .map_err(|e| storage(format!("cannot write {}", partial.display()), e))?;
        let total = export.bytes;
        progress(DataExportProgress::Downloading { received, total });
        let path = format!("/me/exports/{}/file", export.id);
        while received < total {
            let end = (received + DOWNLOAD_CHUNK).min(total) - 1;
            let bytes = account.byte_range(&path, received, end).await?;
            if bytes.is_empty() || bytes.len() as u64 > end + 1 - received {
                return Err(Error::Server(Detail::from(format!(
                    "the export's download answered {} bytes for {received}-{end}",
                    bytes.len()
                ))));
            }
            use tokio::io::AsyncWriteExt;
            file.write_all(&bytes)
                .await
                .map_err(|e| storage(format!("cannot write {}", partial.display()), e))?;
            received += bytes.len() as u64;
            progress(DataExportProgress::Downloading { received, total });
        }
        {
            use tokio::io::AsyncWriteExt;
            file.flush()
                .await
                .map_err(|e| storage(format!("cannot write {}", partial.display()), e))?;
        }
        file.sync_all()
            .await
            .map_err(|e| storage(format!("cannot write {}", partial.display()), e))?;
        drop(file);
        let date = moa_protocol::kst::date_of(export.created_at);
        let target = free_name(folder, &format!("moa-data-{date}"), "zip").await;
        tokio::fs::rename(&partial, &target)
            .await
            .map_err(|e| storage(format!("cannot save {}", target.display()), e))?;
        Ok(SavedExport {
            export_id: export.id,
            path: target,
            bytes: total,
        })
    }

    /// "Download my data" in one call: asks for a copy, follows the server
    /// building it, downloads it into `folder`, telling `progress` all the
    /// way. A failed build is `invalid_state`; the member may ask again.
    pub async fn export_my_data(
        &self,
        folder: &Path,
        progress: impl Fn(DataExportProgress),
    ) -> Result<SavedExport> {
        let mut export = self.request_data_export().await?;
        let started = tokio::time::Instant::now();
        while export.state.is_pending() {
            progress(DataExportProgress::Building {
                done: export.done,
                total: export.total,
            });
            if started.elapsed() > BUILD_TIMEOUT {
                return Err(Error::Server(Detail::from(
                    "the server took too long to build the export; try again later",
                )));
            }
            tokio::time::sleep(POLL).await;
            export = self.data_export(&export.id).await?;
        }
        progress(DataExportProgress::Building {
            done: export.total,
            total: export.total,
        });
        self.download_data_export(&export.id, folder, progress)
            .await
    }
}

/// The first 8 characters of an id (file names).
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// `folder/stem.ext`, or `stem (2).ext`, … whichever does not exist yet.
async fn free_name(folder: &Path, stem: &str, ext: &str) -> PathBuf {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem} ({n}).{ext}")
        };
        let path = folder.join(name);
        if !tokio::fs::try_exists(&path).await.unwrap_or(false) || n > 999 {
            return path;
        }
        n += 1;
    }
}
