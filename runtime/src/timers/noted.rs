//! Things that happen inside a timed call and that its timer counts beside
//! the call itself: a retry, a cache miss, a wait for a rate limiter.
//!
//! A `#[timed]` call marks its timer as running on its thread while its
//! body runs (an `async fn`'s, while it is polled); the resilience
//! decorators call [`note`], which counts on that timer. So
//! `#[timed] #[retry] fn f()` reports how many of `f`'s calls' time went to
//! retries, and a `#[cache]` or `#[rate_limit]` below a `#[timed]` counts
//! its misses and waits there.

use std::cell::Cell;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Timer;

/// What a resilience decorator did during a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // each variant is used by its decorator's feature
pub(crate) enum Noted {
    /// `#[retry]` ran the body again.
    Retry,
    /// `#[cache]` computed a value it did not hold.
    CacheMiss,
    /// `#[rate_limit]` waited for its limiter.
    LimiterWait,
}

/// A timer's counts of what was noted during its calls.
pub(crate) struct NotedCounts([AtomicU64; 3]);

impl NotedCounts {
    pub(crate) const fn new() -> NotedCounts {
        NotedCounts([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)])
    }

    pub(crate) fn read(&self) -> [u64; 3] {
        self.0.each_ref().map(|count| count.load(Ordering::Relaxed))
    }

    pub(crate) fn clear(&self) {
        for count in &self.0 {
            count.store(0, Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// The timer of the innermost `#[timed]` call running on this thread.
    static RUNNING: Cell<*const Timer> = const { Cell::new(ptr::null()) };
}

/// Marks `timer` as running on this thread until the returned value is
/// given back to [`stop`].
#[inline(always)]
pub(crate) fn start(timer: &'static Timer) -> *const Timer {
    RUNNING
        .try_with(|running| running.replace(timer))
        .unwrap_or(ptr::null())
}

/// Restores what [`start`] replaced.
#[inline(always)]
pub(crate) fn stop(previous: *const Timer) {
    let _ = RUNNING.try_with(|running| running.set(previous));
}

/// Counts `what` on the timed call running on this thread, if any.
pub(crate) fn note(what: Noted) {
    let running = RUNNING.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: only `&'static Timer`s are stored.
    if let Some(timer) = unsafe { running.as_ref() } {
        timer.noted.0[what as usize].fetch_add(1, Ordering::Relaxed);
    }
}
