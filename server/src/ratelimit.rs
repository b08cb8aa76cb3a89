//! In-memory rate limiting (GCRA, the token-bucket algorithm without a timer)
//! for sign-in and sign-up, per client IP and per account.
//!
//! State is per server node: with several nodes behind a load balancer each
//! node limits on its own, so the effective limit is at most `nodes ×` the
//! configured one, which still stops password guessing at scale.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allows `per_minute` events per key on average, in bursts of up to `per_minute`.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    tolerance: Duration,
    /// Theoretical arrival time of the next event allowed without waiting.
    state: Mutex<HashMap<String, Instant>>,
}

/// Keys kept before stale ones are swept out.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    pub fn per_minute(per_minute: u32) -> Self {
        Self::per_period(per_minute, Duration::from_secs(60))
    }

    /// `count` events a `period`, in a burst or spread out.
    pub fn per_period(count: u32, period: Duration) -> Self {
        let count = count.max(1);
        let interval = period / count;
        RateLimiter {
            interval,
            tolerance: interval * (count - 1),
            state: Mutex::new(HashMap::new()),
        }
    }

    /// Records one event for `key`; `Err(wait)` when over the limit (nothing recorded).
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.len() >= SWEEP_AT {
            state.retain(|_, tat| *tat > now);
        }
        let tat = state.get(key).copied().unwrap_or(now).max(now);
        let allowed_at = tat.checked_sub(self.tolerance).unwrap_or(now);
        if allowed_at > now {
            return Err(allowed_at - now);
        }
        state.insert(key.to_owned(), tat + self.interval);
        Ok(())
    }
}

/// Seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills_at_the_rate() {
        let limiter = RateLimiter::per_minute(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at("ip", t0).is_ok());
        }
        let wait = limiter.check_at("ip", t0).unwrap_err();
        assert!(
            wait <= Duration::from_secs(20) && wait > Duration::from_secs(19),
            "{wait:?}"
        );
        // Other keys are independent.
        assert!(limiter.check_at("other", t0).is_ok());
        // One interval later one more event is allowed, and only one.
        let t1 = t0 + Duration::from_secs(20);
        assert!(limiter.check_at("ip", t1).is_ok());
        assert!(limiter.check_at("ip", t1).is_err());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1500)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(3)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
