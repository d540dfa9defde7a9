//! `#[timeout]`'s runtime: the future wrapped around an `async fn`'s body,
//! which drops the body at the deadline, and the error it then returns
//! ([`Elapsed`]).
//!
//! The deadline is a `futures_timer::Delay`, which wakes the task's own
//! waker from a timer thread: it works on any executor and never blocks
//! the executor's thread.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_timer::Delay;

/// The error a `#[timeout]` function returns, converted into its error
/// type (`Err(E::from(Elapsed))`), when its deadline passes first: the
/// body's future was dropped there, at an `.await`, with its locals.
///
/// ```
/// use std::time::Duration;
///
/// #[derive(Debug)]
/// enum FetchError {
///     TimedOut(Duration),
/// }
///
/// impl From<decor::Elapsed> for FetchError {
///     fn from(elapsed: decor::Elapsed) -> Self {
///         FetchError::TimedOut(elapsed.limit())
///     }
/// }
///
/// #[decor::timeout("20ms")]
/// async fn fetch() -> Result<u32, FetchError> {
///     std::future::pending::<()>().await; // never answers
///     Ok(1)
/// }
///
/// let Err(FetchError::TimedOut(limit)) = futures_executor::block_on(fetch()) else {
///     panic!("answered")
/// };
/// assert_eq!(limit, Duration::from_millis(20));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elapsed {
    function: &'static str,
    limit: Duration,
}

impl Elapsed {
    /// The time limit that passed (the attribute's duration).
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// The function that ran out of time, `module::path::function`.
    pub fn function(&self) -> &'static str {
        self.function
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` timed out after {:?}", self.function, self.limit)
    }
}

impl std::error::Error for Elapsed {}

/// The return type of a `#[timeout]` function: a `Result` whose error can
/// be made from [`Elapsed`].
#[diagnostic::on_unimplemented(
    message = "#[timeout] returns `Err(E::from(decor::Elapsed))` at the deadline, but this function returns `{Self}`, which is not a `Result`",
    label = "needs a function returning `Result<_, E>`",
    note = "return `Result<T, E>` with `impl From<decor::Elapsed> for E`"
)]
pub trait TimesOut {
    /// The timeout as this type.
    fn timed_out(elapsed: Elapsed) -> Self;
}

impl<T, E: From<Elapsed>> TimesOut for Result<T, E> {
    #[inline]
    fn timed_out(elapsed: Elapsed) -> Self {
        Err(E::from(elapsed))
    }
}

/// An `async fn`'s body with a deadline, counted from its first poll.
pub struct Timeout<F: Future> {
    /// `None` once dropped at the deadline.
    inner: Option<F>,
    function: &'static str,
    limit: Duration,
    deadline: Option<Delay>,
    /// `<Output as TimesOut>::timed_out`, named by the expansion at the
    /// function's return type, so that a return type that cannot hold an
    /// `Elapsed` is reported there, once.
    timed_out: fn(Elapsed) -> F::Output,
}

impl<F: Future> Timeout<F> {
    /// `inner` is the function's body; `limit_nanos` the attribute's
    /// duration.
    #[inline]
    pub fn new(
        function: &'static str,
        limit_nanos: u64,
        timed_out: fn(Elapsed) -> F::Output,
        inner: F,
    ) -> Timeout<F> {
        Timeout {
            inner: Some(inner),
            function,
            limit: Duration::from_nanos(limit_nanos),
            deadline: None,
            timed_out,
        }
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self` (it is dropped in place, below) and `Timeout` has no
        // `Unpin` impl of its own; the other fields are never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let Some(inner) = this.inner.as_mut() else {
            panic!(
                "`{}`'s #[timeout] future polled after it completed",
                this.function
            );
        };
        // SAFETY: see above.
        if let Poll::Ready(output) = unsafe { Pin::new_unchecked(inner) }.poll(cx) {
            this.inner = None;
            return Poll::Ready(output);
        }
        let limit = this.limit;
        let deadline = this.deadline.get_or_insert_with(|| Delay::new(limit));
        if Pin::new(deadline).poll(cx).is_pending() {
            return Poll::Pending;
        }
        // Dropped here, in place, before the caller sees the error: its
        // guards have run by then.
        this.inner = None;
        log_timed_out(this.function, limit);
        Poll::Ready((this.timed_out)(Elapsed {
            function: this.function,
            limit,
        }))
    }
}

/// One callsite for every function's timeout (not one per body type).
fn log_timed_out(function: &'static str, limit: Duration) {
    tracing::debug!(
        target: "decor::timeout",
        function,
        limit = ?limit,
        "timed out; the call's future was dropped"
    );
}
