//! [`RequestsHandle`] (`client.requests()`): requests (부탁) and quotes, and
//! [`WalletHandle`] (`client.wallet()`): the member's points.
//!
//! Requests offered to everyone arrive by sync in the `shop` bucket, those
//! offered to the member's community in its bucket, and the member's own
//! (posted or helping with) in their own bucket, so browsing, the member's
//! lists and a request's page read from the device, online or not. Quotes
//! come in the member's own bucket: the requester gets every quote on their
//! requests, a quoter only their own.
//!
//! Posting or editing a request, quoting, withdrawing a quote, completing,
//! cancelling and reviewing go through the outbox like every other change:
//! kept offline, shown at once (pending), sent once. Accepting a quote is
//! online: the server holds the price from the requester's points and may
//! refuse (`insufficient_points`, answered as [`Error::Rejected`], with the
//! balance to show and a charge to offer). Charging points is a payment in
//! the provider's checkout, like an order's.

use moa_protocol::sync::IdArgs;
use moa_protocol::{
    AcceptQuoteRequest, AcceptedQuote, Author, CancelRequestArgs, ChargeCheckout,
    ChargePointsRequest, ChargeStatus, EntityKind, HelpRequest, HelperReview, HelperReviewInput,
    Op, Page, PointCharge, PointEntry, Quote, QuoteInput, QuoteStatus, RequestCategory,
    RequestInput, RequestStatus, Wallet, kst,
};
use rusqlite::{Connection, Transaction};
use serde_json::Value;

use crate::api::{encode, with_query};
use crate::client::{Client, new_id};
use crate::error::{Error, Result};
use crate::model::Topic;
use crate::store::entities;
use crate::view::{self, now_ms};

/// What a member fills in to post (or edit) a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDraft {
    pub title: String,
    pub category: RequestCategory,
    pub region: String,
    pub place_id: Option<String>,
    /// Korean dates, `YYYY-MM-DD`.
    pub starts_on: String,
    pub ends_on: String,
    pub budget_min_krw: i64,
    pub budget_max_krw: i64,
    pub details: String,
    /// Media ids of photos already prepared (see `client.media()`).
    pub photos: Vec<String>,
    /// Offer it to the member's community only.
    pub community_only: bool,
}

impl RequestDraft {
    /// The draft of an existing request (to edit it).
    pub fn of(request: &HelpRequest) -> RequestDraft {
        RequestDraft {
            title: request.title.clone(),
            category: request.category,
            region: request.region.clone(),
            place_id: request.place_id.clone(),
            starts_on: request.starts_on.clone(),
            ends_on: request.ends_on.clone(),
            budget_min_krw: request.budget_min_krw,
            budget_max_krw: request.budget_max_krw,
            details: request.details.clone(),
            photos: request.photos.clone(),
            community_only: request.community_id.is_some(),
        }
    }

    fn input(self, id: String) -> RequestInput {
        RequestInput {
            id,
            title: self.title,
            category: self.category,
            region: self.region,
            place_id: self.place_id,
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            budget_min_krw: self.budget_min_krw,
            budget_max_krw: self.budget_max_krw,
            details: self.details,
            photos: self.photos,
            community_only: self.community_only,
        }
    }

    /// The checks that need no server (it checks them all again).
    fn check(&self) -> Result<()> {
        if self.title.trim().chars().count() < 2 {
            return Err(Error::invalid("title", "at least 2 characters"));
        }
        if self.region.trim().is_empty() {
            return Err(Error::invalid("region", "say where"));
        }
        let start = kst::parse_date(self.starts_on.trim())
            .ok_or_else(|| Error::invalid("starts_on", "a date as YYYY-MM-DD"))?;
        let end = kst::parse_date(self.ends_on.trim())
            .ok_or_else(|| Error::invalid("ends_on", "a date as YYYY-MM-DD"))?;
        if end < kst::day_start(now_ms()) {
            return Err(Error::invalid("ends_on", "the dates are in the past"));
        }
        if start > end {
            return Err(Error::invalid("starts_on", "must not be after ends_on"));
        }
        if self.budget_min_krw < 0 || self.budget_max_krw < 0 {
            return Err(Error::invalid("budget_min_krw", "0 or more won"));
        }
        if self.budget_min_krw > self.budget_max_krw {
            return Err(Error::invalid(
                "budget_min_krw",
                "must not be more than budget_max_krw",
            ));
        }
        Ok(())
    }
}

