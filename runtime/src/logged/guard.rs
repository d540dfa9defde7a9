//! The guard a synchronous `#[logged]` function holds while its body runs
//! inline.

use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::time::Instant;

use tracing::span::EnteredSpan;
use tracing::Span;

use super::{panic_hook, Exit, Site};

/// The span and clock of a call whose level is enabled.
struct Active {
    _entered: EnteredSpan,
    start: Instant,
}

/// Logs one call of a synchronous `#[logged]` function: every exit hands its
/// value through [`observe`](Guard::observe) or
/// [`observe_try`](Guard::observe_try), and the drop logs the exits no
/// `observe` saw (a panic, an `Err` returned from inside another macro).
pub struct Guard {
    site: &'static Site,
    // No drop glue: dropping a quiet guard is a branch or two, inlined.
    active: Option<ManuallyDrop<Active>>,
    seen: Cell<bool>,
    returns_result: bool,
}

impl Guard {
    /// Enters `span` until the guard drops and starts the clock.
    #[cold]
    #[inline(never)]
    pub(crate) fn active(site: &'static Site, span: Span, returns_result: bool) -> Guard {
        Guard {
            site,
            active: Some(ManuallyDrop::new(Active {
                _entered: span.entered(),
                start: Instant::now(),
            })),
            seen: Cell::new(false),
            returns_result,
        }
    }

    /// A call at a disabled level: no span, no clock; only an `Err` or a
    /// panic is logged, if its level is enabled.
    #[inline(always)]
    pub(crate) fn quiet(site: &'static Site, returns_result: bool) -> Guard {
        panic_hook::install();
        Guard {
            site,
            active: None,
            seen: Cell::new(false),
            returns_result,
        }
    }

    /// Logs the value the function is about to return and passes it on.
    /// `exit` classifies it (at the call site, where its type is known).
    #[inline(always)]
    pub fn observe<T>(&self, value: T, exit: impl for<'v> FnOnce(&'v T) -> Exit<'v>) -> T {
        self.seen.set(true);
        match &self.active {
            Some(active) => observe_active(self.site, active, &value, exit),
            None => {
                if let Exit::Error(error) = exit(&value) {
                    self.site.exit(Exit::Error(error), None);
                }
            }
        }
        value
    }

    /// Logs the exit a `?` on this operand takes, if it takes one (an `Err`,
    /// or a `None`), and passes the operand on.
    #[inline(always)]
    pub fn observe_try<T>(
        &self,
        value: T,
        exit: impl for<'v> FnOnce(&'v T) -> Option<Exit<'v>>,
    ) -> T {
        if let Some(exit) = exit(&value) {
            self.seen.set(true);
            let elapsed = self.active.as_ref().map(|active| active.start.elapsed());
            if elapsed.is_some() || matches!(exit, Exit::Error(_)) {
                self.site.exit(exit, elapsed);
            }
        }
        value
    }
}

#[cold]
#[inline(never)]
fn observe_active<T>(
    site: &'static Site,
    active: &Active,
    value: &T,
    exit: impl for<'v> FnOnce(&'v T) -> Exit<'v>,
) {
    site.exit(exit(value), Some(active.start.elapsed()));
}

impl Drop for Guard {
    #[inline(always)]
    fn drop(&mut self) {
        match &mut self.active {
            // SAFETY: taken here, once; the field is never read again.
            Some(active) => finish(
                self.site,
                unsafe { ManuallyDrop::take(active) },
                self.seen.get(),
                self.returns_result,
            ),
            None => {
                if !self.seen.get() && (self.returns_result || std::thread::panicking()) {
                    finish_quiet(self.site);
                }
            }
        }
    }
}

/// The exit event of a call no `observe` saw return; then leaves the span.
#[cold]
#[inline(never)]
fn finish(site: &'static Site, active: Active, seen: bool, returns_result: bool) {
    if seen {
        return;
    }
    let elapsed = Some(active.start.elapsed());
    if std::thread::panicking() {
        site.panicked(elapsed);
    } else if returns_result {
        site.unseen_error(elapsed);
    } else {
        site.exit(Exit::Return(None), elapsed);
    }
}

#[cold]
#[inline(never)]
fn finish_quiet(site: &'static Site) {
    if std::thread::panicking() {
        site.panicked(None);
    } else {
        site.unseen_error(None);
    }
}
