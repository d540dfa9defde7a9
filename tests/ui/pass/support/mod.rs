//! Helpers shared by the `ui/pass` programs. A program takes them with
//! `#[path = "support/mod.rs"] mod support;` (the path is relative to the
//! program's own file, which trybuild builds in place). This directory is
//! not matched by `ui/pass/*.rs`, so it is no test of its own.
//!
//! Each program uses only some of these helpers; the rest must not make it
//! warn, hence the `allow`s below. The hygiene programs (`#![deny(warnings)]`
//! and the like) do not use this module: they stay self-contained.

#![allow(dead_code, unused_imports, unused_macros)]

use std::cell::Cell;
use std::future::Future;
use std::io::{self, Write};
use std::panic;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// The timer of the function `$f` in the calling module; panics if there is
/// none.
macro_rules! stats {
    ($f:literal) => {
        decor::timers::get(concat!(module_path!(), "::", $f)).expect(concat!("no timer for ", $f))
    };
}

/// The calls counted by the timer of the function `$f` in the calling
/// module, 0 while it has no timer.
macro_rules! calls {
    ($f:literal) => {
        decor::timers::get(concat!(module_path!(), "::", $f)).map_or(0, |stats| stats.calls())
    };
}

pub(crate) use {calls, stats};

/// A writer that keeps what the `tracing` subscriber writes, for the program
/// to read back with [`Capture::take`].
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Installs, as the global default, a plain-text `fmt` subscriber
    /// without times that lets every level through and writes here.
    pub fn install() -> Capture {
        Capture::install_at(tracing::Level::TRACE)
    }

    /// [`Capture::install`], letting through `max_level` and above only.
    pub fn install_at(max_level: tracing::Level) -> Capture {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .without_time()
            .with_max_level(max_level)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        capture
    }

    /// What was written since the last `take`.
    pub fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

thread_local! {
    static EXPECTING_PANIC: Cell<bool> = const { Cell::new(false) };
}

/// Keeps the panics `expect_panic` provokes off stderr; others still print.
pub fn quiet_expected_panics() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !EXPECTING_PANIC.with(Cell::get) {
            default(info);
        }
    }));
}

/// Runs `f`, which must panic, and returns the panic's message.
pub fn expect_panic<R>(f: impl FnOnce() -> R) -> String {
    EXPECTING_PANIC.with(|expecting| expecting.set(true));
    let result = panic::catch_unwind(panic::AssertUnwindSafe(f));
    EXPECTING_PANIC.with(|expecting| expecting.set(false));
    match result {
        Ok(_) => panic!("expected a panic"),
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default(),
    }
}

static PANIC_LINE: Mutex<Option<u32>> = Mutex::new(None);

/// Installs a panic hook that keeps the panics with the message `message`
/// off stderr and records the line they were raised at (see
/// [`recorded_panic_line`]); other panics still print.
pub fn record_panic_line(message: &'static str) {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if info.payload_as_str() == Some(message) {
            *PANIC_LINE.lock().unwrap() = info.location().map(|l| l.line());
        } else {
            default(info);
        }
    }));
}

/// The line of the last panic [`record_panic_line`] recorded.
pub fn recorded_panic_line() -> Option<u32> {
    *PANIC_LINE.lock().unwrap()
}

/// Pending on its first poll, ready on the second.
pub struct YieldOnce(pub bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

struct NoopWaker;

impl Wake for NoopWaker {
    fn wake(self: Arc<Self>) {}
}

/// Polls `future` once, with a waker that does nothing.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    let waker = Waker::from(Arc::new(NoopWaker));
    future.poll(&mut Context::from_waker(&waker))
}
