//! [`TimerStats`]: a frozen copy of one function's timings.

use std::time::Duration;

use super::histogram::Histogram;
use super::shard::Sum;

/// The timings of one `#[timed]` function (or of every function sharing a
/// `name = "..."`), copied out of the live counters by
/// [`snapshot`](super::snapshot) or [`get`](super::get).
///
/// ```
/// #[decor::timed]
/// fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
///     text.trim().parse()
/// }
///
/// parse("42").unwrap();
/// parse("forty-two").unwrap_err();
///
/// let stats = decor::timers::get(concat!(module_path!(), "::parse")).unwrap();
/// assert_eq!(stats.calls(), 2);
/// assert_eq!(stats.errors(), 1);
/// assert!(stats.min() <= stats.percentile(50.0));
/// assert!(stats.percentile(50.0) <= stats.max());
/// ```
#[derive(Clone, Debug)]
pub struct TimerStats {
    name: &'static str,
    histogram: Histogram,
    total_nanos: u64,
    min_nanos: u64,
    max_nanos: u64,
    errors: u64,
    panics: u64,
    cancelled: u64,
    /// Retries, cache misses and limiter waits during the calls.
    pub(crate) noted: [u64; 3],
}

impl TimerStats {
    /// The figures a timer named `name` has added up.
    pub(crate) fn from_sum(name: &'static str, sum: Sum) -> TimerStats {
        TimerStats {
            name,
            histogram: sum.histogram,
            total_nanos: sum.total_nanos,
            min_nanos: sum.min_nanos,
            max_nanos: sum.max_nanos,
            errors: sum.errors,
            panics: sum.panics,
            cancelled: sum.cancelled,
            noted: [0; 3],
        }
    }

    /// Folds in the counts of another timer with the same name.
    pub(crate) fn merge(&mut self, other: TimerStats) {
        self.histogram.merge(&other.histogram);
        self.total_nanos = self.total_nanos.saturating_add(other.total_nanos);
        self.min_nanos = self.min_nanos.min(other.min_nanos);
        self.max_nanos = self.max_nanos.max(other.max_nanos);
        self.errors += other.errors;
        self.panics += other.panics;
        self.cancelled += other.cancelled;
        for (mine, theirs) in self.noted.iter_mut().zip(other.noted) {
            *mine += theirs;
        }
    }

    /// The function's name: `module::path::function` unless `name = "..."`
    /// gave another.
    pub fn name(&self) -> &str {
        self.name
    }

    /// Every recorded call, whatever its outcome.
    pub fn calls(&self) -> u64 {
        self.histogram.count()
    }

    /// Calls that returned `Err`.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Times a `#[retry]` below the timer ran a body again during its calls.
    pub fn retries(&self) -> u64 {
        self.noted[0]
    }

    /// Values a `#[cache]` below the timer computed because it did not hold
    /// them, during its calls.
    pub fn cache_misses(&self) -> u64 {
        self.noted[1]
    }

    /// Times a `#[rate_limit]` below the timer waited for its limiter
    /// during its calls.
    pub fn limiter_waits(&self) -> u64 {
        self.noted[2]
    }

    /// Calls that panicked.
    pub fn panics(&self) -> u64 {
        self.panics
    }

    /// `async fn` calls whose future was dropped before completing.
    pub fn cancelled(&self) -> u64 {
        self.cancelled
    }

    /// Calls that returned normally and not `Err`.
    pub fn oks(&self) -> u64 {
        self.calls()
            .saturating_sub(self.errors + self.panics + self.cancelled)
    }

    /// Wall time of all calls together.
    pub fn total(&self) -> Duration {
        Duration::from_nanos(self.total_nanos)
    }

    /// Mean wall time of a call; zero when there were none.
    pub fn mean(&self) -> Duration {
        match self.calls() {
            0 => Duration::ZERO,
            calls => Duration::from_nanos(self.total_nanos / calls),
        }
    }

    /// The fastest call; zero when there were none.
    pub fn min(&self) -> Duration {
        match self.calls() {
            0 => Duration::ZERO,
            _ => Duration::from_nanos(self.min_nanos),
        }
    }

    /// The slowest call.
    pub fn max(&self) -> Duration {
        Duration::from_nanos(self.max_nanos)
    }

    /// The wall time that `q` percent of calls stayed within, `q` in
    /// `0.0..=100.0` (values outside are clamped; NaN reads as 0). Within 4 %
    /// of the exact value, and always between [`min`](Self::min) and
    /// [`max`](Self::max). Zero when there were no calls.
    pub fn percentile(&self, q: f64) -> Duration {
        match self.histogram.percentile(q) {
            None => Duration::ZERO,
            Some(nanos) => Duration::from_nanos(nanos.clamp(self.min_nanos, self.max_nanos)),
        }
    }
}