/// A request as a card or its page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCard {
    /// With the member's pending changes applied.
    pub request: HelpRequest,
    /// The member posted it.
    pub mine: bool,
    /// The member is its helper (their quote was accepted).
    pub helping: bool,
    /// A change of it waits in the outbox (posted offline, edited, ...).
    pub pending: bool,
    /// The member's own quote on it, if any.
    pub my_quote: Option<QuoteView>,
}

/// A quote as shown, with whether a change of it waits in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteView {
    pub quote: Quote,
    pub pending: bool,
}

/// Filters of the request feed (all empty: every open request).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestFilter {
    pub category: Option<RequestCategory>,
    /// Text the region contains.
    pub region: String,
    /// Budget reaching at least this much.
    pub budget_min: Option<i64>,
    /// Budget starting at most this much.
    pub budget_max: Option<i64>,
}

impl RequestFilter {
    fn matches(&self, r: &HelpRequest) -> bool {
        self.category.is_none_or(|c| c == r.category)
            && (self.region.trim().is_empty()
                || r.region
                    .to_lowercase()
                    .contains(&self.region.trim().to_lowercase()))
            && self.budget_min.is_none_or(|n| r.budget_max_krw >= n)
            && self.budget_max.is_none_or(|n| r.budget_min_krw <= n)
    }
}

/// The entity kind a request or quote op's answer is (stored when it is
/// newer than the copy here).
pub(crate) fn answered_kind(op: &Op) -> Option<EntityKind> {
    match op {
        Op::RequestCreate(_)
        | Op::RequestEdit(_)
        | Op::RequestCancel(_)
        | Op::RequestComplete(_) => Some(EntityKind::HelpRequest),
        Op::QuoteSet(_) | Op::QuoteWithdraw(_) => Some(EntityKind::Quote),
        _ => None,
    }
}

