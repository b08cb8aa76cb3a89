//! [`MoaRoom`]: client-core's `RoomHandle` (`client.room(id)`) as a uniffi
//! object: one chat room's messages, sends, edits, deletes, read marker,
//! typing and members. Each method is one call of the method of the same
//! name there, for the room the object was made for.

use moa_client_core::{ChatMessage, ChatRoom, RoomHandle};

use crate::error::Result;
use crate::handles::Live;
use crate::types::RoomChanges;

/// One chat room, from `MoaClient.room(roomId)`. Making one checks nothing:
/// a room not known on the device answers `NotFound` from its methods.
#[derive(uniffi::Object)]
pub struct MoaRoom {
    core: RoomHandle,
    _live: Live,
}

impl MoaRoom {
    pub(crate) fn new(core: RoomHandle) -> MoaRoom {
        MoaRoom {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaRoom {
    /// The room id this object was made with.
    pub fn id(&self) -> String {
        self.core.id().to_owned()
    }

    /// The room as shown (with pending changes).
    pub async fn info(&self) -> Result<ChatRoom> {
        Ok(self.core.info().await?)
    }

    /// The room's messages from the device, oldest first: the newest `limit`
    /// before `before_seq` (absent: the newest, then pending sends).
    pub async fn messages(&self, before_seq: Option<i64>, limit: u32) -> Result<Vec<ChatMessage>> {
        Ok(self.core.messages(before_seq, limit).await?)
    }

    /// Older history, fetched from the server when the device lacks it.
    pub async fn load_older(&self, before_seq: i64, limit: u32) -> Result<Vec<ChatMessage>> {
        Ok(self.core.load_older(before_seq, limit).await?)
    }

    /// Sends a message (text and/or media ids); answers its id.
    pub async fn send(
        &self,
        body: String,
        media: Vec<String>,
        reply_to: Option<String>,
    ) -> Result<String> {
        Ok(self.core.send(&body, media, reply_to.as_deref()).await?)
    }

    pub async fn edit(&self, message_id: String, body: String) -> Result<()> {
        Ok(self.core.edit(&message_id, &body).await?)
    }

    pub async fn delete(&self, message_id: String) -> Result<()> {
        Ok(self.core.delete(&message_id).await?)
    }

    /// Marks the room read up to `seq`.
    pub async fn mark_read(&self, seq: i64) -> Result<()> {
        Ok(self.core.mark_read(seq).await?)
    }

    /// Tells the room the member is typing (throttled); answers whether a
    /// notice went out.
    pub async fn typing(&self) -> Result<bool> {
        Ok(self.core.typing().await?)
    }

    /// The members typing in the room now.
    pub fn typing_members(&self) -> Vec<String> {
        self.core.typing_members()
    }

    pub async fn update(&self, changes: RoomChanges) -> Result<()> {
        Ok(self.core.update(changes.into()).await?)
    }

    pub async fn invite(&self, user_id: String) -> Result<()> {
        Ok(self.core.invite(&user_id).await?)
    }

    pub async fn remove_member(&self, user_id: String) -> Result<()> {
        Ok(self.core.remove_member(&user_id).await?)
    }

    pub async fn leave(&self) -> Result<()> {
        Ok(self.core.leave().await?)
    }

    pub async fn transfer_owner(&self, user_id: String) -> Result<()> {
        Ok(self.core.transfer_owner(&user_id).await?)
    }

    pub async fn set_muted(&self, muted: bool) -> Result<()> {
        Ok(self.core.set_muted(muted).await?)
    }
}

impl std::fmt::Debug for MoaRoom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaRoom").field("core", &self.core).finish()
    }
}
