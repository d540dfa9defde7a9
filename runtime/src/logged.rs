//! Runtime support for `#[logged]`: the guard a synchronous function holds
//! while its body runs inline, the future wrapper for `async fn`, and the
//! panic hook that lets a guard name the panic it is unwinding through.
//!
//! The events themselves are emitted by a small function the macro writes
//! into the decorated function (so they carry the user's module as target
//! and the chosen levels as constants); the guard decides which one to call,
//! and calls nothing at all while the level is disabled.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tracing::span::EnteredSpan;
use tracing::Span;

use crate::probe::{DebugOrName, ErrorText};

/// How a logged call ended, as handed to the function's event emitter.
pub enum Exit<'a> {
    /// Returned; the value unless the function returns `()` or `ret = false`.
    Return(Option<DebugOrName<'a>>),
    /// Returned `Err`.
    Error(ErrorText<'a>),
    /// Unwinding with this panic message.
    Panic(&'a str),
    /// An `async fn`'s future dropped before it completed.
    Cancelled,
}

/// The emitter the macro writes into each `#[logged]` function.
pub type Emit = fn(Exit<'_>, Duration);

/// `true` if events at `level` can be enabled at all: one relaxed atomic load
/// (the global max level), the whole cost of a call at a disabled level.
#[inline(always)]
pub fn level_enabled(level: tracing::Level) -> bool {
    level <= tracing::level_filters::STATIC_MAX_LEVEL
        && level <= tracing::level_filters::LevelFilter::current()
}

struct Active {
    _entered: EnteredSpan,
    start: Instant,
    emit: Emit,
    seen: Cell<bool>,
    returns_result: bool,
}

/// Logs one call of a synchronous `#[logged]` function.
pub struct LoggedGuard {
    // No drop glue: dropping a disabled guard is one inlined branch.
    active: Option<ManuallyDrop<Active>>,
}

impl LoggedGuard {
    /// The guard of a call at a disabled level: does nothing.
    #[inline(always)]
    pub fn disabled() -> LoggedGuard {
        LoggedGuard { active: None }
    }

    /// Enters `span` until the guard drops; `emit` writes the exit events.
    #[cold]
    pub fn enter(span: Span, emit: Emit, returns_result: bool) -> LoggedGuard {
        install_panic_hook();
        LoggedGuard {
            active: Some(ManuallyDrop::new(Active {
                _entered: span.entered(),
                start: Instant::now(),
                emit,
                seen: Cell::new(false),
                returns_result,
            })),
        }
    }

    /// Logs the value the function is about to return and passes it on.
    #[inline(always)]
    pub fn observe<T>(&self, value: T, exit: impl for<'v> FnOnce(&'v T) -> Exit<'v>) -> T {
        if let Some(active) = &self.active {
            observe_enabled(active, &value, exit);
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
        if let Some(active) = &self.active {
            observe_try_enabled(active, &value, exit);
        }
        value
    }
}

#[cold]
#[inline(never)]
fn observe_enabled<T>(active: &Active, value: &T, exit: impl for<'v> FnOnce(&'v T) -> Exit<'v>) {
    active.seen.set(true);
    (active.emit)(exit(value), active.start.elapsed());
}

#[cold]
#[inline(never)]
fn observe_try_enabled<T>(
    active: &Active,
    value: &T,
    exit: impl for<'v> FnOnce(&'v T) -> Option<Exit<'v>>,
) {
    if let Some(exit) = exit(value) {
        active.seen.set(true);
        (active.emit)(exit, active.start.elapsed());
    }
}

impl Drop for LoggedGuard {
    #[inline(always)]
    fn drop(&mut self) {
        if let Some(active) = &mut self.active {
            // SAFETY: taken here, once; the field is never read again.
            finish(unsafe { ManuallyDrop::take(active) });
        }
    }
}

/// The exit event of a call no `observe` saw return; then leaves the span.
#[cold]
#[inline(never)]
fn finish(active: Active) {
    if active.seen.get() {
        return;
    }
    let elapsed = active.start.elapsed();
    if std::thread::panicking() {
        with_panic_message(|message| (active.emit)(Exit::Panic(message), elapsed));
    } else if active.returns_result {
        (active.emit)(Exit::Error(ErrorText::Unseen), elapsed);
    } else {
        (active.emit)(Exit::Return(None), elapsed);
    }
}

/// Logs an `async fn`: enters its span around every poll, logs the exit when
/// it completes, a panic if a poll unwinds, and cancellation if it is dropped
/// before completing.
pub struct LoggedFuture<F: Future, C> {
    active: Option<(Span, Emit)>,
    start: Option<Instant>,
    inner: F,
    exit: Option<C>,
}

impl<F, C> LoggedFuture<F, C>
where
    F: Future,
    C: for<'v> FnOnce(&'v F::Output) -> Exit<'v>,
{
    /// Wraps the function's body. `span` is `None` at a disabled level.
    #[inline]
    pub fn new(span: Option<Span>, emit: Emit, inner: F, exit: C) -> Self {
        if span.is_some() {
            install_panic_hook();
        }
        LoggedFuture {
            active: span.map(|span| (span, emit)),
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
        let Some((span, emit)) = &this.active else {
            return inner.poll(cx);
        };
        let _entered = span.enter();
        let start = this.start.take().unwrap_or_else(Instant::now);
        let mut on_unwind = EmitOnUnwind {
            emit: *emit,
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
                if let Some(exit) = this.exit.take() {
                    emit(exit(&output), start.elapsed());
                }
                Poll::Ready(output)
            }
        }
    }
}

impl<F: Future, C> Drop for LoggedFuture<F, C> {
    fn drop(&mut self) {
        if let (Some((span, emit)), Some(start)) = (&self.active, self.start) {
            let _entered = span.enter();
            emit(Exit::Cancelled, start.elapsed());
        }
    }
}

struct EmitOnUnwind {
    emit: Emit,
    start: Instant,
    armed: bool,
}

impl Drop for EmitOnUnwind {
    fn drop(&mut self) {
        if self.armed {
            let elapsed = self.start.elapsed();
            with_panic_message(|message| (self.emit)(Exit::Panic(message), elapsed));
        }
    }
}

thread_local! {
    /// The message of the last panic on this thread, kept by our hook so a
    /// guard dropped during unwinding can log it.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Chains a hook in front of the current panic hook that remembers each
/// panic's message on its thread. Installed once, on the first enabled
/// `#[logged]` call. A hook set later by the program replaces it; panics are
/// then logged as `"<unknown panic>"`.
fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    // `set_hook` itself panics on a panicking thread.
    if INSTALL.is_completed() || std::thread::panicking() {
        return;
    }
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = crate::task::panic_message(info.payload());
            // A hook must not panic: skip if the slot is busy or gone.
            let _ = LAST_PANIC.try_with(|slot| {
                if let Ok(mut slot) = slot.try_borrow_mut() {
                    *slot = Some(message);
                }
            });
            previous(info);
        }));
    });
}

fn with_panic_message(f: impl FnOnce(&str)) {
    let message = LAST_PANIC
        .try_with(|slot| slot.try_borrow().ok().and_then(|slot| slot.clone()))
        .ok()
        .flatten();
    f(message.as_deref().unwrap_or("<unknown panic>"));
}