fn decode<T: serde::de::DeserializeOwned>(rows: Vec<Value>) -> Vec<T> {
    rows.into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

/// A request made from a draft posted offline.
fn drafted(input: &RequestInput, me: &Author, community: Option<String>, now: i64) -> HelpRequest {
    HelpRequest {
        id: input.id.clone(),
        requester: me.clone(),
        title: input.title.trim().to_owned(),
        category: input.category,
        region: input.region.trim().to_owned(),
        place_id: input.place_id.clone(),
        starts_on: input.starts_on.trim().to_owned(),
        ends_on: input.ends_on.trim().to_owned(),
        budget_min_krw: input.budget_min_krw,
        budget_max_krw: input.budget_max_krw,
        details: input.details.trim().to_owned(),
        photos: input.photos.clone(),
        community_id: community.filter(|_| input.community_only),
        status: RequestStatus::Open,
        quote_count: 0,
        accepted_quote_id: None,
        helper: None,
        price_krw: None,
        room_id: None,
        review: None,
        closing_note: None,
        created_at: now,
        updated_at: now,
    }
}

/// Every cached request and quote with the pending ops applied, in order.
struct Overlay {
    requests: Vec<(HelpRequest, bool)>,
    quotes: Vec<(Quote, bool)>,
    me: Option<Author>,
}

fn overlay(conn: &Connection) -> Result<Overlay> {
    let (ops, _) = view::pending(conn)?;
    let me = view::me(conn, &ops)?;
    let author = me.as_ref().map(view::author_of);
    let community = me.and_then(|m| m.community_id);
    let mut requests: Vec<(HelpRequest, bool)> =
        decode::<HelpRequest>(entities::newest(conn, &EntityKind::HelpRequest, u32::MAX)?)
            .into_iter()
            .map(|r| (r, false))
            .collect();
    let mut quotes: Vec<(Quote, bool)> =
        decode::<Quote>(entities::newest(conn, &EntityKind::Quote, u32::MAX)?)
            .into_iter()
            .map(|q| (q, false))
            .collect();
    let now = now_ms();
    for op in &ops {
        match op {
            Op::RequestCreate(input) => {
                if !requests.iter().any(|(r, _)| r.id == input.id)
                    && let Some(me) = &author
                {
                    requests.insert(0, (drafted(input, me, community.clone(), now), true));
                }
            }
            Op::RequestEdit(input) => {
                if let Some((r, pending)) = requests.iter_mut().find(|(r, _)| r.id == input.id) {
                    let edited = drafted(input, &r.requester, community.clone(), r.created_at);
                    r.title = edited.title;
                    r.category = edited.category;
                    r.region = edited.region;
                    r.place_id = edited.place_id;
                    r.starts_on = edited.starts_on;
                    r.ends_on = edited.ends_on;
                    r.budget_min_krw = edited.budget_min_krw;
                    r.budget_max_krw = edited.budget_max_krw;
                    r.details = edited.details;
                    r.photos = edited.photos;
                    r.community_id = edited.community_id;
                    *pending = true;
                }
            }
            Op::RequestCancel(a) => {
                if let Some((r, pending)) = requests.iter_mut().find(|(r, _)| r.id == a.id)
                    && matches!(r.status, RequestStatus::Open | RequestStatus::Matched)
                {
                    r.status = RequestStatus::Cancelled;
                    *pending = true;
                }
            }
            Op::RequestComplete(a) => {
                if let Some((r, pending)) = requests.iter_mut().find(|(r, _)| r.id == a.id)
                    && r.status == RequestStatus::Matched
                {
                    r.status = RequestStatus::Completed;
                    *pending = true;
                }
            }
            Op::QuoteSet(input) => {
                let Some(me) = &author else { continue };
                match quotes
                    .iter_mut()
                    .find(|(q, _)| q.request_id == input.request_id && q.quoter.id == me.id)
                {
                    Some((q, pending)) => {
                        q.price_krw = input.price_krw;
                        q.message = input.message.trim().to_owned();
                        q.status = QuoteStatus::Active;
                        *pending = true;
                    }
                    None => quotes.insert(
                        0,
                        (
                            Quote {
                                id: input.id.clone(),
                                request_id: input.request_id.clone(),
                                quoter: me.clone(),
                                price_krw: input.price_krw,
                                message: input.message.trim().to_owned(),
                                status: QuoteStatus::Active,
                                created_at: now,
                                updated_at: now,
                            },
                            true,
                        ),
                    ),
                }
            }
            Op::QuoteWithdraw(a) => {
                if let Some((q, pending)) = quotes.iter_mut().find(|(q, _)| q.id == a.id) {
                    q.status = QuoteStatus::Withdrawn;
                    *pending = true;
                }
            }
            _ => {}
        }
    }
    Ok(Overlay {
        requests,
        quotes,
        me: author,
    })
}

impl Overlay {
    fn card(&self, (request, pending): &(HelpRequest, bool)) -> RequestCard {
        let me = self.me.as_ref().map_or("", |m| m.id.as_str());
        let my_quote = self
            .quotes
            .iter()
            .find(|(q, _)| q.request_id == request.id && q.quoter.id == me)
            .map(|(q, p)| QuoteView {
                quote: q.clone(),
                pending: *p,
            });
        RequestCard {
            mine: request.requester.id == me,
            helping: request.helper.as_ref().is_some_and(|h| h.id == me),
            pending: *pending,
            my_quote,
            request: request.clone(),
        }
    }

    fn cards(&self, keep: impl Fn(&RequestCard) -> bool) -> Vec<RequestCard> {
        let mut cards: Vec<RequestCard> = self
            .requests
            .iter()
            .map(|r| self.card(r))
            .filter(|c| keep(c))
            .collect();
        cards.sort_by(|a, b| {
            b.request
                .created_at
                .cmp(&a.request.created_at)
                .then_with(|| b.request.id.cmp(&a.request.id))
        });
        cards
    }
}

impl Client {
    /// Requests (부탁) and quotes. Cheap.
    pub fn requests(&self) -> RequestsHandle {
        RequestsHandle {
            client: self.clone(),
        }
    }

    /// The member's points. Cheap.
    pub fn wallet(&self) -> WalletHandle {
        WalletHandle {
            client: self.clone(),
        }
    }
}

/// Requests and quotes, from [`Client::requests`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RequestsHandle {
    client: Client,
}

