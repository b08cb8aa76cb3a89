//! The shop's jobs (run by `crate::jobs`): a campaign's deadline (it
//! succeeds or fails, and a failed one refunds every paid order), the
//! 24-hour reminder, the expiry of unpaid orders, refunds, and cancelling
//! payments that were refused. Each checks the state it changes, so running
//! one twice (a node died after the provider call, before its commit)
//! changes nothing the second time.

use moa_protocol::{CampaignStatus, NotificationKind, OrderStatus};
use sqlx::AnyConnection;

use crate::error::{Error, Result};
use crate::jobs::{self, Job};
use crate::notifications::service::{self as notifications, Event};
use crate::state::AppState;
use crate::util::now_ms;

use super::campaigns;
use super::orders::{self, OrderRow};
use super::payment::{self, Via};

pub const CAMPAIGN_DEADLINE: &str = "campaign_deadline";
pub const CAMPAIGN_ENDING_SOON: &str = "campaign_ending_soon";
pub const ORDER_EXPIRY: &str = "order_expiry";
pub const REFUND: &str = "refund";
pub const VOID_PAYMENT: &str = "void_payment";

/// The orders of a campaign in `status`.
async fn orders_in(
    conn: &mut AnyConnection,
    campaign_id: &str,
    status: OrderStatus,
) -> Result<Vec<OrderRow>> {
    Ok(sqlx::query_as(
        "SELECT id, campaign_id, user_id, choices, quantity, unit_price_krw, amount_krw, status, \
         expires_at, paid_at, created_at, updated_at FROM orders \
         WHERE campaign_id = $1 AND status = $2 ORDER BY id",
    )
    .bind(campaign_id)
    .bind(status.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

/// The campaign succeeds: its paid orders are confirmed (and told), what
/// is still unpaid expires. In the caller's transaction.
pub async fn succeed(
    conn: &mut AnyConnection,
    campaign_id: &str,
    why: &str,
    now: i64,
) -> Result<()> {
    if !campaigns::close(conn, campaign_id, CampaignStatus::Succeeded, now).await? {
        return Ok(());
    }
    for order in orders_in(conn, campaign_id, OrderStatus::PendingPayment).await? {
        orders::transition(
            conn,
            &order,
            OrderStatus::Expired,
            None,
            "공동구매 마감",
            now,
        )
        .await?;
        orders::publish(conn, &order.id, now).await?;
    }
    let note = format!("공동구매 성공 ({why})");
    for order in orders_in(conn, campaign_id, OrderStatus::Paid).await? {
        orders::transition(conn, &order, OrderStatus::Confirmed, None, &note, now).await?;
        orders::notify(
            conn,
            &order,
            NotificationKind::CampaignSucceeded,
            "공동구매가 성사되었습니다",
            now,
        )
        .await?;
        orders::publish(conn, &order.id, now).await?;
    }
    campaigns::recount(conn, campaign_id, now).await
}

/// The campaign fails (minimum missed) or is cancelled (`status`): unpaid
/// orders expire, paid ones go to REFUND_PENDING with a refund job each.
/// In the caller's transaction; `actor` for the history (an admin).
pub async fn fail(
    conn: &mut AnyConnection,
    campaign_id: &str,
    status: CampaignStatus,
    actor: Option<&str>,
    now: i64,
) -> Result<bool> {
    if !campaigns::close(conn, campaign_id, status, now).await? {
        return Ok(false);
    }
    let note = if status == CampaignStatus::Cancelled {
        "공동구매 취소: 환불합니다"
    } else {
        "최소 인원 미달: 환불합니다"
    };
    for order in orders_in(conn, campaign_id, OrderStatus::PendingPayment).await? {
        orders::transition(conn, &order, OrderStatus::Expired, actor, note, now).await?;
        orders::publish(conn, &order.id, now).await?;
    }
    for order in orders_in(conn, campaign_id, OrderStatus::Paid).await? {
        orders::transition(conn, &order, OrderStatus::RefundPending, actor, note, now).await?;
        orders::schedule_refund(conn, &order.id, now).await?;
        orders::notify(
            conn,
            &order,
            NotificationKind::CampaignFailed,
            if status == CampaignStatus::Cancelled {
                "공동구매가 취소되어 환불됩니다"
            } else {
                "최소 인원에 못 미쳐 환불됩니다"
            },
            now,
        )
        .await?;
        orders::publish(conn, &order.id, now).await?;
    }
    campaigns::recount(conn, campaign_id, now).await?;
    Ok(true)
}

/// The alert of campaign `id` that just closed (in the closing
/// transaction), with the members who had paid before it closed (a failed
/// campaign's are being refunded, so its count is 0 by now).
pub async fn closed_alert(
    conn: &mut AnyConnection,
    id: &str,
    participants: i64,
) -> Result<crate::alerts::Alert> {
    let c = campaigns::row(conn, id)
        .await?
        .ok_or_else(|| crate::Error::Internal("a closed campaign is gone".into()))?;
    Ok(crate::alerts::Alert::CampaignClosed {
        title: c.title.clone(),
        outcome: c.status().as_str().to_owned(),
        participants,
    })
}

/// A campaign's deadline: succeeded if enough members paid, else failed.
pub async fn deadline(state: &AppState, job: &Job) -> Result<()> {
    let id = job.text("campaign_id")?.to_owned();
    let now = now_ms();
    let alert = state
        .write_quiet(async |tx| {
            let Some(campaign) = campaigns::row(tx, &id).await? else {
                jobs::finish(tx, &job.id, now).await?;
                return Ok(None);
            };
            let mut alert = None;
            if campaign.status() == CampaignStatus::Open {
                if campaign.deadline_at > now {
                    // Moved later since it was scheduled.
                    jobs::reschedule(tx, &job.key, campaign.deadline_at).await?;
                    return Ok(None);
                }
                if campaign.participants >= campaign.min_participants {
                    succeed(tx, &id, "최소 인원 달성", now).await?;
                } else {
                    fail(tx, &id, CampaignStatus::Failed, None, now).await?;
                }
                campaigns::publish(tx, &id, now).await?;
                alert = Some(closed_alert(tx, &id, campaign.participants).await?);
            }
            jobs::finish(tx, &job.id, now).await?;
            Ok(alert)
        })
        .await?;
    if let Some(alert) = alert {
        state.alerts.send(alert);
    }
    state.jobs_kick.notify_one();
    Ok(())
}

/// 24 hours before a deadline: tells those who looked at the campaign and
/// have not ordered.
pub async fn ending_soon(state: &AppState, job: &Job) -> Result<()> {
    let id = job.text("campaign_id")?.to_owned();
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            let open = campaigns::row(tx, &id)
                .await?
                .is_some_and(|c| c.status() == CampaignStatus::Open);
            if open {
                let users: Vec<String> = sqlx::query_scalar(
                    "SELECT v.user_id FROM (SELECT user_id FROM campaign_views WHERE campaign_id = $1 \
                       UNION SELECT user_id FROM campaign_scraps WHERE campaign_id = $1) v \
                     WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.campaign_id = $1 \
                       AND o.user_id = v.user_id AND o.status <> 'expired')",
                )
                .bind(&id)
                .fetch_all(&mut *tx)
                .await?;
                for user in &users {
                    notifications::notify(
                        tx,
                        Event {
                            user_id: user,
                            kind: NotificationKind::CampaignEndingSoon,
                            actor_id: None,
                            target_type: "campaign",
                            target_id: &id,
                            review_id: None,
                            preview: "마감까지 24시간 남았습니다",
                        },
                        now,
                    )
                    .await?;
                }
            }
            jobs::finish(tx, &job.id, now).await
        })
        .await
}

/// An unpaid order's time is up: unless the provider says it was paid
/// after all (then it is settled as paid), it expires and gives its units
/// back.
pub async fn expiry(state: &AppState, job: &Job) -> Result<()> {
    let id = job.text("order_id")?.to_owned();
    let pending = {
        let mut conn = state.db.read().acquire().await?;
        orders::row(&mut conn, &id)
            .await?
            .is_some_and(|o| o.status() == OrderStatus::PendingPayment)
    };
    if !pending {
        return Ok(());
    }
    if state.payments.is_some() {
        match payment::settle(state, &id, Via::Expiry).await {
            // Paid after all, or refused and recorded (a mismatch).
            Ok(order) if order.status != OrderStatus::PendingPayment => return Ok(()),
            Ok(_) => {}
            Err(Error::Upstream(e)) => return Err(Error::Upstream(e)),
            Err(_) => {}
        }
    }
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            if let Some(order) = orders::row(tx, &id).await?
                && order.status() == OrderStatus::PendingPayment
            {
                orders::transition(
                    tx,
                    &order,
                    OrderStatus::Expired,
                    None,
                    "결제 시간 초과",
                    now,
                )
                .await?;
                campaigns::recount(tx, &order.campaign_id, now).await?;
                campaigns::publish(tx, &order.campaign_id, now).await?;
                orders::publish(tx, &order.id, now).await?;
            }
            jobs::finish(tx, &job.id, now).await
        })
        .await
}

