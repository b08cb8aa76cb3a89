//! [`MoaRequests`]: client-core's `RequestsHandle` (`client.requests()`) as
//! a uniffi object: requests (부탁) and their quotes — browsing and the
//! member's lists from the device, posting, editing, quoting, completing,
//! cancelling and reviewing through the outbox, accepting a quote online.
//! [`MoaWallet`]: its `WalletHandle` (`client.wallet()`): the member's
//! points, the ledger, and charges with their payment hand-off. Each method
//! is one call of the method of the same name there.

use moa_client_core::QuoteView;
use moa_client_core::protocol::{AcceptedQuote, ChargeCheckout, PointCharge, PointEntry, Wallet};
use moa_client_core::{RequestCard, RequestDraft, RequestFilter, RequestsHandle, WalletHandle};

use crate::error::Result;
use crate::handles::Live;
use crate::types::{HelperReviewPage, MyQuote, RequestPage};

/// Requests (부탁) and quotes, from `MoaClient.requests()`.
#[derive(uniffi::Object)]
pub struct MoaRequests {
    core: RequestsHandle,
    _live: Live,
}

impl MoaRequests {
    pub(crate) fn new(core: RequestsHandle) -> MoaRequests {
        MoaRequests {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaRequests {
    /// Open requests offered to the member (everyone's and their
    /// community's) matching `filter`, newest first, from the device (the
    /// member's own included). Empty before the first sync.
    pub async fn browse(&self, filter: RequestFilter) -> Result<Vec<RequestCard>> {
        Ok(self.core.browse(filter).await?)
    }

    /// The requests the member posted, newest first (any state).
    pub async fn mine(&self) -> Result<Vec<RequestCard>> {
        Ok(self.core.mine().await?)
    }

    /// The requests the member helps with (their quote accepted).
    pub async fn helping(&self) -> Result<Vec<RequestCard>> {
        Ok(self.core.helping().await?)
    }

    /// The member's quotes with their requests, latest first.
    pub async fn my_quotes(&self) -> Result<Vec<MyQuote>> {
        Ok(self
            .core
            .my_quotes()
            .await?
            .into_iter()
            .map(|(quote, request)| MyQuote { quote, request })
            .collect())
    }

    /// One request from the device (`NotFound` if not here: try `refresh`).
    pub async fn request(&self, id: String) -> Result<RequestCard> {
        Ok(self.core.request(&id).await?)
    }

    /// The quotes on a request the member may see (all of them on their
    /// own requests, their own elsewhere), from the device, oldest first.
    pub async fn quotes(&self, request_id: String) -> Result<Vec<QuoteView>> {
        Ok(self.core.quotes(&request_id).await?)
    }

    /// Asks the server for a request and its quotes (a followed link, one
    /// not synced yet) and keeps them.
    pub async fn refresh(&self, id: String) -> Result<RequestCard> {
        Ok(self.core.refresh(&id).await?)
    }

    /// Open requests from the server, in pages (beyond what the device
    /// holds); each page is kept on the device too.
    pub async fn fetch_open(
        &self,
        filter: RequestFilter,
        cursor: Option<String>,
    ) -> Result<RequestPage> {
        Ok(self
            .core
            .fetch_open(&filter, cursor.as_deref())
            .await?
            .into())
    }

    /// Posts a request through the outbox; answers its id (usable at once,
    /// offline too). Bad input is `Invalid` before anything is queued.
    pub async fn post(&self, draft: RequestDraft) -> Result<String> {
        Ok(self.core.post(draft).await?)
    }

    /// Replaces an open request's fields (the member's own), through the
    /// outbox.
    pub async fn edit(&self, id: String, draft: RequestDraft) -> Result<()> {
        Ok(self.core.edit(&id, draft).await?)
    }

    /// Makes or edits the member's quote on a request (not their own),
    /// through the outbox; answers the quote's id.
    pub async fn quote(
        &self,
        request_id: String,
        price_krw: i64,
        message: String,
    ) -> Result<String> {
        Ok(self.core.quote(&request_id, price_krw, &message).await?)
    }

    /// Withdraws the member's quote, through the outbox.
    pub async fn withdraw_quote(&self, quote_id: String) -> Result<()> {
        Ok(self.core.withdraw_quote(&quote_id).await?)
    }

    /// Accepts a quote on the member's request. Online: the server holds
    /// the price from the member's points; short of them it answers `Shop`
    /// with code `insufficient_points` (offer `MoaWallet.charge`). The
    /// pair's chat room is the answer's `request.room_id`.
    pub async fn accept(&self, request_id: String, quote_id: String) -> Result<AcceptedQuote> {
        Ok(self.core.accept(&request_id, &quote_id).await?)
    }

    /// Confirms the help on the member's matched request, through the
    /// outbox: the held points go to the helper.
    pub async fn complete(&self, request_id: String) -> Result<()> {
        Ok(self.core.complete(&request_id).await?)
    }

    /// Cancels a request (the requester's, or one the member helps with)
    /// before completion, through the outbox; held points go back to the
    /// requester.
    pub async fn cancel(&self, request_id: String, reason: String) -> Result<()> {
        Ok(self.core.cancel(&request_id, &reason).await?)
    }

    /// Reviews the helper of the member's completed request (once; rating
    /// 1 to 5), through the outbox.
    pub async fn review_helper(
        &self,
        request_id: String,
        rating: i64,
        text: String,
        photos: Vec<String>,
    ) -> Result<()> {
        Ok(self
            .core
            .review_helper(&request_id, rating, &text, photos)
            .await?)
    }

    /// The reviews a member received as a helper, newest first (online).
    pub async fn helper_reviews(
        &self,
        user_id: String,
        cursor: Option<String>,
    ) -> Result<HelperReviewPage> {
        Ok(self
            .core
            .helper_reviews(&user_id, cursor.as_deref())
            .await?
            .into())
    }
}

impl std::fmt::Debug for MoaRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaRequests")
            .field("core", &self.core)
            .finish()
    }
}

/// The member's points, from `MoaClient.wallet()`.
#[derive(uniffi::Object)]
pub struct MoaWallet {
    core: WalletHandle,
    _live: Live,
}

impl MoaWallet {
    pub(crate) fn new(core: WalletHandle) -> MoaWallet {
        MoaWallet {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaWallet {
    /// The balance and held points, from the device (zero before any).
    pub async fn wallet(&self) -> Result<Wallet> {
        Ok(self.core.wallet().await?)
    }

    /// The ledger, newest first, from the device.
    pub async fn entries(&self) -> Result<Vec<PointEntry>> {
        Ok(self.core.entries().await?)
    }

    /// The member's charges, newest first, from the device.
    pub async fn charges(&self) -> Result<Vec<PointCharge>> {
        Ok(self.core.charges().await?)
    }

    /// Asks the server for the wallet and the latest ledger page (the sync
    /// brings them too) and keeps them.
    pub async fn refresh(&self) -> Result<Wallet> {
        Ok(self.core.refresh().await?)
    }

    /// Starts charging `amount_krw` points (1,000 to 2,000,000): answers
    /// the checkout to open in the browser. Online only. The points arrive
    /// once the payment is confirmed (`confirm_charge`, or the provider's
    /// webhook).
    pub async fn charge(&self, amount_krw: i64) -> Result<ChargeCheckout> {
        Ok(self.core.charge(amount_krw).await?)
    }

    /// After the checkout: has the server verify the payment with the
    /// provider and add the points (`Shop` with `payment_incomplete` while
    /// it is not done: ask again).
    pub async fn confirm_charge(&self, charge_id: String) -> Result<PointCharge> {
        Ok(self.core.confirm_charge(&charge_id).await?)
    }

    /// Gives a paid charge back (its points must still be unspent).
    pub async fn refund_charge(&self, charge_id: String) -> Result<PointCharge> {
        Ok(self.core.refund_charge(&charge_id).await?)
    }
}

impl std::fmt::Debug for MoaWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaWallet")
            .field("core", &self.core)
            .finish()
    }
}