impl RequestsHandle {
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Overlay) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let account = self.client.account()?;
        account.store.read(move |c| f(&overlay(c)?)).await
    }

    /// Open requests offered to the member (everyone's and their
    /// community's) matching `filter`, newest first, from the device;
    /// their own included. Empty before the first sync.
    pub async fn browse(&self, filter: RequestFilter) -> Result<Vec<RequestCard>> {
        self.read(move |o| {
            Ok(o.cards(|c| c.request.status == RequestStatus::Open && filter.matches(&c.request)))
        })
        .await
    }

    /// The requests the member posted, newest first (any state).
    pub async fn mine(&self) -> Result<Vec<RequestCard>> {
        self.read(|o| Ok(o.cards(|c| c.mine))).await
    }

    /// The requests the member helps with (their quote accepted).
    pub async fn helping(&self) -> Result<Vec<RequestCard>> {
        self.read(|o| Ok(o.cards(|c| c.helping))).await
    }

    /// The member's quotes with their requests' titles, latest first.
    pub async fn my_quotes(&self) -> Result<Vec<(QuoteView, Option<HelpRequest>)>> {
        self.read(|o| {
            let me = o.me.as_ref().map_or("", |m| m.id.as_str());
            let mut out: Vec<(QuoteView, Option<HelpRequest>)> = o
                .quotes
                .iter()
                .filter(|(q, _)| q.quoter.id == me)
                .map(|(q, pending)| {
                    let request = o
                        .requests
                        .iter()
                        .find(|(r, _)| r.id == q.request_id)
                        .map(|(r, _)| r.clone());
                    (
                        QuoteView {
                            quote: q.clone(),
                            pending: *pending,
                        },
                        request,
                    )
                })
                .collect();
            out.sort_by_key(|q| std::cmp::Reverse(q.0.quote.updated_at));
            Ok(out)
        })
        .await
    }

    /// One request from the device; [`Error::NotFound`] when it is not here
    /// (try [`RequestsHandle::refresh`]).
    pub async fn request(&self, id: &str) -> Result<RequestCard> {
        let id = id.to_owned();
        self.read(move |o| {
            o.requests
                .iter()
                .find(|(r, _)| r.id == id)
                .map(|r| o.card(r))
                .ok_or_else(|| Error::NotFound("no such request here".into()))
        })
        .await
    }

    /// The quotes on a request the member may see (all of them on their
    /// own requests, their own elsewhere), from the device, oldest first.
    pub async fn quotes(&self, request_id: &str) -> Result<Vec<QuoteView>> {
        let id = request_id.to_owned();
        self.read(move |o| {
            let mut out: Vec<QuoteView> = o
                .quotes
                .iter()
                .filter(|(q, _)| q.request_id == id)
                .map(|(q, pending)| QuoteView {
                    quote: q.clone(),
                    pending: *pending,
                })
                .collect();
            out.sort_by_key(|q| q.quote.created_at);
            Ok(out)
        })
        .await
    }

    /// Asks the server for a request and its quotes (a link followed, one
    /// not synced yet) and keeps them.
    pub async fn refresh(&self, id: &str) -> Result<RequestCard> {
        let account = self.client.account()?;
        let request: Value = account.get(&format!("/requests/{}", encode(id))).await?;
        let quotes: Vec<Value> = account
            .get(&format!("/requests/{}/quotes", encode(id)))
            .await?;
        account
            .store
            .write(move |tx| {
                crate::shop::keep_answer(tx, &EntityKind::HelpRequest, &request)?;
                for q in &quotes {
                    crate::shop::keep_answer(tx, &EntityKind::Quote, q)?;
                }
                Ok(())
            })
            .await?;
        account.emit(vec![Topic::Requests]);
        self.request(id).await
    }

    /// Open requests from the server, in pages (beyond what the device
    /// holds); each page is kept on the device too.
    pub async fn fetch_open(
        &self,
        filter: &RequestFilter,
        cursor: Option<&str>,
    ) -> Result<Page<HelpRequest>> {
        let min = filter.budget_min.map(|n| n.to_string());
        let max = filter.budget_max.map(|n| n.to_string());
        let path = with_query(
            "/requests",
            &[
                ("category", filter.category.map(RequestCategory::as_str)),
                ("region", Some(filter.region.trim())),
                ("budget_min", min.as_deref()),
                ("budget_max", max.as_deref()),
                ("cursor", cursor),
            ],
        );
        let page: Page<HelpRequest> = self.client.online_get(&path).await?;
        if let Ok(account) = self.client.account() {
            let items: Vec<Value> = page
                .items
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .collect();
            account
                .store
                .write(move |tx| {
                    for r in &items {
                        crate::shop::keep_answer(tx, &EntityKind::HelpRequest, r)?;
                    }
                    Ok(())
                })
                .await?;
        }
        Ok(page)
    }

    async fn enqueue(&self, op: Op) -> Result<String> {
        self.client.enqueue(op, vec![Topic::Requests]).await
    }

    /// Posts a request through the outbox; answers its id (usable at once,
    /// also offline).
    pub async fn post(&self, draft: RequestDraft) -> Result<String> {
        draft.check()?;
        let id = new_id();
        self.enqueue(Op::RequestCreate(draft.input(id.clone())))
            .await?;
        Ok(id)
    }

    /// Replaces an open request's fields (the member's own).
    pub async fn edit(&self, id: &str, draft: RequestDraft) -> Result<()> {
        draft.check()?;
        let card = self.request(id).await?;
        if !card.mine {
            return Err(Error::invalid("id", "only the requester may edit it"));
        }
        self.enqueue(Op::RequestEdit(draft.input(id.to_owned())))
            .await?;
        Ok(())
    }

    /// Makes or edits the member's quote on a request.
    pub async fn quote(&self, request_id: &str, price_krw: i64, message: &str) -> Result<String> {
        if price_krw <= 0 {
            return Err(Error::invalid("price_krw", "more than 0 won"));
        }
        if message.trim().is_empty() {
            return Err(Error::invalid("message", "say something to the requester"));
        }
        let card = self.request(request_id).await?;
        if card.mine {
            return Err(Error::invalid(
                "request_id",
                "you cannot quote on your own request",
            ));
        }
        let id = card.my_quote.map_or_else(new_id, |q| q.quote.id);
        self.enqueue(Op::QuoteSet(QuoteInput {
            id: id.clone(),
            request_id: request_id.to_owned(),
            price_krw,
            message: message.to_owned(),
        }))
        .await?;
        Ok(id)
    }

    /// Withdraws the member's quote.
    pub async fn withdraw_quote(&self, quote_id: &str) -> Result<()> {
        self.enqueue(Op::QuoteWithdraw(IdArgs {
            id: quote_id.to_owned(),
        }))
        .await?;
        Ok(())
    }

    /// Accepts a quote on the member's request. Online: the server holds
    /// the price from the member's points. Short of points: [`Error::Rejected`]
    /// with code `insufficient_points` (offer [`WalletHandle::charge`]).
    /// The pair's chat room is `request.room_id` of the answer.
    pub async fn accept(&self, request_id: &str, quote_id: &str) -> Result<AcceptedQuote> {
        let account = self.client.account()?;
        let accepted: AcceptedQuote = account
            .post(
                &format!("/requests/{}/accept", encode(request_id)),
                &AcceptQuoteRequest {
                    quote_id: quote_id.to_owned(),
                },
            )
            .await?;
        let keep = accepted.clone();
        account
            .store
            .write(move |tx| {
                keep_json(tx, &EntityKind::HelpRequest, &keep.request)?;
                keep_json(tx, &EntityKind::Quote, &keep.quote)?;
                keep_wallet(tx, &keep.wallet)
            })
            .await?;
        account.emit(vec![Topic::Requests, Topic::Wallet, Topic::Rooms]);
        account.kick.notify_one();
        Ok(accepted)
    }

    /// Confirms the help on the member's matched request: the held points
    /// go to the helper.
    pub async fn complete(&self, request_id: &str) -> Result<()> {
        self.enqueue(Op::RequestComplete(IdArgs {
            id: request_id.to_owned(),
        }))
        .await?;
        Ok(())
    }

    /// Cancels a request (the requester's, or one the member helps with)
    /// before completion; held points go back to the requester.
    pub async fn cancel(&self, request_id: &str, reason: &str) -> Result<()> {
        self.enqueue(Op::RequestCancel(CancelRequestArgs {
            id: request_id.to_owned(),
            reason: reason.to_owned(),
        }))
        .await?;
        Ok(())
    }

    /// Reviews the helper of the member's completed request (once).
    pub async fn review_helper(
        &self,
        request_id: &str,
        rating: i64,
        text: &str,
        photos: Vec<String>,
    ) -> Result<()> {
        if !(1..=5).contains(&rating) {
            return Err(Error::invalid("rating", "must be 1 to 5"));
        }
        self.enqueue(Op::RequestReview(HelperReviewInput {
            request_id: request_id.to_owned(),
            rating,
            text: text.to_owned(),
            photos,
        }))
        .await?;
        Ok(())
    }

    /// The reviews a member received as a helper, newest first (online).
    pub async fn helper_reviews(
        &self,
        user_id: &str,
        cursor: Option<&str>,
    ) -> Result<Page<HelperReview>> {
        let path = with_query(
            &format!("/users/{}/helper-reviews", encode(user_id)),
            &[("cursor", cursor)],
        );
        self.client.online_get(&path).await
    }
}

