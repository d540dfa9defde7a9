//! `#[decor::retry]`: attempts counted, errors filtered, pauses bounded by
//! the deadline, every retry logged, sync and async.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

#[derive(Debug, PartialEq, Clone)]
enum ApiError {
    Busy(u32),
    Denied,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Busy(run) => write!(f, "busy (run {run})"),
            ApiError::Denied => f.write_str("denied"),
        }
    }
}

static RUNS: AtomicU32 = AtomicU32::new(0);

/// Fails with `Busy` until run `ok_at`.
fn attempt(ok_at: u32) -> Result<u32, ApiError> {
    let run = RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    if run < ok_at {
        Err(ApiError::Busy(run))
    } else {
        Ok(run)
    }
}

#[decor::retry(delay = "1ms")]
fn three_tries(ok_at: u32) -> Result<u32, ApiError> {
    attempt(ok_at)
}

#[test]
fn three_attempts_by_default_and_the_last_error_is_returned() {
    RUNS.store(0, Ordering::Relaxed);
    let (result, lines) = common::capture(|| three_tries(3));
    assert_eq!(result, Ok(3));
    assert_eq!(RUNS.load(Ordering::Relaxed), 3);
    let warnings: Vec<&String> = lines.iter().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 2, "{lines:#?}");
    common::line_with(
        &lines,
        &[
            "WARN",
            "retrying in 1.00ms",
            "function=\"three_tries\"",
            "attempt=1",
            "busy (run 1)",
        ],
    );
    common::line_with(
        &lines,
        &["WARN", "retrying in 2.00ms", "attempt=2", "busy (run 2)"],
    );

    RUNS.store(0, Ordering::Relaxed);
    assert_eq!(three_tries(100), Err(ApiError::Busy(3)));
    assert_eq!(RUNS.load(Ordering::Relaxed), 3);
}

#[decor::retry(attempts = 5, delay = "0ms", when = |e| matches!(e, ApiError::Busy(_)))]
fn filtered(fail_with: ApiError) -> Result<u32, ApiError> {
    RUNS.fetch_add(1, Ordering::Relaxed);
    Err(fail_with)
}

#[test]
fn when_chooses_which_errors_are_retried() {
    RUNS.store(0, Ordering::Relaxed);
    assert_eq!(filtered(ApiError::Denied), Err(ApiError::Denied));
    assert_eq!(RUNS.load(Ordering::Relaxed), 1);
    RUNS.store(0, Ordering::Relaxed);
    assert_eq!(filtered(ApiError::Busy(0)), Err(ApiError::Busy(0)));
    assert_eq!(RUNS.load(Ordering::Relaxed), 5);
}

static HOOKED: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn on_retry(info: &decor::RetryInfo) {
    HOOKED.lock().unwrap().push(format!(
        "{} attempt {} then {:?}: {}",
        info.function(),
        info.attempt(),
        info.next_delay(),
        info.error()
    ));
}

#[decor::retry(attempts = 4, delay = "1ms", backoff = 3.0, max_delay = "5ms", on_retry = on_retry)]
fn hooked(ok_at: u32) -> Result<u32, ApiError> {
    attempt(ok_at)
}

#[test]
fn on_retry_sees_each_failed_attempt_with_growing_capped_pauses() {
    RUNS.store(0, Ordering::Relaxed);
    assert_eq!(hooked(4), Ok(4));
    assert_eq!(
        *HOOKED.lock().unwrap(),
        [
            "hooked attempt 1 then 1ms: busy (run 1)",
            "hooked attempt 2 then 3ms: busy (run 2)",
            "hooked attempt 3 then 5ms: busy (run 3)",
        ]
    );
}

static DEADLINE_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::retry(attempts = 10, delay = "400ms", backoff = 2.0, deadline = "1s")]
fn bounded() -> Result<(), ApiError> {
    DEADLINE_RUNS.fetch_add(1, Ordering::Relaxed);
    Err(ApiError::Denied)
}

