//! Settling an order's payment: whichever comes first — the member's app
//! asking after the checkout, the provider's webhook, or the expiry job —
//! looks the payment up with the provider and applies what it says, once.
//!
//! A payment counts only if the provider reports it PAID, for the order's
//! amount, in KRW. A payment that does not match, or that arrives for an
//! order that expired meanwhile or that we do not know, is refused,
//! recorded in the audit log, and (if money was taken) cancelled by a
//! `void_payment` job. Settling an order settled before changes nothing.

use moa_protocol::{ErrorCode, NotificationKind, Order, OrderStatus};
use sqlx::AnyConnection;

use crate::alerts::Alert;
use crate::error::{Error, Result};
use crate::jobs;
use crate::payments::{Payment, PaymentState, ProviderError};
use crate::state::AppState;
use crate::util::now_ms;

use super::jobs::{VOID_PAYMENT, succeed};
use super::{campaigns, orders};

/// The audit log's actor for what the system did on its own.
pub const SYSTEM: &str = "system";

/// Who asks to settle.
#[derive(Debug, Clone, Copy)]
pub enum Via<'a> {
    /// The member whose order it is (their app, after the checkout).
    Member(&'a str),
    /// The provider's webhook.
    Webhook,
    /// The expiry job, before giving the units back.
    Expiry,
}

impl Via<'_> {
    fn note(self) -> &'static str {
        match self {
            Via::Member(_) => "결제 확인 (앱)",
            Via::Webhook => "결제 확인 (결제사 알림)",
            Via::Expiry => "결제 확인 (만료 전 조회)",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Via::Member(_) => "app",
            Via::Webhook => "webhook",
            Via::Expiry => "expiry",
        }
    }
}

/// What settling came to: the order as it now stands, or a refusal that
/// was recorded (and committed) before it is answered.
enum Outcome {
    /// With the alerts to send once it commits.
    Order(Box<Order>, Vec<Alert>),
    Refused(Error),
}

