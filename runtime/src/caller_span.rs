//! The caller's tracing context, carried to where a task or a chunk runs.
//!
//! A `#[spawn]` task or a `#[parallel]` chunk runs on another thread, where
//! the caller's current span is not entered. Without help, what the body
//! logs would read `load: ...` instead of `handler{req=7}:load: ...`, as it
//! would had the body run inline. So the caller's current span is taken when
//! the work is handed over and entered around the body wherever it runs.
//!
//! The span is entered under the subscriber it belongs to, which becomes the
//! body's default for the duration: a program's global subscriber, or a
//! test's `with_default` one, sees the body's spans and events as children
//! of the caller's span. With no current span nothing is carried, and the
//! body logs to the running thread's own default, as a plain
//! `std::thread::spawn` would.

use tracing::{dispatcher, Span};

/// The span current where work was handed over; entered where it runs.
pub(crate) struct CallerSpan(Span);

impl CallerSpan {
    /// The calling thread's current span (none if there is no span, or no
    /// subscriber: then carrying it costs nothing).
    #[inline]
    pub(crate) fn current() -> CallerSpan {
        CallerSpan(Span::current())
    }

    /// Runs `work` inside the span, under the span's subscriber.
    #[inline]
    pub(crate) fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        match self.0.with_subscriber(|(_, dispatch)| dispatch.clone()) {
            None => work(),
            Some(dispatch) => dispatcher::with_default(&dispatch, || self.0.in_scope(work)),
        }
    }
}
