//! A log-linear histogram of nanosecond durations, recorded with one relaxed
//! atomic add.
//!
//! Values below 16 ns get a bucket each. Above that, every power of two is cut
//! into 16 equal buckets, so a bucket is never wider than 1/16 of its lower
//! bound. Reporting a bucket's midpoint is therefore off by at most half of
//! that, 1/32 ≈ 3.1 %, which is the "at most 4 % relative error" promised for
//! percentiles. The whole `u64` range fits in 976 buckets (7.6 KiB of zeroed
//! static memory per timed function).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Bits of mantissa kept per power of two.
const SUB_BITS: u32 = 4;
/// Buckets per power of two.
const SUB: usize = 1 << SUB_BITS;
/// Buckets needed for every `u64`.
pub(crate) const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;

/// The bucket a duration of `nanos` falls in.
#[inline]
pub(crate) fn bucket_of(nanos: u64) -> usize {
    if nanos < SUB as u64 {
        return nanos as usize;
    }
    let exp = 63 - nanos.leading_zeros(); // >= SUB_BITS
    let shift = exp - SUB_BITS;
    let mantissa = (nanos >> shift) as usize & (SUB - 1);
    (exp - SUB_BITS + 1) as usize * SUB + mantissa
}

/// The value a bucket stands for: its midpoint (exact for the first 32).
pub(crate) fn midpoint_of(bucket: usize) -> u64 {
    if bucket < SUB {
        return bucket as u64;
    }
    let group = bucket / SUB; // >= 1
    let mantissa = (bucket % SUB) as u64;
    let shift = (group - 1) as u32;
    let low = (SUB as u64 + mantissa) << shift;
    low + ((1u64 << shift) >> 1)
}

/// The live, shared histogram inside a [`Timer`](super::Timer).
pub(crate) struct AtomicHistogram {
    counts: [AtomicU64; BUCKETS],
}

impl AtomicHistogram {
    pub(crate) const fn new() -> Self {
        AtomicHistogram {
            counts: [const { AtomicU64::new(0) }; BUCKETS],
        }
    }

    #[inline]
    pub(crate) fn record(&self, nanos: u64) {
        self.counts[bucket_of(nanos)].fetch_add(1, Relaxed);
    }

    pub(crate) fn reset(&self) {
        for count in &self.counts {
            count.store(0, Relaxed);
        }
    }

    /// A copy of the non-empty buckets, in bucket order.
    pub(crate) fn sparse(&self) -> Histogram {
        let buckets = self
            .counts
            .iter()
            .enumerate()
            .filter_map(|(bucket, count)| {
                let count = count.load(Relaxed);
                (count > 0).then_some((bucket as u16, count))
            })
            .collect();
        Histogram { buckets }
    }
}

/// A frozen histogram: the non-empty buckets of one or more timers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Histogram {
    /// `(bucket, count)`, sorted by bucket, counts non-zero.
    buckets: Vec<(u16, u64)>,
}

impl Histogram {
    pub(crate) fn count(&self) -> u64 {
        self.buckets.iter().map(|&(_, count)| count).sum()
    }

    /// Adds another histogram's counts to this one.
    pub(crate) fn merge(&mut self, other: &Histogram) {
        let mut merged = Vec::with_capacity(self.buckets.len() + other.buckets.len());
        let (mut a, mut b) = (
            self.buckets.iter().peekable(),
            other.buckets.iter().peekable(),
        );
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&(ka, ca)), Some(&&(kb, cb))) if ka == kb => {
                    a.next();
                    b.next();
                    (ka, ca + cb)
                }
                (Some(&&x), Some(&&y)) => {
                    if x.0 < y.0 {
                        a.next();
                        x
                    } else {
                        b.next();
                        y
                    }
                }
                (Some(&&x), None) => {
                    a.next();
                    x
                }
                (None, Some(&&y)) => {
                    b.next();
                    y
                }
                (None, None) => break,
            };
            merged.push(next);
        }
        self.buckets = merged;
    }

    /// The value at percentile `q` (`0.0..=100.0`) in nanoseconds, or `None`
    /// when empty. `q` outside the range is clamped; NaN counts as 0.
    pub(crate) fn percentile(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 100.0) };
        // The smallest value with at least q% of the samples at or below it.
        let rank = ((q / 100.0) * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for &(bucket, count) in &self.buckets {
            seen += count;
            if seen >= rank {
                return Some(midpoint_of(bucket as usize));
            }
        }
        self.buckets
            .last()
            .map(|&(bucket, _)| midpoint_of(bucket as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_u64_in_order() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(15), 15);
        assert_eq!(bucket_of(16), 16);
        assert_eq!(bucket_of(31), 31);
        assert_eq!(bucket_of(32), 32);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        let mut last = 0;
        for shift in 0..64 {
            for value in [1u64 << shift, (1u64 << shift) + (1u64 << shift) / 3] {
                let bucket = bucket_of(value);
                assert!(bucket >= last, "{value} went back to bucket {bucket}");
                last = bucket;
            }
        }
    }

    #[test]
    fn midpoint_is_within_one_thirty_second_of_every_value_in_its_bucket() {
        let mut value: u64 = 1;
        while value < u64::MAX / 3 {
            for probe in [value, value + value / 7, value + value / 2, value * 2 - 1] {
                let mid = midpoint_of(bucket_of(probe)) as f64;
                let error = (mid - probe as f64).abs() / probe as f64;
                assert!(
                    error <= 1.0 / 32.0 + 1e-12,
                    "{probe}: midpoint {mid}, error {error}"
                );
            }
            value = value * 3 / 2 + 1;
        }
    }

    #[test]
    fn merge_adds_counts_bucket_by_bucket() {
        let a = AtomicHistogram::new();
        let b = AtomicHistogram::new();
        for v in [1, 100, 100, 5_000] {
            a.record(v);
        }
        for v in [100, 7, 1_000_000] {
            b.record(v);
        }
        let mut merged = a.sparse();
        merged.merge(&b.sparse());
        assert_eq!(merged.count(), 7);
        let both = AtomicHistogram::new();
        for v in [1, 100, 100, 5_000, 100, 7, 1_000_000] {
            both.record(v);
        }
        assert_eq!(merged, both.sparse());
    }

    #[test]
    fn empty_histogram_has_no_percentile() {
        assert_eq!(Histogram::default().percentile(50.0), None);
    }
}