/// Looks the payment of order `order_id` up and applies it.
pub async fn settle(state: &AppState, order_id: &str, via: Via<'_>) -> Result<Order> {
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    if let Via::Member(user) = via {
        // Someone else's order is not even looked up.
        let mut conn = state.db.read().acquire().await?;
        match orders::row(&mut conn, order_id).await? {
            Some(o) if o.user_id == user => {}
            _ => return Err(Error::NotFound("no such order".into())),
        }
    }
    let payment = match provider.lookup(order_id).await {
        Ok(p) => Some(p),
        Err(ProviderError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let store = provider.settings().store_id.clone();
    let now = now_ms();
    let outcome = state
        .write_quiet(async |tx| apply(tx, order_id, payment.as_ref(), &store, via, now).await)
        .await?;
    state.jobs_kick.notify_one();
    match outcome {
        Outcome::Order(order, alerts) => {
            for alert in alerts {
                state.alerts.send(alert);
            }
            Ok(*order)
        }
        Outcome::Refused(e) => Err(e),
    }
}

/// Records a refused payment in the audit log and, if money was taken,
/// schedules its cancellation (`void_payment`). `via`: who asked
/// (`app`, `webhook`, `expiry`).
pub(crate) async fn refuse_payment(
    conn: &mut AnyConnection,
    action: &str,
    order_id: &str,
    payment: &Payment,
    via: &str,
    now: i64,
) -> Result<()> {
    crate::admin::service::audit(
        conn,
        SYSTEM,
        action,
        ("payment", order_id),
        serde_json::json!({
            "amount": payment.amount,
            "currency": payment.currency,
            "via": via,
        }),
        now,
    )
    .await?;
    if payment.state == PaymentState::Paid {
        jobs::schedule(
            conn,
            VOID_PAYMENT,
            &format!("{VOID_PAYMENT}:{order_id}"),
            &serde_json::json!({ "payment_id": order_id, "reason": action }),
            now,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The order as it stands, settling nothing.
async fn current(conn: &mut AnyConnection, order: &orders::OrderRow) -> Result<Outcome> {
    Ok(Outcome::Order(
        Box::new(orders::to_wire(conn, order).await?),
        Vec::new(),
    ))
}

async fn apply(
    conn: &mut AnyConnection,
    order_id: &str,
    payment: Option<&Payment>,
    store: &str,
    via: Via<'_>,
    now: i64,
) -> Result<Outcome> {
    let Some(order) = orders::row(conn, order_id).await? else {
        if let Some(p) = payment
            && p.state == PaymentState::Paid
            && p.store_id.as_deref().is_none_or(|s| s == store)
        {
            refuse_payment(conn, "payment_unknown_order", order_id, p, via.name(), now).await?;
        }
        return Ok(Outcome::Refused(Error::NotFound("no such order".into())));
    };
    if let Via::Member(user) = via
        && order.user_id != user
    {
        return Ok(Outcome::Refused(Error::NotFound("no such order".into())));
    }
    let paid = payment.filter(|p| p.state == PaymentState::Paid);
    let Some(p) = paid else {
        if order.status() == OrderStatus::PendingPayment && matches!(via, Via::Member(_)) {
            return Ok(Outcome::Refused(Error::conflict(
                ErrorCode::PaymentIncomplete,
                "the payment is not completed yet",
            )));
        }
        return current(conn, &order).await;
    };
    if p.store_id.as_deref().is_some_and(|s| s != store) {
        // Another store's payment under our id: not ours to cancel.
        crate::admin::service::audit(
            conn,
            SYSTEM,
            "payment_foreign_store",
            ("payment", order_id),
            serde_json::json!({ "via": via.name() }),
            now,
        )
        .await?;
        return Ok(Outcome::Refused(Error::conflict(
            ErrorCode::PaymentMismatch,
            "the payment belongs to another store",
        )));
    }
    if p.amount != order.amount_krw || p.currency != "KRW" {
        refuse_payment(conn, "payment_mismatch", order_id, p, via.name(), now).await?;
        if order.status() == OrderStatus::PendingPayment {
            orders::transition(
                conn,
                &order,
                OrderStatus::Expired,
                None,
                "결제 금액 불일치: 결제를 취소합니다",
                now,
            )
            .await?;
            campaigns::recount(conn, &order.campaign_id, now).await?;
            campaigns::publish(conn, &order.campaign_id, now).await?;
            orders::publish(conn, &order.id, now).await?;
        }
        return Ok(Outcome::Refused(Error::conflict(
            ErrorCode::PaymentMismatch,
            format!(
                "the payment ({} {}) does not match the order ({} KRW); it is being cancelled",
                p.amount, p.currency, order.amount_krw
            ),
        )));
    }
    match order.status() {
        OrderStatus::PendingPayment => {}
        OrderStatus::Expired => {
            refuse_payment(conn, "payment_after_expiry", order_id, p, via.name(), now).await?;
            return Ok(Outcome::Refused(Error::conflict(
                ErrorCode::CampaignClosed,
                "the order expired before it was paid; the payment is being refunded",
            )));
        }
        // Settled before: the first one won.
        _ => return current(conn, &order).await,
    }
    orders::transition(conn, &order, OrderStatus::Paid, None, via.note(), now).await?;
    campaigns::recount(conn, &order.campaign_id, now).await?;
    orders::notify(
        conn,
        &order,
        NotificationKind::OrderPaid,
        "결제가 확인되었습니다",
        now,
    )
    .await?;
    let mut alerts = Vec::new();
    let member: Option<String> = sqlx::query_scalar("SELECT handle FROM users WHERE id = $1")
        .bind(&order.user_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(campaign) = campaigns::row(conn, &order.campaign_id).await? {
        alerts.push(Alert::OrderPaid {
            campaign: campaign.title.clone(),
            amount_krw: order.amount_krw,
            member: member.unwrap_or_default(),
        });
        if campaign.status() == moa_protocol::CampaignStatus::Open
            && campaign.paid_units >= campaign.stock
        {
            // Sold out: it succeeds now rather than at the deadline.
            succeed(conn, &campaign.id, "완판", now).await?;
            alerts
                .push(super::jobs::closed_alert(conn, &campaign.id, campaign.participants).await?);
        }
    }
    campaigns::publish(conn, &order.campaign_id, now).await?;
    let order = orders::publish(conn, &order.id, now).await?;
    Ok(Outcome::Order(Box::new(order), alerts))
}