/// Refunds a REFUND_PENDING order through the provider, then marks it
/// REFUNDED and tells its member.
pub async fn refund(state: &AppState, job: &Job) -> Result<()> {
    let id = job.text("order_id")?.to_owned();
    let order = {
        let mut conn = state.db.read().acquire().await?;
        orders::row(&mut conn, &id).await?
    };
    let Some(order) = order.filter(|o| o.status() == OrderStatus::RefundPending) else {
        return Ok(());
    };
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    provider
        .cancel_once(&order.id, "공동구매 환불")
        .await
        .map_err(|e| Error::Upstream(e.to_string()))?;
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            if let Some(order) = orders::row(tx, &id).await?
                && orders::transition(tx, &order, OrderStatus::Refunded, None, "환불 완료", now)
                    .await?
            {
                orders::notify(
                    tx,
                    &order,
                    NotificationKind::RefundCompleted,
                    "환불이 완료되었습니다",
                    now,
                )
                .await?;
                orders::publish(tx, &order.id, now).await?;
            }
            jobs::finish(tx, &job.id, now).await
        })
        .await
}

/// Cancels a payment that was refused (a mismatch, a late or unknown one).
pub async fn void_payment(state: &AppState, job: &Job) -> Result<()> {
    let id = job.text("payment_id")?.to_owned();
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    match provider.cancel_once(&id, "결제 확인 실패로 취소").await {
        Ok(()) | Err(crate::payments::ProviderError::NotFound(_)) => Ok(()),
        Err(crate::payments::ProviderError::NotPaid) => Ok(()),
        Err(e) => Err(Error::Upstream(e.to_string())),
    }
}
