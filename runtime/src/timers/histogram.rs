//! A log-linear histogram of nanosecond durations.
//!
//! Values below 16 ns get a bucket each. Above that, every power of two is cut
//! into 16 equal buckets, so a bucket is never wider than 1/16 of its lower
//! bound. Reporting a bucket's midpoint is therefore off by at most half of
//! that, 1/32 ≈ 3.1 %, which is the "at most 4 % relative error" promised for
//! percentiles. The whole `u64` range fits in 976 buckets.
//!
//! The live histogram keeps the 16 buckets of one power of two together in a
//! group and allocates a group the first time a duration lands in it: a
//! function's calls usually span a few powers of two, and every thread that
//! records keeps a histogram of its own, so allocating all 976 counters
//! (7.6 KiB) for each would cost memory for nothing.

use std::ptr;
use std::sync::atomic::{
    AtomicPtr, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed},
};

/// Bits of mantissa kept per power of two.
const SUB_BITS: u32 = 4;
/// Buckets per power of two.
const SUB: usize = 1 << SUB_BITS;
/// Buckets needed for every `u64`.
pub(crate) const BUCKETS: usize = (64 - SUB_BITS as usize + 1) * SUB;
/// Groups of `SUB` buckets.
const GROUPS: usize = BUCKETS / SUB;

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

/// The smallest and largest values that fall in `bucket`.
#[cfg(feature = "processes")]
pub(crate) fn bounds_of(bucket: usize) -> (u64, u64) {
    if bucket < SUB {
        return (bucket as u64, bucket as u64);
    }
    let group = bucket / SUB;
    let mantissa = (bucket % SUB) as u64;
    let shift = (group - 1) as u32;
    let low = (SUB as u64 + mantissa) << shift;
    (low, low + ((1u64 << shift) - 1))
}

/// The counters of one power of two. Aligned so that two groups, or a group
/// and another thread's data, never share a cache line.
#[repr(align(128))]
struct Group([AtomicU64; SUB]);

/// The live histogram of one shard of a timer.
///
/// Written either by one thread at a time ([`record_owned`](Self::record_owned):
/// a plain load and store) or by any thread
/// ([`record_shared`](Self::record_shared): an atomic add); read by any.
pub(crate) struct AtomicHistogram {
    /// Null until a duration lands in the group; then set once and kept until
    /// the histogram is dropped.
    groups: [AtomicPtr<Group>; GROUPS],
}

impl AtomicHistogram {
    pub(crate) const fn new() -> Self {
        AtomicHistogram {
            groups: [const { AtomicPtr::new(ptr::null_mut()) }; GROUPS],
        }
    }

    /// The counter of `bucket`, allocating its group if need be.
    #[inline]
    fn counter(&self, bucket: usize) -> &AtomicU64 {
        let group = self.groups[bucket / SUB].load(Acquire);
        let group = if group.is_null() {
            self.add_group(bucket / SUB)
        } else {
            // SAFETY: a non-null group was leaked from a `Box` by `add_group`
            // and is freed only by `drop`, which has `&mut self`.
            unsafe { &*group }
        };
        &group.0[bucket % SUB]
    }

    #[cold]
    #[inline(never)]
    fn add_group(&self, index: usize) -> &Group {
        let new = Box::into_raw(Box::new(Group([const { AtomicU64::new(0) }; SUB])));
        match self.groups[index].compare_exchange(ptr::null_mut(), new, AcqRel, Acquire) {
            // SAFETY: as in `counter`; `new` is now owned by `self.groups`.
            Ok(_) => unsafe { &*new },
            Err(existing) => {
                // Another thread (shared use only) got there first.
                // SAFETY: `new` was never published.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: as in `counter`.
                unsafe { &*existing }
            }
        }
    }

    /// Counts one duration. Only for a histogram that no other thread writes
    /// at the same time: a load and a store, where an atomic add would take a
    /// locked instruction.
    #[inline]
    pub(crate) fn record_owned(&self, nanos: u64) {
        let count = self.counter(bucket_of(nanos));
        count.store(count.load(Relaxed).wrapping_add(1), Relaxed);
    }

    /// Counts one duration; any number of threads may do so at once.
    #[inline]
    pub(crate) fn record_shared(&self, nanos: u64) {
        self.counter(bucket_of(nanos)).fetch_add(1, Relaxed);
    }

    /// Adds another histogram's counts; any number of threads may do so at
    /// once. How a worker process's counts join the parent's.
    #[cfg(feature = "processes")]
    pub(crate) fn add_shared(&self, other: &Histogram) {
        for &(bucket, count) in &other.buckets {
            self.counter(bucket as usize).fetch_add(count, Relaxed);
        }
    }

