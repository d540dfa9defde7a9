//! [`TimedGuard`]: times one call of a synchronous `#[timed]` function.

use std::cell::Cell;

use super::clock::Stamp;
use super::Site;
use crate::timers::{Outcome, Timer};

/// What the guard has seen of the return value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExitSeen {
    Nothing,
    Ok,
    Err,
}

/// Times one call of a synchronous `#[timed]` function: made before the
/// body runs, it records the call into its [`Site`] when dropped, whichever
/// way the body exits.
pub struct TimedGuard {
    site: &'static Site,
    start: Stamp,
    seen: Cell<ExitSeen>,
    returns_result: bool,
    /// The timer running on this thread before this call's (see
    /// `timers::noted`), put back when the call ends.
    previous: *const Timer,
}

impl TimedGuard {
    /// Starts the clock. `returns_result` says whether the function returns a
    /// `Result`, so that an exit the macro could not see (a `return` or `?`
    /// inside another macro, such as `bail!`) is classified correctly.
    #[inline(always)]
    pub fn start(site: &'static Site, returns_result: bool) -> TimedGuard {
        TimedGuard {
            site,
            start: Stamp::now(),
            seen: Cell::new(ExitSeen::Nothing),
            returns_result,
            previous: crate::timers::start_running(site.timer()),
        }
    }

    /// Notes the value the function is about to return and passes it on.
    #[inline(always)]
    pub fn observe<T>(&self, value: T, is_err: impl FnOnce(&T) -> bool) -> T {
        self.seen.set(if is_err(&value) {
            ExitSeen::Err
        } else {
            ExitSeen::Ok
        });
        value
    }

    /// Notes the operand of a `?`: if it is an `Err`, the function is about
    /// to return one.
    #[inline(always)]
    pub fn observe_try<T>(&self, value: T, is_err: impl FnOnce(&T) -> bool) -> T {
        if is_err(&value) {
            self.seen.set(ExitSeen::Err);
        }
        value
    }
}

impl Drop for TimedGuard {
    #[inline(always)]
    fn drop(&mut self) {
        let nanos = self.start.elapsed_nanos();
        crate::timers::stop_running(self.previous);
        let outcome = match self.seen.get() {
            ExitSeen::Ok => Outcome::Ok,
            ExitSeen::Err => Outcome::Err,
            ExitSeen::Nothing if std::thread::panicking() => Outcome::Panic,
            ExitSeen::Nothing if self.returns_result => Outcome::Err,
            ExitSeen::Nothing => Outcome::Ok,
        };
        self.site.finish(nanos, outcome);
    }
}