fn keep_json<T: serde::Serialize>(tx: &Transaction<'_>, kind: &EntityKind, v: &T) -> Result<bool> {
    crate::shop::keep_answer(tx, kind, &serde_json::to_value(v)?)
}

/// Stores a wallet a REST call answered unless the copy here is newer.
fn keep_wallet(tx: &Transaction<'_>, wallet: &Wallet) -> Result<bool> {
    let mut data = serde_json::to_value(wallet)?;
    if let Some(map) = data.as_object_mut() {
        map.insert("id".into(), Value::String(wallet.user_id.clone()));
    }
    crate::shop::keep_answer(tx, &EntityKind::Wallet, &data)
}

/// The member's points, from [`Client::wallet`]. Cheap to clone.
#[derive(Clone, Debug)]
pub struct WalletHandle {
    client: Client,
}

impl WalletHandle {
    /// The balance and held points, from the device (zero before any).
    pub async fn wallet(&self) -> Result<Wallet> {
        let account = self.client.account()?;
        let me = account.user_id.clone();
        account
            .store
            .read(move |c| {
                Ok(entities::get(c, &EntityKind::Wallet, &me)?
                    .and_then(|v| serde_json::from_value::<Wallet>(v).ok())
                    .unwrap_or(Wallet {
                        user_id: me,
                        balance: 0,
                        held: 0,
                        updated_at: 0,
                    }))
            })
            .await
    }

