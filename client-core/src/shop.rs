//! [`ShopHandle`] (`client.shop()`): group-buys (공동구매).
//!
//! The campaigns offered to the member arrive by sync (the `shop` bucket of
//! the ones offered to everyone, and the bucket of the member's community),
//! so [`ShopHandle::campaigns`] answers from the device, online or not, and
//! its counts move live: every order changes its campaign in its bucket, and
//! the server pokes the socket, after which the sync loop pulls. The
//! member's orders, with their history, come with the member's own bucket
//! and read offline too.
//!
//! Placing an order needs the server: it computes the amount, holds the
//! stock and answers the provider's checkout to pay in. Offline,
//! [`ShopHandle::place_order`] answers [`Error::Network`] and keeps the
//! choice as a draft for that campaign ([`ShopHandle::order_draft`]) so the
//! next try starts from it. After the checkout, [`ShopHandle::confirm_payment`]
//! asks the server to verify the payment with the provider (its webhook may
//! have done so first; either way the order arrives paid). Cancelling goes
//! through the outbox like every other change, so it is kept offline and
//! sent once.

use moa_protocol::{
    Campaign, CampaignStatus, CancelOrderArgs, Community, EntityKind, Op, Order, OrderStatus,
    PlaceOrderRequest, PlacedOrder, SetCampaignScrapArgs,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::Value;

use crate::api::{encode, with_query};
use crate::client::{Client, new_id};
use crate::error::{Error, Result};
use crate::model::Topic;
use crate::store::{entities, session};
use crate::view::{self, now_ms};

/// How close to its deadline an open campaign is "ending soon" (마감 임박).
pub const ENDING_SOON_MS: i64 = 24 * 60 * 60 * 1000;

/// Where the last community list is kept (for showing the member's own
/// community offline).
const COMMUNITIES_KEY: &str = "communities";

/// A campaign as a card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignCard {
    pub campaign: Campaign,
    /// Units the member's orders hold (paid or awaiting payment): the
    /// per-member limit minus this is what they may still order.
    pub my_units: i64,
    /// Open and less than [`ENDING_SOON_MS`] before its deadline.
    pub ending_soon: bool,
    /// The member saved it (찜), pending changes included.
    pub scrapped: bool,
}

impl CampaignCard {
    /// Units the member may still order (the per-member limit and the stock).
    pub fn can_order(&self) -> i64 {
        (self.campaign.per_member_limit - self.my_units)
            .min(self.campaign.remaining)
            .max(0)
    }
}

/// One of the member's orders.
#[derive(Debug, Clone, PartialEq)]
pub struct MyOrder {
    pub order: Order,
    /// A cancel is waiting in the outbox (offline, or not yet answered).
    pub cancel_pending: bool,
}

/// The choice of an order not placed yet (made offline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    pub campaign_id: String,
    /// The order id it was sent under; the same choice placed again uses it
    /// (a try whose answer was lost is then answered, not placed twice).
    pub order_id: String,
    pub choice_ids: Vec<String>,
    pub quantity: i64,
    pub saved_at: i64,
}

/// An order waiting for its payment, and where to pay it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkout {
    pub order: Order,
    /// The provider's checkout page, to open in the system browser.
    pub url: String,
}

impl Client {
    /// Group-buys: communities, campaigns and orders. Cheap.
    pub fn shop(&self) -> ShopHandle {
        ShopHandle {
            client: self.clone(),
        }
    }
}

/// Group-buys, from [`Client::shop`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ShopHandle {
    client: Client,
}

