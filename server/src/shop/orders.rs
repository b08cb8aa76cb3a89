//! Orders: placing one (the server computes the amount and holds the units),
//! the state machine with a history row for every step, and the member's
//! own list.
//!
//! Never more is sold than the stock: the units are taken by conditional
//! updates (`reserved + n <= stock`, on the campaign and on each choice)
//! inside the write transaction, and write transactions are serialised on
//! every engine and across nodes (`Db::begin_write`).

use moa_protocol::shop::MAX_ORDER_QUANTITY;
use moa_protocol::{
    EntityKind, ErrorCode, NotificationKind, Order, OrderChoice, OrderEvent, OrderStatus, Page,
    PlaceOrderRequest,
};
use sqlx::AnyConnection;

use crate::actor::{Actor, Reader};
use crate::changelog::{self, Change, user_bucket};
use crate::db::json_column;
use crate::error::{Error, Result};
use crate::jobs;
use crate::notifications::service::{self as notifications, Event};
use crate::pagination::{self, into_page, page_size};
use crate::util::{new_id, to_json, to_json_text};
use crate::validate;

use super::campaigns::{self, CampaignRow};
use super::jobs::ORDER_EXPIRY;
use super::products;

/// An `orders` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: String,
    pub campaign_id: String,
    pub user_id: String,
    pub choices: String,
    pub quantity: i64,
    pub unit_price_krw: i64,
    pub amount_krw: i64,
    pub status: String,
    pub expires_at: i64,
    pub paid_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, campaign_id, user_id, choices, quantity, unit_price_krw, amount_krw, \
     status, expires_at, paid_at, created_at, updated_at";

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::Expired)
    }

    pub fn choices(&self) -> Result<Vec<OrderChoice>> {
        json_column(&self.choices, "order choices")
    }
}

