//! [`MoaSearch`]: client-core's `SearchHandle` (`client.search()`) as a
//! uniffi object: search on the device and the server, suggestions while
//! typing, recent searches. Each method is one call of the method of the
//! same name there.

use moa_client_core::SearchHandle;
use moa_client_core::protocol::{SearchHit, SearchType};

use crate::error::Result;
use crate::handles::Live;
use moa_client_core::SearchOutcome;

/// Search, from `MoaClient.search()`.
#[derive(uniffi::Object)]
pub struct MoaSearch {
    core: SearchHandle,
    _live: Live,
}

impl MoaSearch {
    pub(crate) fn new(core: SearchHandle) -> MoaSearch {
        MoaSearch {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaSearch {
    /// What the device finds among what it has cached, at once (offline too).
    pub async fn local(&self, text: String, kind: SearchType) -> Result<Vec<SearchHit>> {
        Ok(self.core.local(&text, kind).await?)
    }

    /// The device's hits, then the server's below them without duplicates;
    /// `cursor` asks for the server's next page of one kind.
    pub async fn query(
        &self,
        text: String,
        kind: SearchType,
        cursor: Option<String>,
    ) -> Result<SearchOutcome> {
        Ok(self.core.query(&text, kind, cursor).await?)
    }

    /// Titles to offer while typing (debounce on the caller's side).
    pub async fn suggestions(&self, text: String) -> Result<Vec<String>> {
        Ok(self.core.suggestions(&text).await?)
    }

    /// Keeps what the member submitted as the newest recent search.
    pub async fn remember(&self, text: String) -> Result<()> {
        Ok(self.core.remember(&text).await?)
    }

    /// Recent searches, newest first.
    pub async fn recent(&self) -> Result<Vec<String>> {
        Ok(self.core.recent().await?)
    }

    /// Forgets one recent search.
    pub async fn forget(&self, text: String) -> Result<()> {
        Ok(self.core.forget(&text).await?)
    }

    /// Forgets every recent search.
    pub async fn clear_recent(&self) -> Result<()> {
        Ok(self.core.clear_recent().await?)
    }
}

impl std::fmt::Debug for MoaSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaSearch")
            .field("core", &self.core)
            .finish()
    }
}
