//! The points wallet: an append-only ledger per member with the balance
//! cached beside it (`wallets`), charges bought through the payment
//! provider, and admins' grants.
//!
//! Every movement is [`move_points`]: one conditional update of the cached
//! balance (`balance + amount >= 0`, `held + held_delta >= 0`, and CHECK
//! constraints behind it) plus one ledger row naming its cause, in the
//! caller's write transaction. A cause moves a member's points at most once
//! per kind (a unique key), so a retried job or a replayed push cannot pay
//! or release twice; write transactions are serialised on every engine, so
//! two holds on one balance cannot both pass the check.

use moa_protocol::{
    ChargeCheckout, ChargePointsRequest, ChargeStatus, EntityKind, ErrorCode, GrantPointsRequest,
    MAX_CHARGE_KRW, MIN_CHARGE_KRW, NotificationKind, PointCharge, PointEntry, PointKind, Wallet,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::changelog::{self, Change, user_bucket};
use crate::error::{Error, Result};
use crate::notifications::service::{self as notifications, Event};
use crate::payments::{Payment, PaymentState, ProviderError};
use crate::state::AppState;
use crate::util::{new_id, now_ms, to_json};
use crate::validate;

use super::service::won;

/// Most points one grant may give.
pub const MAX_GRANT: i64 = 1_000_000;

/// One movement of a member's points.
#[derive(Debug, Clone, Copy)]
pub struct Ledger<'a> {
    pub user_id: &'a str,
    pub kind: PointKind,
    /// Added to the spendable balance (negative takes).
    pub amount: i64,
    /// Added to the held points.
    pub held: i64,
    /// `(type, id)` of what caused it.
    pub cause: (&'a str, &'a str),
    pub note: &'a str,
}

/// The member's wallet (zero when they never had points).
pub async fn wallet(conn: &mut AnyConnection, user_id: &str) -> Result<Wallet> {
    let row: Option<(i64, i64, i64)> =
        sqlx::query_as("SELECT balance, held, updated_at FROM wallets WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let (balance, held, updated_at) = row.unwrap_or((0, 0, 0));
    Ok(Wallet {
        user_id: user_id.to_owned(),
        balance,
        held,
        updated_at,
    })
}

fn short(balance: i64, need: i64) -> Error {
    Error::conflict(
        ErrorCode::InsufficientPoints,
        format!(
            "포인트가 부족해요: {}P 필요, 잔액 {}P. 포인트를 충전해 주세요 (you need {need} points, you have {balance})",
            won(need),
            won(balance)
        ),
    )
}

/// Applies one movement: the balance and held points change and a ledger
/// row is written, or nothing happens and a refusal comes back (a balance
/// that would go negative: `insufficient_points`). A cause already applied
/// for this member and kind answers `None` and changes nothing.
pub async fn move_points(
    conn: &mut AnyConnection,
    m: Ledger<'_>,
    now: i64,
) -> Result<Option<PointEntry>> {
    let seen: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM point_entries WHERE user_id = $1 AND kind = $2 AND cause_type = $3 \
         AND cause_id = $4",
    )
    .bind(m.user_id)
    .bind(m.kind.as_str())
    .bind(m.cause.0)
    .bind(m.cause.1)
    .fetch_optional(&mut *conn)
    .await?;
    if seen.is_some() {
        return Ok(None);
    }
    sqlx::query(
        "INSERT INTO wallets (user_id, balance, held, updated_at) VALUES ($1, 0, 0, $2) \
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(m.user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let moved = sqlx::query(
        "UPDATE wallets SET balance = balance + $1, held = held + $2, updated_at = $3 \
         WHERE user_id = $4 AND balance + $1 >= 0 AND held + $2 >= 0",
    )
    .bind(m.amount)
    .bind(m.held)
    .bind(now)
    .bind(m.user_id)
    .execute(&mut *conn)
    .await?;
    if moved.rows_affected() == 0 {
        let w = wallet(conn, m.user_id).await?;
        if w.balance + m.amount < 0 {
            return Err(short(w.balance, -m.amount));
        }
        return Err(Error::Internal(format!(
            "held points of {} would go negative",
            m.user_id
        )));
    }
    let w = wallet(conn, m.user_id).await?;
    let entry = PointEntry {
        id: new_id(),
        user_id: m.user_id.to_owned(),
        kind: m.kind,
        amount: m.amount,
        balance_after: w.balance,
        cause_type: m.cause.0.to_owned(),
        cause_id: m.cause.1.to_owned(),
        note: m.note.to_owned(),
        created_at: now,
    };
    sqlx::query(
        "INSERT INTO point_entries (id, user_id, kind, amount, balance_after, cause_type, \
         cause_id, note, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&entry.id)
    .bind(&entry.user_id)
    .bind(entry.kind.as_str())
    .bind(entry.amount)
    .bind(entry.balance_after)
    .bind(&entry.cause_type)
    .bind(&entry.cause_id)
    .bind(&entry.note)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let bucket = vec![user_bucket(m.user_id)];
    changelog::record(
        conn,
        Change::upsert(
            EntityKind::PointEntry,
            &entry.id,
            to_json(&entry)?,
            bucket.clone(),
        ),
        now,
    )
    .await?;
    changelog::record(
        conn,
        Change::upsert(EntityKind::Wallet, m.user_id, to_json(&w)?, bucket),
        now,
    )
    .await?;
    Ok(Some(entry))
}

/// A completed request's hold leaves the requester's held points (it was
/// spent when it was held: no ledger row, the balance is unchanged).
pub async fn settle_hold(
    conn: &mut AnyConnection,
    user_id: &str,
    price: i64,
    now: i64,
) -> Result<()> {
    let done = sqlx::query(
        "UPDATE wallets SET held = held - $1, updated_at = $2 WHERE user_id = $3 AND held >= $1",
    )
    .bind(price)
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::Internal(format!(
            "member {user_id} holds less than {price} points"
        )));
    }
    let w = wallet(conn, user_id).await?;
    changelog::record(
        conn,
        Change::upsert(
            EntityKind::Wallet,
            user_id,
            to_json(&w)?,
            vec![user_bucket(user_id)],
        ),
        now,
    )
    .await
}

