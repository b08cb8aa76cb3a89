//! [`MoaShop`]: client-core's `ShopHandle` (`client.shop()`) as a uniffi
//! object: communities, the group-buys offered to the member (cached,
//! live), orders with their payment hand-off, and cancels through the
//! outbox. Each method is one call of the method of the same name there.

use moa_client_core::protocol::{Community, Order};
use moa_client_core::{CampaignCard, Checkout, MyOrder, OrderDraft, ShopHandle};

use crate::error::Result;
use crate::handles::Live;

/// Group-buys, from `MoaClient.shop()`.
#[derive(uniffi::Object)]
pub struct MoaShop {
    core: ShopHandle,
    _live: Live,
}

impl MoaShop {
    pub(crate) fn new(core: ShopHandle) -> MoaShop {
        MoaShop {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaShop {
    /// Communities whose name contains `query` (empty: all), for the picker
    /// at sign-up and in settings. Online; works signed out.
    pub async fn communities(&self, query: String) -> Result<Vec<Community>> {
        Ok(self.core.communities(&query).await?)
    }

    /// The member's community as last listed on this device.
    pub async fn my_community(&self) -> Result<Option<Community>> {
        Ok(self.core.my_community().await?)
    }

    /// Joins a community (`None`: leaves it), through the outbox.
    pub async fn join_community(&self, community_id: Option<String>) -> Result<()> {
        Ok(self.core.join_community(community_id).await?)
    }

    /// The group-buys offered to the member, from the device: open ones
    /// first (nearest deadline first), then closed ones.
    pub async fn campaigns(&self) -> Result<Vec<CampaignCard>> {
        Ok(self.core.campaigns().await?)
    }

    /// One group-buy from the device (`NotFound` if not here).
    pub async fn campaign(&self, id: String) -> Result<CampaignCard> {
        Ok(self.core.campaign(&id).await?)
    }

    /// One group-buy asked of the server (a followed link); counts as a view.
    pub async fn refresh_campaign(&self, id: String) -> Result<CampaignCard> {
        Ok(self.core.refresh_campaign(&id).await?)
    }

    /// Saves (찜) a group-buy or lets it go, through the outbox.
    pub async fn set_scrap(&self, campaign_id: String, scrapped: bool) -> Result<String> {
        Ok(self.core.set_scrap(&campaign_id, scrapped).await?)
    }

    /// Orders `quantity` with one choice per option group. Online only:
    /// offline it fails with `Network` and keeps the choice as a draft.
    pub async fn place_order(
        &self,
        campaign_id: String,
        choice_ids: Vec<String>,
        quantity: i64,
    ) -> Result<Checkout> {
        Ok(self
            .core
            .place_order(&campaign_id, choice_ids, quantity)
            .await?)
    }

    /// The checkout of an order still awaiting its payment.
    pub async fn resume_checkout(&self, order_id: String) -> Result<Checkout> {
        Ok(self.core.resume_checkout(&order_id).await?)
    }

    /// The draft kept when ordering failed offline.
    pub async fn order_draft(&self, campaign_id: String) -> Result<Option<OrderDraft>> {
        Ok(self.core.order_draft(&campaign_id).await?)
    }

    /// Forgets a campaign's draft.
    pub async fn discard_order_draft(&self, campaign_id: String) -> Result<()> {
        Ok(self.core.discard_order_draft(&campaign_id).await?)
    }

    /// After the checkout: has the server verify the payment with the
    /// provider (`payment_incomplete` while it is not done: ask again).
    pub async fn confirm_payment(&self, order_id: String) -> Result<Order> {
        Ok(self.core.confirm_payment(&order_id).await?)
    }

    /// The member's orders, newest first, each with its history (offline too).
    pub async fn orders(&self) -> Result<Vec<MyOrder>> {
        Ok(self.core.orders().await?)
    }

    /// One of the member's orders.
    pub async fn order(&self, id: String) -> Result<MyOrder> {
        Ok(self.core.order(&id).await?)
    }

    /// Cancels an order through the outbox (a paid one is refunded while
    /// its group-buy is open). Answers the mutation id.
    pub async fn cancel_order(&self, order_id: String, reason: String) -> Result<String> {
        Ok(self.core.cancel_order(&order_id, &reason).await?)
    }
}

impl std::fmt::Debug for MoaShop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaShop").field("core", &self.core).finish()
    }
}
