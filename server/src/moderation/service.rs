//! Reports and moderation: members report content and members; moderators
//! work a queue grouped by target and act on targets (dismiss, hide,
//! restore, delete, suspend, unsuspend). Every action resolves the target's
//! open reports, tells the reporters the outcome, and is written to the
//! audit log, all in one transaction.

use moa_protocol::limits::MAX_REASON_CHARS;
use moa_protocol::{
    CreateReportRequest, EntityKind, ErrorCode, ModerationAction, ModerationRequest,
    ModerationResult, NotificationKind, Report, ReportDayCount, ReportGroup, ReportQueue,
    ReportReason, ReportState, ReportStats, ReportTarget, ReportTypeCount, Role, SearchKind,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, FromRow};

use crate::actor::Actor;
use crate::admin::service as admin;
use crate::catalog::service as catalog;
use crate::changelog::{self, Change, PUBLIC};
use crate::comments::service as comments;
use crate::error::{Error, Result, is_unique_violation};
use crate::notifications::service as notifications;
use crate::pagination::{self, page_size};
use crate::reviews::service as reviews;
use crate::search::service as search;
use crate::users::service as users;
use crate::util::new_id;
use crate::validate;

const REPORT_COLUMNS: &str = "id, reporter_id, target_type, target_id, reason, detail, state, resolution, created_at, resolved_at";

/// The columns of [`REPORT_COLUMNS`] as stored.
#[derive(sqlx::FromRow)]
struct ReportColumns {
    id: String,
    reporter_id: String,
    target_type: String,
    target_id: String,
    reason: String,
    detail: String,
    state: String,
    resolution: Option<String>,
    created_at: i64,
    resolved_at: Option<i64>,
}

fn report_from_row(row: &AnyRow) -> Result<Report> {
    let bad = |what: &str, v: &str| Error::Internal(format!("unknown report {what} {v}"));
    let c = ReportColumns::from_row(row)?;
    Ok(Report {
        id: c.id,
        reporter_id: c.reporter_id,
        target_type: ReportTarget::parse(&c.target_type)
            .ok_or_else(|| bad("target", &c.target_type))?,
        target_id: c.target_id,
        reason: ReportReason::parse(&c.reason).ok_or_else(|| bad("reason", &c.reason))?,
        detail: c.detail,
        state: ReportState::parse(&c.state).ok_or_else(|| bad("state", &c.state))?,
        resolution: c.resolution,
        created_at: c.created_at,
        resolved_at: c.resolved_at,
    })
}