/// The member's ledger, newest first.
pub async fn entries(
    conn: &mut AnyConnection,
    user_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<moa_protocol::Page<PointEntry>> {
    use crate::pagination::{below_int_id, encode, into_page, page_size};
    let size = page_size(limit);
    let (before, before_id) = below_int_id(cursor)?;
    let rows: Vec<EntryRow> = sqlx::query_as(
        "SELECT id, user_id, kind, amount, balance_after, cause_type, cause_id, note, created_at \
         FROM point_entries WHERE user_id = $1 AND (created_at, id) < ($2, $3) \
         ORDER BY created_at DESC, id DESC LIMIT $4",
    )
    .bind(user_id)
    .bind(before)
    .bind(&before_id)
    .bind(size + 1)
    .fetch_all(&mut *conn)
    .await?;
    let items: Vec<PointEntry> = rows.into_iter().map(EntryRow::into_wire).collect();
    Ok(into_page(items, size, |e| {
        encode(&[&e.created_at.to_string(), &e.id])
    }))
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    user_id: String,
    kind: String,
    amount: i64,
    balance_after: i64,
    cause_type: String,
    cause_id: String,
    note: String,
    created_at: i64,
}

impl EntryRow {
    fn into_wire(self) -> PointEntry {
        PointEntry {
            kind: PointKind::parse(&self.kind).unwrap_or(PointKind::Bonus),
            id: self.id,
            user_id: self.user_id,
            amount: self.amount,
            balance_after: self.balance_after,
            cause_type: self.cause_type,
            cause_id: self.cause_id,
            note: self.note,
            created_at: self.created_at,
        }
    }
}

/// A `point_charges` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChargeRow {
    pub id: String,
    pub user_id: String,
    pub amount_krw: i64,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ChargeRow {
    pub fn status(&self) -> ChargeStatus {
        ChargeStatus::parse(&self.status).unwrap_or(ChargeStatus::Pending)
    }

    pub fn to_wire(&self) -> PointCharge {
        PointCharge {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            amount_krw: self.amount_krw,
            status: self.status(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The charge `id`, if there is one.
pub async fn charge_row(conn: &mut AnyConnection, id: &str) -> Result<Option<ChargeRow>> {
    if !crate::util::is_uuid(id) {
        return Ok(None);
    }
    Ok(sqlx::query_as(
        "SELECT id, user_id, amount_krw, status, created_at, updated_at FROM point_charges \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

async fn publish_charge(conn: &mut AnyConnection, id: &str, now: i64) -> Result<PointCharge> {
    let row = charge_row(conn, id)
        .await?
        .ok_or_else(|| Error::Internal("a changed charge is gone".into()))?;
    let charge = row.to_wire();
    changelog::record(
        conn,
        Change::upsert(
            EntityKind::PointCharge,
            id,
            to_json(&charge)?,
            vec![user_bucket(&row.user_id)],
        ),
        now,
    )
    .await?;
    Ok(charge)
}

/// Starts a charge: a pending payment of `amount_krw` under the client's
/// id (the same id again answers the same charge). The points appear only
/// once the provider reports it paid.
pub async fn start_charge(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &ChargePointsRequest,
    now: i64,
) -> Result<PointCharge> {
    actor.ensure_can_write()?;
    validate::uuid("id", &req.id)?;
    if !(MIN_CHARGE_KRW..=MAX_CHARGE_KRW).contains(&req.amount_krw) {
        return Err(Error::invalid(
            "amount_krw",
            format!("{MIN_CHARGE_KRW} to {MAX_CHARGE_KRW} won"),
        ));
    }
    if let Some(existing) = charge_row(conn, &req.id).await? {
        if existing.user_id == actor.user_id && existing.amount_krw == req.amount_krw {
            return Ok(existing.to_wire());
        }
        return Err(Error::conflict(
            ErrorCode::Conflict,
            "this charge id is taken",
        ));
    }
    let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM orders WHERE id = $1")
        .bind(&req.id)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Err(Error::conflict(
            ErrorCode::Conflict,
            "this charge id is taken",
        ));
    }
    sqlx::query(
        "INSERT INTO point_charges (id, user_id, amount_krw, status, created_at, updated_at) \
         VALUES ($1, $2, $3, 'pending', $4, $4)",
    )
    .bind(&req.id)
    .bind(&actor.user_id)
    .bind(req.amount_krw)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    publish_charge(conn, &req.id, now).await
}

/// The name the provider's checkout shows for a charge.
pub fn charge_name(amount: i64) -> String {
    format!("모아 포인트 {}P 충전", won(amount))
}

/// A charge with its checkout URL.
pub fn checkout(state: &AppState, charge: PointCharge) -> Result<ChargeCheckout> {
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    let checkout_url = provider.checkout_url(
        &charge.id,
        &charge_name(charge.amount_krw),
        charge.amount_krw,
    );
    Ok(ChargeCheckout {
        charge,
        checkout_url,
    })
}

/// Looks the payment of charge `id` up with the provider and, if it is
/// paid for the charge's amount in KRW, adds the points (once). `member`:
/// the member's own app asking (someone else's charge is not found).
pub async fn settle_charge(
    state: &AppState,
    id: &str,
    member: Option<&str>,
) -> Result<PointCharge> {
    let provider = state
        .payments
        .as_ref()
        .ok_or_else(|| Error::Upstream("payments are not configured on this server".into()))?;
    {
        let mut conn = state.db.read().acquire().await?;
        match charge_row(&mut conn, id).await? {
            Some(c) if member.is_none_or(|m| m == c.user_id) => {}
            _ => return Err(Error::NotFound("no such charge".into())),
        }
    }
    let payment = match provider.lookup(id).await {
        Ok(p) => Some(p),
        Err(ProviderError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let store = provider.settings().store_id.clone();
    let now = now_ms();
    let outcome = state
        .write_quiet(async |tx| apply_charge(tx, id, payment.as_ref(), &store, member, now).await)
        .await?;
    state.jobs_kick.notify_one();
    outcome
}

/// Applies what the provider said; a refusal is committed (recorded, the
/// payment voided) and then answered.
async fn apply_charge(
    conn: &mut AnyConnection,
    id: &str,
    payment: Option<&Payment>,
    store: &str,
    member: Option<&str>,
    now: i64,
) -> Result<Result<PointCharge>> {
    let Some(charge) = charge_row(conn, id).await? else {
        return Ok(Err(Error::NotFound("no such charge".into())));
    };
    let Some(p) = payment.filter(|p| p.state == PaymentState::Paid) else {
        if charge.status() == ChargeStatus::Pending && member.is_some() {
            return Ok(Err(Error::conflict(
                ErrorCode::PaymentIncomplete,
                "the payment is not completed yet",
            )));
        }
        return Ok(Ok(charge.to_wire()));
    };
    if p.store_id.as_deref().is_some_and(|s| s != store) {
        return Ok(Err(Error::conflict(
            ErrorCode::PaymentMismatch,
            "the payment belongs to another store",
        )));
    }
    if charge.status() != ChargeStatus::Pending {
        return Ok(Ok(charge.to_wire()));
    }
    if p.amount != charge.amount_krw || p.currency != "KRW" {
        crate::shop::payment::refuse_payment(
            conn,
            "charge_payment_mismatch",
            id,
            p,
            if member.is_some() { "app" } else { "webhook" },
            now,
        )
        .await?;
        return Ok(Err(Error::conflict(
            ErrorCode::PaymentMismatch,
            format!(
                "the payment ({} {}) does not match the charge ({} KRW); it is being cancelled",
                p.amount, p.currency, charge.amount_krw
            ),
        )));
    }
    sqlx::query("UPDATE point_charges SET status = 'paid', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let note = charge_name(charge.amount_krw);
    move_points(
        conn,
        Ledger {
            user_id: &charge.user_id,
            kind: PointKind::Charge,
            amount: charge.amount_krw,
            held: 0,
            cause: ("charge", id),
            note: &note,
        },
        now,
    )
    .await?;
    let preview = format!("{}P가 충전되었어요", won(charge.amount_krw));
    notifications::notify(
        conn,
        Event {
            user_id: &charge.user_id,
            kind: NotificationKind::PointsAdded,
            actor_id: None,
            target_type: "charge",
            target_id: id,
            review_id: None,
            preview: &preview,
        },
        now,
    )
    .await?;
    Ok(Ok(publish_charge(conn, id, now).await?))
}

/// Gives a paid charge back: its points leave the wallet first (refused if
/// some were spent), then a job cancels the payment with the provider.
pub async fn refund_charge(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    now: i64,
) -> Result<PointCharge> {
    actor.ensure_can_write()?;
    let charge = charge_row(conn, id)
        .await?
        .filter(|c| c.user_id == actor.user_id)
        .ok_or_else(|| Error::NotFound("no such charge".into()))?;
    match charge.status() {
        ChargeStatus::Refunded => return Ok(charge.to_wire()),
        ChargeStatus::Pending => {
            return Err(Error::conflict(
                ErrorCode::PaymentIncomplete,
                "the charge was never paid",
            ));
        }
        ChargeStatus::Paid => {}
    }
    let note = format!("{} 환불", charge_name(charge.amount_krw));
    move_points(
        conn,
        Ledger {
            user_id: &actor.user_id,
            kind: PointKind::Refund,
            amount: -charge.amount_krw,
            held: 0,
            cause: ("charge", id),
            note: &note,
        },
        now,
    )
    .await?;
    sqlx::query("UPDATE point_charges SET status = 'refunded', updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    crate::jobs::schedule(
        conn,
        crate::shop::jobs::VOID_PAYMENT,
        &format!("{}:{id}", crate::shop::jobs::VOID_PAYMENT),
        &serde_json::json!({ "payment_id": id, "reason": "포인트 충전 환불" }),
        now,
        now,
    )
    .await?;
    publish_charge(conn, id, now).await
}

/// An admin's grant of bonus points, with a reason (in the member's ledger
/// and the audit log).
pub async fn grant(
    conn: &mut AnyConnection,
    admin: &Actor,
    req: &GrantPointsRequest,
    now: i64,
) -> Result<PointEntry> {
    admin.ensure_role(moa_protocol::Role::Admin)?;
    validate::uuid("user_id", &req.user_id)?;
    if !(1..=MAX_GRANT).contains(&req.amount) {
        return Err(Error::invalid("amount", format!("1 to {MAX_GRANT} points")));
    }
    let reason = validate::text("reason", &req.reason, 1, 200)?;
    let user = crate::users::service::find_by_id(conn, &req.user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or_else(|| Error::invalid("user_id", "no such member"))?;
    let grant_id = new_id();
    let entry = move_points(
        conn,
        Ledger {
            user_id: &user.id,
            kind: PointKind::Bonus,
            amount: req.amount,
            held: 0,
            cause: ("grant", &grant_id),
            note: &reason,
        },
        now,
    )
    .await?
    .ok_or_else(|| Error::Internal("a new grant was applied before".into()))?;
    crate::admin::service::audit(
        conn,
        &admin.user_id,
        "grant_points",
        ("user", &user.id),
        serde_json::json!({ "amount": req.amount, "reason": reason, "entry": entry.id }),
        now,
    )
    .await?;
    let preview = format!("{}P 지급: {reason}", won(req.amount));
    notifications::notify(
        conn,
        Event {
            user_id: &user.id,
            kind: NotificationKind::PointsAdded,
            actor_id: Some(&admin.user_id),
            target_type: "grant",
            target_id: &grant_id,
            review_id: None,
            preview: &preview,
        },
        now,
    )
    .await?;
    Ok(entry)
}