/// The row of order `id`.
pub async fn row(conn: &mut AnyConnection, id: &str) -> Result<Option<OrderRow>> {
    if !crate::util::is_uuid(id) {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM orders WHERE id = $1");
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The order as the wire shows it, with its history.
pub async fn to_wire(conn: &mut AnyConnection, row: &OrderRow) -> Result<Order> {
    let title: Option<String> = sqlx::query_scalar("SELECT title FROM campaigns WHERE id = $1")
        .bind(&row.campaign_id)
        .fetch_optional(&mut *conn)
        .await?;
    let history: Vec<(String, Option<String>, String, i64)> = sqlx::query_as(
        "SELECT status, actor_id, note, created_at FROM order_history WHERE order_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Order {
        id: row.id.clone(),
        campaign_id: row.campaign_id.clone(),
        campaign_title: title.unwrap_or_default(),
        user_id: row.user_id.clone(),
        choices: row.choices()?,
        quantity: row.quantity,
        unit_price_krw: row.unit_price_krw,
        amount_krw: row.amount_krw,
        status: row.status(),
        expires_at: row.expires_at,
        history: history
            .into_iter()
            .map(|(status, actor_id, note, at)| OrderEvent {
                status: OrderStatus::parse(&status).unwrap_or(OrderStatus::Expired),
                actor_id,
                note,
                at,
            })
            .collect(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Records the order's current state in its member's bucket.
pub async fn publish(conn: &mut AnyConnection, id: &str, now: i64) -> Result<Order> {
    let row = row(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("a changed order is gone".into()))?;
    let order = to_wire(conn, &row).await?;
    let change = Change::upsert(
        EntityKind::Order,
        id,
        to_json(&order)?,
        vec![user_bucket(&row.user_id)],
    );
    changelog::record(conn, change, now).await?;
    Ok(order)
}

async fn add_history(
    conn: &mut AnyConnection,
    id: &str,
    status: OrderStatus,
    actor_id: Option<&str>,
    note: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO order_history (id, order_id, status, actor_id, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(id)
    .bind(status.as_str())
    .bind(actor_id)
    .bind(note)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Moves an order from `from` to `to` (false, and nothing changes, if it
/// is not in `from` any more), with a history row; an order leaving the
/// statuses that hold units gives its choices' units back. The caller
/// recounts the campaign and publishes.
pub async fn transition(
    conn: &mut AnyConnection,
    order: &OrderRow,
    to: OrderStatus,
    actor_id: Option<&str>,
    note: &str,
    now: i64,
) -> Result<bool> {
    let from = order.status();
    let done = sqlx::query(
        "UPDATE orders SET status = $1, updated_at = $2, \
         paid_at = CASE WHEN $1 = 'paid' THEN $2 ELSE paid_at END \
         WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(&order.id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    if from.holds_stock() && !to.holds_stock() {
        for choice in order.choices()? {
            sqlx::query("UPDATE shop_choices SET reserved = reserved - $1 WHERE id = $2")
                .bind(order.quantity)
                .bind(&choice.choice_id)
                .execute(&mut *conn)
                .await?;
        }
    }
    add_history(conn, &order.id, to, actor_id, note, now).await?;
    Ok(true)
}

/// Tells the order's member what happened.
pub async fn notify(
    conn: &mut AnyConnection,
    order: &OrderRow,
    kind: NotificationKind,
    preview: &str,
    now: i64,
) -> Result<()> {
    notifications::notify(
        conn,
        Event {
            user_id: &order.user_id,
            kind,
            actor_id: None,
            target_type: "order",
            target_id: &order.id,
            review_id: None,
            preview,
        },
        now,
    )
    .await
}

/// The choices of `choice_ids` for `product_id`: exactly one per option
/// group, each offered (422 naming the field otherwise).
async fn pick_choices(
    conn: &mut AnyConnection,
    product_id: &str,
    choice_ids: &[String],
) -> Result<Vec<OrderChoice>> {
    let product = products::get(conn, product_id)
        .await?
        .ok_or_else(|| Error::Internal("a campaign's product is gone".into()))?;
    let mut picked: Vec<Option<OrderChoice>> = vec![None; product.option_groups.len()];
    for (i, id) in choice_ids.iter().enumerate() {
        let field = format!("choice_ids[{i}]");
        let found = product
            .option_groups
            .iter()
            .enumerate()
            .find_map(|(g, group)| {
                group
                    .choices
                    .iter()
                    .find(|c| &c.id == id)
                    .map(|c| (g, group, c))
            });
        let Some((g, group, choice)) = found else {
            return Err(Error::invalid(field, "not a choice of this product"));
        };
        if picked[g].is_some() {
            return Err(Error::invalid(
                field,
                format!("a second choice of {}", group.name),
            ));
        }
        picked[g] = Some(OrderChoice {
            group: group.name.clone(),
            choice_id: choice.id.clone(),
            name: choice.name.clone(),
            price_delta_krw: choice.price_delta_krw,
        });
    }
    picked
        .into_iter()
        .zip(&product.option_groups)
        .map(|(p, group)| {
            p.ok_or_else(|| {
                Error::invalid("choice_ids", format!("pick a choice of {}", group.name))
            })
        })
        .collect()
}

/// Units of the campaign the member's orders hold now.
async fn units_held(conn: &mut AnyConnection, campaign_id: &str, user_id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM orders WHERE campaign_id = $1 AND user_id = $2 \
         AND status IN ('pending_payment', 'paid', 'confirmed', 'fulfilled')",
    )
    .bind(campaign_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Refuses an order at once, from a read snapshot and without the write
/// lock, when its campaign is sold out already: in a rush for the last
/// units most orders are too late, and they need not queue behind the
/// ones that take the units. Anything else (a replayed order id, a
/// campaign not offered to the member, one not sold out) is left to
/// [`place`], whose conditional update stays the authority; a snapshot a
/// moment old can only let an order through to it, or refuse one the
/// moment it sold out.
pub async fn refuse_if_sold_out(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &PlaceOrderRequest,
    now: i64,
) -> Result<()> {
    actor.ensure_can_write()?;
    if !crate::util::is_uuid(&req.id)
        || !crate::util::is_uuid(&req.campaign_id)
        || !(1..=MAX_ORDER_QUANTITY).contains(&req.quantity)
        || row(conn, &req.id).await?.is_some()
    {
        return Ok(());
    }
    let Some(campaign) = campaigns::row(conn, &req.campaign_id).await? else {
        return Ok(());
    };
    let reader = Reader(Some(actor.clone()));
    if campaign.taking_orders(now)
        && campaign.stock - campaign.reserved < req.quantity
        && campaigns::visible(conn, &campaign, &reader).await?
        // Over the limit says so (from `place`), before sold out.
        && units_held(conn, &campaign.id, &actor.user_id).await? + req.quantity
            <= campaign.per_member_limit
    {
        return Err(Error::conflict(
            ErrorCode::SoldOut,
            format!("only {} left", (campaign.stock - campaign.reserved).max(0)),
        ));
    }
    Ok(())
}

/// Places an order: PENDING_PAYMENT with the server's amount, its units
/// held until `now + ttl_ms` (an expiry job then releases them unless it
/// was paid). The same order id placed again answers the first order
/// (`false`).
pub async fn place(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &PlaceOrderRequest,
    ttl_ms: i64,
    now: i64,
) -> Result<(Order, CampaignRow, bool)> {
    actor.ensure_can_write()?;
    validate::uuid("id", &req.id)?;
    if let Some(existing) = row(conn, &req.id).await? {
        if existing.user_id != actor.user_id {
            return Err(Error::conflict(
                ErrorCode::Conflict,
                "this order id is taken",
            ));
        }
        let campaign = campaigns::row(conn, &existing.campaign_id)
            .await?
            .ok_or_else(|| Error::Internal("an order's campaign is gone".into()))?;
        return Ok((to_wire(conn, &existing).await?, campaign, false));
    }
    if !(1..=MAX_ORDER_QUANTITY).contains(&req.quantity) {
        return Err(Error::invalid(
            "quantity",
            format!("must be 1 to {MAX_ORDER_QUANTITY}"),
        ));
    }
    validate::uuid("campaign_id", &req.campaign_id)?;
    let reader = Reader(Some(actor.clone()));
    let campaign = campaigns::visible_row(conn, &req.campaign_id, &reader).await?;
    if !campaign.taking_orders(now) {
        return Err(campaigns::closed_error(&campaign, now));
    }
    let choices = pick_choices(conn, &campaign.product_id, &req.choice_ids).await?;
    let held = units_held(conn, &campaign.id, &actor.user_id).await?;
    if held + req.quantity > campaign.per_member_limit {
        return Err(Error::conflict(
            ErrorCode::OverLimit,
            format!(
                "at most {} per member; you hold {held}",
                campaign.per_member_limit
            ),
        ));
    }
    let taken = sqlx::query(
        "UPDATE campaigns SET reserved = reserved + $1, updated_at = $2 \
         WHERE id = $3 AND reserved + $1 <= stock",
    )
    .bind(req.quantity)
    .bind(now)
    .bind(&campaign.id)
    .execute(&mut *conn)
    .await?;
    if taken.rows_affected() == 0 {
        return Err(Error::conflict(
            ErrorCode::SoldOut,
            format!("only {} left", (campaign.stock - campaign.reserved).max(0)),
        ));
    }
    for choice in &choices {
        let taken = sqlx::query(
            "UPDATE shop_choices SET reserved = reserved + $1 \
             WHERE id = $2 AND reserved + $1 <= stock",
        )
        .bind(req.quantity)
        .bind(&choice.choice_id)
        .execute(&mut *conn)
        .await?;
        if taken.rows_affected() == 0 {
            return Err(Error::conflict(
                ErrorCode::SoldOut,
                format!("{} {} is sold out", choice.group, choice.name),
            ));
        }
    }
    let unit = campaign.group_price_krw + choices.iter().map(|c| c.price_delta_krw).sum::<i64>();
    let amount = unit
        .max(0)
        .checked_mul(req.quantity)
        .ok_or_else(|| Error::invalid("quantity", "the amount is too large"))?;
    sqlx::query(
        "INSERT INTO orders (id, campaign_id, user_id, choices, quantity, unit_price_krw, \
         amount_krw, status, expires_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending_payment', $8, $9, $9)",
    )
    .bind(&req.id)
    .bind(&campaign.id)
    .bind(&actor.user_id)
    .bind(to_json_text(&choices)?)
    .bind(req.quantity)
    .bind(unit.max(0))
    .bind(amount)
    .bind(now + ttl_ms)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    add_history(
        conn,
        &req.id,
        OrderStatus::PendingPayment,
        Some(&actor.user_id),
        "주문 접수",
        now,
    )
    .await?;
    jobs::schedule(
        conn,
        ORDER_EXPIRY,
        &format!("{ORDER_EXPIRY}:{}", req.id),
        &serde_json::json!({ "order_id": req.id }),
        now + ttl_ms,
        now,
    )
    .await?;
    campaigns::publish(conn, &campaign.id, now).await?;
    let order = publish(conn, &req.id, now).await?;
    Ok((order, campaign, true))
}

/// The member's own order (404 for anyone else's).
pub async fn own(conn: &mut AnyConnection, actor: &Actor, id: &str) -> Result<OrderRow> {
    match row(conn, id).await? {
        Some(o) if o.user_id == actor.user_id => Ok(o),
        _ => Err(Error::NotFound("no such order".into())),
    }
}

/// The member's orders, newest first.
pub async fn mine(
    conn: &mut AnyConnection,
    actor: &Actor,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Order>> {
    let size = page_size(limit);
    let (at, id) = pagination::below_int_id(cursor)?;
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE user_id = $1 \
         AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    );
    let rows: Vec<OrderRow> = sqlx::query_as(&sql)
        .bind(&actor.user_id)
        .bind(at)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(to_wire(conn, row).await?);
    }
    Ok(into_page(items, size, |o: &Order| {
        pagination::encode(&[&o.created_at.to_string(), &o.id])
    }))
}

/// Schedules the refund of a paid order (the order must be REFUND_PENDING).
pub async fn schedule_refund(conn: &mut AnyConnection, order_id: &str, now: i64) -> Result<()> {
    jobs::schedule(
        conn,
        super::jobs::REFUND,
        &format!("{}:{order_id}", super::jobs::REFUND),
        &serde_json::json!({ "order_id": order_id }),
        now,
        now,
    )
    .await
}

/// A member cancels their order: an unpaid one expires at once (its units
/// go back); a paid one, while its campaign is open and before the
/// deadline, goes to REFUND_PENDING and is refunded by a job.
pub async fn cancel(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<Order> {
    actor.ensure_can_write()?;
    let reason = validate::text("reason", reason, 0, 200)?;
    let order = own(conn, actor, id).await?;
    let campaign = campaigns::row(conn, &order.campaign_id)
        .await?
        .ok_or_else(|| Error::Internal("an order's campaign is gone".into()))?;
    let note = if reason.is_empty() {
        "회원이 취소".to_owned()
    } else {
        format!("회원이 취소: {reason}")
    };
    match order.status() {
        OrderStatus::PendingPayment => {
            transition(
                conn,
                &order,
                OrderStatus::Expired,
                Some(&actor.user_id),
                &note,
                now,
            )
            .await?;
        }
        OrderStatus::Paid if campaign.taking_orders(now) => {
            transition(
                conn,
                &order,
                OrderStatus::RefundPending,
                Some(&actor.user_id),
                &note,
                now,
            )
            .await?;
            schedule_refund(conn, &order.id, now).await?;
        }
        OrderStatus::Paid | OrderStatus::Confirmed | OrderStatus::Fulfilled => {
            return Err(Error::conflict(
                ErrorCode::InvalidState,
                "the group-buy has closed: this order can no longer be cancelled",
            ));
        }
        _ => {
            return Err(Error::conflict(
                ErrorCode::InvalidState,
                "this order is cancelled or refunded already",
            ));
        }
    }
    campaigns::recount(conn, &campaign.id, now).await?;
    campaigns::publish(conn, &campaign.id, now).await?;
    publish(conn, &order.id, now).await
}