#[test]
fn no_pause_runs_past_the_deadline() {
    // Run 1 at ~0 ms; a 400 ms pause ends before 1 s, so run 2 starts at
    // ~400 ms; the next pause (800 ms) would end past 1 s: the error is
    // returned at once instead.
    let (result, lines) = common::capture(bounded);
    assert_eq!(result, Err(ApiError::Denied));
    assert_eq!(DEADLINE_RUNS.load(Ordering::Relaxed), 2);
    common::line_with(&lines, &["WARN", "giving up", "deadline"]);
}

struct Client {
    calls: Vec<u32>,
}

impl Client {
    #[decor::retry(attempts = 3, delay = "0ms")]
    fn send(&mut self, id: u32) -> Result<u32, ApiError> {
        self.calls.push(id);
        match self.calls.len() {
            1 => Err(ApiError::Busy(1)),
            n => Ok(n as u32),
        }
    }
}

#[test]
fn mut_self_methods_run_again_on_the_same_value() {
    let mut client = Client { calls: Vec::new() };
    assert_eq!(client.send(7), Ok(2));
    assert_eq!(client.calls, [7, 7]);
}

static ASYNC_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::retry(attempts = 3, delay = "2ms", jitter)]
async fn fetch(key: String) -> Result<String, ApiError> {
    let run = ASYNC_RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    if !run.is_multiple_of(3) {
        return Err(ApiError::Busy(run));
    }
    Ok(key)
}

#[test]
fn async_retries_await_their_pauses_under_any_executor() {
    ASYNC_RUNS.store(0, Ordering::Relaxed);
    assert_eq!(common::block_on(fetch("a".into())), Ok("a".into()));
    assert_eq!(ASYNC_RUNS.load(Ordering::Relaxed), 3);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(runtime.block_on(fetch("b".into())), Ok("b".into()));
    assert_eq!(ASYNC_RUNS.load(Ordering::Relaxed), 6);
}

static TIMED_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::timed(name = "retry::outside")]
#[decor::retry(delay = "0ms")]
fn timed_outside() -> Result<u32, ApiError> {
    match TIMED_RUNS.fetch_add(1, Ordering::Relaxed) {
        0 | 1 => Err(ApiError::Busy(0)),
        n => Ok(n),
    }
}

#[decor::retry(delay = "0ms")]
#[decor::timed(name = "retry::inside")]
fn timed_inside() -> Result<u32, ApiError> {
    match TIMED_RUNS.fetch_add(1, Ordering::Relaxed) {
        0 | 1 => Err(ApiError::Busy(0)),
        n => Ok(n),
    }
}

#[test]
fn timed_above_times_the_call_and_below_times_each_attempt() {
    TIMED_RUNS.store(0, Ordering::Relaxed);
    assert_eq!(timed_outside(), Ok(2));
    TIMED_RUNS.store(0, Ordering::Relaxed);
    assert_eq!(timed_inside(), Ok(2));
    let outside = decor::timers::get("retry::outside").unwrap();
    assert_eq!((outside.calls(), outside.errors()), (1, 0));
    assert_eq!(
        outside.retries(),
        2,
        "the retries are counted on the timer above"
    );
    let inside = decor::timers::get("retry::inside").unwrap();
    assert_eq!((inside.calls(), inside.errors()), (3, 2));
    assert_eq!(
        inside.retries(),
        0,
        "each attempt is a call of the timer below"
    );
    let report = decor::timers::report().to_string();
    let heading = report.lines().next().unwrap();
    assert!(heading.ends_with("retries"), "{report}");
    let row = report
        .lines()
        .find(|line| line.starts_with("retry::outside"))
        .unwrap();
    assert!(row.ends_with(" 2"), "{report}");
}

static ASYNC_TIMED_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::timed(name = "retry::async_outside")]
#[decor::retry(attempts = 4, delay = "1ms")]
async fn async_timed() -> Result<u32, ApiError> {
    match ASYNC_TIMED_RUNS.fetch_add(1, Ordering::Relaxed) {
        n @ 0..=2 => Err(ApiError::Busy(n)),
        n => Ok(n),
    }
}

#[test]
fn async_retries_are_counted_on_the_timer_above() {
    assert_eq!(common::block_on(async_timed()), Ok(3));
    let stats = decor::timers::get("retry::async_outside").unwrap();
    assert_eq!((stats.calls(), stats.retries()), (1, 3));
}
