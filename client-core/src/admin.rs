//! [`AdminHandle`] (`client.admin()`): the moderator and admin actions —
//! the report queue, moderation, report statistics, the audit log and
//! account admin (roles, suspensions).
//!
//! Like the queries in `online`, these are not cached and not queued: each
//! call asks the server and answers what it said. They need a signed-in
//! member ([`Error::Auth`] otherwise); offline they answer
//! [`Error::Network`], and a member without the role gets
//! [`Error::Rejected`] with code `forbidden`.
//!
//! [`Error::Auth`]: crate::Error::Auth
//! [`Error::Network`]: crate::Error::Network
//! [`Error::Rejected`]: crate::Error::Rejected

use moa_protocol::{
    AdminUser, AuditEntry, ModerationRequest, ModerationResult, Page, ReportQueue, ReportState,
    ReportStats, ReportTarget, Role, SetRoleRequest, SuspendRequest,
};

use crate::api::{encode, with_query};
use crate::client::Client;
use crate::error::Result;

impl Client {
    /// The moderator and admin actions. Cheap; the server decides who may
    /// use them (by the member's role).
    pub fn admin(&self) -> AdminHandle {
        AdminHandle {
            client: self.clone(),
        }
    }
}

/// Moderation and account admin, from [`Client::admin`]. Cheap to clone (a
/// [`Client`] clone).
#[derive(Clone, Debug)]
pub struct AdminHandle {
    pub(crate) client: Client,
}

impl AdminHandle {
    /// The report queue (moderators): reports grouped by target, oldest
    /// first, the content inline. `state` is which reports (open ones to
    /// work on), `target_type` narrows to one kind of target; the first page,
    /// or the one after `cursor`.
    pub async fn report_queue(
        &self,
        state: ReportState,
        target_type: Option<ReportTarget>,
        cursor: Option<String>,
    ) -> Result<ReportQueue> {
        let path = with_query(
            "/admin/reports",
            &[
                ("state", Some(state.as_str())),
                ("type", target_type.map(ReportTarget::as_str)),
                ("cursor", cursor.as_deref()),
            ],
        );
        self.client.account()?.get(&path).await
    }

    /// Acts on a target (moderators): dismiss, hide, restore, delete,
    /// suspend, unsuspend. Its open reports resolve.
    pub async fn moderate(&self, req: ModerationRequest) -> Result<ModerationResult> {
        let account = self.client.account()?;
        let result = account.post("/admin/moderation", &req).await?;
        // Hidden or deleted content leaves the cached views with the next sync.
        account.kick.notify_one();
        Ok(result)
    }

    /// Report statistics (admins): open and closed by target type, and
    /// counts per day over the last `days` (the server keeps 1 to 366).
    pub async fn report_stats(&self, days: u32) -> Result<ReportStats> {
        let days = days.to_string();
        let path = with_query("/admin/reports/stats", &[("days", Some(&days))]);
        self.client.account()?.get(&path).await
    }

    /// The moderation audit log, newest first (admins): the first page, or
    /// the one after `cursor`.
    pub async fn audit_log(&self, cursor: Option<String>) -> Result<Page<AuditEntry>> {
        let path = with_query("/admin/audit", &[("cursor", cursor.as_deref())]);
        self.client.account()?.get(&path).await
    }

    /// Accounts whose handle, email or display name contains `query`
    /// (moderators; empty lists all): the first page, or the one after
    /// `cursor`.
    pub async fn users(&self, query: &str, cursor: Option<String>) -> Result<Page<AdminUser>> {
        let q = Some(query).filter(|q| !q.is_empty());
        let path = with_query("/admin/users", &[("q", q), ("cursor", cursor.as_deref())]);
        self.client.account()?.get(&path).await
    }

    /// Changes a member's role (admins; not their own). Answers the account
    /// as it is now.
    pub async fn set_role(&self, user_id: &str, role: Role) -> Result<AdminUser> {
        let account = self.client.account()?;
        let path = format!("/admin/users/{}/role", encode(user_id));
        let user = account.put(&path, &SetRoleRequest { role }).await?;
        account.kick.notify_one();
        Ok(user)
    }

    /// Suspends a member (moderators and admins) for `days` (1 to 3650), or
    /// indefinitely with `None`: they can sign in and read, not write. The
    /// reason goes to the audit log. Answers the account as it is now.
    pub async fn suspend(
        &self,
        user_id: &str,
        days: Option<u32>,
        reason: &str,
    ) -> Result<AdminUser> {
        let account = self.client.account()?;
        let path = format!("/admin/users/{}/suspension", encode(user_id));
        let req = SuspendRequest {
            days,
            reason: reason.to_owned(),
        };
        let user = account.post(&path, &req).await?;
        account.kick.notify_one();
        Ok(user)
    }

    /// Grants a member bonus points with a reason (admins; in the member's
    /// ledger and the audit log). Answers the ledger entry.
    pub async fn grant_points(
        &self,
        user_id: &str,
        amount: i64,
        reason: &str,
    ) -> Result<moa_protocol::PointEntry> {
        let account = self.client.account()?;
        let req = moa_protocol::GrantPointsRequest {
            user_id: user_id.to_owned(),
            amount,
            reason: reason.to_owned(),
        };
        let entry = account.post("/admin/points/grants", &req).await?;
        account.kick.notify_one();
        Ok(entry)
    }

    /// Lifts a member's suspension. Answers the account as it is now.
    pub async fn lift_suspension(&self, user_id: &str) -> Result<AdminUser> {
        let account = self.client.account()?;
        let path = format!("/admin/users/{}/suspension", encode(user_id));
        let user = account.delete(&path).await?;
        account.kick.notify_one();
        Ok(user)
    }
}
