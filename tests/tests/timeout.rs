//! What `#[timeout]` guarantees: an `async fn` that runs past its limit is
//! dropped where it waits (its guards run) and returns `Err(E::from(Elapsed))`;
//! one that finishes in time is untouched; it works without tokio and under
//! it, on `#[async_trait]` methods, and under `#[timed]`. Outcomes only,
//! never times.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{block_on, capture_at, line_with};
use decor::{timeout, Elapsed};

/// Captures what `f` logs at `level`. tracing-core asks only the current
/// thread's dispatcher when a callsite is first hit while a single
/// dispatcher is registered, so another test's thread hitting the runtime's
/// callsite first would turn it off for good ("never"); a second,
/// long-lived dispatcher keeps that shortcut off.
fn logs<R>(level: tracing::Level, f: impl FnOnce() -> R) -> (R, Vec<String>) {
    static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
    capture_at(level, f)
}

#[derive(Debug, PartialEq)]
enum Error {
    TimedOut(Duration),
    Failed,
}

impl From<Elapsed> for Error {
    fn from(elapsed: Elapsed) -> Self {
        Error::TimedOut(elapsed.limit())
    }
}

/// Sets its flag when dropped.
struct DropGuard(Arc<AtomicBool>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[timeout("30ms")]
async fn hangs(dropped: Arc<AtomicBool>, reached: Arc<AtomicU32>) -> Result<u32, Error> {
    let _guard = DropGuard(dropped);
    reached.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    reached.fetch_add(1, Ordering::SeqCst);
    Ok(1)
}

#[test]
fn the_future_is_dropped_at_the_deadline() {
    let dropped = Arc::new(AtomicBool::new(false));
    let reached = Arc::new(AtomicU32::new(0));
    let (dropped_by_then, lines) = logs(tracing::Level::DEBUG, || {
        // Kept alive past the result: the body must have been dropped
        // when the deadline passed, not when this is.
        let mut call = std::pin::pin!(hangs(dropped.clone(), reached.clone()));
        let result = block_on(call.as_mut());
        assert_eq!(result, Err(Error::TimedOut(Duration::from_millis(30))));
        dropped.load(Ordering::SeqCst)
    });
    assert!(
        dropped_by_then,
        "the body's guard did not run at the deadline"
    );
    assert_eq!(reached.load(Ordering::SeqCst), 1);
    let line = line_with(&lines, &["timed out"]);
    assert!(line.contains("hangs"), "{line}");
}

#[timeout("10s")]
async fn quick(fail: bool) -> Result<u32, Error> {
    if fail {
        return Err(Error::Failed);
    }
    Ok(5)
}

#[test]
fn a_call_in_time_is_untouched() {
    assert_eq!(block_on(quick(false)), Ok(5));
    assert_eq!(block_on(quick(true)), Err(Error::Failed));
}

#[test]
fn works_under_tokio() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let result = runtime.block_on(hangs(dropped.clone(), Arc::default()));
    assert_eq!(result, Err(Error::TimedOut(Duration::from_millis(30))));
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(runtime.block_on(quick(false)), Ok(5));
}

#[test]
fn elapsed_names_the_function_and_the_limit() {
    #[timeout("5ms")]
    async fn never() -> Result<(), Elapsed> {
        std::future::pending().await
    }
    let elapsed = block_on(never()).unwrap_err();
    assert_eq!(elapsed.limit(), Duration::from_millis(5));
    assert!(
        elapsed.function().ends_with("::never"),
        "{}",
        elapsed.function()
    );
    assert!(
        elapsed.to_string().contains("timed out after 5ms"),
        "{elapsed}"
    );
    let _: &dyn std::error::Error = &elapsed;
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, hang: bool) -> Result<u32, Error>;
}

struct Remote;

#[async_trait::async_trait]
impl Fetch for Remote {
    #[timeout("20ms")]
    async fn fetch(&self, hang: bool) -> Result<u32, Error> {
        if hang {
            std::future::pending::<()>().await;
        }
        Ok(9)
    }
}

#[test]
fn an_async_trait_method_times_out() {
    assert_eq!(block_on(Remote.fetch(false)), Ok(9));
    assert_eq!(
        block_on(Remote.fetch(true)),
        Err(Error::TimedOut(Duration::from_millis(20)))
    );
}

#[decor::timed]
#[timeout("10ms")]
async fn timed_over_timeout(hang: bool) -> Result<(), Error> {
    if hang {
        std::future::pending::<()>().await;
    }
    Ok(())
}

#[test]
fn a_timed_decorator_outside_counts_a_timeout_as_an_error() {
    block_on(timed_over_timeout(false)).unwrap();
    block_on(timed_over_timeout(true)).unwrap_err();
    let name = format!("{}::timed_over_timeout", module_path!());
    let timer = decor::timers::get(&name).unwrap();
    assert_eq!((timer.calls(), timer.errors()), (2, 1));
}
