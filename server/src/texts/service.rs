//! Texts to selected members: who an audience is (community, ordered in a
//! campaign, joined between dates, picked by hand), what a text becomes
//! (SMS up to 90 EUC-KR bytes, else LMS; marketing marked "(광고)" with its
//! opt-out line, as the Korean law on advertising messages asks), the
//! preview with its cost, the send (recorded with every recipient, then
//! delivered by a job in batches of 100, retried with backoff), and the
//! per-recipient results.
//!
//! Marketing goes only to members who agreed to it (checked again when
//! each batch goes); a service notice goes to the orderers of one campaign
//! whatever they chose, since it is about their own orders.

use moa_protocol::kst;
use moa_protocol::{
    LMS_MAX_BYTES, LMS_SUBJECT_MAX_BYTES, Page, Role, SMS_MAX_BYTES, TextAudience, TextKind,
    TextPreview, TextPurpose, TextRecipient, TextRequest, TextSend, euc_kr_bytes,
};
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::db::filter::{Bind, Where};
use crate::error::{Error, Result};
use crate::jobs::{self, Job};
use crate::pagination::{self, into_page, page_size};
use crate::sms::SmsError;
use crate::state::AppState;
use crate::util::now_ms;
use crate::validate;

/// The job that delivers a send.
pub const TEXT_SEND: &str = "text_send";

/// Won per message (SENS list prices).
pub const SMS_PRICE_KRW: i64 = 9;
pub const LMS_PRICE_KRW: i64 = 30;

/// Members picked by hand, at most.
pub const MAX_PICKED: usize = 1_000;

/// What marketing texts open and close with.
const AD_HEAD: &str = "(광고) 모아\n";
const AD_TAIL: &str = "\n무료수신거부: 모아 앱 설정";

/// The text as it goes out, its kind and its EUC-KR length (422 when it is
/// empty or too long).
pub fn compose(
    purpose: TextPurpose,
    subject: &str,
    body: &str,
) -> Result<(TextKind, String, String, usize)> {
    let body = validate::text("body", body, 1, 2_000)?;
    let full = match purpose {
        TextPurpose::Marketing => format!("{AD_HEAD}{body}{AD_TAIL}"),
        TextPurpose::Service => body,
    };
    let bytes = euc_kr_bytes(&full);
    if bytes > LMS_MAX_BYTES {
        return Err(Error::invalid(
            "body",
            format!("{bytes} bytes; a text holds {LMS_MAX_BYTES} at most"),
        ));
    }
    let kind = if bytes <= SMS_MAX_BYTES {
        TextKind::Sms
    } else {
        TextKind::Lms
    };
    let subject = validate::text("subject", subject, 0, 40)?;
    if euc_kr_bytes(&subject) > LMS_SUBJECT_MAX_BYTES {
        return Err(Error::invalid(
            "subject",
            format!("a subject holds {LMS_SUBJECT_MAX_BYTES} bytes at most"),
        ));
    }
    let subject = if kind == TextKind::Lms {
        subject
    } else {
        String::new()
    };
    Ok((kind, subject, full, bytes))
}

/// The audience as conditions on `users u`, with its binds.
fn audience_sql(purpose: TextPurpose, a: &TextAudience) -> Result<Where> {
    let mut w = Where::default();
    w.clause("u.deleted_at IS NULL");
    let some = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    if let Some(c) = some(&a.community_id) {
        validate::uuid("audience.community_id", &c)?;
        w.push(|n| format!("u.community_id = ${n}"), Bind::Text(c));
    }
    match some(&a.campaign_id) {
        Some(c) => {
            validate::uuid("audience.campaign_id", &c)?;
            w.push(
                |n| {
                    format!(
                        "EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id \
                         AND o.campaign_id = ${n} AND o.status <> 'expired')"
                    )
                },
                Bind::Text(c),
            );
        }
        None if purpose == TextPurpose::Service => {
            return Err(Error::invalid(
                "audience.campaign_id",
                "a service notice goes to the orderers of one campaign",
            ));
        }
        None => {}
    }
    let day = |field: &str, d: &str| {
        kst::parse_date(d)
            .ok_or_else(|| Error::invalid(field, "must be a date YYYY-MM-DD (Korean time)"))
    };
    if let Some(d) = some(&a.joined_from) {
        let at = day("audience.joined_from", &d)?;
        w.push(|n| format!("u.created_at >= ${n}"), Bind::Int(at));
    }
    if let Some(d) = some(&a.joined_to) {
        let at = day("audience.joined_to", &d)? + kst::DAY_MS;
        w.push(|n| format!("u.created_at < ${n}"), Bind::Int(at));
    }
    if !a.user_ids.is_empty() {
        if a.user_ids.len() > MAX_PICKED {
            return Err(Error::invalid(
                "audience.user_ids",
                format!("{MAX_PICKED} members at most"),
            ));
        }
        let mut marks = Vec::new();
        for (i, id) in a.user_ids.iter().enumerate() {
            validate::uuid(format!("audience.user_ids[{i}]"), id)?;
            marks.push(format!("${}", w.arg(Bind::Text(id.clone()))));
        }
        w.clause(format!("u.id IN ({})", marks.join(", ")));
    }
    Ok(w)
}