/// Files a report; one open report per reporter per target. A reported
/// review ranks lower in popular while the report is open; a review or
/// comment that `auto_hide_at` distinct members report (0: never) is
/// hidden at once, pending a moderator (restoring it, or dismissing the
/// reports, undoes that).
pub async fn create_report(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &CreateReportRequest,
    auto_hide_at: u32,
    now: i64,
) -> Result<Report> {
    actor.ensure_can_write()?;
    if !crate::util::is_uuid(&req.target_id) {
        return Err(Error::invalid("target_id", "not an id"));
    }
    let detail = req.detail.trim();
    if detail.chars().count() > MAX_REASON_CHARS {
        return Err(Error::invalid(
            "detail",
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    if req.reason == ReportReason::Other && detail.is_empty() {
        return Err(Error::invalid(
            "detail",
            "say what is wrong when the reason is 'other'",
        ));
    }
    let missing = || Error::NotFound(format!("no such {}", req.target_type.as_str()));
    match req.target_type {
        ReportTarget::User => {
            if req.target_id == actor.user_id {
                return Err(Error::invalid("target_id", "you cannot report yourself"));
            }
            let user = users::find_by_id(conn, &req.target_id).await?;
            user.filter(|u| u.deleted_at.is_none())
                .ok_or_else(missing)?;
        }
        ReportTarget::Review => {
            reviews::get(conn, &actor.user_id, false, &req.target_id)
                .await?
                .ok_or_else(missing)?;
        }
        ReportTarget::Comment => {
            comments::get(conn, &actor.user_id, false, &req.target_id)
                .await?
                .ok_or_else(missing)?;
        }
        ReportTarget::Product => {
            catalog::get_product(conn, &req.target_id)
                .await?
                .ok_or_else(missing)?;
        }
        // Only who may see a request can report it.
        ReportTarget::Request => {
            crate::requests::service::get_for(conn, &req.target_id, &actor.user_id, false)
                .await
                .map_err(|_| missing())?;
        }
        // Only a member of the message's room can see it, hence report it.
        ReportTarget::Message => {
            if !crate::chat::service::can_see_message(conn, &actor.user_id, &req.target_id).await? {
                return Err(missing());
            }
        }
    }
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO reports (id, reporter_id, target_type, target_id, reason, detail, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(&actor.user_id)
    .bind(req.target_type.as_str())
    .bind(&req.target_id)
    .bind(req.reason.as_str())
    .bind(detail)
    .bind(now)
    .execute(&mut *conn)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(Error::conflict(
                ErrorCode::AlreadyReported,
                "you already reported this; moderators will look at it",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if req.target_type == ReportTarget::Review {
        crate::reviews::rank::refresh(conn, &req.target_id).await?;
    }
    if auto_hide_at > 0
        && matches!(
            req.target_type,
            ReportTarget::Review | ReportTarget::Comment
        )
    {
        auto_hide(
            conn,
            actor,
            req.target_type,
            &req.target_id,
            auto_hide_at,
            now,
        )
        .await?;
    }
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
    report_from_row(&sqlx::query(&sql).bind(&id).fetch_one(&mut *conn).await?)
}

/// Distinct members with an open report on the target.
async fn open_reporters(conn: &mut AnyConnection, target: ReportTarget, id: &str) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT reporter_id) FROM reports \
         WHERE target_type = $1 AND target_id = $2 AND state = 'open'",
    )
    .bind(target.as_str())
    .bind(id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Whether the review or comment is hidden now.
async fn is_hidden(conn: &mut AnyConnection, target: ReportTarget, id: &str) -> Result<bool> {
    Ok(match target {
        ReportTarget::Review => reviews::get(conn, "", true, id)
            .await?
            .is_some_and(|r| r.review.hidden),
        ReportTarget::Comment => comments::get(conn, "", true, id)
            .await?
            .is_some_and(|c| c.comment.hidden),
        _ => false,
    })
}

/// Hides the target when `threshold` distinct members have open reports
/// on it; the audit log says it was the reports (`auto_hide`), with the
/// member whose report tipped it.
async fn auto_hide(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: ReportTarget,
    id: &str,
    threshold: u32,
    now: i64,
) -> Result<()> {
    let reporters = open_reporters(conn, target, id).await?;
    if reporters < i64::from(threshold) || is_hidden(conn, target, id).await? {
        return Ok(());
    }
    set_hidden(conn, target, id, true, now).await?;
    admin::audit(
        conn,
        &actor.user_id,
        "auto_hide",
        (target.as_str(), id),
        serde_json::json!({"reporters": reporters, "threshold": threshold}),
        now,
    )
    .await
}

/// Whether the target is hidden because of its reports (not by a
/// moderator): the last thing the audit log says of it is `auto_hide`.
async fn hidden_by_reports(
    conn: &mut AnyConnection,
    target: ReportTarget,
    id: &str,
) -> Result<bool> {
    let last: Option<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_type = $1 AND target_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(target.as_str())
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(last.as_deref() == Some("auto_hide") && is_hidden(conn, target, id).await?)
}

/// The reported thing as moderators see it.
async fn content(
    conn: &mut AnyConnection,
    target: ReportTarget,
    id: &str,
) -> Result<Option<serde_json::Value>> {
    let value = match target {
        ReportTarget::Review => reviews::get(conn, "", true, id)
            .await?
            .map(|r| serde_json::to_value(r.review)),
        ReportTarget::Comment => comments::get(conn, "", true, id)
            .await?
            .map(|c| serde_json::to_value(c.comment)),
        ReportTarget::User => users::find_by_id(conn, id)
            .await?
            .map(|u| serde_json::to_value(u.to_admin())),
        ReportTarget::Product => catalog::get_product(conn, id)
            .await?
            .map(serde_json::to_value),
        ReportTarget::Message => crate::chat::service::load_message(conn, id)
            .await?
            .map(serde_json::to_value),
        ReportTarget::Request => {
            return crate::requests::service::moderation_view(conn, id).await;
        }
    };
    value
        .transpose()
        .map_err(|e| Error::Internal(format!("cannot encode: {e}")))
}

/// A group of the queue: one target's reports, counted.
#[derive(sqlx::FromRow)]
struct GroupColumns {
    target_type: String,
    target_id: String,
    n: i64,
    first_at: i64,
}

/// The queue: reports in `state`, grouped by target, oldest group first
/// (by first report).
pub async fn queue(
    conn: &mut AnyConnection,
    state: ReportState,
    target: Option<ReportTarget>,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<ReportQueue> {
    let size = page_size(limit);
    let (after_time, after_id) = pagination::above_int_id(cursor)?;
    let groups = sqlx::query_as::<_, GroupColumns>(
        "SELECT target_type, target_id, COUNT(*) AS n, MIN(created_at) AS first_at FROM reports \
         WHERE state = $1 AND ($2 = '' OR target_type = $2) \
         GROUP BY target_type, target_id \
         HAVING (MIN(created_at), MIN(id)) > ($3, $4) \
         ORDER BY MIN(created_at), MIN(id) LIMIT $5",
    )
    .bind(state.as_str())
    .bind(target.map_or("", ReportTarget::as_str))
    .bind(after_time)
    .bind(after_id)
    .bind(size + 1)
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::with_capacity(groups.len());
    for g in groups {
        let target_type = ReportTarget::parse(&g.target_type)
            .ok_or_else(|| Error::Internal(format!("report target {}", g.target_type)))?;
        let target_id = g.target_id;
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE target_type = $1 AND target_id = $2 AND state = $3 \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql)
            .bind(target_type.as_str())
            .bind(&target_id)
            .bind(state.as_str())
            .fetch_all(&mut *conn)
            .await?;
        items.push(ReportGroup {
            content: content(conn, target_type, &target_id).await?,
            target_type,
            report_count: g.n,
            first_reported_at: g.first_at,
            reports: rows.iter().map(report_from_row).collect::<Result<_>>()?,
            target_id,
        });
    }
    // Groups first reported in the same millisecond keep the order of
    // their first reports (UUIDv7 ids grow): the key is (time, first id),
    // unique, so pages neither skip nor repeat.
    let page = pagination::into_page(items, size, |g| {
        let first = g.reports.iter().map(|r| r.id.as_str()).min().unwrap_or("");
        pagination::encode(&[&g.first_reported_at.to_string(), first])
    });
    Ok(ReportQueue {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

fn unsupported(action: ModerationAction, target: ReportTarget) -> Error {
    Error::invalid(
        "action",
        format!("cannot {} a {}", action.as_str(), target.as_str()),
    )
}

/// Hides or restores a review, comment or product; tells the author of a hide.
async fn set_hidden(
    conn: &mut AnyConnection,
    target: ReportTarget,
    id: &str,
    hide: bool,
    now: i64,
) -> Result<()> {
    let missing = || Error::NotFound(format!("no such {}", target.as_str()));
    let hidden_at = hide.then_some(now);
    let (author, review_id, preview) = match target {
        ReportTarget::Review => {
            let row = reviews::get(conn, "", true, id)
                .await?
                .ok_or_else(missing)?;
            sqlx::query("UPDATE reviews SET hidden_at = $1, version = version + 1 WHERE id = $2")
                .bind(hidden_at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            reviews::publish(conn, id, now).await?;
            let preview = if row.review.title.is_empty() {
                row.review.body
            } else {
                row.review.title
            };
            (row.author_id, Some(id.to_owned()), preview)
        }
        ReportTarget::Comment => {
            let row = comments::get(conn, "", true, id)
                .await?
                .ok_or_else(missing)?;
            sqlx::query("UPDATE comments SET hidden_at = $1, version = version + 1 WHERE id = $2")
                .bind(hidden_at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            comments::publish(conn, id, now).await?;
            (row.author_id, Some(row.comment.review_id), row.comment.body)
        }
        ReportTarget::Product => {
            let product = catalog::get_product(conn, id).await?.ok_or_else(missing)?;
            sqlx::query("UPDATE products SET hidden_at = $1 WHERE id = $2")
                .bind(hidden_at)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            let change = if hide {
                search::remove(conn, SearchKind::Product, id).await?;
                Change::delete(EntityKind::Product, id, vec![PUBLIC.into()])
            } else {
                // Restored by moderators; a product its adder deleted stays
                // out of search.
                if !product.deleted {
                    catalog::index_product(conn, &product).await?;
                }
                let data =
                    serde_json::to_value(&product).map_err(|e| Error::Internal(e.to_string()))?;
                Change::upsert(EntityKind::Product, id, data, vec![PUBLIC.into()])
            };
            changelog::record(conn, change, now).await?;
            (product.created_by, None, product.name)
        }
        ReportTarget::Request => {
            let row = crate::requests::service::row(conn, id)
                .await?
                .ok_or_else(missing)?;
            crate::requests::service::set_hidden(conn, id, hide, now).await?;
            (row.user_id, None, row.title)
        }
        other => {
            let action = if hide {
                ModerationAction::Hide
            } else {
                ModerationAction::Restore
            };
            return Err(unsupported(action, other));
        }
    };
    if hide {
        let event = notifications::Event {
            user_id: &author,
            kind: NotificationKind::ContentHidden,
            actor_id: None,
            target_type: target.as_str(),
            target_id: id,
            review_id: review_id.as_deref(),
            preview: &preview,
        };
        notifications::notify(conn, event, now).await?;
    }
    Ok(())
}

/// The member a suspension applies to: the user, or the content's author.
async fn responsible(conn: &mut AnyConnection, target: ReportTarget, id: &str) -> Result<String> {
    let missing = || Error::NotFound(format!("no such {}", target.as_str()));
    match target {
        ReportTarget::User => Ok(id.to_owned()),
        ReportTarget::Review => Ok(reviews::get(conn, "", true, id)
            .await?
            .ok_or_else(missing)?
            .author_id),
        ReportTarget::Comment => Ok(comments::get(conn, "", true, id)
            .await?
            .ok_or_else(missing)?
            .author_id),
        ReportTarget::Product => Ok(catalog::get_product(conn, id)
            .await?
            .ok_or_else(missing)?
            .created_by),
        ReportTarget::Message => Ok(crate::chat::service::load_message(conn, id)
            .await?
            .ok_or_else(missing)?
            .sender_id),
        ReportTarget::Request => Ok(crate::requests::service::row(conn, id)
            .await?
            .ok_or_else(missing)?
            .user_id),
    }
}

/// Acts on a target and resolves its open reports.
pub async fn moderate(
    conn: &mut AnyConnection,
    actor: &Actor,
    req: &ModerationRequest,
    now: i64,
) -> Result<ModerationResult> {
    actor.ensure_role(Role::Moderator)?;
    let reason = validate::text("reason", &req.reason, 1, MAX_REASON_CHARS)?;
    if !crate::util::is_uuid(&req.target_id) {
        return Err(Error::invalid("target_id", "not an id"));
    }
    let (target, id) = (req.target_type, req.target_id.as_str());
    match req.action {
        // The reports were wrong: what they hid comes back.
        ModerationAction::Dismiss => {
            if hidden_by_reports(conn, target, id).await? {
                set_hidden(conn, target, id, false, now).await?;
            }
        }
        ModerationAction::Hide => set_hidden(conn, target, id, true, now).await?,
        ModerationAction::Restore => set_hidden(conn, target, id, false, now).await?,
        ModerationAction::Delete => match target {
            ReportTarget::Review => {
                let row = reviews::get(conn, "", true, id).await?;
                let row = row.ok_or_else(|| Error::NotFound("no such review".into()))?;
                if !row.review.deleted {
                    reviews::remove(conn, &row, now).await?;
                }
            }
            ReportTarget::Comment => {
                let row = comments::get(conn, "", true, id).await?;
                let row = row.ok_or_else(|| Error::NotFound("no such comment".into()))?;
                if !row.comment.deleted {
                    comments::remove(conn, &row, now).await?;
                }
            }
            other => return Err(unsupported(req.action, other)),
        },
        ModerationAction::Suspend => {
            let member = responsible(conn, target, id).await?;
            admin::suspend(conn, actor, &member, req.days, &reason).await?;
        }
        ModerationAction::Unsuspend => {
            let member = responsible(conn, target, id).await?;
            admin::unsuspend(conn, actor, &member).await?;
        }
    }
    let resolved = resolve_reports(conn, actor, target, id, req.action, now).await?;
    let detail =
        serde_json::json!({"reason": reason, "days": req.days, "resolved_reports": resolved});
    let action = format!("moderate_{}", req.action.as_str());
    admin::audit(
        conn,
        &actor.user_id,
        &action,
        (target.as_str(), id),
        detail,
        now,
    )
    .await?;
    Ok(ModerationResult {
        action: req.action,
        resolved_reports: resolved,
    })
}

/// Closes the target's open reports and tells each reporter.
async fn resolve_reports(
    conn: &mut AnyConnection,
    actor: &Actor,
    target: ReportTarget,
    id: &str,
    action: ModerationAction,
    now: i64,
) -> Result<i64> {
    let open: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, reporter_id FROM reports WHERE target_type = $1 AND target_id = $2 AND state = 'open'",
    )
    .bind(target.as_str())
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let state = if action == ModerationAction::Dismiss {
        ReportState::Dismissed
    } else {
        ReportState::Actioned
    };
    for (report_id, reporter) in &open {
        sqlx::query("UPDATE reports SET state = $1, resolution = $2, resolved_by = $3, resolved_at = $4 WHERE id = $5")
            .bind(state.as_str())
            .bind(action.as_str())
            .bind(&actor.user_id)
            .bind(now)
            .bind(report_id)
            .execute(&mut *conn)
            .await?;
        let event = notifications::Event {
            user_id: reporter,
            kind: NotificationKind::ReportResolved,
            actor_id: None,
            target_type: "report",
            target_id: report_id,
            review_id: None,
            preview: if state == ReportState::Dismissed {
                "dismissed"
            } else {
                action.as_str()
            },
        };
        notifications::notify(conn, event, now).await?;
    }
    if target == ReportTarget::Review {
        crate::reviews::rank::refresh(conn, id).await?;
    }
    Ok(open.len() as i64)
}

/// Open and closed counts by type, and reports per day over the last `days`.
pub async fn stats(conn: &mut AnyConnection, days: u32, now: i64) -> Result<ReportStats> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT target_type, \
           CAST(SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END) AS BIGINT) AS open, \
           CAST(SUM(CASE WHEN state = 'open' THEN 0 ELSE 1 END) AS BIGINT) AS closed \
         FROM reports GROUP BY target_type ORDER BY target_type",
    )
    .fetch_all(&mut *conn)
    .await?;
    let parse = |t: String| {
        ReportTarget::parse(&t).ok_or_else(|| Error::Internal(format!("report target {t}")))
    };
    let by_type = rows
        .into_iter()
        .map(|(target_type, open, closed)| {
            Ok(ReportTypeCount {
                target_type: parse(target_type)?,
                open,
                closed,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    // Days are Korean days (00:00 Asia/Seoul), each named by its start.
    let since = crate::admin::stats::window_start(days, now);
    let day = crate::admin::stats::kst_day_sql("created_at");
    let sql = format!(
        "SELECT {day} AS day, target_type, COUNT(*) AS n FROM reports \
         WHERE created_at >= $1 GROUP BY {day}, target_type ORDER BY 1, 2"
    );
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(&sql)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
    let by_day = rows
        .into_iter()
        .map(|(day, target_type, count)| {
            Ok(ReportDayCount {
                day,
                target_type: parse(target_type)?,
                count,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ReportStats { by_type, by_day })
}