    /// The ledger, newest first, from the device.
    pub async fn entries(&self) -> Result<Vec<PointEntry>> {
        let account = self.client.account()?;
        account
            .store
            .read(|c| {
                let mut entries: Vec<PointEntry> =
                    decode(entities::newest(c, &EntityKind::PointEntry, u32::MAX)?);
                entries.sort_by(|a, b| {
                    b.created_at
                        .cmp(&a.created_at)
                        .then_with(|| b.id.cmp(&a.id))
                });
                Ok(entries)
            })
            .await
    }

    /// The member's charges, newest first, from the device.
    pub async fn charges(&self) -> Result<Vec<PointCharge>> {
        let account = self.client.account()?;
        account
            .store
            .read(|c| {
                let mut charges: Vec<PointCharge> =
                    decode(entities::newest(c, &EntityKind::PointCharge, u32::MAX)?);
                charges.sort_by_key(|c| std::cmp::Reverse(c.created_at));
                Ok(charges)
            })
            .await
    }

    /// Asks the server for the wallet and the latest ledger page (the sync
    /// brings them too) and keeps them.
    pub async fn refresh(&self) -> Result<Wallet> {
        let account = self.client.account()?;
        let wallet: Wallet = account.get("/points").await?;
        let page: Page<Value> = account.get("/points/entries").await?;
        let keep = wallet.clone();
        account
            .store
            .write(move |tx| {
                keep_wallet(tx, &keep)?;
                for e in &page.items {
                    crate::shop::keep_answer(tx, &EntityKind::PointEntry, e)?;
                }
                Ok(())
            })
            .await?;
        account.emit(vec![Topic::Wallet]);
        Ok(wallet)
    }

