//! [`MoaAdmin`]: client-core's `AdminHandle` (`client.admin()`) as a uniffi
//! object: moderation (the report queue, actions, report statistics, the
//! audit log, accounts, roles and suspensions) and the back office (the
//! order table, one order and the actions on it, the Excel export, the
//! dashboard, official posts, products, campaigns and communities, points
//! granted to a member). Each
//! method is one call of the method of the same name there.
//!
//! Nothing is cached or queued: every call asks the server (offline:
//! `Network`), and the server decides who may (a member without the role
//! gets `Other`, the server's `forbidden`).
//!
//! The export's progress callback is not carried across: the call answers
//! when the file is saved, with what it holds ([`ExportedOrders`]).

use std::path::Path;

use moa_client_core::protocol::{
    AdminOrder, AdminOrderPage, AdminStats, AdminUser, Campaign, CampaignStatus, Community,
    CreateCampaignRequest, CreateCommunityRequest, EditCampaignRequest, ModerationRequest,
    ModerationResult, Order, OrderFilter, PointEntry, ReportState, ReportStats, ReportTarget, Role,
    ShopProduct, ShopProductRequest, TextPreview, TextRequest, TextSend,
};
use moa_client_core::{AdminHandle, ExportedOrders};

use crate::error::Result;
use crate::handles::Live;
use crate::types::{
    AdminUserPage, AuditPage, CampaignPage, ReportQueue, ReviewPage, TextRecipientPage,
    TextSendPage,
};

/// Moderation and the back office, from `MoaClient.admin()`.
#[derive(uniffi::Object)]
pub struct MoaAdmin {
    core: AdminHandle,
    _live: Live,
}

