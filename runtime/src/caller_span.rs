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

use tracing::level_filters::LevelFilter;
use tracing::{dispatcher, Span};

/// The span current where work was handed over; entered where it runs.
///
/// Boxed, and only when there is a span: a queued task carries one pointer
/// for it, not a whole `Span`, and tasks submitted outside any span (most,
/// when nothing is being traced) carry nothing to enter.
pub(crate) struct CallerSpan(Option<Box<Span>>);

impl CallerSpan {
    /// The calling thread's current span, if it has one. A program that
    /// never set a subscriber, or whose subscribers want no level, has no
    /// span to carry: that is found in two relaxed loads.
    #[inline]
    pub(crate) fn current() -> CallerSpan {
        if !dispatcher::has_been_set() || LevelFilter::current() == LevelFilter::OFF {
            return CallerSpan(None);
        }
        let span = Span::current();
        CallerSpan((!span.is_none()).then(|| Box::new(span)))
    }

    /// Runs `work` inside the span, under the span's subscriber.
    #[inline]
    pub(crate) fn run<T>(&self, work: impl FnOnce() -> T) -> T {
        let Some(span) = &self.0 else {
            return work();
        };
        match span.with_subscriber(|(_, dispatch)| dispatch.clone()) {
            None => work(),
            Some(dispatch) => dispatcher::with_default(&dispatch, || span.in_scope(work)),
        }
    }
}
