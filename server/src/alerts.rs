//! Operations alerts to Slack (an incoming webhook, `--slack-webhook-url`):
//! an order paid, a campaign closed, a job failing again and again, and
//! server errors (5xx).
//!
//! Alerts are grouped and rate-limited so an outage sends a handful of
//! messages, not thousands: callers only queue an [`Alert`] (never waiting,
//! never failing: a full queue counts the alert as dropped); one task per
//! node gathers what arrives within a window, folds alerts of the same
//! group into one line with a count ("서버 오류 500 · GET /v1/feed × 1,000"),
//! and posts at most [`AlertSettings::per_minute`] messages a minute. What
//! waits for the limit keeps being folded, so nothing is lost from the
//! counts, only delayed. Slack's 429 (with `Retry-After`) is honoured; a
//! message the webhook refuses for good is logged and dropped.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Where and how often alerts go.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// The Slack incoming-webhook URL (`https://hooks.slack.com/services/…`).
    pub webhook_url: String,
    /// How long the first alert of a batch waits for others to join it.
    pub window: Duration,
    /// Messages a minute at most.
    pub per_minute: u32,
}

impl AlertSettings {
    pub fn new(webhook_url: impl Into<String>) -> Self {
        AlertSettings {
            webhook_url: webhook_url.into(),
            window: Duration::from_secs(2),
            per_minute: 6,
        }
    }
}

/// Something operators want to hear of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    OrderPaid {
        campaign: String,
        amount_krw: i64,
        member: String,
    },
    CampaignClosed {
        title: String,
        /// `succeeded`, `failed` or `cancelled`.
        outcome: String,
        participants: i64,
    },
    JobFailing {
        kind: String,
        key: String,
        attempts: i64,
        error: String,
    },
    ServerError {
        method: String,
        path: String,
        status: u16,
    },
}

/// `12,345` (won amounts and counts in messages).
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

impl Alert {
    /// Alerts of one group fold into one line.
    pub fn group(&self) -> String {
        match self {
            Alert::OrderPaid { campaign, .. } => format!("paid:{campaign}"),
            Alert::CampaignClosed { title, outcome, .. } => format!("closed:{title}:{outcome}"),
            Alert::JobFailing { kind, .. } => format!("job:{kind}"),
            Alert::ServerError {
                method,
                path,
                status,
            } => format!("5xx:{status}:{method}:{path}"),
        }
    }

    /// The line of a group of `count` such alerts (this one the latest).
    fn line(&self, count: u64, amount: i64) -> String {
        let times = if count > 1 {
            format!(" × {}", thousands(count as i64))
        } else {
            String::new()
        };
        match self {
            Alert::OrderPaid {
                campaign, member, ..
            } => {
                if count > 1 {
                    format!(
                        ":moneybag: 결제 완료 {}건 · {campaign} · 합계 {}원",
                        thousands(count as i64),
                        thousands(amount)
                    )
                } else {
                    format!(
                        ":moneybag: 결제 완료 · {campaign} · {}원 · @{member}",
                        thousands(amount)
                    )
                }
            }
            Alert::CampaignClosed {
                title,
                outcome,
                participants,
            } => {
                let (icon, what) = match outcome.as_str() {
                    "succeeded" => (":tada:", "공동구매 성공"),
                    "cancelled" => (":no_entry:", "공동구매 취소"),
                    _ => (":warning:", "공동구매 실패 (최소 인원 미달)"),
                };
                format!("{icon} {what} · {title} · 참여 {participants}명{times}")
            }
            Alert::JobFailing {
                kind,
                key,
                attempts,
                error,
            } => format!(
                ":rotating_light: 작업 반복 실패 · {kind} ({key}) · {attempts}회째 · {error}{times}"
            ),
            Alert::ServerError {
                method,
                path,
                status,
            } => format!(":fire: 서버 오류 {status} · {method} {path}{times}"),
        }
    }
}

/// A group being gathered: its latest alert, how many, and the won summed.
#[derive(Debug)]
struct Group {
    latest: Alert,
    count: u64,
    amount: i64,
    first_seen: u64,
}

/// Queues alerts for this node's sender task (or drops them when alerts
/// are off). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    tx: Option<mpsc::Sender<Alert>>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Alerts queued and not yet gathered, at most.
const QUEUE: usize = 4_096;

/// Lines a message holds at most (the rest are counted).
const MAX_LINES: usize = 20;

impl Alerts {
    /// Alerts that go nowhere.
    pub fn off() -> Alerts {
        Alerts::default()
    }

    /// Starts the sender task (on the current Tokio runtime; off when there
    /// is none).
    pub fn start(settings: AlertSettings, http: reqwest::Client) -> Alerts {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Alerts::off();
        };
        let (tx, rx) = mpsc::channel(QUEUE);
        let alerts = Alerts {
            tx: Some(tx),
            dropped: Default::default(),
        };
        runtime.spawn(run(settings, http, rx, alerts.dropped.clone()));
        alerts
    }

    /// Queues `alert` (never waits).
    pub fn send(&self, alert: Alert) {
        if let Some(tx) = &self.tx
            && tx.try_send(alert).is_err()
        {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }
}

/// Slack's incoming-webhook body.
#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
}

/// What posting a message came to.
enum Posted {
    Ok,
    /// Slack asks to wait (429 `Retry-After`).
    Later(Duration),
    /// Refused for good (a bad URL, a revoked hook): logged and dropped.
    Refused,
}

