//! The future wrapper of an `async fn` under `#[logged]`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tracing::Span;

use super::{panic_hook, Exit, Site};

/// Logs an `async fn`: enters its span around every poll, logs the exit when
/// it completes, a panic if a poll unwinds, and cancellation if it is dropped
/// before completing. Without a span (the level is disabled) it logs only an
/// `Err` or a panic, if their level is enabled.
pub struct LoggedFuture<F: Future, C> {
    site: &'static Site,
    span: Option<Span>,
    start: Option<Instant>,
    inner: F,
    exit: Option<C>,
}

impl<F, C> LoggedFuture<F, C>
where
    F: Future,
    C: for<'v> FnOnce(&'v F::Output) -> Exit<'v>,
{
    /// Wraps the function's body. `span` is what [`Site::open`] returned,
    /// or `None` at a disabled level.
    #[inline]
    pub fn new(site: &'static Site, span: Option<Span>, inner: F, exit: C) -> Self {
        panic_hook::install();
        LoggedFuture {
            site,
            span,
            start: None,
            inner,
            exit: Some(exit),
        }
    }
}

impl<F, C> Future for LoggedFuture<F, C>
where
    F: Future,
    C: for<'v> FnOnce(&'v F::Output) -> Exit<'v>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned (never moved out, no `Unpin`
        // impl); the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let _entered = this.span.as_ref().map(Span::enter);
        // Taken for the duration of the poll: if it unwinds, the panic is
        // logged below and `Drop` finds no call in progress.
        let start = match &this.span {
            Some(_) => Some(this.start.take().unwrap_or_else(Instant::now)),
            None => None,
        };
        let mut on_unwind = OnUnwind {
            site: this.site,
            start,
            armed: true,
        };
        let poll = inner.poll(cx);
        on_unwind.armed = false;
        match poll {
            Poll::Pending => {
                this.start = start;
                Poll::Pending
            }
            Poll::Ready(output) => {
                if let Some(exit) = this.exit.take() {
                    match (exit(&output), start) {
                        (exit, Some(start)) => this.site.exit(exit, Some(start.elapsed())),
                        (Exit::Error(error), None) => this.site.exit(Exit::Error(error), None),
                        (_, None) => {}
                    }
                }
                Poll::Ready(output)
            }
        }
    }
}

impl<F: Future, C> Drop for LoggedFuture<F, C> {
    fn drop(&mut self) {
        if let (Some(span), Some(start)) = (&self.span, self.start) {
            let _entered = span.enter();
            self.site.exit(Exit::Cancelled, Some(start.elapsed()));
        }
    }
}

/// Logs a panic if a poll unwinds.
struct OnUnwind {
    site: &'static Site,
    start: Option<Instant>,
    armed: bool,
}

impl Drop for OnUnwind {
    fn drop(&mut self) {
        if self.armed {
            self.site.panicked(self.start.map(|start| start.elapsed()));
        }
    }
}
