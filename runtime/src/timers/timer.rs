//! The per-callsite [`Timer`] static that `#[timed]` records into, and the
//! lock-free registry that lets [`snapshot`](super::snapshot) find every one.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicU8, Ordering};
use std::time::Duration;

use super::histogram::{AtomicHistogram, Histogram};

/// How a timed call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Returned normally; for a `Result`, returned `Ok`.
    Ok,
    /// Returned `Err`.
    Err,
    /// Unwound with a panic.
    Panic,
    /// An `async fn` whose future was dropped before it completed.
    Cancelled,
}

impl Outcome {
    /// `"ok"`, `"err"`, `"panic"` or `"cancelled"`: the `outcome` field of
    /// the events `#[timed]` emits.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Err => "err",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

const UNREGISTERED: u8 = 0;
const REGISTERING: u8 = 1;
const REGISTERED: u8 = 2;

/// Head of the intrusive list of every timer that has recorded a call.
static HEAD: AtomicPtr<Timer> = AtomicPtr::new(ptr::null_mut());

/// The statistics of one `#[timed]` function, kept in a `static` beside it.
///
/// Recording is a handful of relaxed atomic operations and never takes a
/// lock; the first call also pushes the timer onto a global lock-free list.
/// Not constructed by hand: `#[timed]` emits one per decorated function.
#[doc(hidden)]
pub struct Timer {
    name: &'static str,
    level: Option<tracing::Level>,
    warn_over_nanos: u64,
    state: AtomicU8,
    next: AtomicPtr<Timer>,
    total_nanos: AtomicU64,
    min_nanos: AtomicU64,
    max_nanos: AtomicU64,
    errors: AtomicU64,
    panics: AtomicU64,
    cancelled: AtomicU64,
    histogram: AtomicHistogram,
}

impl Timer {
    /// A timer named `name`, emitting a per-call event at `level` (`None`:
    /// no event) and a WARN
    /// event for calls slower than `warn_over_nanos` (0: never).
    pub const fn new(
        name: &'static str,
        level: Option<tracing::Level>,
        warn_over_nanos: u64,
    ) -> Timer {
        Timer {
            name,
            level,
            warn_over_nanos,
            state: AtomicU8::new(UNREGISTERED),
            next: AtomicPtr::new(ptr::null_mut()),
            total_nanos: AtomicU64::new(0),
            min_nanos: AtomicU64::new(u64::MAX),
            max_nanos: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            histogram: AtomicHistogram::new(),
        }
    }

    /// The name the timer reports under.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Records one call; emits its events.
    #[inline]
    pub fn record(&'static self, elapsed: Duration, outcome: Outcome) {
        if self.state.load(Ordering::Acquire) != REGISTERED {
            self.register();
        }
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.histogram.record(nanos);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
        // A load first: a new minimum or maximum is rare, an RMW is not free.
        if nanos < self.min_nanos.load(Ordering::Relaxed) {
            self.min_nanos.fetch_min(nanos, Ordering::Relaxed);
        }
        if nanos > self.max_nanos.load(Ordering::Relaxed) {
            self.max_nanos.fetch_max(nanos, Ordering::Relaxed);
        }
        match outcome {
            Outcome::Ok => {}
            Outcome::Err => {
                self.errors.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Panic => {
                self.panics.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Cancelled => {
                self.cancelled.fetch_add(1, Ordering::Relaxed);
            }
        }
        crate::timed::emit_events(
            self.name,
            self.level,
            self.warn_over_nanos,
            elapsed,
            outcome,
        );
    }

    #[cold]
    fn register(&'static self) {
        if self
            .state
            .compare_exchange(
                UNREGISTERED,
                REGISTERING,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_err()
        {
            // Another thread is pushing it; its counts are safe to record now.
            return;
        }
        let this = self as *const Timer as *mut Timer;
        let mut head = HEAD.load(Ordering::Acquire);
        loop {
            self.next.store(head, Ordering::Relaxed);
            match HEAD.compare_exchange_weak(head, this, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(current) => head = current,
            }
        }
        self.state.store(REGISTERED, Ordering::Release);
    }

    fn reset(&self) {
        self.histogram.reset();
        self.total_nanos.store(0, Ordering::Relaxed);
        self.min_nanos.store(u64::MAX, Ordering::Relaxed);
        self.max_nanos.store(0, Ordering::Relaxed);
        self.errors.store(0, Ordering::Relaxed);
        self.panics.store(0, Ordering::Relaxed);
        self.cancelled.store(0, Ordering::Relaxed);
    }

    pub(crate) fn read(&self) -> Reading {
        Reading {
            name: self.name,
            histogram: self.histogram.sparse(),
            total_nanos: self.total_nanos.load(Ordering::Relaxed),
            min_nanos: self.min_nanos.load(Ordering::Relaxed),
            max_nanos: self.max_nanos.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            panics: self.panics.load(Ordering::Relaxed),
            cancelled: self.cancelled.load(Ordering::Relaxed),
        }
    }
}

/// The raw numbers of one timer at one moment.
pub(crate) struct Reading {
    pub(crate) name: &'static str,
    pub(crate) histogram: Histogram,
    pub(crate) total_nanos: u64,
    pub(crate) min_nanos: u64,
    pub(crate) max_nanos: u64,
    pub(crate) errors: u64,
    pub(crate) panics: u64,
    pub(crate) cancelled: u64,
}

/// Every timer that has recorded at least one call since the program began.
pub(crate) fn registered() -> impl Iterator<Item = &'static Timer> {
    let mut next = HEAD.load(Ordering::Acquire);
    std::iter::from_fn(move || {
        // SAFETY: only `&'static Timer`s are ever pushed, and never removed.
        let timer: &'static Timer = unsafe { next.as_ref()? };
        next = timer.next.load(Ordering::Acquire);
        Some(timer)
    })
}

pub(crate) fn reset_all() {
    for timer in registered() {
        timer.reset();
    }
}
