//! [`TimedFuture`]: times one call of an `async fn`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::clock::Stamp;
use super::Site;
use crate::timers::Outcome;

/// Times an `async fn` from its first poll to completion; a future dropped
/// before completing counts as cancelled.
pub struct TimedFuture<F: Future, C> {
    site: &'static Site,
    inner: F,
    is_err: Option<C>,
    /// Set by the first poll; `None` again once the call is recorded.
    start: Option<Stamp>,
}

impl<F, C> TimedFuture<F, C>
where
    F: Future,
    C: FnOnce(&F::Output) -> bool,
{
    /// Wraps the function's body, `inner`; `is_err` classifies its output.
    #[inline]
    pub fn new(site: &'static Site, inner: F, is_err: C) -> Self {
        TimedFuture {
            site,
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
        let start = this.start.take().unwrap_or_else(Stamp::now);
        // SAFETY: see above.
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let mut on_unwind = RecordOnUnwind {
            site: this.site,
            start,
            armed: true,
        };
        let poll = {
            let _running = Running(crate::timers::start_running(this.site.timer()));
            inner.poll(cx)
        };
        on_unwind.armed = false;
        match poll {
            Poll::Pending => {
                this.start = Some(start);
                Poll::Pending
            }
            Poll::Ready(output) => {
                let nanos = start.elapsed_nanos();
                let is_err = this.is_err.take().is_some_and(|is_err| is_err(&output));
                let outcome = if is_err { Outcome::Err } else { Outcome::Ok };
                this.site.finish(nanos, outcome);
                Poll::Ready(output)
            }
        }
    }
}

impl<F: Future, C> Drop for TimedFuture<F, C> {
    fn drop(&mut self) {
        // Polled, then dropped while pending: cancelled.
        if let Some(start) = self.start {
            self.site.finish(start.elapsed_nanos(), Outcome::Cancelled);
        }
    }
}

/// Records a panic if `poll` unwinds.
struct RecordOnUnwind {
    site: &'static Site,
    start: Stamp,
    armed: bool,
}

impl Drop for RecordOnUnwind {
    fn drop(&mut self) {
        if self.armed {
            self.site.finish(self.start.elapsed_nanos(), Outcome::Panic);
        }
    }
}

/// Marks the timer as running on this thread for one poll (see
/// `timers::noted`), also when the poll unwinds.
struct Running(*const crate::timers::Timer);

impl Drop for Running {
    #[inline(always)]
    fn drop(&mut self) {
        crate::timers::stop_running(self.0);
    }
}