    /// Starts charging `amount_krw` points: answers the checkout to open in
    /// the system browser. Online only. The points appear once the payment
    /// is confirmed ([`WalletHandle::confirm_charge`], or the provider's
    /// webhook).
    pub async fn charge(&self, amount_krw: i64) -> Result<ChargeCheckout> {
        if !(moa_protocol::MIN_CHARGE_KRW..=moa_protocol::MAX_CHARGE_KRW).contains(&amount_krw) {
            return Err(Error::invalid("amount_krw", "1,000 to 2,000,000 won"));
        }
        let account = self.client.account()?;
        let checkout: ChargeCheckout = account
            .post(
                "/points/charges",
                &ChargePointsRequest {
                    id: new_id(),
                    amount_krw,
                },
            )
            .await?;
        let charge = checkout.charge.clone();
        account
            .store
            .write(move |tx| keep_json(tx, &EntityKind::PointCharge, &charge))
            .await?;
        account.emit(vec![Topic::Wallet]);
        Ok(checkout)
    }

    /// After the checkout: the server verifies the payment with the
    /// provider and adds the points. Not paid yet: [`Error::Rejected`]
    /// `payment_incomplete`.
    pub async fn confirm_charge(&self, charge_id: &str) -> Result<PointCharge> {
        let account = self.client.account()?;
        let charge: PointCharge = account
            .post(
                &format!("/points/charges/{}/confirm", encode(charge_id)),
                &serde_json::json!({}),
            )
            .await?;
        let keep = charge.clone();
        account
            .store
            .write(move |tx| keep_json(tx, &EntityKind::PointCharge, &keep))
            .await?;
        if charge.status == ChargeStatus::Paid {
            // The wallet and the ledger entry come with the pull.
            account.kick.notify_one();
        }
        account.emit(vec![Topic::Wallet]);
        Ok(charge)
    }

    /// Gives a paid charge back (its points must still be unspent).
    pub async fn refund_charge(&self, charge_id: &str) -> Result<PointCharge> {
        let account = self.client.account()?;
        let charge: PointCharge = account
            .post(
                &format!("/points/charges/{}/refund", encode(charge_id)),
                &serde_json::json!({}),
            )
            .await?;
        let keep = charge.clone();
        account
            .store
            .write(move |tx| keep_json(tx, &EntityKind::PointCharge, &keep))
            .await?;
        account.kick.notify_one();
        account.emit(vec![Topic::Wallet]);
        Ok(charge)
    }
}
