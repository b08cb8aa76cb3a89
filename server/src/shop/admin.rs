//! The shop as admins run it: the order table (filters, sort, keyset pages,
//! totals over everything matched), one order's detail, the actions on it
//! (mark fulfilled, refund) with a reason in its history and the audit
//! log, and the edits of an open campaign (change, close early).
//!
//! Every function here checks the admin role itself, so no caller can
//! forget it; moderators do not run the shop.

use moa_protocol::kst;
use moa_protocol::shop::{MAX_CAMPAIGN_STOCK, MAX_ORDER_QUANTITY, MAX_SHOP_NAME_CHARS};
use moa_protocol::{
    AdminOrder, AdminOrderPage, Campaign, CampaignStatus, EditCampaignRequest, ErrorCode, Order,
    OrderFilter, OrderSort, OrderStatus, OrderTotals, Role,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::db::filter::{Bind, Where};
use crate::error::{Error, Result};
use crate::pagination;
use crate::validate;

use super::campaigns;
use super::jobs::{self as shop_jobs, CAMPAIGN_DEADLINE, CAMPAIGN_ENDING_SOON};
use super::orders::{self, OrderRow};

/// A date of the filter as the start of its Korean day (422 naming the
/// field when it is not `YYYY-MM-DD`).
fn day(field: &str, date: &str) -> Result<i64> {
    kst::parse_date(date.trim())
        .ok_or_else(|| Error::invalid(field, "must be a date YYYY-MM-DD (Korean time)"))
}

/// The filter as SQL over `orders o JOIN users u`.
fn filter_sql(filter: &OrderFilter) -> Result<Where> {
    let mut w = Where::default();
    if let Some(id) = filter.campaign_id.as_deref().filter(|s| !s.is_empty()) {
        validate::uuid("campaign_id", id)?;
        w.push(
            |n| format!("o.campaign_id = ${n}"),
            Bind::Text(id.to_owned()),
        );
    }
    if let Some(status) = filter.status {
        w.push(
            |n| format!("o.status = ${n}"),
            Bind::Text(status.as_str().to_owned()),
        );
    }
    if let Some(id) = filter.community_id.as_deref().filter(|s| !s.is_empty()) {
        validate::uuid("community_id", id)?;
        w.push(
            |n| format!("u.community_id = ${n}"),
            Bind::Text(id.to_owned()),
        );
    }
    let from = match filter.from.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => Some(day("from", d)?),
        None => None,
    };
    let to = match filter.to.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => Some(day("to", d)? + kst::DAY_MS),
        None => None,
    };
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(Error::invalid("to", "must not be before from"));
    }
    if let Some(f) = from {
        w.push(|n| format!("o.created_at >= ${n}"), Bind::Int(f));
    }
    if let Some(t) = to {
        w.push(|n| format!("o.created_at < ${n}"), Bind::Int(t));
    }
    if let Some(q) = filter.q.as_deref() {
        let q = validate::text("q", q, 0, 100)?;
        if !q.is_empty() {
            w.push(
                |n| {
                    format!(
                        "(LOWER(u.handle) LIKE ${n} ESCAPE '\\' \
                         OR LOWER(u.display_name) LIKE ${n} ESCAPE '\\')"
                    )
                },
                Bind::Text(crate::util::like_pattern(&q)),
            );
        }
    }
    Ok(w)
}

/// An order row with who placed it, as the table and the export read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TableRow {
    #[sqlx(flatten)]
    pub order: OrderRow,
    pub handle: String,
    pub display_name: String,
    pub community_id: Option<String>,
    pub community_name: Option<String>,
    pub campaign_title: String,
}

const TABLE_COLUMNS: &str = "o.id, o.campaign_id, o.user_id, o.choices, o.quantity, \
     o.unit_price_krw, o.amount_krw, o.status, o.expires_at, o.paid_at, o.created_at, \
     o.updated_at, u.handle, u.display_name, u.community_id, m.name AS community_name, \
     k.title AS campaign_title";

