//! Runtime support for `#[timed]`: the guard a synchronous function holds
//! while its body runs inline, and the future wrapper for `async fn`.
//!
//! The macro keeps the body where it was (so `#[track_caller]`, returned
//! borrows of `self` and type inference behave as undecorated) and hands
//! every value the function returns through [`TimedGuard::observe`]; the
//! guard records when it is dropped, on every exit path including unwinding.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::timers::{Outcome, Timer};

/// What the guard has seen of the return value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Nothing,
    Ok,
    Err,
}

/// Times one call of a synchronous `#[timed]` function.
pub struct TimedGuard {
    timer: &'static Timer,
    start: Instant,
    seen: Cell<Seen>,
    returns_result: bool,
}

impl TimedGuard {
    /// Starts the clock. `returns_result` says whether the function returns a
    /// `Result`, so that an exit the macro could not see (a `return` or `?`
    /// inside another macro, such as `bail!`) is classified correctly.
    #[inline]
    pub fn start(timer: &'static Timer, returns_result: bool) -> TimedGuard {
        TimedGuard {
            timer,
            start: Instant::now(),
            seen: Cell::new(Seen::Nothing),
            returns_result,
        }
    }

    /// Notes the value the function is about to return and passes it on.
    #[inline(always)]
    pub fn observe<T>(&self, value: T, is_err: impl FnOnce(&T) -> bool) -> T {
        self.seen
            .set(if is_err(&value) { Seen::Err } else { Seen::Ok });
        value
    }

    /// Notes the operand of a `?`: if it is an `Err`, the function is about
    /// to return one.
    #[inline(always)]
    pub fn observe_try<T>(&self, value: T, is_err: impl FnOnce(&T) -> bool) -> T {
        if is_err(&value) {
            self.seen.set(Seen::Err);
        }
        value
    }
}

impl Drop for TimedGuard {
    #[inline]
    fn drop(&mut self) {
        let elapsed = self.start.elapsed();
        let outcome = match self.seen.get() {
            Seen::Ok => Outcome::Ok,
            Seen::Err => Outcome::Err,
            Seen::Nothing if std::thread::panicking() => Outcome::Panic,
            Seen::Nothing if self.returns_result => Outcome::Err,
            Seen::Nothing => Outcome::Ok,
        };
        self.timer.record(elapsed, outcome);
    }
}

/// Times an `async fn` from its first poll to completion; a future dropped
/// before completing counts as cancelled.
pub struct TimedFuture<F: Future, C> {
    timer: &'static Timer,
    inner: F,
    is_err: Option<C>,
    start: Option<Instant>,
}

impl<F, C> TimedFuture<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> bool,
{
    /// Wraps the function's body, `inner`; `is_err` classifies its output.
    #[inline]
    pub fn new(timer: &'static Timer, inner: F, is_err: C) -> Self {
        TimedFuture {
            timer,
            inner,
            is_err: Some(is_err),
            start: None,
        }
    }
}

impl<F, C> Future for TimedFuture<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> bool,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self` and `TimedFuture` has no `Unpin` impl of its own; the other
        // fields are plain data that are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // Taken for the duration of the poll: if it unwinds, the guard below
        // records the panic and `Drop` finds no call in progress.
        let start = this.start.take().unwrap_or_else(Instant::now);
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let mut on_unwind = RecordOnUnwind {
            timer: this.timer,
            start,
            armed: true,
        };
        let poll = inner.poll(cx);
        on_unwind.armed = false;
        match poll {
            Poll::Pending => {
                this.start = Some(start);
                Poll::Pending
            }
            Poll::Ready(output) => {
                let is_err = this.is_err.take().is_some_and(|is_err| is_err(&output));
                let outcome = if is_err { Outcome::Err } else { Outcome::Ok };
                this.timer.record(start.elapsed(), outcome);
                Poll::Ready(output)
            }
        }
    }
}

impl<F: Future, C> Drop for TimedFuture<F, C> {
    fn drop(&mut self) {
        // Polled, then dropped while pending: cancelled.
        if let Some(start) = self.start {
            self.timer.record(start.elapsed(), Outcome::Cancelled);
        }
    }
}

/// Records a panic if `poll` unwinds.
struct RecordOnUnwind {
    timer: &'static Timer,
    start: Instant,
    armed: bool,
}

impl Drop for RecordOnUnwind {
    fn drop(&mut self) {
        if self.armed {
            self.timer.record(self.start.elapsed(), Outcome::Panic);
        }
    }
}

/// The per-call event at the timer's level and the slow-call WARN event.
/// They come from here, with target `decor::timed`, rather than from each
/// function, so a timed function costs one callsite check, not two.
#[inline]
pub(crate) fn emit_events(
    name: &'static str,
    level: Option<tracing::Level>,
    warn_over_nanos: u64,
    elapsed: Duration,
    outcome: Outcome,
) {
    use tracing::{event, Level};
    macro_rules! at {
        ($level:expr) => {
            event!(target: "decor::timed", $level, function = name, elapsed = ?elapsed, outcome = outcome.as_str())
        };
    }
    match level {
        None => {}
        Some(level) if level == Level::TRACE => at!(Level::TRACE),
        Some(level) if level == Level::DEBUG => at!(Level::DEBUG),
        Some(level) if level == Level::INFO => at!(Level::INFO),
        Some(level) if level == Level::WARN => at!(Level::WARN),
        Some(_) => at!(Level::ERROR),
    }
    if warn_over_nanos > 0 && elapsed.as_nanos() > u128::from(warn_over_nanos) {
        event!(
            target: "decor::timed",
            Level::WARN,
            function = name,
            elapsed = ?elapsed,
            limit = ?Duration::from_nanos(warn_over_nanos),
            outcome = outcome.as_str(),
            "slow call",
        );
    }
}
