//! [`MoaOutbox`]: client-core's `OutboxHandle` (`client.outbox()`) as a
//! uniffi object: what has not reached the server yet, and the drafts of
//! refused edits. Each method is one call of the method of the same name
//! there.

use moa_client_core::{Draft, OutboxHandle, OutboxItem};

use crate::error::Result;
use crate::handles::Live;

/// The outbox and drafts, from `MoaClient.outbox()`.
#[derive(uniffi::Object)]
pub struct MoaOutbox {
    core: OutboxHandle,
    _live: Live,
}

impl MoaOutbox {
    pub(crate) fn new(core: OutboxHandle) -> MoaOutbox {
        MoaOutbox {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaOutbox {
    /// Everything not yet confirmed by the server, oldest first.
    pub async fn items(&self) -> Result<Vec<OutboxItem>> {
        Ok(self.core.items().await?)
    }

    /// Sends an outbox item again now (a refused one as a new change).
    pub async fn retry(&self, id: String) -> Result<()> {
        Ok(self.core.retry(&id).await?)
    }

    /// Drops a queued or refused outbox item (its effect leaves the view).
    pub async fn discard(&self, id: String) -> Result<()> {
        Ok(self.core.discard(&id).await?)
    }

    /// Changes the text of a review or comment not sent yet.
    pub async fn edit_pending_text(
        &self,
        id: String,
        title: Option<String>,
        body: Option<String>,
    ) -> Result<()> {
        Ok(self.core.edit_pending_text(&id, title, body).await?)
    }

    /// Text kept from refused edits.
    pub async fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(self.core.drafts().await?)
    }

    pub async fn reapply_draft(&self, id: String) -> Result<()> {
        Ok(self.core.reapply_draft(&id).await?)
    }

    pub async fn dismiss_draft(&self, id: String) -> Result<()> {
        Ok(self.core.dismiss_draft(&id).await?)
    }
}

impl std::fmt::Debug for MoaOutbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaOutbox")
            .field("core", &self.core)
            .finish()
    }
}
