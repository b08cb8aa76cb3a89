//! Discovery on the device: views that count, and the "similar" rows.
//!
//! - [`Client::note_view`]: the UI says a review stayed open for a while;
//!   a read of [`VIEW_DWELL_MS`] or more joins the `views.record` mutation
//!   waiting in the outbox (one per batch of up to
//!   [`MAX_VIEWS_PER_BATCH`]: views noted before the next push travel
//!   together). A note does not wake the sync loop: the batch leaves with
//!   the next push or pull, so reading ten reviews is one request, not ten.
//! - [`Client::similar_reviews`], [`Client::similar_products`]: asked of the
//!   server when online and kept (the items, and the list in `similar`),
//!   so the row is there offline too.
//!
//! The "for you" tab is a feed window like the others (`view::feed`).

use moa_protocol::limits::{MAX_VIEWS_PER_BATCH, VIEW_DWELL_MS};
use moa_protocol::sync::RecordViewsArgs;
use moa_protocol::{EntityKind, Op, Product, Review};
use rusqlite::{OptionalExtension, params};

use crate::api::encode;
use crate::client::{Client, cache_review, new_id, to_args};
use crate::error::{Error, Result};
use crate::model::OutboxState;
use crate::store::{entities, outbox};
use crate::view::{self, now_ms};

impl Client {
    /// Notes that the member read review `review_id` for `dwell_ms`
    /// milliseconds (call it when the review closes, or once the dwell is
    /// reached). Reads shorter than [`VIEW_DWELL_MS`] are not views;
    /// answers whether this one was queued. Works offline.
    pub async fn note_view(&self, review_id: &str, dwell_ms: u64) -> Result<bool> {
        if dwell_ms < VIEW_DWELL_MS {
            return Ok(false);
        }
        if uuid::Uuid::parse_str(review_id).is_err() {
            return Err(Error::invalid("review_id", "not a review id"));
        }
        let account = self.account()?;
        let id = review_id.to_owned();
        account
            .store
            .write(move |tx| {
                // The batch still on the device, if there is one with room.
                for row in outbox::all(tx)? {
                    let Op::ViewsRecord(a) = &row.op else {
                        continue;
                    };
                    if a.review_ids.contains(&id) && row.state != OutboxState::Failed {
                        return Ok(false);
                    }
                    if row.state == OutboxState::Queued
                        && !row.sent
                        && a.review_ids.len() < MAX_VIEWS_PER_BATCH
                    {
                        let mut ids = a.review_ids.clone();
                        ids.push(id);
                        let op = Op::ViewsRecord(RecordViewsArgs { review_ids: ids });
                        outbox::set_op(tx, &row.id, &op)?;
                        return Ok(true);
                    }
                }
                let op = Op::ViewsRecord(RecordViewsArgs {
                    review_ids: vec![id],
                });
                outbox::append(tx, &new_id(), &op, now_ms())?;
                Ok(true)
            })
            .await
    }

    /// Reviews like review `id` ("비슷한 리뷰"), best first: the server's
    /// answer when online (kept), the kept one offline (empty if none).
    pub async fn similar_reviews(&self, id: &str) -> Result<Vec<Review>> {
        let key = format!("review:{id}");
        let path = format!("/reviews/{}/similar", encode(id));
        let fetched = self.online_get::<Vec<Review>>(&path).await;
        let Ok(account) = self.account() else {
            return fetched;
        };
        let ids = match fetched {
            Ok(reviews) => {
                let ids: Vec<String> = reviews.iter().map(|r| r.id.clone()).collect();
                let list = serde_json::to_string(&ids)?;
                account
                    .store
                    .write(move |tx| {
                        for r in &reviews {
                            cache_review(tx, r)?;
                        }
                        remember(tx, &key, &list)
                    })
                    .await?;
                ids
            }
            Err(e) if e.is_transient() => match kept(&account, key).await? {
                Some(ids) => ids,
                None => return Err(e),
            },
            Err(e) => return Err(e),
        };
        account
            .store
            .read(move |c| {
                let (ops, known) = view::pending(c)?;
                let me = view::me(c, &ops)?.ok_or_else(|| Error::Auth("not signed in".into()))?;
                view::reviews(c, &ids, &ops, &known, &me)
            })
            .await
    }

    /// Products like product `id` ("비슷한 상품"), best first: online the
    /// server's answer (kept), offline the kept one.
    pub async fn similar_products(&self, id: &str) -> Result<Vec<Product>> {
        let key = format!("product:{id}");
        let path = format!("/products/{}/similar", encode(id));
        let fetched = self.online_get::<Vec<Product>>(&path).await;
        let Ok(account) = self.account() else {
            return fetched;
        };
        match fetched {
            Ok(products) => {
                let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
                let list = serde_json::to_string(&ids)?;
                let keep = products.clone();
                account
                    .store
                    .write(move |tx| {
                        for p in &keep {
                            entities::put_unsequenced(
                                tx,
                                &EntityKind::Product,
                                &p.id,
                                &to_args(p)?,
                                0,
                            )?;
                        }
                        remember(tx, &key, &list)
                    })
                    .await?;
                Ok(products)
            }
            Err(e) if e.is_transient() => {
                let Some(ids) = kept(&account, key).await? else {
                    return Err(e);
                };
                account
                    .store
                    .read(move |c| {
                        let mut out = Vec::with_capacity(ids.len());
                        for id in &ids {
                            if let Some(v) = entities::get(c, &EntityKind::Product, id)?
                                && let Ok(p) = serde_json::from_value::<Product>(v)
                                && !p.deleted
                            {
                                out.push(p);
                            }
                        }
                        Ok(out)
                    })
                    .await
            }
            Err(e) => Err(e),
        }
    }
}

fn remember(tx: &rusqlite::Transaction<'_>, key: &str, ids: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO similar (key, ids, fetched_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (key) DO UPDATE SET ids = excluded.ids, fetched_at = excluded.fetched_at",
        params![key, ids, now_ms()],
    )?;
    Ok(())
}

async fn kept(account: &crate::account::Account, key: String) -> Result<Option<Vec<String>>> {
    account
        .store
        .read(move |c| {
            let ids: Option<String> = c
                .query_row("SELECT ids FROM similar WHERE key = ?1", [&key], |r| {
                    r.get(0)
                })
                .optional()?;
            Ok(ids.map(|t| serde_json::from_str(&t)).transpose()?)
        })
        .await
}
