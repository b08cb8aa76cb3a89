//! Catalog upkeep: the member who added a place or product (or a
//! moderator) edits or deletes it, through the outbox like every other
//! change (the server refuses anyone else with `not_author`); and a
//! member's comments, for their profile (online, like the other lists in
//! `online`).

use moa_protocol::sync::IdArgs;
use moa_protocol::{
    EditPlaceArgs, EditPlaceRequest, EditProductArgs, EditProductRequest, Op, Page, ProfileComment,
};

use crate::api::{encode, with_query};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::Topic;

/// One page of a member's comments; `next_cursor` asks for the next.
pub type CommentPage = Page<ProfileComment>;

/// A name given must say something.
fn check_name(name: Option<&String>) -> Result<()> {
    if name.is_some_and(|n| n.trim().is_empty()) {
        return Err(Error::Invalid {
            field: "name".into(),
            reason: "must not be empty".into(),
        });
    }
    Ok(())
}

impl Client {
    /// Changes a place the member added (moderators: any place). Answers
    /// the mutation id; the place's page shows it once sent.
    pub async fn edit_place(&self, id: &str, edit: EditPlaceRequest) -> Result<String> {
        check_name(edit.name.as_ref())?;
        let args = EditPlaceArgs {
            id: id.to_owned(),
            edit,
        };
        self.enqueue(Op::PlaceEdit(args), vec![Topic::Feed]).await
    }

    /// Deletes a place the member added (moderators: any place): with
    /// reviews its page stays, marked deleted.
    pub async fn delete_place(&self, id: &str) -> Result<String> {
        let args = IdArgs { id: id.to_owned() };
        self.enqueue(Op::PlaceDelete(args), vec![Topic::Feed]).await
    }

    /// Changes a product the member added (moderators: any product).
    pub async fn edit_product(&self, id: &str, edit: EditProductRequest) -> Result<String> {
        check_name(edit.name.as_ref())?;
        let args = EditProductArgs {
            id: id.to_owned(),
            edit,
        };
        self.enqueue(Op::ProductEdit(args), vec![Topic::Feed]).await
    }

    /// Deletes a product the member added (moderators: any product).
    pub async fn delete_product(&self, id: &str) -> Result<String> {
        let args = IdArgs { id: id.to_owned() };
        self.enqueue(Op::ProductDelete(args), vec![Topic::Feed])
            .await
    }

    /// A member's comments, newest first, each with its review's title: the
    /// first page, or the one after `cursor`. Online.
    pub async fn member_comments(
        &self,
        user_id: &str,
        cursor: Option<String>,
    ) -> Result<CommentPage> {
        let base = format!("/users/{}/comments", encode(user_id));
        self.online_get(&with_query(&base, &[("cursor", cursor.as_deref())]))
            .await
    }
}
