//! The back office on [`AdminHandle`]: the shop as admins run it (products,
//! campaigns, communities), the order table with its filters, one order and
//! the actions on it, the Excel export saved to a file, the statistics
//! dashboard and the official posts.
//!
//! Like the rest of [`AdminHandle`], these ask the server each time (nothing
//! is cached or queued: an admin acts on the live state, and offline says
//! so with [`Error::Network`]); the server decides who may (admins; the
//! official posts moderators too) and answers [`Error::Rejected`] with code
//! `forbidden` otherwise.
//!
//! [`Error::Network`]: crate::Error::Network
//! [`Error::Rejected`]: crate::Error::Rejected

use std::path::{Path, PathBuf};

use moa_protocol::{
    AdminOrder, AdminOrderPage, AdminStats, Campaign, CampaignStatus, Community,
    CreateCampaignRequest, CreateCommunityRequest, EditCampaignRequest, MergeCommunityRequest,
    Order, OrderActionRequest, OrderFilter, Page, RenameCommunityRequest, Review, ShopProduct,
    ShopProductRequest, TextPreview, TextRecipient, TextRequest, TextSend,
};
use serde::Serialize;

use crate::admin::AdminHandle;
use crate::api::{encode, with_query};
use crate::error::{Detail, Error, Result};

/// Where an export stands, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportProgress {
    /// Counting the orders the filter matches.
    Counting,
    /// The server is writing this many orders into the workbook.
    Building { orders: i64 },
    /// Writing the file.
    Saving { bytes: u64 },
}

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedOrders {
    pub path: PathBuf,
    /// Orders in the file.
    pub orders: i64,
    pub bytes: u64,
}

/// The filter as query parameters (the table adds its cursor and limit).
fn filter_params<'a>(
    filter: &'a OrderFilter,
    status: &'a str,
    sort: &'a str,
) -> Vec<(&'a str, Option<&'a str>)> {
    let some = |s: &'a Option<String>| s.as_deref().filter(|v| !v.trim().is_empty());
    vec![
        ("campaign_id", some(&filter.campaign_id)),
        ("status", filter.status.map(|_| status)),
        ("community_id", some(&filter.community_id)),
        ("from", some(&filter.from)),
        ("to", some(&filter.to)),
        ("q", some(&filter.q)),
        ("sort", filter.sort.map(|_| sort)),
    ]
}

fn orders_path(base: &str, filter: &OrderFilter, extra: &[(&str, Option<&str>)]) -> String {
    let status = filter.status.map(|s| s.as_str()).unwrap_or_default();
    let sort = filter.sort.map(|s| s.as_str()).unwrap_or_default();
    let mut params = filter_params(filter, status, sort);
    params.extend_from_slice(extra);
    with_query(base, &params)
}

#[derive(Serialize)]
struct Reason<'a> {
    reason: &'a str,
}