    /// The count of durations under 1 ns, without allocating its group:
    /// with the total of nanoseconds, it says whether anything was recorded.
    #[cfg(feature = "processes")]
    pub(crate) fn zeros(&self) -> u64 {
        // SAFETY: as in `counter`.
        unsafe { self.groups[0].load(Acquire).as_ref() }.map_or(0, |group| group.0[0].load(Relaxed))
    }

    /// Zeroes every count (and keeps the groups: they will likely fill again).
    pub(crate) fn clear(&self) {
        for group in self.allocated() {
            for count in &group.0 {
                count.store(0, Relaxed);
            }
        }
    }

    /// The groups allocated so far.
    fn allocated(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter_map(|group| {
            // SAFETY: as in `counter`.
            unsafe { group.load(Acquire).as_ref() }
        })
    }

    /// A copy of the non-empty buckets, in bucket order.
    pub(crate) fn sparse(&self) -> Histogram {
        let mut buckets = Vec::new();
        for (index, group) in self.groups.iter().enumerate() {
            // SAFETY: as in `counter`.
            let Some(group) = (unsafe { group.load(Acquire).as_ref() }) else {
                continue;
            };
            for (offset, count) in group.0.iter().enumerate() {
                let count = count.load(Relaxed);
                if count > 0 {
                    buckets.push(((index * SUB + offset) as u16, count));
                }
            }
        }
        Histogram { buckets }
    }
}

impl Drop for AtomicHistogram {
    fn drop(&mut self) {
        for group in &mut self.groups {
            let group = *group.get_mut();
            if !group.is_null() {
                // SAFETY: leaked from a `Box` by `add_group`; `&mut self`
                // means no reference into it is left.
                drop(unsafe { Box::from_raw(group) });
            }
        }
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

    /// `(bucket, count)` of the non-empty buckets, sorted by bucket.
    #[cfg(feature = "processes")]
    pub(crate) fn buckets(&self) -> &[(u16, u64)] {
        &self.buckets
    }

    /// A histogram of these buckets, if they are what [`buckets`](Self::buckets)
    /// gives: strictly increasing buckets that exist, no zero counts.
    #[cfg(feature = "processes")]
    pub(crate) fn from_buckets(buckets: Vec<(u16, u64)>) -> Option<Histogram> {
        let valid = buckets
            .iter()
            .all(|&(bucket, count)| (bucket as usize) < BUCKETS && count > 0)
            && buckets.windows(2).all(|pair| pair[0].0 < pair[1].0);
        valid.then_some(Histogram { buckets })
    }

    /// The counts added since `earlier`, a reading of the same histogram
    /// taken before this one (counts only grow between resets).
    #[cfg(feature = "processes")]
    pub(crate) fn since(&self, earlier: &Histogram) -> Histogram {
        let mut before = earlier.buckets.iter().peekable();
        let mut buckets = Vec::with_capacity(self.buckets.len());
        for &(bucket, count) in &self.buckets {
            while before.next_if(|&&(b, _)| b < bucket).is_some() {}
            let old = before
                .next_if(|&&(b, _)| b == bucket)
                .map_or(0, |&(_, c)| c);
            if count > old {
                buckets.push((bucket, count - old));
            }
        }
        Histogram { buckets }
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
            a.record_owned(v);
        }
        for v in [100, 7, 1_000_000] {
            b.record_shared(v);
        }
        let mut merged = a.sparse();
        merged.merge(&b.sparse());
        assert_eq!(merged.count(), 7);
        let both = AtomicHistogram::new();
        for v in [1, 100, 100, 5_000, 100, 7, 1_000_000] {
            both.record_owned(v);
        }
        assert_eq!(merged, both.sparse());
    }

    #[test]
    fn groups_are_allocated_on_first_use_and_kept_by_clear() {
        let histogram = AtomicHistogram::new();
        assert_eq!(histogram.allocated().count(), 0);
        for v in [3, 5, 40, 41, 1_000] {
            histogram.record_owned(v);
        }
        // [0, 16), [32, 64) and [512, 1024).
        assert_eq!(histogram.allocated().count(), 3);
        assert_eq!(histogram.sparse().count(), 5);
        histogram.clear();
        assert_eq!(histogram.sparse(), Histogram::default());
        assert_eq!(histogram.allocated().count(), 3);
        histogram.record_shared(u64::MAX);
        assert_eq!(
            histogram.sparse().percentile(100.0),
            Some(midpoint_of(BUCKETS - 1))
        );
    }

    #[test]
    fn empty_histogram_has_no_percentile() {
        assert_eq!(Histogram::default().percentile(50.0), None);
    }
}
