//! Online-only queries: catalog search, the review lists of places,
//! products, tags and members, and follower lists (the moderator and admin
//! actions, online-only too, are on [`AdminHandle`](crate::AdminHandle)).
//!
//! Unlike the rest of the SDK these are not cached and not queued: each call
//! asks the server and answers what it said, so the UI shows them as lists
//! to load, with a loading state. Offline they answer [`Error::Network`]
//! (the UI shows an offline state and a retry). Reviews answered here are
//! the server's copies, without this device's pending changes on top (open
//! one with [`Client::review`] for that).
//!
//! The catalog and review lists also work signed out (anonymously); the
//! rest needs a signed-in member ([`Error::Auth`] otherwise).

use moa_protocol::{
    CreatePlaceRequest, CreateProductRequest, MemberListItem, Page, Place, PlaceCreated, Product,
    ProductCreated, Review, SubjectType,
};
use serde::de::DeserializeOwned;

use crate::api::{encode, with_query};
use crate::client::Client;
use crate::error::{Error, Result};

/// One page of reviews; `next_cursor` asks for the next (absent on the last).
pub type ReviewPage = Page<Review>;

impl Client {
    /// A GET as the signed-in member, or anonymously when nobody is signed in
    /// (for the lists the server shows to everyone).
    pub(crate) async fn online_get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        match self.account() {
            Ok(account) => account.get(path).await,
            Err(Error::Auth(_)) => self.api().get(None, path).await,
            Err(e) => Err(e),
        }
    }

    // ----- catalog ---------------------------------------------------------

    /// Places whose name or address contains `query` (the first page; an
    /// empty query lists all), to pick a review's subject.
    pub async fn search_places(&self, query: &str) -> Result<Vec<Place>> {
        let path = with_query("/places", &[("q", Some(query))]);
        Ok(self.online_get::<Page<Place>>(&path).await?.items)
    }

    /// Products whose name contains `query` (the first page).
    pub async fn search_products(&self, query: &str) -> Result<Vec<Product>> {
        let path = with_query("/products", &[("q", Some(query))]);
        Ok(self.online_get::<Page<Product>>(&path).await?.items)
    }

    /// A place; [`Error::NotFound`] if there is none.
    pub async fn place(&self, id: &str) -> Result<Place> {
        self.online_get(&format!("/places/{}", encode(id))).await
    }

    /// A product; [`Error::NotFound`] if there is none (or it is hidden and
    /// the member is not a moderator).
    pub async fn product(&self, id: &str) -> Result<Product> {
        self.online_get(&format!("/products/{}", encode(id))).await
    }

    /// A place's or product's reviews, newest first: the first page, or the
    /// one after `cursor` (a previous page's `next_cursor`).
    pub async fn subject_reviews(
        &self,
        subject: SubjectType,
        id: &str,
        cursor: Option<String>,
    ) -> Result<ReviewPage> {
        let base = match subject {
            SubjectType::Place => format!("/places/{}/reviews", encode(id)),
            SubjectType::Product => format!("/products/{}/reviews", encode(id)),
        };
        self.online_get(&with_query(&base, &[("cursor", cursor.as_deref())]))
            .await
    }

    /// Adds a place. If one with the same name and address exists, the
    /// server answers that one instead (`created: false`): either way
    /// `place.id` is the subject to review.
    pub async fn add_place(&self, req: CreatePlaceRequest) -> Result<PlaceCreated> {
        self.account()?.post("/places", &req).await
    }

    /// Adds a product (an existing one with the same name and shop link is
    /// answered instead, `created: false`).
    pub async fn add_product(&self, req: CreateProductRequest) -> Result<ProductCreated> {
        self.account()?.post("/products", &req).await
    }

    // ----- social lists ----------------------------------------------------

    /// A member's followers, newest first (the first page).
    pub async fn followers(&self, user_id: &str) -> Result<Vec<MemberListItem>> {
        let path = format!("/users/{}/followers", encode(user_id));
        Ok(self.online_get::<Page<MemberListItem>>(&path).await?.items)
    }

    /// Whom a member follows, newest first (the first page). For the
    /// signed-in member's own follows, offline too, see [`Client::following`].
    pub async fn following_list(&self, user_id: &str) -> Result<Vec<MemberListItem>> {
        let path = format!("/users/{}/following", encode(user_id));
        Ok(self.online_get::<Page<MemberListItem>>(&path).await?.items)
    }

    /// Reviews the signed-in member liked, newest like first (the first page).
    pub async fn liked_reviews(&self) -> Result<Vec<Review>> {
        let page: ReviewPage = self.account()?.get("/me/liked-reviews").await?;
        Ok(page.items)
    }

    /// A member's reviews, newest first: the first page, or the one after
    /// `cursor`.
    pub async fn user_reviews(&self, user_id: &str, cursor: Option<String>) -> Result<ReviewPage> {
        let base = format!("/users/{}/reviews", encode(user_id));
        self.online_get(&with_query(&base, &[("cursor", cursor.as_deref())]))
            .await
    }

    /// Reviews with `tag` (the server normalizes it as it does on reviews),
    /// newest first: the first page, or the one after `cursor`.
    pub async fn tag_reviews(&self, tag: &str, cursor: Option<String>) -> Result<ReviewPage> {
        let base = format!("/tags/{}/reviews", encode(tag));
        self.online_get(&with_query(&base, &[("cursor", cursor.as_deref())]))
            .await
    }

    /// Removes a member from the signed-in member's followers (done if they
    /// were not following). The follower count follows with the next sync.
    pub async fn remove_follower(&self, user_id: &str) -> Result<()> {
        let account = self.account()?;
        account
            .delete::<()>(&format!("/me/followers/{}", encode(user_id)))
            .await?;
        account.kick.notify_one();
        Ok(())
    }
}