/// Stores an order or campaign a REST call answered, unless the copy here
/// is newer (by `updated_at`); it keeps the copy's `seq`, so the next pull
/// still replaces it.
pub(crate) fn keep_answer(tx: &Transaction<'_>, kind: &EntityKind, data: &Value) -> Result<bool> {
    let Some(id) = data.get("id").and_then(Value::as_str) else {
        return Ok(false);
    };
    let updated = |v: &Value| v.get("updated_at").and_then(Value::as_i64).unwrap_or(0);
    let current: Option<(String, i64)> = tx
        .query_row(
            "SELECT data, seq FROM entities WHERE kind = ?1 AND id = ?2",
            [kind.as_str(), id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let seq = match current {
        Some((text, seq)) => {
            let old: Value = serde_json::from_str(&text)?;
            if updated(&old) > updated(data) {
                return Ok(false);
            }
            seq
        }
        None => 0,
    };
    entities::put_unsequenced(tx, kind, id, data, seq)
}

/// The communities listed on this device so far.
async fn known_communities(account: &crate::account::Account) -> Result<Vec<Community>> {
    let text = account
        .store
        .read(|c| session::get(c, COMMUNITIES_KEY))
        .await?;
    Ok(text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

fn decode<T: serde::de::DeserializeOwned>(rows: Vec<Value>) -> Vec<T> {
    rows.into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

/// Units each campaign's orders of the member hold.
fn my_units(orders: &[Order], campaign_id: &str) -> i64 {
    orders
        .iter()
        .filter(|o| o.campaign_id == campaign_id && o.status.holds_stock())
        .map(|o| o.quantity)
        .sum()
}

/// The member's cached orders, newest first.
fn cached_orders(conn: &Connection) -> Result<Vec<Order>> {
    let mut orders: Vec<Order> = decode(entities::newest(conn, &EntityKind::Order, u32::MAX)?);
    orders.sort_by_key(|o| std::cmp::Reverse(o.created_at));
    Ok(orders)
}

/// Whether `campaign` is for the member's `community` (or everyone).
fn offered_to(campaign: &Campaign, community: Option<&str>) -> bool {
    campaign.community_ids.is_empty()
        || community.is_some_and(|c| campaign.community_ids.iter().any(|id| id == c))
}

fn card(
    conn: &Connection,
    campaign: Campaign,
    orders: &[Order],
    ops: &[Op],
    now: i64,
) -> Result<CampaignCard> {
    let ending_soon = campaign.status == CampaignStatus::Open
        && campaign.deadline_at > now
        && campaign.deadline_at - now <= ENDING_SOON_MS;
    // The confirmed state, then the member's pending changes in order.
    let mut scrapped = entities::exists(conn, &EntityKind::CampaignScrap, &campaign.id)?;
    for op in ops {
        if let Op::CampaignScrap(a) = op
            && a.campaign_id == campaign.id
        {
            scrapped = a.scrapped;
        }
    }
    Ok(CampaignCard {
        my_units: my_units(orders, &campaign.id),
        ending_soon,
        scrapped,
        campaign,
    })
}

/// Open campaigns first, the nearest deadline first; closed ones after,
/// the latest closed first.
fn card_order(a: &CampaignCard, b: &CampaignCard) -> std::cmp::Ordering {
    let open = |c: &CampaignCard| c.campaign.status == CampaignStatus::Open;
    open(b).cmp(&open(a)).then_with(|| {
        if open(a) {
            a.campaign.deadline_at.cmp(&b.campaign.deadline_at)
        } else {
            b.campaign.deadline_at.cmp(&a.campaign.deadline_at)
        }
    })
}

impl ShopHandle {
    // ----- communities -----------------------------------------------------

    /// Communities whose name contains `query` (empty: all), for the picker
    /// at sign-up and in settings. Online; works signed out. The answer is
    /// kept so [`ShopHandle::my_community`] reads offline.
    pub async fn communities(&self, query: &str) -> Result<Vec<Community>> {
        let query = query.trim();
        let path = with_query("/communities", &[("q", Some(query))]);
        let list: moa_protocol::Page<Community> = self.client.online_get(&path).await?;
        if let Ok(account) = self.client.account() {
            let mut known = known_communities(&account).await?;
            for c in &list.items {
                known.retain(|k| k.id != c.id);
                known.push(c.clone());
            }
            let text = serde_json::to_string(&known)?;
            account
                .store
                .write(move |tx| session::set(tx, COMMUNITIES_KEY, &text))
                .await?;
        }
        Ok(list.items)
    }

    /// The member's community, as last listed (`None`: none chosen, or not
    /// listed on this device yet).
    pub async fn my_community(&self) -> Result<Option<Community>> {
        let me = self.client.me().await?;
        let Some(id) = me.community_id else {
            return Ok(None);
        };
        let known = known_communities(&*self.client.account()?).await?;
        Ok(known.into_iter().find(|c| c.id == id))
    }

    /// Joins `community` (`None`: leaves it), through the outbox; its
    /// group-buys show after the next sync.
    pub async fn join_community(&self, community: Option<String>) -> Result<()> {
        self.client
            .update_profile(crate::model::ProfileChanges {
                community_id: Some(community),
                ..Default::default()
            })
            .await?;
        if let Ok(account) = self.client.account() {
            account.emit(vec![Topic::Campaigns]);
        }
        Ok(())
    }

    // ----- campaigns -------------------------------------------------------

    /// The campaigns offered to the member, from the device: open ones
    /// first (nearest deadline first), then closed ones. Empty before the
    /// first sync.
    pub async fn campaigns(&self) -> Result<Vec<CampaignCard>> {
        let account = self.client.account()?;
        account
            .store
            .read(|c| {
                let (ops, _) = view::pending(c)?;
                let community = view::me(c, &ops)?.and_then(|m| m.community_id);
                let orders = cached_orders(c)?;
                let now = now_ms();
                let mut cards =
                    decode::<Campaign>(entities::newest(c, &EntityKind::Campaign, u32::MAX)?)
                        .into_iter()
                        .filter(|campaign| offered_to(campaign, community.as_deref()))
                        .map(|campaign| card(c, campaign, &orders, &ops, now))
                        .collect::<Result<Vec<_>>>()?;
                cards.sort_by(card_order);
                Ok(cards)
            })
            .await
    }

    /// One campaign from the device; [`Error::NotFound`] if it is not here
    /// (not offered to the member, or not synced yet: try
    /// [`ShopHandle::refresh_campaign`]).
    pub async fn campaign(&self, id: &str) -> Result<CampaignCard> {
        let account = self.client.account()?;
        let id = id.to_owned();
        account
            .store
            .read(move |c| {
                let campaign = entities::get(c, &EntityKind::Campaign, &id)?
                    .and_then(|v| serde_json::from_value::<Campaign>(v).ok())
                    .ok_or_else(|| Error::NotFound("no such group-buy here".into()))?;
                let (ops, _) = view::pending(c)?;
                card(c, campaign, &cached_orders(c)?, &ops, now_ms())
            })
            .await
    }

    /// Asks the server for a campaign (a link followed, or one not synced
    /// yet) and keeps it; opening it counts as a view, for the reminder
    /// before its deadline. [`Error::NotFound`] when it is not offered to
    /// the member.
    pub async fn refresh_campaign(&self, id: &str) -> Result<CampaignCard> {
        let account = self.client.account()?;
        let campaign: Value = account.get(&format!("/campaigns/{}", encode(id))).await?;
        account
            .store
            .write(move |tx| keep_answer(tx, &EntityKind::Campaign, &campaign))
            .await?;
        account.emit(vec![Topic::Campaigns]);
        self.campaign(id).await
    }

    /// Saves (찜) a campaign, or lets it go, through the outbox: shown at
    /// once; the member hears of its deadline a day before unless they
    /// ordered. Answers the mutation id.
    pub async fn set_scrap(&self, campaign_id: &str, scrapped: bool) -> Result<String> {
        self.campaign(campaign_id).await?;
        self.client
            .enqueue(
                Op::CampaignScrap(SetCampaignScrapArgs {
                    campaign_id: campaign_id.to_owned(),
                    scrapped,
                }),
                vec![Topic::Campaigns],
            )
            .await
    }

    // ----- orders ----------------------------------------------------------

    /// Orders `quantity` of a campaign with one choice per option group.
    /// Online only: the server computes the amount and holds the stock
    /// until the payment (or until the order expires). Offline it answers
    /// [`Error::Network`] and keeps the choice as the campaign's draft. A
    /// refusal (sold out, over the limit, closed) answers
    /// [`Error::Rejected`] with the server's code.
    pub async fn place_order(
        &self,
        campaign_id: &str,
        choice_ids: Vec<String>,
        quantity: i64,
    ) -> Result<Checkout> {
        // The same choice tried again after a failure goes under the same
        // order id: if the first try reached the server and only its answer
        // was lost, the server answers that order instead of placing two.
        let account = self.client.account()?;
        let campaign = campaign_id.to_owned();
        let earlier = account
            .store
            .read(move |c| load_draft(c, &campaign))
            .await?;
        let id = match earlier {
            Some(d) if d.choice_ids == choice_ids && d.quantity == quantity => d.order_id,
            _ => new_id(),
        };
        self.place(PlaceOrderRequest {
            id,
            campaign_id: campaign_id.to_owned(),
            choice_ids,
            quantity,
        })
        .await
    }

    /// The checkout of an order still awaiting its payment (to pay it after
    /// closing the browser): the same order placed again, which the server
    /// answers with the order as it is.
    pub async fn resume_checkout(&self, order_id: &str) -> Result<Checkout> {
        let order = self.order(order_id).await?.order;
        if order.status != OrderStatus::PendingPayment {
            return Err(Error::Rejected {
                code: moa_protocol::ErrorCode::InvalidState,
                message: "this order is not awaiting a payment".into(),
                field: None,
            });
        }
        self.place(PlaceOrderRequest {
            id: order.id,
            campaign_id: order.campaign_id,
            choice_ids: order.choices.into_iter().map(|c| c.choice_id).collect(),
            quantity: order.quantity,
        })
        .await
    }

    async fn place(&self, req: PlaceOrderRequest) -> Result<Checkout> {
        let account = self.client.account()?;
        let placed = match account.post::<_, PlacedOrder>("/orders", &req).await {
            Ok(placed) => placed,
            Err(Error::Network(e)) => {
                let draft = OrderDraft {
                    campaign_id: req.campaign_id.clone(),
                    order_id: req.id.clone(),
                    choice_ids: req.choice_ids.clone(),
                    quantity: req.quantity,
                    saved_at: now_ms(),
                };
                account
                    .store
                    .write(move |tx| save_draft(tx, &draft))
                    .await?;
                return Err(Error::Network(e));
            }
            Err(e) => return Err(e),
        };
        let data = serde_json::to_value(&placed.order)?;
        let campaign = req.campaign_id.clone();
        account
            .store
            .write(move |tx| {
                tx.execute(
                    "DELETE FROM order_drafts WHERE campaign_id = ?1",
                    [&campaign],
                )?;
                keep_answer(tx, &EntityKind::Order, &data)
            })
            .await?;
        account.emit(vec![Topic::Orders, Topic::Campaigns]);
        let url = absolute(account.api.base_url(), &placed.checkout_url);
        Ok(Checkout {
            order: placed.order,
            url,
        })
    }

    /// The draft kept for a campaign when ordering failed offline.
    pub async fn order_draft(&self, campaign_id: &str) -> Result<Option<OrderDraft>> {
        let account = self.client.account()?;
        let id = campaign_id.to_owned();
        account.store.read(move |c| load_draft(c, &id)).await
    }

    /// Forgets a campaign's draft.
    pub async fn discard_order_draft(&self, campaign_id: &str) -> Result<()> {
        let account = self.client.account()?;
        let id = campaign_id.to_owned();
        account
            .store
            .write(move |tx| {
                tx.execute("DELETE FROM order_drafts WHERE campaign_id = ?1", [&id])?;
                Ok(())
            })
            .await
    }

    /// After the checkout: asks the server to verify the payment with the
    /// provider. Answers the order as it is now (`paid` once verified);
    /// [`Error::Rejected`] with `payment_incomplete` while the payment is
    /// not done yet (ask again), `payment_mismatch` when it does not match
    /// the order (it is cancelled at the provider).
    pub async fn confirm_payment(&self, order_id: &str) -> Result<Order> {
        let account = self.client.account()?;
        let order: Value = account
            .post(
                &format!("/orders/{}/payment", encode(order_id)),
                &serde_json::json!({}),
            )
            .await?;
        let kept = order.clone();
        account
            .store
            .write(move |tx| keep_answer(tx, &EntityKind::Order, &kept))
            .await?;
        account.emit(vec![Topic::Orders, Topic::Campaigns]);
        Ok(serde_json::from_value(order)?)
    }

    /// The member's orders from the device, newest first, each with its
    /// history.
    pub async fn orders(&self) -> Result<Vec<MyOrder>> {
        let account = self.client.account()?;
        account
            .store
            .read(|c| {
                let (ops, _) = view::pending(c)?;
                Ok(cached_orders(c)?
                    .into_iter()
                    .map(|order| mine(order, &ops))
                    .collect())
            })
            .await
    }

    /// One of the member's orders from the device.
    pub async fn order(&self, id: &str) -> Result<MyOrder> {
        let account = self.client.account()?;
        let id = id.to_owned();
        account
            .store
            .read(move |c| {
                let (ops, _) = view::pending(c)?;
                let order = entities::get(c, &EntityKind::Order, &id)?
                    .and_then(|v| serde_json::from_value::<Order>(v).ok())
                    .ok_or_else(|| Error::NotFound("no such order".into()))?;
                Ok(mine(order, &ops))
            })
            .await
    }

    /// Cancels an order through the outbox: one awaiting payment is
    /// dropped (its stock released); a paid one is refunded, while its
    /// group-buy is open. Answers the mutation id.
    pub async fn cancel_order(&self, order_id: &str, reason: &str) -> Result<String> {
        let order = self.order(order_id).await?;
        if order.cancel_pending {
            return Err(Error::Rejected {
                code: moa_protocol::ErrorCode::InvalidState,
                message: "a cancel of this order is on its way already".into(),
                field: None,
            });
        }
        let cancellable = matches!(
            order.order.status,
            OrderStatus::PendingPayment | OrderStatus::Paid
        );
        if !cancellable {
            return Err(Error::Rejected {
                code: moa_protocol::ErrorCode::InvalidState,
                message: "this order can no longer be cancelled".into(),
                field: None,
            });
        }
        self.client
            .enqueue(
                Op::OrderCancel(CancelOrderArgs {
                    id: order_id.to_owned(),
                    reason: reason.trim().to_owned(),
                }),
                vec![Topic::Orders],
            )
            .await
    }
}

fn mine(order: Order, ops: &[Op]) -> MyOrder {
    let cancel_pending = ops
        .iter()
        .any(|op| matches!(op, Op::OrderCancel(a) if a.id == order.id));
    MyOrder {
        order,
        cancel_pending,
    }
}

fn save_draft(tx: &Transaction<'_>, draft: &OrderDraft) -> Result<()> {
    tx.execute(
        "INSERT INTO order_drafts (campaign_id, order_id, choice_ids, quantity, saved_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (campaign_id) DO UPDATE SET order_id = excluded.order_id, \
         choice_ids = excluded.choice_ids, quantity = excluded.quantity, saved_at = excluded.saved_at",
        params![
            draft.campaign_id,
            draft.order_id,
            serde_json::to_string(&draft.choice_ids)?,
            draft.quantity,
            draft.saved_at
        ],
    )?;
    Ok(())
}

fn load_draft(conn: &Connection, campaign_id: &str) -> Result<Option<OrderDraft>> {
    let row: Option<(String, String, i64, i64)> = conn
        .query_row(
            "SELECT order_id, choice_ids, quantity, saved_at FROM order_drafts WHERE campaign_id = ?1",
            [campaign_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(
        row.map(|(order_id, choices, quantity, saved_at)| OrderDraft {
            campaign_id: campaign_id.to_owned(),
            order_id,
            choice_ids: serde_json::from_str(&choices).unwrap_or_default(),
            quantity,
            saved_at,
        }),
    )
}

/// `url` as an absolute address: the server may answer a path of its own
/// (its hosted checkout page).
fn absolute(base: &str, url: &str) -> String {
    if url.starts_with("http://") || url.starts_with("https://") {
        url.to_owned()
    } else {
        format!(
            "{}/{}",
            base.trim_end_matches('/'),
            url.trim_start_matches('/')
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_relative_checkout_is_joined_to_the_server() {
        assert_eq!(
            absolute("http://h:1", "/v1/orders/o/checkout"),
            "http://h:1/v1/orders/o/checkout"
        );
        assert_eq!(absolute("http://h:1/", "https://pay/x"), "https://pay/x");
    }
}
