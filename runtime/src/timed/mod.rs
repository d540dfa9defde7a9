//! Runtime support for `#[timed]`: the [`Site`] each decorated function
//! keeps in a `static`, the guard a synchronous function holds while its
//! body runs inline, and the future wrapper for `async fn`.
//!
//! The macro keeps the body where it was (so `#[track_caller]`, returned
//! borrows of `self` and type inference behave as undecorated) and hands
//! every value the function returns through [`TimedGuard::observe`]; the
//! guard records when it is dropped, on every exit path including unwinding.
//!
//! This module measures a call and decides what to say about it; the timer
//! in [`timers`](crate::timers) only keeps the figures.

pub(crate) mod clock;
mod future;
mod guard;

use std::time::Duration;

use tracing::Level;

use crate::timers::{Outcome, Timer};

pub use future::TimedFuture;
pub use guard::TimedGuard;

/// One `#[timed]` function: its timer and its event settings, built in a
/// `static` by the macro.
///
/// Every call reads the timer's id and epoch and the event settings; the
/// alignment keeps them on a cache line of their own, so that a neighbouring
/// static written by another core cannot make each call miss.
#[repr(align(128))]
pub struct Site {
    timer: Timer,
    /// The level of the per-call event; `None`: no per-call event.
    level: Option<Level>,
    /// Calls slower than this many nanoseconds also emit a WARN event;
    /// `u64::MAX`: none do.
    warn_over_nanos: u64,
}

impl Site {
    /// The site of a function reporting as `name`, emitting a per-call event
    /// at `level` (`None`: no event) and a WARN event for calls slower than
    /// `warn_over_nanos` (0: never).
    pub const fn new(name: &'static str, level: Option<Level>, warn_over_nanos: u64) -> Site {
        Site {
            timer: Timer::new(name),
            level,
            // One comparison per call then covers "no threshold" too.
            warn_over_nanos: if warn_over_nanos == 0 {
                u64::MAX
            } else {
                warn_over_nanos
            },
        }
    }

    /// The timer calls are recorded into.
    #[inline(always)]
    pub(crate) fn timer(&'static self) -> &'static Timer {
        &self.timer
    }

    /// Records one call into the timer, then emits its events.
    #[inline(always)]
    fn finish(&'static self, nanos: u64, outcome: Outcome) {
        self.timer.record_nanos(nanos, outcome);
        if self.may_emit(nanos) {
            self.emit(nanos, outcome);
        }
    }

    /// Whether an event might be enabled. With the per-call event's level
    /// disabled (as it is with no subscriber) and the call not slow, this is
    /// one relaxed load of tracing's global max level and two compares: the
    /// event's callsite is never touched.
    #[inline(always)]
    fn may_emit(&self, nanos: u64) -> bool {
        nanos > self.warn_over_nanos
            || self
                .level
                .is_some_and(|level| level <= tracing::level_filters::LevelFilter::current())
    }

    /// The per-call event at the site's level and the slow-call WARN event.
    /// They come from here, with target `decor::timed`, rather than from each
    /// function, so a timed function costs no callsite of its own; and out of
    /// line, so the fast path stays small.
    #[cold]
    #[inline(never)]
    fn emit(&self, nanos: u64, outcome: Outcome) {
        use tracing::event;
        let name = self.timer.name();
        let elapsed = Duration::from_nanos(nanos);
        macro_rules! at {
            ($level:expr) => {
                event!(target: "decor::timed", $level, function = name, elapsed = ?elapsed, outcome = outcome.as_str())
            };
        }
        match self.level {
            None => {}
            Some(level) if level == Level::TRACE => at!(Level::TRACE),
            Some(level) if level == Level::DEBUG => at!(Level::DEBUG),
            Some(level) if level == Level::INFO => at!(Level::INFO),
            Some(level) if level == Level::WARN => at!(Level::WARN),
            Some(_) => at!(Level::ERROR),
        }
        if nanos > self.warn_over_nanos {
            event!(
                target: "decor::timed",
                Level::WARN,
                function = name,
                elapsed = ?elapsed,
                limit = ?Duration::from_nanos(self.warn_over_nanos),
                outcome = outcome.as_str(),
                "slow call",
            );
        }
    }
}