const TABLE_FROM: &str = "orders o JOIN users u ON u.id = o.user_id \
     JOIN campaigns k ON k.id = o.campaign_id \
     LEFT JOIN communities m ON m.id = u.community_id";

/// The sort's key column and direction.
fn order_by(sort: OrderSort) -> (&'static str, bool) {
    match sort {
        OrderSort::Newest => ("o.created_at", true),
        OrderSort::Oldest => ("o.created_at", false),
        OrderSort::AmountDesc => ("o.amount_krw", true),
        OrderSort::AmountAsc => ("o.amount_krw", false),
    }
}

fn sort_key(sort: OrderSort, row: &OrderRow) -> i64 {
    match sort {
        OrderSort::Newest | OrderSort::Oldest => row.created_at,
        OrderSort::AmountDesc | OrderSort::AmountAsc => row.amount_krw,
    }
}

/// One keyset page of the table rows `filter` matches, after `cursor`
/// (its sort key and id): `size` rows (the caller asks one more to know
/// whether a page follows).
pub async fn table_rows(
    conn: &mut AnyConnection,
    filter: &OrderFilter,
    cursor: Option<&str>,
    size: i64,
) -> Result<Vec<TableRow>> {
    let mut w = filter_sql(filter)?;
    let sort = filter.sort.unwrap_or_default();
    let (key, desc) = order_by(sort);
    if let Some(c) = cursor {
        let (at, id) = pagination::decode_int_id(c)?;
        let op = if desc { "<" } else { ">" };
        let (a, b) = (w.arg(Bind::Int(at)), w.arg(Bind::Text(id)));
        w.clause(format!(
            "({key} {op} ${a} OR ({key} = ${a} AND o.id {op} ${b}))"
        ));
    }
    let dir = if desc { "DESC" } else { "ASC" };
    let limit = w.arg(Bind::Int(size));
    let sql = format!(
        "SELECT {TABLE_COLUMNS} FROM {TABLE_FROM} WHERE {} ORDER BY {key} {dir}, o.id {dir} LIMIT ${limit}",
        w.sql(),
    );
    let rows = w.bind(sqlx::query(&sql)).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(<TableRow as sqlx::FromRow<'_, sqlx::any::AnyRow>>::from_row)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::from)
}

/// The cursor after `row` in the order of `sort`.
pub fn cursor_after(sort: OrderSort, row: &OrderRow) -> String {
    pagination::encode(&[&sort_key(sort, row).to_string(), &row.id])
}

/// Sums over every order `filter` matches.
pub async fn totals(conn: &mut AnyConnection, filter: &OrderFilter) -> Result<OrderTotals> {
    let w = filter_sql(filter)?;
    let sql = format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(o.quantity), 0) AS BIGINT), \
           CAST(COALESCE(SUM(o.amount_krw), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN o.status IN ('paid', 'confirmed', 'fulfilled') \
                THEN o.amount_krw ELSE 0 END), 0) AS BIGINT) \
         FROM orders o JOIN users u ON u.id = o.user_id WHERE {}",
        w.sql()
    );
    let row = w.bind(sqlx::query(&sql)).fetch_one(&mut *conn).await?;
    use sqlx::Row;
    Ok(OrderTotals {
        orders: row.try_get(0)?,
        units: row.try_get(1)?,
        amount_krw: row.try_get(2)?,
        paid_amount_krw: row.try_get(3)?,
    })
}

async fn to_admin(conn: &mut AnyConnection, row: &TableRow) -> Result<AdminOrder> {
    Ok(AdminOrder {
        order: orders::to_wire(conn, &row.order).await?,
        member_handle: row.handle.clone(),
        member_name: row.display_name.clone(),
        community_id: row.community_id.clone(),
        community_name: row.community_name.clone(),
    })
}

/// A page of the admin order table, with the totals of the whole filter.
pub async fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    filter: &OrderFilter,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<AdminOrderPage> {
    actor.ensure_role(Role::Admin)?;
    let size = pagination::page_size(limit);
    let mut rows = table_rows(conn, filter, cursor, size + 1).await?;
    let sort = filter.sort.unwrap_or_default();
    let next_cursor = if rows.len() > usize::try_from(size).unwrap_or(0) {
        rows.truncate(usize::try_from(size).unwrap_or(0));
        rows.last().map(|r| cursor_after(sort, &r.order))
    } else {
        None
    };
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(to_admin(conn, row).await?);
    }
    Ok(AdminOrderPage {
        items,
        next_cursor,
        totals: totals(conn, filter).await?,
    })
}