impl AdminHandle {
    /// A page of the order table (admins): `filter`, the first page or the
    /// one after `cursor`, `limit` rows (1 to 100; `None`: 20), with the
    /// totals of everything the filter matches.
    pub async fn orders(
        &self,
        filter: &OrderFilter,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<AdminOrderPage> {
        let limit = limit.map(|l| l.clamp(1, moa_protocol::limits::MAX_PAGE_SIZE).to_string());
        let path = orders_path(
            "/admin/shop/orders",
            filter,
            &[("cursor", cursor.as_deref()), ("limit", limit.as_deref())],
        );
        self.client.account()?.get(&path).await
    }

    /// Any member's order with its history (admins).
    pub async fn order(&self, id: &str) -> Result<AdminOrder> {
        let path = format!("/admin/shop/orders/{}", encode(id));
        self.client.account()?.get(&path).await
    }

    /// Marks a confirmed order handed over or shipped (admins); `reason`
    /// goes to its history and the audit log.
    pub async fn fulfil_order(&self, id: &str, reason: &str) -> Result<Order> {
        let path = format!("/admin/shop/orders/{}/fulfil", encode(id));
        let account = self.client.account()?;
        let order = account
            .post(
                &path,
                &OrderActionRequest {
                    reason: reason.to_owned(),
                },
            )
            .await?;
        account.kick.notify_one();
        Ok(order)
    }

    /// Refunds one paid order through the payment provider (admins).
    pub async fn refund_order(&self, id: &str, reason: &str) -> Result<Order> {
        let path = format!("/admin/shop/orders/{}/refund", encode(id));
        let account = self.client.account()?;
        let order = account
            .post(
                &path,
                &OrderActionRequest {
                    reason: reason.to_owned(),
                },
            )
            .await?;
        account.kick.notify_one();
        Ok(order)
    }

    /// Saves every order `filter` matches as an Excel workbook at `path`
    /// (admins), telling `progress` where it stands. The file appears
    /// whole or not at all (written beside it, then renamed).
    pub async fn export_orders(
        &self,
        filter: &OrderFilter,
        path: &Path,
        progress: impl Fn(ExportProgress),
    ) -> Result<ExportedOrders> {
        let account = self.client.account()?;
        progress(ExportProgress::Counting);
        let count: AdminOrderPage = account
            .get(&orders_path(
                "/admin/shop/orders",
                filter,
                &[("limit", Some("1"))],
            ))
            .await?;
        progress(ExportProgress::Building {
            orders: count.totals.orders,
        });
        let bytes = account
            .bytes(&orders_path("/admin/shop/orders/export", filter, &[]))
            .await?;
        let size = bytes.len() as u64;
        progress(ExportProgress::Saving { bytes: size });
        let partial = path.with_extension("xlsx.part");
        let write = async {
            tokio::fs::write(&partial, &bytes).await?;
            tokio::fs::rename(&partial, path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&partial).await;
            return Err(Error::Storage(Detail::caused_by(
                format!("cannot save {}: {e}", path.display()),
                e,
            )));
        }
        Ok(ExportedOrders {
            path: path.to_owned(),
            orders: count.totals.orders,
            bytes: size,
        })
    }

    /// The dashboard over the last `days` Korean days (admins; 1 to 366).
    pub async fn stats(&self, days: u32) -> Result<AdminStats> {
        let days = days.to_string();
        let path = with_query("/admin/stats", &[("days", Some(&days))]);
        self.client.account()?.get(&path).await
    }

    /// Official posts, newest first, hidden ones marked (moderators and
    /// admins): the first page, or the one after `cursor`.
    pub async fn official_posts(&self, cursor: Option<String>) -> Result<Page<Review>> {
        let path = with_query("/admin/official", &[("cursor", cursor.as_deref())]);
        self.client.account()?.get(&path).await
    }

    /// Every sellable product, archived ones too, newest first (admins).
    pub async fn products(&self) -> Result<Vec<ShopProduct>> {
        self.client.account()?.get("/admin/shop/products").await
    }

    /// Creates a sellable product (admins).
    pub async fn create_product(&self, req: &ShopProductRequest) -> Result<ShopProduct> {
        self.client
            .account()?
            .post("/admin/shop/products", req)
            .await
    }

    /// Replaces a sellable product (admins): choices left out are retired
    /// (orders keep them), stock changes apply at once.
    pub async fn update_product(&self, id: &str, req: &ShopProductRequest) -> Result<ShopProduct> {
        let path = format!("/admin/shop/products/{}", encode(id));
        self.client.account()?.put(&path, req).await
    }

    /// Archives a sellable product (admins): no new campaigns of it.
    pub async fn archive_product(&self, id: &str) -> Result<ShopProduct> {
        let path = format!("/admin/shop/products/{}/archive", encode(id));
        self.client
            .account()?
            .post(&path, &serde_json::json!({}))
            .await
    }

    /// Campaigns as admins see them (every community's): open ones, deadline
    /// nearest first, or closed ones, latest first.
    pub async fn campaigns(
        &self,
        status: CampaignStatus,
        cursor: Option<String>,
    ) -> Result<Page<Campaign>> {
        let which = if status == CampaignStatus::Open {
            "open"
        } else {
            "closed"
        };
        let path = with_query(
            "/campaigns",
            &[("status", Some(which)), ("cursor", cursor.as_deref())],
        );
        self.client.account()?.get(&path).await
    }

    /// Opens a campaign (admins).
    pub async fn create_campaign(&self, req: &CreateCampaignRequest) -> Result<Campaign> {
        let account = self.client.account()?;
        let campaign = account.post("/admin/shop/campaigns", req).await?;
        account.kick.notify_one();
        Ok(campaign)
    }

    /// Changes an open campaign (admins).
    pub async fn edit_campaign(&self, id: &str, req: &EditCampaignRequest) -> Result<Campaign> {
        let path = format!("/admin/shop/campaigns/{}", encode(id));
        let account = self.client.account()?;
        let campaign = account.patch(&path, req).await?;
        account.kick.notify_one();
        Ok(campaign)
    }

    /// Closes an open campaign now (admins): it succeeds if its minimum is
    /// met, else fails and refunds.
    pub async fn close_campaign(&self, id: &str, reason: &str) -> Result<Campaign> {
        let path = format!("/admin/shop/campaigns/{}/close", encode(id));
        let account = self.client.account()?;
        let campaign = account.post(&path, &Reason { reason }).await?;
        account.kick.notify_one();
        Ok(campaign)
    }

    /// Cancels an open campaign (admins): every paid order is refunded.
    pub async fn cancel_campaign(&self, id: &str, reason: &str) -> Result<Campaign> {
        let path = format!("/admin/shop/campaigns/{}/cancel", encode(id));
        let account = self.client.account()?;
        let campaign = account.post(&path, &Reason { reason }).await?;
        account.kick.notify_one();
        Ok(campaign)
    }

    /// What a text to an audience would be (admins): who gets it and who is
    /// left out, SMS or LMS, the text as sent, its cost.
    pub async fn text_preview(&self, req: &TextRequest) -> Result<TextPreview> {
        self.client
            .account()?
            .post("/admin/texts/preview", req)
            .await
    }

    /// Sends a text (admins). A request without an id gets one; sending
    /// the same request again (after a lost answer) sends it once.
    pub async fn send_text(&self, req: &TextRequest) -> Result<TextSend> {
        let mut req = req.clone();
        if req.id.is_empty() {
            req.id = uuid::Uuid::now_v7().to_string();
        }
        self.client.account()?.post("/admin/texts", &req).await
    }

    /// The sends, newest first, with their progress (admins).
    pub async fn texts(&self, cursor: Option<String>) -> Result<Page<TextSend>> {
        let path = with_query("/admin/texts", &[("cursor", cursor.as_deref())]);
        self.client.account()?.get(&path).await
    }

    /// A send's recipients and how each went, numbers masked (admins).
    pub async fn text_recipients(
        &self,
        id: &str,
        cursor: Option<String>,
    ) -> Result<Page<TextRecipient>> {
        let path = with_query(
            &format!("/admin/texts/{}/recipients", encode(id)),
            &[("cursor", cursor.as_deref())],
        );
        self.client.account()?.get(&path).await
    }

    /// Creates a community (admins).
    pub async fn create_community(&self, req: &CreateCommunityRequest) -> Result<Community> {
        self.client.account()?.post("/admin/communities", req).await
    }

    /// Renames a community (admins).
    pub async fn rename_community(&self, id: &str, name: &str) -> Result<Community> {
        let path = format!("/admin/communities/{}", encode(id));
        let req = RenameCommunityRequest {
            name: name.to_owned(),
        };
        self.client.account()?.patch(&path, &req).await
    }

    /// Merges community `id` into `into` (admins); answers `into` as it is
    /// now.
    pub async fn merge_community(&self, id: &str, into: &str) -> Result<Community> {
        let path = format!("/admin/communities/{}/merge", encode(id));
        let req = MergeCommunityRequest {
            into: into.to_owned(),
        };
        let account = self.client.account()?;
        let community = account.post(&path, &req).await?;
        account.kick.notify_one();
        Ok(community)
    }
}

#[cfg(test)]
mod tests {
    use moa_protocol::{OrderSort, OrderStatus};

    use super::*;

    #[test]
    fn a_filter_becomes_query_parameters_and_blank_ones_are_left_out() {
        let filter = OrderFilter {
            status: Some(OrderStatus::RefundPending),
            q: Some("민지 ".into()),
            from: Some(" ".into()),
            sort: Some(OrderSort::AmountDesc),
            ..OrderFilter::default()
        };
        assert_eq!(
            orders_path("/admin/shop/orders", &filter, &[("limit", Some("1"))]),
            "/admin/shop/orders?status=refund_pending&q=%EB%AF%BC%EC%A7%80%20&sort=amount_desc&limit=1"
        );
        assert_eq!(
            orders_path("/admin/shop/orders/export", &OrderFilter::default(), &[]),
            "/admin/shop/orders/export"
        );
    }
}
