//! Captures what a closure logs through `tracing`, as plain text lines.

#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// Runs `f` with a fmt subscriber at `max_level` on this thread; returns its
/// result and the lines logged, without timestamps or colours.
pub fn capture_at<R>(max_level: tracing::Level, f: impl FnOnce() -> R) -> (R, Vec<String>) {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(max_level)
        .with_ansi(false)
        .without_time()
        .finish();
    keep_a_second_dispatcher();
    let result = tracing::subscriber::with_default(subscriber, f);
    let lines = buffer.text().lines().map(str::to_owned).collect();
    (result, lines)
}

/// Registers, once per test binary, a dispatcher that lives as long as the
/// binary, so tracing never has "just one".
///
/// With one dispatcher registered, tracing-core works out a new callsite's
/// interest from the *registering thread's* default. A callsite first hit by
/// another test's thread (no subscriber there) while a capture is running is
/// then cached as "never", and the capture misses its events: the cache
/// test's DEBUG line went missing in 14 runs of 300. With two or more, every
/// registered dispatcher is asked, ours included.
fn keep_a_second_dispatcher() {
    static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
}

/// `capture_at(TRACE, f)`.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    capture_at(tracing::Level::TRACE, f)
}

/// The one line containing every needle; panics listing the lines otherwise.
pub fn line_with<'a>(lines: &'a [String], needles: &[&str]) -> &'a str {
    let found: Vec<&String> = lines
        .iter()
        .filter(|line| needles.iter().all(|needle| line.contains(needle)))
        .collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "expected exactly one line containing {needles:?}, found {}:\n{}",
            found.len(),
            lines.join("\n")
        ),
    }
}

/// Drives a future to completion on this thread.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

// ---------------------------------------------------------------------------
// Helpers for the thread tests (spawn, parallel, synchronized, pools,
// stacking). The deadlines below are fail-safes against hangs, never timing
// assertions: a correct run finishes far sooner.

/// How long a fail-safe waits before declaring a hang.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(60);

/// A one-shot latch: tasks `wait` until the test `open`s it. Cloneable,
/// `Send + 'static`, so it can be passed to a `#[spawn]` function.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, std::sync::Condvar)>);

impl Gate {
    pub fn new() -> Gate {
        Gate::default()
    }

    pub fn open(&self) {
        *self.0 .0.lock().unwrap() = true;
        self.0 .1.notify_all();
    }

    pub fn is_open(&self) -> bool {
        *self.0 .0.lock().unwrap()
    }

    /// Blocks until opened; panics after [`HANG`] (the test forgot to open it).
    pub fn wait(&self) {
        let (lock, opened) = &*self.0;
        let (guard, timeout) = opened
            .wait_timeout_while(lock.lock().unwrap(), HANG, |open| !*open)
            .unwrap();
        drop(guard);
        assert!(!timeout.timed_out(), "a gate was never opened");
    }
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gate(open: {})", self.is_open())
    }
}

/// Runs `f` on a helper thread and returns its result (re-raising its
/// panic); panics if it has not finished within [`HANG`], which turns a
/// deadlock into a test failure instead of a hung test binary.
pub fn within<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (sender, receiver) = std::sync::mpsc::channel();
    let helper = std::thread::spawn(move || {
        let _ = sender.send(f());
    });
    match receiver.recv_timeout(HANG) {
        Ok(result) => result,
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match helper.join() {
            Err(payload) => std::panic::resume_unwind(payload),
            Ok(()) => unreachable!("the helper sends before it ends"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still running after {HANG:?}; deadlocked?")
        }
    }
}

/// Spins (yielding) until `condition` holds; panics after [`HANG`].
pub fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + HANG;
    while !condition() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not reached after {HANG:?}"
        );
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
}

/// The name of the current thread, or "" for an unnamed one.
pub fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_owned()
}

/// Panics whose message contains this are expected by the test that raises
/// them; [`quiet_panics`] keeps them off stderr.
pub const EXPECTED: &str = "(expected panic)";

/// Installs, once, a panic hook that stays silent for panics whose message
/// contains [`EXPECTED`] and defers to the previous hook for all others.
pub fn quiet_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if !message.is_some_and(|message| message.contains(EXPECTED)) {
                previous(info);
            }
        }));
    });
}