/// Who can receive: a number, and (for marketing) consent.
fn reachable(purpose: TextPurpose) -> &'static str {
    match purpose {
        TextPurpose::Marketing => "u.phone IS NOT NULL AND u.sms_consent_at IS NOT NULL",
        TextPurpose::Service => "u.phone IS NOT NULL",
    }
}

/// What a send of `req` would be (admins).
pub async fn preview(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TextRequest,
) -> Result<TextPreview> {
    actor.ensure_role(Role::Admin)?;
    let (kind, _, body, bytes) = compose(req.purpose, &req.subject, &req.body)?;
    let w = audience_sql(req.purpose, &req.audience)?;
    let cond = w.sql();
    let sql = format!(
        "SELECT COUNT(*), \
           CAST(COALESCE(SUM(CASE WHEN u.phone IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
           CAST(COALESCE(SUM(CASE WHEN u.phone IS NOT NULL AND u.sms_consent_at IS NULL \
                THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM users u WHERE {cond}"
    );
    use sqlx::Row;
    let row = w.bind(sqlx::query(&sql)).fetch_one(&mut *conn).await?;
    let (all, without_phone, no_consent): (i64, i64, i64) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let opted_out = if req.purpose == TextPurpose::Marketing {
        no_consent
    } else {
        0
    };
    let recipients = all - without_phone - opted_out;
    let price = if kind == TextKind::Sms {
        SMS_PRICE_KRW
    } else {
        LMS_PRICE_KRW
    };
    Ok(TextPreview {
        recipients,
        without_phone,
        opted_out,
        kind,
        body,
        bytes: bytes as i64,
        cost_krw: recipients * price,
    })
}

/// A `text_sends` row with its recipients' counts.
type SendRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
);

const SEND_COLUMNS: &str = "s.id, s.purpose, s.kind, s.subject, s.body, s.recipients, s.cost_krw, \
     s.status, s.admin_id, s.created_at, s.finished_at, \
     (SELECT COUNT(*) FROM text_recipients r WHERE r.send_id = s.id AND r.status = 'sent'), \
     (SELECT COUNT(*) FROM text_recipients r WHERE r.send_id = s.id AND r.status IN ('failed', 'skipped')), \
     (SELECT COUNT(*) FROM text_recipients r WHERE r.send_id = s.id AND r.status = 'pending')";

fn to_send(r: SendRow) -> TextSend {
    let (
        id,
        purpose,
        kind,
        subject,
        body,
        recipients,
        cost_krw,
        status,
        admin_id,
        created_at,
        finished_at,
        sent,
        failed,
        pending,
    ) = r;
    TextSend {
        id,
        purpose: TextPurpose::parse(&purpose).unwrap_or_default(),
        kind: TextKind::parse(&kind).unwrap_or(TextKind::Lms),
        subject,
        body,
        recipients,
        sent,
        failed,
        pending,
        cost_krw,
        status,
        admin_id,
        created_at,
        finished_at,
    }
}

/// Send `id` as admins see it.
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<TextSend>> {
    if !crate::util::is_uuid(id) {
        return Ok(None);
    }
    let sql = format!("SELECT {SEND_COLUMNS} FROM text_sends s WHERE s.id = $1");
    let row: Option<SendRow> = sqlx::query_as(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(to_send))
}

/// Records a send of `req` with its recipients and schedules its delivery
/// (admins). The same id again answers the first send (`false`).
pub async fn send(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &TextRequest,
    now: i64,
) -> Result<(TextSend, bool)> {
    actor.ensure_role(Role::Admin)?;
    validate::uuid("id", &req.id)?;
    if let Some(existing) = get(conn, &req.id).await? {
        return Ok((existing, false));
    }
    let preview = preview(conn, actor, req).await?;
    if preview.recipients == 0 {
        return Err(Error::invalid(
            "audience",
            "nobody in this audience can receive a text (no number, or no consent)",
        ));
    }
    let (kind, subject, body, _) = compose(req.purpose, &req.subject, &req.body)?;
    let audience = serde_json::to_string(&req.audience)
        .map_err(|e| Error::Internal(format!("cannot encode an audience: {e}")))?;
    sqlx::query(
        "INSERT INTO text_sends (id, admin_id, purpose, kind, subject, body, audience, recipients, \
         cost_krw, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10)",
    )
    .bind(&req.id)
    .bind(&actor.user_id)
    .bind(req.purpose.as_str())
    .bind(kind.as_str())
    .bind(&subject)
    .bind(&body)
    .bind(&audience)
    .bind(preview.recipients)
    .bind(preview.cost_krw)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let w = audience_sql(req.purpose, &req.audience)?;
    let (cond, n) = (w.sql(), w.args());
    let sql = format!(
        "INSERT INTO text_recipients (send_id, user_id, phone, status, updated_at) \
         SELECT ${}, u.id, u.phone, 'pending', ${} FROM users u WHERE {cond} AND {}",
        n + 1,
        n + 2,
        reachable(req.purpose)
    );
    let inserted = w
        .bind(sqlx::query(&sql))
        .bind(&req.id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("UPDATE text_sends SET recipients = $1 WHERE id = $2")
        .bind(i64::try_from(inserted).unwrap_or(i64::MAX))
        .bind(&req.id)
        .execute(&mut *conn)
        .await?;
    jobs::schedule(
        conn,
        TEXT_SEND,
        &format!("{TEXT_SEND}:{}", req.id),
        &serde_json::json!({ "send_id": req.id }),
        now,
        now,
    )
    .await?;
    crate::admin::service::audit(
        conn,
        &actor.user_id,
        "send_texts",
        ("text_send", &req.id),
        serde_json::json!({
            "purpose": req.purpose.as_str(),
            "recipients": inserted,
            "kind": kind.as_str(),
            "cost_krw": preview.cost_krw,
        }),
        now,
    )
    .await?;
    let sent = get(conn, &req.id)
        .await?
        .ok_or_else(|| Error::Internal("a recorded send is gone".into()))?;
    Ok((sent, true))
}

/// Sends, newest first (admins).
pub async fn list(
    conn: &mut AnyConnection,
    actor: &Actor,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<TextSend>> {
    actor.ensure_role(Role::Admin)?;
    let size = page_size(limit);
    let (at, id) = pagination::below_int_id(cursor)?;
    let sql = format!(
        "SELECT {SEND_COLUMNS} FROM text_sends s \
         WHERE (s.created_at < $1 OR (s.created_at = $1 AND s.id < $2)) \
         ORDER BY s.created_at DESC, s.id DESC LIMIT $3"
    );
    let rows: Vec<SendRow> = sqlx::query_as(&sql)
        .bind(at)
        .bind(id)
        .bind(size + 1)
        .fetch_all(&mut *conn)
        .await?;
    Ok(into_page(
        rows.into_iter().map(to_send).collect(),
        size,
        |s: &TextSend| pagination::encode(&[&s.created_at.to_string(), &s.id]),
    ))
}

/// A recipient as read: user id, handle, name, number, status, request id, error.
type RecipientRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

/// `01012345678` → `010-****-5678`.
pub fn mask(phone: &str) -> String {
    let n = phone.len();
    if n < 8 {
        return "*".repeat(n);
    }
    format!("{}-****-{}", &phone[..3], &phone[n - 4..])
}

/// A send's recipients and their results (admins).
pub async fn recipients(
    conn: &mut AnyConnection,
    actor: &Actor,
    send_id: &str,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<TextRecipient>> {
    actor.ensure_role(Role::Admin)?;
    if get(conn, send_id).await?.is_none() {
        return Err(Error::NotFound("no such send".into()));
    }
    let size = page_size(limit);
    let after = match cursor {
        Some(c) => pagination::decode_id(c)?,
        None => String::new(),
    };
    let rows: Vec<RecipientRow> = sqlx::query_as(
        "SELECT r.user_id, u.handle, u.display_name, r.phone, r.status, r.request_id, r.error \
         FROM text_recipients r JOIN users u ON u.id = r.user_id \
         WHERE r.send_id = $1 AND r.user_id > $2 ORDER BY r.user_id LIMIT $3",
    )
    .bind(send_id)
    .bind(&after)
    .bind(size + 1)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .into_iter()
        .map(
            |(user_id, handle, display_name, phone, status, request_id, error)| TextRecipient {
                user_id,
                handle,
                display_name,
                phone: mask(&phone),
                status,
                request_id,
                error,
            },
        )
        .collect();
    Ok(into_page(items, size, |r: &TextRecipient| {
        pagination::encode(&[&r.user_id])
    }))
}

/// The delivery job: the pending recipients in batches of 100 until none
/// is left. A provider that is down leaves them pending and the job is
/// retried; a refusal marks the batch failed with the reason.
pub async fn deliver(state: &AppState, job: &Job) -> Result<()> {
    let send_id = job.text("send_id")?.to_owned();
    let Some(sms) = state.sms.clone() else {
        return Err(Error::Upstream(
            "texts are not configured on this server".into(),
        ));
    };
    let mut conn = state.db.read().acquire().await?;
    let Some(send) = get(&mut conn, &send_id).await? else {
        return Ok(());
    };
    drop(conn);
    let purpose = send.purpose;
    state
        .write_quiet(async |tx| {
            sqlx::query(
                "UPDATE text_sends SET status = 'sending' WHERE id = $1 AND status = 'queued'",
            )
            .bind(&send_id)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await?;
    loop {
        let batch: Vec<(String, String, Option<i64>)> = {
            let mut conn = state.db.read().acquire().await?;
            sqlx::query_as(
                "SELECT r.user_id, r.phone, u.sms_consent_at FROM text_recipients r \
                 JOIN users u ON u.id = r.user_id \
                 WHERE r.send_id = $1 AND r.status = 'pending' ORDER BY r.user_id LIMIT 100",
            )
            .bind(&send_id)
            .fetch_all(&mut *conn)
            .await?
        };
        if batch.is_empty() {
            break;
        }
        // Consent is checked again: someone who opted out since is skipped.
        let (go, skip): (Vec<_>, Vec<_>) = batch
            .into_iter()
            .partition(|(_, _, consent)| purpose == TextPurpose::Service || consent.is_some());
        let numbers: Vec<String> = go.iter().map(|(_, p, _)| p.clone()).collect();
        let result = if numbers.is_empty() {
            Ok(String::new())
        } else {
            sms.send(
                send.kind,
                purpose == TextPurpose::Marketing,
                &send.subject,
                &send.body,
                &numbers,
                now_ms(),
            )
            .await
        };
        let (status, request_id, error) = match result {
            Ok(id) => ("sent", Some(id), None),
            Err(SmsError::Refused(e)) => ("failed", None, Some(e)),
            Err(SmsError::Unavailable(e)) => {
                return Err(Error::Upstream(format!("SENS: {e}")));
            }
        };
        let now = now_ms();
        state
            .write_quiet(async |tx| {
                for (user_id, _, _) in &go {
                    mark(
                        tx,
                        &send_id,
                        user_id,
                        status,
                        request_id.as_deref(),
                        error.as_deref(),
                        now,
                    )
                    .await?;
                }
                for (user_id, _, _) in &skip {
                    mark(
                        tx,
                        &send_id,
                        user_id,
                        "skipped",
                        None,
                        Some("수신 거부"),
                        now,
                    )
                    .await?;
                }
                Ok(())
            })
            .await?;
    }
    let now = now_ms();
    state
        .write_quiet(async |tx| {
            sqlx::query("UPDATE text_sends SET status = 'done', finished_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&send_id)
                .execute(&mut *tx)
                .await?;
            Ok(())
        })
        .await
}

async fn mark(
    conn: &mut AnyConnection,
    send_id: &str,
    user_id: &str,
    status: &str,
    request_id: Option<&str>,
    error: Option<&str>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE text_recipients SET status = $1, request_id = $2, error = $3, updated_at = $4 \
         WHERE send_id = $5 AND user_id = $6 AND status = 'pending'",
    )
    .bind(status)
    .bind(request_id)
    .bind(error)
    .bind(now)
    .bind(send_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The 502 for a server with no text provider.
pub fn not_configured() -> Error {
    Error::Upstream("texts are not configured on this server".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marketing_is_marked_and_length_picks_sms_or_lms() {
        let (kind, subject, body, bytes) =
            compose(TextPurpose::Service, "제목", "주문하신 텀블러가 도착했어요")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((kind, subject.as_str()), (TextKind::Sms, ""));
        assert_eq!(bytes, euc_kr_bytes(&body));
        let (kind, _, body, _) = compose(TextPurpose::Marketing, "", "겨울 공구 오픈!")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            body.starts_with("(광고)") && body.ends_with("무료수신거부: 모아 앱 설정"),
            "{body}"
        );
        assert_eq!(kind, TextKind::Sms);
        let long = "가".repeat(46);
        let (kind, subject, _, _) =
            compose(TextPurpose::Service, "공지", &long).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((kind, subject.as_str()), (TextKind::Lms, "공지"));
        assert!(compose(TextPurpose::Service, "", " ").is_err());
        assert!(compose(TextPurpose::Service, "", &"가".repeat(1_001)).is_err());
        assert!(compose(TextPurpose::Service, &"가".repeat(21), &long).is_err());
        assert_eq!(mask("01012345678"), "010-****-5678");
    }
}
