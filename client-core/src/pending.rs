//! [`OutboxHandle`] (`client.outbox()`): what has not reached the server
//! yet, and what to do about it. Every write lands in the outbox at once
//! and shows through the overlay; the items stay listed until the server's
//! answer and the next pull have brought their effect. Here the UI lists
//! them (state, attempts, the refusal), sends one again now, discards one
//! (its effect leaves the view) or changes the text of one that never left
//! the device; and works through the drafts the refused text edits left.
//!
//! Which items may be rewritten or dropped is the rule of `crate::outbox`
//! (one that may have reached the server never is: its answer may only
//! have been lost).

use moa_protocol::Op;
use rusqlite::{Transaction, params};
use serde_json::Value;

use crate::client::{Client, confirmed_version, new_id};
use crate::error::{Error, Result};
use crate::model::{Draft, DraftKind, ItemError, OutboxItem, OutboxState, Topic};
use crate::outbox as rules;
use crate::store::outbox;

impl Client {
    /// The outbox and the drafts of refused edits. Cheap.
    pub fn outbox(&self) -> OutboxHandle {
        OutboxHandle {
            client: self.clone(),
        }
    }
}

/// The outbox and drafts, from [`Client::outbox`]. Cheap to clone (a
/// [`Client`] clone).
#[derive(Clone, Debug)]
pub struct OutboxHandle {
    client: Client,
}

impl OutboxHandle {
    /// Everything not yet confirmed, oldest first.
    pub async fn items(&self) -> Result<Vec<OutboxItem>> {
        let account = self.client.account()?;
        let rows = account.store.read(outbox::all).await?;
        Ok(rows
            .into_iter()
            .map(|row| OutboxItem {
                discardable: rules::may_rewrite(row.pending()),
                // An upload is about its media id.
                target_id: if row.name == crate::media::UPLOAD {
                    row.args
                        .get("sha256")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                } else if row.op.is_chat() {
                    crate::chat::target_id(&row.op).map(str::to_owned)
                } else {
                    crate::overlay::target_id(&row.op).map(str::to_owned)
                },
                error: row.error_code.map(|code| ItemError {
                    code,
                    message: row.error_message.unwrap_or_default(),
                }),
                id: row.id,
                action: row.name,
                state: row.state,
                attempts: row.attempts,
                created_at: row.created_at,
            })
            .collect())
    }

    /// Sends an item again now. A refused item goes out as a new mutation
    /// (the server would answer the old id with the old refusal); a refused
    /// edit is rebased on the version the device has now.
    pub async fn retry(&self, id: &str) -> Result<()> {
        let account = self.client.account()?;
        let id = id.to_owned();
        account
            .store
            .write(move |tx| {
                let row = outbox::get(tx, &id)?.ok_or_else(|| Error::NotFound(format!("outbox item {id}")))?;
                match row.state {
                    OutboxState::Queued => {
                        outbox::retry(tx, &id)?;
                    }
                    OutboxState::Failed => {
                        let args = match row.op {
                            // An op this build cannot read goes out as stored.
                            Op::Unknown { .. } => row.args,
                            op => rebase_on_confirmed(tx, op)?.args()?,
                        };
                        tx.execute(
                            "UPDATE outbox SET id = ?1, args = ?2, state = 'queued', attempts = 0, \
                             next_attempt_at = 0, error_code = NULL, error_message = NULL WHERE id = ?3",
                            params![new_id(), args.to_string(), id],
                        )?;
                        tx.execute("DELETE FROM drafts WHERE id = ?1", [&id])?;
                    }
                    _ => {}
                }
                Ok(())
            })
            .await?;
        self.client.after_write(&account, vec![Topic::Drafts]).await;
        Ok(())
    }