/// One order with who placed it (any member's).
pub async fn detail(conn: &mut AnyConnection, actor: &Actor, id: &str) -> Result<AdminOrder> {
    actor.ensure_role(Role::Admin)?;
    if !crate::util::is_uuid(id) {
        return Err(Error::NotFound("no such order".into()));
    }
    let sql = format!("SELECT {TABLE_COLUMNS} FROM {TABLE_FROM} WHERE o.id = $1");
    let row: TableRow = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound("no such order".into()))?;
    to_admin(conn, &row).await
}

/// An admin action on one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderAction {
    /// Handed over or shipped: from CONFIRMED (or PAID of a campaign that
    /// succeeded).
    Fulfil,
    /// Refund one paid order through the provider (a job).
    Refund,
}

impl OrderAction {
    fn audit_name(self) -> &'static str {
        match self {
            OrderAction::Fulfil => "fulfil_order",
            OrderAction::Refund => "refund_order",
        }
    }
}

/// Applies `action` to order `id` with `reason` (in the order's history and
/// the audit log); 409 when the order's status does not allow it.
pub async fn act(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    action: OrderAction,
    reason: &str,
    now: i64,
) -> Result<Order> {
    actor.ensure_role(Role::Admin)?;
    let reason = validate::text("reason", reason, 1, 500)?;
    let order = match orders::row(conn, id).await? {
        Some(o) => o,
        None => return Err(Error::NotFound("no such order".into())),
    };
    let campaign = campaigns::row(conn, &order.campaign_id)
        .await?
        .ok_or_else(|| Error::Internal("an order's campaign is gone".into()))?;
    let status = order.status();
    match action {
        OrderAction::Fulfil => {
            let ready = status == OrderStatus::Confirmed
                || (status == OrderStatus::Paid && campaign.status() == CampaignStatus::Succeeded);
            if !ready {
                return Err(Error::conflict(
                    ErrorCode::InvalidState,
                    format!(
                        "only a confirmed order can be fulfilled (this one is {})",
                        status.as_str()
                    ),
                ));
            }
            let note = format!("발송 완료: {reason}");
            orders::transition(
                conn,
                &order,
                OrderStatus::Fulfilled,
                Some(&actor.user_id),
                &note,
                now,
            )
            .await?;
        }
        OrderAction::Refund => {
            if !status.is_paid() {
                return Err(Error::conflict(
                    ErrorCode::InvalidState,
                    format!(
                        "only a paid order can be refunded (this one is {})",
                        status.as_str()
                    ),
                ));
            }
            let note = format!("관리자 환불: {reason}");
            orders::transition(
                conn,
                &order,
                OrderStatus::RefundPending,
                Some(&actor.user_id),
                &note,
                now,
            )
            .await?;
            orders::schedule_refund(conn, &order.id, now).await?;
        }
    }
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        action.audit_name(),
        ("order", &order.id),
        serde_json::json!({ "reason": reason, "from": status.as_str() }),
        now,
    )
    .await?;
    campaigns::recount(conn, &campaign.id, now).await?;
    campaigns::publish(conn, &campaign.id, now).await?;
    orders::publish(conn, &order.id, now).await
}

