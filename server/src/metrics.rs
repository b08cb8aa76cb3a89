//! Request metrics in the Prometheus text format (`GET /metrics`), and the
//! middleware that records them and logs one line per request.
//!
//! Labels are the route *pattern* (`/v1/users/{id}`, never the concrete path,
//! which would explode cardinality), the method and the status.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Non-cumulative counts per bucket; the last slot is +Inf.
    buckets: [u64; BUCKETS.len() + 1],
}

/// Counters and latency histograms by (method, route, status).
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
    /// Jobs run, by (kind, succeeded).
    jobs: Mutex<BTreeMap<(String, bool), u64>>,
    /// The last backup that succeeded: (when it began, UTC ms; its bytes).
    last_backup: Mutex<Option<(i64, u64)>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        let s = series
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum_seconds += seconds;
        s.buckets[slot] += 1;
    }

    /// Counts one run of a job of `kind`.
    /// A push sent to a phone's provider (`ok`) or failed there.
    pub fn push_sent(&self, platform: &str, ok: bool) {
        self.job_done(&format!("push_send_{platform}"), ok);
    }

    pub fn job_done(&self, kind: &str, ok: bool) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        *jobs.entry((kind.to_owned(), ok)).or_default() += 1;
    }

    /// A scheduled backup finished: when it began and its size.
    pub fn backup_done(&self, taken_at: i64, bytes: u64) {
        *self.last_backup.lock().unwrap_or_else(|p| p.into_inner()) = Some((taken_at, bytes));
    }

    /// The Prometheus text exposition of everything recorded so far.
    pub fn render(&self) -> String {
        let series = self
            .series
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut out = String::new();
        out.push_str("# HELP moa_http_requests_total HTTP requests served, by route and status.\n");
        out.push_str("# TYPE moa_http_requests_total counter\n");
        for ((method, route, status), s) in &series {
            let _ = writeln!(
                out,
                "moa_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str(
            "# HELP moa_http_request_duration_seconds HTTP request latency, by route and status.\n",
        );
        out.push_str("# TYPE moa_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in &series {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ = writeln!(
                    out,
                    "moa_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            cumulative += s.buckets[BUCKETS.len()];
            let _ = writeln!(
                out,
                "moa_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {cumulative}"
            );
            let _ = writeln!(
                out,
                "moa_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "moa_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        out.push_str("# HELP moa_jobs_total Jobs run by this node, by kind and outcome.\n");
        out.push_str("# TYPE moa_jobs_total counter\n");
        for ((kind, ok), n) in &jobs {
            let outcome = if *ok { "done" } else { "failed" };
            let _ = writeln!(
                out,
                "moa_jobs_total{{kind=\"{}\",outcome=\"{outcome}\"}} {n}",
                escape(kind)
            );
        }
        if let Some((at, bytes)) = *self.last_backup.lock().unwrap_or_else(|p| p.into_inner()) {
            out.push_str(
                "# HELP moa_backup_last_success_timestamp_seconds When the last backup that \
                 succeeded began.\n# TYPE moa_backup_last_success_timestamp_seconds gauge\n",
            );
            let _ = writeln!(
                out,
                "moa_backup_last_success_timestamp_seconds {}",
                at as f64 / 1000.0
            );
            out.push_str(
                "# HELP moa_backup_last_bytes The size of the last backup that succeeded.\n\
                 # TYPE moa_backup_last_bytes gauge\n",
            );
            let _ = writeln!(out, "moa_backup_last_bytes {bytes}");
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times the request, records it and logs it (without bodies,
/// query strings or headers, which may carry secrets).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let response = next.run(request).await;
    let elapsed = start.elapsed();
    let status = response.status().as_u16();
    state
        .metrics
        .record(method.as_str(), &route, status, elapsed);
    if status >= 500 {
        state.alerts.send(crate::alerts::Alert::ServerError {
            method: method.to_string(),
            path: route.clone(),
            status,
        });
    }
    tracing::info!(
        method = %method,
        route = %route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_histograms() {
        let m = Metrics::default();
        m.record("GET", "/health", 200, Duration::from_millis(2));
        m.record("GET", "/health", 200, Duration::from_millis(30));
        m.record("POST", "/v1/auth/login", 401, Duration::from_secs(20));
        let text = m.render();
        assert!(text.contains(
            "moa_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "moa_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"0.0025\"} 1"
        ));
        assert!(text.contains(
            "moa_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health\",status=\"200\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "moa_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/auth/login\",status=\"401\",le=\"10\"} 0"
        ));
        assert!(text.contains(
            "moa_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/auth/login\",status=\"401\",le=\"+Inf\"} 1"
        ));
    }
}
