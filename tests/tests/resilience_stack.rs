//! DESIGN §7's recommended order, outermost first: `cache` › `rate_limit` ›
//! `retry` › `timeout` › body, under a `#[timed]` that counts what each of
//! them did. A hit never reaches the limiter; retries spend no extra
//! allowance; the deadline is each attempt's.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, PartialEq)]
enum StackError {
    TimedOut,
    Limited,
    Broken,
}

impl From<decor::Elapsed> for StackError {
    fn from(_: decor::Elapsed) -> Self {
        StackError::TimedOut
    }
}

impl From<decor::RateLimited> for StackError {
    fn from(_: decor::RateLimited) -> Self {
        StackError::Limited
    }
}

static ASYNC_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::timed(name = "stack::lookup")]
#[decor::cache(size = 100, name = "stack::lookup")]
#[decor::rate_limit(calls = 2, per = "1s", burst = 2, name = "stack::lookup")]
#[decor::retry(attempts = 3, delay = "1ms", when = |e| *e == StackError::TimedOut)]
#[decor::timeout("50ms")]
async fn lookup(key: u32) -> Result<u32, StackError> {
    let run = ASYNC_RUNS.fetch_add(1, Ordering::Relaxed);
    if run == 0 {
        // The first attempt hangs: the timeout drops it, the retry asks again.
        std::future::pending::<()>().await;
    }
    if key == 0 {
        return Err(StackError::Broken);
    }
    Ok(key * 10)
}

#[test]
fn the_recommended_order_async() {
    let results = common::block_on(async {
        let mut results = Vec::new();
        for key in [1, 1, 2, 3] {
            results.push(lookup(key).await);
        }
        results
    });
    assert_eq!(results, [Ok(10), Ok(10), Ok(20), Ok(30)]);
    // Key 1: one attempt timed out, the second ran; keys 2 and 3 once each;
    // the second lookup of key 1 was a hit.
    assert_eq!(ASYNC_RUNS.load(Ordering::Relaxed), 4);
    let cache = decor::caches::get("stack::lookup").unwrap().stats();
    assert_eq!((cache.hits(), cache.misses()), (1, 3));
    // Three misses reached the limiter (the retry inside it took no extra
    // allowance); the third waited for the burst of two to refill.
    let limiter = decor::rate_limits::get("stack::lookup").unwrap().stats();
    assert_eq!((limiter.admitted(), limiter.waited()), (3, 1));
    let timer = decor::timers::get("stack::lookup").unwrap();
    assert_eq!((timer.calls(), timer.errors()), (4, 0));
    assert_eq!(
        (timer.cache_misses(), timer.limiter_waits(), timer.retries()),
        (3, 1, 1),
        "each miss, wait and retry counted on the timer above"
    );
    let report = decor::timers::report().to_string();
    let heading = report.lines().next().unwrap();
    assert!(heading.ends_with("retries  misses  waits"), "{report}");
}

static SYNC_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::timed(name = "stack::fetch")]
#[decor::cache(name = "stack::fetch")]
#[decor::rate_limit(calls = 1, per = "1s", burst = 1, wait = false, name = "stack::fetch")]
#[decor::retry(attempts = 2, delay = "0ms")]
fn fetch(key: String) -> Result<usize, StackError> {
    match SYNC_RUNS.fetch_add(1, Ordering::Relaxed) {
        0 => Err(StackError::Broken),
        _ => Ok(key.len()),
    }
}

#[test]
fn the_recommended_order_sync_with_refusals() {
    // First call: a miss, admitted, retried once inside the allowance.
    assert_eq!(fetch("abc".into()), Ok(3));
    // Cached: no allowance needed.
    assert_eq!(fetch("abc".into()), Ok(3));
    // A new key within the same second: refused, and the refusal (an
    // `Err`) is not cached.
    assert_eq!(fetch("de".into()), Err(StackError::Limited));
    assert_eq!(SYNC_RUNS.load(Ordering::Relaxed), 2);
    let cache = decor::caches::get("stack::fetch").unwrap().stats();
    assert_eq!((cache.hits(), cache.misses(), cache.entries()), (1, 2, 1));
    let limiter = decor::rate_limits::get("stack::fetch").unwrap().stats();
    assert_eq!((limiter.admitted(), limiter.rejected()), (1, 1));
    let timer = decor::timers::get("stack::fetch").unwrap();
    assert_eq!((timer.calls(), timer.errors(), timer.retries()), (3, 1, 1));
}
