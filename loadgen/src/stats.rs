//! Counters and latency histograms shared by every connection task.
//!
//! Everything is a relaxed atomic: tasks on both runtime threads bump them
//! directly (a few tens of thousands of increments a second, far below what
//! contention would notice), and the main task reads them for progress lines
//! and the final report.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// A log-linear histogram of microsecond values: exact below 256 µs, then
/// 128 buckets per power of two (under 0.8% error), up to `u64::MAX`.
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    max: AtomicU64,
}

const LINEAR: u64 = 256;
const SUB_BITS: u32 = 7; // 128 sub-buckets per octave
const SUB: u64 = 1 << SUB_BITS;
/// Octaves from 2^8 up to 2^63.
const OCTAVES: u64 = 64 - 8;

impl Histogram {
    pub fn new() -> Self {
        let len = usize::try_from(LINEAR + OCTAVES * SUB).unwrap_or(usize::MAX);
        Histogram {
            buckets: (0..len).map(|_| AtomicU64::new(0)).collect(),
            max: AtomicU64::new(0),
        }
    }

    fn index(v: u64) -> usize {
        let i = if v < LINEAR {
            v
        } else {
            let exp = u64::from(63 - v.leading_zeros()); // >= 8
            let sub = (v >> (exp - u64::from(SUB_BITS))) & (SUB - 1);
            LINEAR + (exp - 8) * SUB + sub
        };
        usize::try_from(i).unwrap_or(usize::MAX)
    }

    /// The middle of bucket `i`.
    fn value_of(i: usize) -> u64 {
        let i = i as u64;
        if i < LINEAR {
            return i;
        }
        let exp = (i - LINEAR) / SUB + 8;
        let sub = (i - LINEAR) % SUB;
        let width = 1u64 << (exp - u64::from(SUB_BITS));
        (1u64 << exp) + sub * width + width / 2
    }

    pub fn record(&self, micros: u64) {
        if let Some(b) = self.buckets.get(Self::index(micros)) {
            b.fetch_add(1, Relaxed);
        }
        self.max.fetch_max(micros, Relaxed);
    }

    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    /// The `q` quantile (0..=1) in milliseconds, `None` when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return None;
        }
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        for (i, c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let v = Self::value_of(i).min(self.max.load(Relaxed));
                return Some(round_ms(v));
            }
        }
        Some(round_ms(self.max.load(Relaxed)))
    }

    pub fn max_ms(&self) -> Option<f64> {
        (self.count() > 0).then(|| round_ms(self.max.load(Relaxed)))
    }
}

/// Microseconds to milliseconds with three decimals.
pub fn round_ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

/// Everything the connection tasks count.
#[derive(Default)]
pub struct Counters {
    pub connected: AtomicU64,
    pub connect_errors: AtomicU64,
    pub sent: AtomicU64,
    /// Deliveries the sends so far should cause (sum of receivers per send).
    pub expected: AtomicU64,
    pub delivered: AtomicU64,
    pub acked: AtomicU64,
    /// `error` frames (Moa) / connect errors from the namespace (Socket.IO).
    pub error_frames: AtomicU64,
    /// Sends the server refused with an `error` frame naming them.
    pub send_errors: AtomicU64,
    /// Sockets that closed or failed before the end of the run.
    pub closed: AtomicU64,
    /// Frames that could not be understood (not counted as deliveries).
    pub bad_frames: AtomicU64,
    /// Acks that matched no send in flight.
    pub stray_acks: AtomicU64,
    /// `resync` frames: the server stopped live delivery to a slow client.
    pub resyncs: AtomicU64,
    /// Frames other than messages and acks (ready, read, typing, pong...).
    pub other_frames: AtomicU64,
    /// Microseconds since the epoch of the latest delivery.
    pub last_delivery_us: AtomicU64,
}

pub fn get(a: &AtomicU64) -> u64 {
    a.load(Relaxed)
}

pub fn bump(a: &AtomicU64) {
    a.fetch_add(1, Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_trip_within_one_percent() {
        for v in [0u64, 1, 255, 256, 257, 1000, 12_345, 1_000_000, 987_654_321] {
            let back = Histogram::value_of(Histogram::index(v));
            let err = (back as f64 - v as f64).abs() / (v.max(1) as f64);
            assert!(err < 0.01, "{v} -> {back}");
        }
        assert!(Histogram::index(u64::MAX) < Histogram::new().buckets.len());
    }

    #[test]
    fn quantiles() {
        let h = Histogram::new();
        assert_eq!(h.quantile_ms(0.5), None);
        for v in 1..=1000u64 {
            h.record(v * 1000); // 1..=1000 ms
        }
        let p50 = h.quantile_ms(0.5).unwrap_or(0.0);
        let p99 = h.quantile_ms(0.99).unwrap_or(0.0);
        assert!((p50 - 500.0).abs() < 5.0, "{p50}");
        assert!((p99 - 990.0).abs() < 10.0, "{p99}");
        assert_eq!(h.max_ms(), Some(1000.0));
        assert_eq!(h.count(), 1000);
    }
}