impl MoaAdmin {
    pub(crate) fn new(core: AdminHandle) -> MoaAdmin {
        MoaAdmin {
            core,
            _live: Live::new(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MoaAdmin {
    // ----- moderation -------------------------------------------------------

    /// The report queue (moderators): reports grouped by target, oldest
    /// first, the content inline; `state` says which reports, `target_type`
    /// narrows to one kind; the first page, or the one after `cursor`.
    pub async fn report_queue(
        &self,
        state: ReportState,
        target_type: Option<ReportTarget>,
        cursor: Option<String>,
    ) -> Result<ReportQueue> {
        Ok(self
            .core
            .report_queue(state, target_type, cursor)
            .await?
            .into())
    }

    /// Acts on a target (moderators): dismiss, hide, restore, delete,
    /// suspend, unsuspend. Its open reports resolve.
    pub async fn moderate(&self, request: ModerationRequest) -> Result<ModerationResult> {
        Ok(self.core.moderate(request).await?)
    }

    /// Report statistics over the last `days` (admins; 1 to 366).
    pub async fn report_stats(&self, days: u32) -> Result<ReportStats> {
        Ok(self.core.report_stats(days).await?)
    }

    /// The moderation audit log, newest first (admins).
    pub async fn audit_log(&self, cursor: Option<String>) -> Result<AuditPage> {
        Ok(self.core.audit_log(cursor).await?.into())
    }

    /// Accounts whose handle, email or display name contains `query`
    /// (moderators; empty lists all).
    pub async fn users(&self, query: String, cursor: Option<String>) -> Result<AdminUserPage> {
        Ok(self.core.users(&query, cursor).await?.into())
    }

    /// Changes a member's role (admins; not their own).
    pub async fn set_role(&self, user_id: String, role: Role) -> Result<AdminUser> {
        Ok(self.core.set_role(&user_id, role).await?)
    }

    /// Suspends a member for `days` (1 to 3650), or indefinitely with none:
    /// they can sign in and read, not write. `reason` goes to the audit log.
    pub async fn suspend(
        &self,
        user_id: String,
        days: Option<u32>,
        reason: String,
    ) -> Result<AdminUser> {
        Ok(self.core.suspend(&user_id, days, &reason).await?)
    }

    /// Lifts a member's suspension.
    pub async fn lift_suspension(&self, user_id: String) -> Result<AdminUser> {
        Ok(self.core.lift_suspension(&user_id).await?)
    }

    // ----- points -----------------------------------------------------------

    /// Grants a member `amount` points (admins; 1 to 1,000,000); `reason`
    /// (1 to 200 characters) shows in their ledger. Answers the entry.
    pub async fn grant_points(
        &self,
        user_id: String,
        amount: i64,
        reason: String,
    ) -> Result<PointEntry> {
        Ok(self.core.grant_points(&user_id, amount, &reason).await?)
    }

    // ----- orders -----------------------------------------------------------

    /// A page of the order table (admins): `filter`, the first page or the
    /// one after `cursor`, `limit` rows (1 to 100; none: 20), with the
    /// totals of everything the filter matches.
    pub async fn orders(
        &self,
        filter: OrderFilter,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<AdminOrderPage> {
        Ok(self.core.orders(&filter, cursor, limit).await?)
    }

    /// Any member's order with its history (admins).
    pub async fn order(&self, id: String) -> Result<AdminOrder> {
        Ok(self.core.order(&id).await?)
    }

    /// Marks a confirmed order handed over or shipped (admins); `reason`
    /// goes to its history and the audit log.
    pub async fn fulfil_order(&self, id: String, reason: String) -> Result<Order> {
        Ok(self.core.fulfil_order(&id, &reason).await?)
    }

    /// Refunds one paid order through the payment provider (admins).
    pub async fn refund_order(&self, id: String, reason: String) -> Result<Order> {
        Ok(self.core.refund_order(&id, &reason).await?)
    }

    /// Saves every order `filter` matches as an Excel workbook (`.xlsx`) at
    /// `path` (admins). The file appears whole or not at all.
    pub async fn export_orders(&self, filter: OrderFilter, path: String) -> Result<ExportedOrders> {
        Ok(self
            .core
            .export_orders(&filter, Path::new(&path), |_| {})
            .await?)
    }

    /// The dashboard over the last `days` Korean days (admins; 1 to 366).
    pub async fn stats(&self, days: u32) -> Result<AdminStats> {
        Ok(self.core.stats(days).await?)
    }

    /// Official posts, newest first, hidden ones marked (moderators and
    /// admins).
    pub async fn official_posts(&self, cursor: Option<String>) -> Result<ReviewPage> {
        Ok(self.core.official_posts(cursor).await?.into())
    }

    // ----- texts --------------------------------------------------------------

    /// What a text to an audience would be (admins).
    pub async fn text_preview(&self, request: TextRequest) -> Result<TextPreview> {
        Ok(self.core.text_preview(&request).await?)
    }

    /// Sends a text (admins); the same request again sends it once.
    pub async fn send_text(&self, request: TextRequest) -> Result<TextSend> {
        Ok(self.core.send_text(&request).await?)
    }

    /// The sends, newest first, with their progress (admins).
    pub async fn texts(&self, cursor: Option<String>) -> Result<TextSendPage> {
        Ok(self.core.texts(cursor).await?.into())
    }

    /// A send's recipients and how each went (admins).
    pub async fn text_recipients(
        &self,
        id: String,
        cursor: Option<String>,
    ) -> Result<TextRecipientPage> {
        Ok(self.core.text_recipients(&id, cursor).await?.into())
    }

    // ----- products and campaigns -------------------------------------------

    /// Every sellable product, archived ones too, newest first (admins).
    pub async fn products(&self) -> Result<Vec<ShopProduct>> {
        Ok(self.core.products().await?)
    }

    /// Creates a sellable product (admins).
    pub async fn create_product(&self, request: ShopProductRequest) -> Result<ShopProduct> {
        Ok(self.core.create_product(&request).await?)
    }

    /// Replaces a sellable product (admins): choices left out are retired
    /// (orders keep them), stock changes apply at once.
    pub async fn update_product(
        &self,
        id: String,
        request: ShopProductRequest,
    ) -> Result<ShopProduct> {
        Ok(self.core.update_product(&id, &request).await?)
    }

    /// Archives a sellable product (admins): no new campaigns of it.
    pub async fn archive_product(&self, id: String) -> Result<ShopProduct> {
        Ok(self.core.archive_product(&id).await?)
    }

    /// Campaigns of every community (admins): open ones (`Open`), deadline
    /// nearest first, or closed ones (any other status), latest first.
    pub async fn campaigns(
        &self,
        status: CampaignStatus,
        cursor: Option<String>,
    ) -> Result<CampaignPage> {
        Ok(self.core.campaigns(status, cursor).await?.into())
    }

    /// Opens a campaign (admins).
    pub async fn create_campaign(&self, request: CreateCampaignRequest) -> Result<Campaign> {
        Ok(self.core.create_campaign(&request).await?)
    }

    /// Changes an open campaign (admins).
    pub async fn edit_campaign(
        &self,
        id: String,
        request: EditCampaignRequest,
    ) -> Result<Campaign> {
        Ok(self.core.edit_campaign(&id, &request).await?)
    }

    /// Closes an open campaign now (admins): it succeeds if its minimum is
    /// met, else fails and refunds.
    pub async fn close_campaign(&self, id: String, reason: String) -> Result<Campaign> {
        Ok(self.core.close_campaign(&id, &reason).await?)
    }

    /// Cancels an open campaign (admins): every paid order is refunded.
    pub async fn cancel_campaign(&self, id: String, reason: String) -> Result<Campaign> {
        Ok(self.core.cancel_campaign(&id, &reason).await?)
    }

    // ----- communities ------------------------------------------------------

    /// Creates a community (admins).
    pub async fn create_community(&self, request: CreateCommunityRequest) -> Result<Community> {
        Ok(self.core.create_community(&request).await?)
    }

    /// Renames a community (admins).
    pub async fn rename_community(&self, id: String, name: String) -> Result<Community> {
        Ok(self.core.rename_community(&id, &name).await?)
    }

    /// Merges community `id` into `into` (admins): its members and campaigns
    /// move. Answers `into` as it is now.
    pub async fn merge_community(&self, id: String, into: String) -> Result<Community> {
        Ok(self.core.merge_community(&id, &into).await?)
    }
}

impl std::fmt::Debug for MoaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoaAdmin")
            .field("core", &self.core)
            .finish()
    }
}