    /// Drops an item that never left the device, or that the server refused
    /// (its effect leaves the view). One that was sent may have been applied
    /// (its answer lost): it is not dropped, it goes out again.
    pub async fn discard(&self, id: &str) -> Result<()> {
        let account = self.client.account()?;
        let id = id.to_owned();
        let gone = account
            .store
            .write(move |tx| {
                tx.execute("DELETE FROM drafts WHERE id = ?1", [&id])?;
                outbox::discard(tx, &id)
            })
            .await?;
        if !gone {
            return Err(Error::invalid(
                "id",
                "no such item, or it may have reached the server already (it will be sent again)",
            ));
        }
        self.client
            .after_write(
                &account,
                vec![
                    Topic::Reviews,
                    Topic::Comments,
                    Topic::Feed,
                    Topic::Drafts,
                    Topic::Rooms,
                    Topic::Messages,
                ],
            )
            .await;
        Ok(())
    }

    /// Changes the text of an item that never left the device, or was
    /// refused (a review or comment being created or edited). One that was
    /// sent may have been applied: edit the review or comment instead.
    pub async fn edit_pending_text(
        &self,
        id: &str,
        title: Option<String>,
        body: Option<String>,
    ) -> Result<()> {
        let account = self.client.account()?;
        let id = id.to_owned();
        account
            .store
            .write(move |tx| {
                let row = outbox::get(tx, &id)?
                    .filter(|r| rules::may_rewrite(r.pending()))
                    .ok_or_else(|| {
                        Error::invalid(
                            "id",
                            "no such item, or it may have reached the server already",
                        )
                    })?;
                let mut op = row.op;
                match &mut op {
                    Op::ReviewCreate(r) => {
                        if let Some(t) = title {
                            r.title = t;
                        }
                        if let Some(b) = body {
                            r.body = b;
                        }
                    }
                    Op::ReviewEdit(a) => {
                        if title.is_some() {
                            a.edit.title = title;
                        }
                        if body.is_some() {
                            a.edit.body = body;
                        }
                    }
                    // Comments have no title.
                    Op::CommentCreate(a) => {
                        if let Some(b) = body {
                            a.comment.body = b;
                        }
                    }
                    Op::CommentEdit(a) => {
                        if let Some(b) = body {
                            a.edit.body = b;
                        }
                    }
                    _ => return Err(Error::invalid("id", "this item has no text")),
                }
                outbox::set_op(tx, &id, &op)?;
                Ok(())
            })
            .await?;
        self.client
            .after_write(&account, vec![Topic::Reviews, Topic::Comments, Topic::Feed])
            .await;
        Ok(())
    }

    /// Text kept from refused edits.
    pub async fn drafts(&self) -> Result<Vec<Draft>> {
        let account = self.client.account()?;
        account
            .store
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT id, kind, target_id, data, reason_code, reason, created_at FROM drafts ORDER BY created_at",
                )?;
                let rows = stmt.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                    ))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (id, kind, target_id, data, code, message, created_at) = row?;
                    let data: Value = serde_json::from_str(&data)?;
                    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
                    out.push(Draft {
                        id,
                        kind: if kind == "comment_edit" {
                            DraftKind::CommentEdit
                        } else {
                            DraftKind::ReviewEdit
                        },
                        target_id,
                        title: text("title"),
                        body: text("body"),
                        error: ItemError { code, message },
                        created_at,
                    });
                }
                Ok(out)
            })
            .await
    }

    /// Applies a draft's text again, over the version the device has now.
    pub async fn reapply_draft(&self, id: &str) -> Result<()> {
        self.retry(id).await
    }

    /// Forgets a draft and the refused item it came from.
    pub async fn dismiss_draft(&self, id: &str) -> Result<()> {
        self.discard(id).await
    }
}

/// A refused edit rebased on the confirmed version now (other ops as they
/// are).
fn rebase_on_confirmed(tx: &Transaction<'_>, mut op: Op) -> Result<Op> {
    let confirmed = match op.edited() {
        Some((kind, id, _)) => confirmed_version(tx, &kind, id)?,
        None => None,
    };
    if let Some(v) = confirmed {
        op.set_base_version(v);
    }
    Ok(op)
}
