//! The admin dashboard's figures: orders, payments and revenue, sign-ups
//! (per community too) and reports per day, and each recent campaign's
//! funnel (viewers → orderers → payers). Every day is a Korean day
//! (00:00-24:00 Asia/Seoul), never a UTC one.

use std::collections::BTreeMap;

use moa_protocol::kst::{self, DAY_MS, KST_OFFSET_MS};
use moa_protocol::{AdminStats, CampaignFunnel, CommunitySignups, DayStats};
use sqlx::AnyConnection;

use crate::error::Result;

/// SQL for the start of the Korean day of the ms column `col`, as Unix ms.
pub fn kst_day_sql(col: &str) -> String {
    format!("((({col} + {KST_OFFSET_MS}) / {DAY_MS}) * {DAY_MS} - {KST_OFFSET_MS})")
}

/// The start of the first of the last `days` Korean days up to `now`.
pub fn window_start(days: u32, now: i64) -> i64 {
    kst::day_start(now) - i64::from(days.saturating_sub(1)) * DAY_MS
}

/// Counts per Korean day of the rows of `table` (`time` at or after
/// `since`, and `extra` conditions), summing `value`.
async fn per_day(
    conn: &mut AnyConnection,
    table: &str,
    time: &str,
    value: &str,
    extra: &str,
    since: i64,
) -> Result<Vec<(i64, i64, i64)>> {
    let day = kst_day_sql(time);
    let sql = format!(
        "SELECT {day} AS day, COUNT(*), CAST(COALESCE(SUM({value}), 0) AS BIGINT) FROM {table} \
         WHERE {time} >= $1 {extra} GROUP BY {day} ORDER BY 1"
    );
    Ok(sqlx::query_as(&sql)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?)
}

/// The dashboard over the last `days` Korean days (today included).
pub async fn dashboard(conn: &mut AnyConnection, days: u32, now: i64) -> Result<AdminStats> {
    let days = days.clamp(1, 366);
    let since = window_start(days, now);
    let mut by_day: BTreeMap<i64, DayStats> = (0..i64::from(days))
        .map(|i| {
            let start = since + i * DAY_MS;
            (
                start,
                DayStats {
                    day: kst::date_of(start),
                    orders: 0,
                    paid_orders: 0,
                    revenue_krw: 0,
                    signups: 0,
                    reports: 0,
                },
            )
        })
        .collect();
    for (day, n, _) in per_day(conn, "orders", "created_at", "amount_krw", "", since).await? {
        if let Some(d) = by_day.get_mut(&day) {
            d.orders = n;
        }
    }
    let paid = "AND paid_at IS NOT NULL AND status IN ('paid', 'confirmed', 'fulfilled')";
    for (day, n, sum) in per_day(conn, "orders", "paid_at", "amount_krw", paid, since).await? {
        if let Some(d) = by_day.get_mut(&day) {
            d.paid_orders = n;
            d.revenue_krw = sum;
        }
    }
    for (day, n, _) in per_day(conn, "users", "created_at", "0", "", since).await? {
        if let Some(d) = by_day.get_mut(&day) {
            d.signups = n;
        }
    }
    for (day, n, _) in per_day(conn, "reports", "created_at", "0", "", since).await? {
        if let Some(d) = by_day.get_mut(&day) {
            d.reports = n;
        }
    }
    let day = kst_day_sql("u.created_at");
    let sql = format!(
        "SELECT {day} AS day, u.community_id, m.name, COUNT(*) FROM users u \
         LEFT JOIN communities m ON m.id = u.community_id WHERE u.created_at >= $1 \
         GROUP BY {day}, u.community_id, m.name ORDER BY 1, 4 DESC"
    );
    let rows: Vec<(i64, Option<String>, Option<String>, i64)> = sqlx::query_as(&sql)
        .bind(since)
        .fetch_all(&mut *conn)
        .await?;
    let signups_by_community = rows
        .into_iter()
        .map(
            |(day, community_id, community_name, signups)| CommunitySignups {
                day: kst::date_of(day),
                community_id,
                community_name,
                signups,
            },
        )
        .collect();
    // Campaigns open at some time in the window, newest first.
    let funnels: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT k.id, k.title, \
           (SELECT COUNT(*) FROM campaign_views v WHERE v.campaign_id = k.id), \
           (SELECT COUNT(DISTINCT o.user_id) FROM orders o WHERE o.campaign_id = k.id), \
           (SELECT COUNT(DISTINCT o.user_id) FROM orders o WHERE o.campaign_id = k.id \
              AND o.paid_at IS NOT NULL) \
         FROM campaigns k WHERE k.starts_at <= $1 AND (k.closed_at IS NULL OR k.closed_at >= $2) \
         ORDER BY k.created_at DESC, k.id DESC LIMIT 20",
    )
    .bind(now)
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    Ok(AdminStats {
        days: by_day.into_values().collect(),
        funnels: funnels
            .into_iter()
            .map(
                |(campaign_id, title, viewers, orderers, payers)| CampaignFunnel {
                    campaign_id,
                    title,
                    viewers,
                    orderers,
                    payers,
                },
            )
            .collect(),
        signups_by_community,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_at_a_korean_midnight() {
        // 2026-12-03 08:30 KST (2026-12-02 23:30 UTC).
        let now = 1_796_223_600_000 + 8 * 3_600_000 + 30 * 60_000;
        assert_eq!(window_start(1, now), 1_796_223_600_000);
        assert_eq!(kst::date_of(window_start(7, now)), "2026-11-27");
    }
}