/// Changes an open campaign (title, deadline, stock, minimum, per-member
/// limit); the deadline and reminder jobs follow a moved deadline.
pub async fn edit_campaign(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    req: &EditCampaignRequest,
    now: i64,
) -> Result<Campaign> {
    actor.ensure_role(Role::Admin)?;
    let row = match campaigns::row(conn, id).await? {
        Some(r) => r,
        None => return Err(Error::NotFound("no such campaign".into())),
    };
    if row.status() != CampaignStatus::Open {
        return Err(Error::conflict(
            ErrorCode::InvalidState,
            "only an open group-buy can be changed",
        ));
    }
    let title = match &req.title {
        Some(t) => validate::text("title", t, 1, MAX_SHOP_NAME_CHARS)?,
        None => row.title.clone(),
    };
    let stock = req.stock.unwrap_or(row.stock);
    if !(1..=MAX_CAMPAIGN_STOCK).contains(&stock) {
        return Err(Error::invalid(
            "stock",
            format!("must be 1 to {MAX_CAMPAIGN_STOCK}"),
        ));
    }
    if stock < row.reserved {
        return Err(Error::invalid(
            "stock",
            format!("{} units are held by orders already", row.reserved),
        ));
    }
    let min = req.min_participants.unwrap_or(row.min_participants);
    if !(1..=stock).contains(&min) {
        return Err(Error::invalid("min_participants", "must be 1 to the stock"));
    }
    let limit = req.per_member_limit.unwrap_or(row.per_member_limit);
    if !(1..=MAX_ORDER_QUANTITY).contains(&limit) {
        return Err(Error::invalid(
            "per_member_limit",
            format!("must be 1 to {MAX_ORDER_QUANTITY}"),
        ));
    }
    let deadline = req.deadline_at.unwrap_or(row.deadline_at);
    if deadline != row.deadline_at && deadline <= now.max(row.starts_at) {
        return Err(Error::invalid(
            "deadline_at",
            "must be after the start and in the future",
        ));
    }
    sqlx::query(
        "UPDATE campaigns SET title = $1, stock = $2, min_participants = $3, \
         per_member_limit = $4, deadline_at = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(&title)
    .bind(stock)
    .bind(min)
    .bind(limit)
    .bind(deadline)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    if deadline != row.deadline_at {
        let payload = serde_json::json!({ "campaign_id": id });
        crate::jobs::schedule(
            conn,
            CAMPAIGN_DEADLINE,
            &format!("{CAMPAIGN_DEADLINE}:{id}"),
            &payload,
            deadline,
            now,
        )
        .await?;
        crate::jobs::reschedule(conn, &format!("{CAMPAIGN_DEADLINE}:{id}"), deadline).await?;
        let reminder = deadline - 24 * 3600 * 1000;
        if reminder > now {
            crate::jobs::schedule(
                conn,
                CAMPAIGN_ENDING_SOON,
                &format!("{CAMPAIGN_ENDING_SOON}:{id}"),
                &payload,
                reminder,
                now,
            )
            .await?;
            crate::jobs::reschedule(conn, &format!("{CAMPAIGN_ENDING_SOON}:{id}"), reminder)
                .await?;
        }
    }
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "edit_campaign",
        ("campaign", id),
        serde_json::to_value(req).unwrap_or_default(),
        now,
    )
    .await?;
    campaigns::publish(conn, id, now).await
}

/// Closes an open campaign now: it succeeds if enough members paid, else it
/// fails and every paid order is refunded — what its deadline would do.
pub async fn close_campaign(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<(Campaign, crate::alerts::Alert)> {
    actor.ensure_role(Role::Admin)?;
    let reason = validate::text("reason", reason, 1, 500)?;
    let row = match campaigns::row(conn, id).await? {
        Some(r) => r,
        None => return Err(Error::NotFound("no such campaign".into())),
    };
    if row.status() != CampaignStatus::Open {
        return Err(Error::conflict(
            ErrorCode::InvalidState,
            "this group-buy is not open",
        ));
    }
    let outcome = if row.participants >= row.min_participants {
        shop_jobs::succeed(conn, id, "조기 마감", now).await?;
        "succeeded"
    } else {
        shop_jobs::fail(conn, id, CampaignStatus::Failed, Some(&actor.user_id), now).await?;
        "failed"
    };
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "close_campaign",
        ("campaign", id),
        serde_json::json!({ "reason": reason, "outcome": outcome }),
        now,
    )
    .await?;
    let alert = shop_jobs::closed_alert(conn, id, row.participants).await?;
    Ok((campaigns::publish(conn, id, now).await?, alert))
}