/// Posts `text` to the webhook.
async fn post(http: &reqwest::Client, url: &str, text: &str) -> Posted {
    let sent = http
        .post(url)
        .timeout(Duration::from_secs(10))
        .json(&Message { text })
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e, "slack: cannot reach the webhook");
            return Posted::Later(Duration::from_secs(5));
        }
    };
    let status = resp.status();
    if status.is_success() {
        return Posted::Ok;
    }
    if status.as_u16() == 429 {
        let wait = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(30);
        return Posted::Later(Duration::from_secs(wait.clamp(1, 600)));
    }
    let body = resp.text().await.unwrap_or_default();
    if status.is_server_error() {
        tracing::warn!(%status, body, "slack: webhook failed; trying again");
        return Posted::Later(Duration::from_secs(5));
    }
    tracing::error!(%status, body, "slack: the webhook refused an alert");
    Posted::Refused
}

/// The message of the gathered groups (oldest group first); the groups it
/// could not hold are counted at the end.
fn compose(groups: &BTreeMap<String, Group>, dropped: u64) -> String {
    let mut ordered: Vec<&Group> = groups.values().collect();
    ordered.sort_by_key(|g| g.first_seen);
    let mut lines: Vec<String> = ordered
        .iter()
        .take(MAX_LINES)
        .map(|g| g.latest.line(g.count, g.amount))
        .collect();
    if ordered.len() > MAX_LINES {
        let rest: u64 = ordered[MAX_LINES..].iter().map(|g| g.count).sum();
        lines.push(format!(
            "… 그 외 {}종 {}건",
            ordered.len() - MAX_LINES,
            thousands(rest as i64)
        ));
    }
    if dropped > 0 {
        lines.push(format!(
            "(대기열이 넘쳐 {}건은 세지 못했습니다)",
            thousands(dropped as i64)
        ));
    }
    lines.join("\n")
}

/// The sender task: gather, fold, wait for the rate limit, post.
async fn run(
    settings: AlertSettings,
    http: reqwest::Client,
    mut rx: mpsc::Receiver<Alert>,
    dropped: std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    let spacing = Duration::from_secs(60) / settings.per_minute.max(1);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut seq = 0_u64;
    // The earliest time the next message may go.
    let mut next_slot = Instant::now();
    let mut fold = |groups: &mut BTreeMap<String, Group>, alert: Alert| {
        seq += 1;
        let amount = match &alert {
            Alert::OrderPaid { amount_krw, .. } => *amount_krw,
            _ => 0,
        };
        let g = groups.entry(alert.group()).or_insert_with(|| Group {
            latest: alert.clone(),
            count: 0,
            amount: 0,
            first_seen: seq,
        });
        g.latest = alert;
        g.count += 1;
        g.amount += amount;
    };
    loop {
        if groups.is_empty() {
            match rx.recv().await {
                Some(alert) => fold(&mut groups, alert),
                None => return,
            }
        }
        // Gather for the window, and until the rate limit allows a message.
        let send_at = (Instant::now() + settings.window).max(next_slot);
        let mut closed = false;
        loop {
            tokio::select! {
                got = rx.recv() => match got {
                    Some(alert) => fold(&mut groups, alert),
                    None => { closed = true; break; }
                },
                () = tokio::time::sleep_until(send_at) => break,
            }
        }
        let lost = dropped.swap(0, std::sync::atomic::Ordering::Relaxed);
        let text = compose(&groups, lost);
        match post(&http, &settings.webhook_url, &text).await {
            Posted::Ok | Posted::Refused => {
                groups.clear();
                next_slot = Instant::now() + spacing;
            }
            Posted::Later(wait) => {
                // Keep the groups (they go with the next try) and the count.
                dropped.fetch_add(lost, std::sync::atomic::Ordering::Relaxed);
                next_slot = Instant::now() + wait.max(spacing);
            }
        }
        if closed && groups.is_empty() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_folds_into_one_line_with_its_count() {
        let mut groups = BTreeMap::new();
        let error = Alert::ServerError {
            method: "GET".into(),
            path: "/v1/feed".into(),
            status: 500,
        };
        groups.insert(
            error.group(),
            Group {
                latest: error,
                count: 1_000,
                amount: 0,
                first_seen: 1,
            },
        );
        let paid = Alert::OrderPaid {
            campaign: "텀블러".into(),
            amount_krw: 9_000,
            member: "minji".into(),
        };
        groups.insert(
            paid.group(),
            Group {
                latest: paid,
                count: 3,
                amount: 27_000,
                first_seen: 2,
            },
        );
        assert_eq!(
            compose(&groups, 0),
            ":fire: 서버 오류 500 · GET /v1/feed × 1,000\n\
             :moneybag: 결제 완료 3건 · 텀블러 · 합계 27,000원"
        );
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1_000), "-1,000");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn more_groups_than_a_message_holds_are_counted() {
        let mut groups = BTreeMap::new();
        for i in 0..25 {
            let a = Alert::JobFailing {
                kind: format!("kind{i}"),
                key: "k".into(),
                attempts: 3,
                error: "boom".into(),
            };
            groups.insert(
                a.group(),
                Group {
                    latest: a,
                    count: 2,
                    amount: 0,
                    first_seen: i,
                },
            );
        }
        let text = compose(&groups, 7);
        assert_eq!(text.lines().count(), MAX_LINES + 2);
        assert!(text.contains("그 외 5종 10건"), "{text}");
        assert!(text.contains("7건은 세지 못했습니다"), "{text}");
    }
}
