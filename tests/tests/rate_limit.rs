//! What `#[rate_limit]` guarantees: calls over the limit wait (a blocking
//! function on its thread, an `async fn` on a timer that leaves its
//! executor's thread free) or, with `wait = false`, are refused with
//! `RateLimited`; `name` shares a limiter (first settings win, with a
//! WARN); `key` gives each key its own allowance in bounded memory; each
//! wait is logged; stacked decorators see a refusal as the call's value.
//! Outcomes are counts, never times.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use common::{block_on, capture_at, line_with};
use decor::{rate_limit, rate_limits, RateLimited};

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

fn stats(name: &str) -> rate_limits::RateLimitStats {
    rate_limits::get(name)
        .unwrap_or_else(|| panic!("no limiter `{name}`"))
        .stats()
}

fn here(function: &str) -> String {
    format!("{}::{function}", module_path!())
}

// ------------------------------------------------------------ waiting

#[rate_limit(calls = 2, per = "1s", burst = 2)]
fn twice_per_second(n: u32) -> u32 {
    n + 1
}

#[test]
fn the_call_past_the_burst_waits_its_turn_and_is_logged() {
    let (values, lines) = logs(tracing::Level::DEBUG, || {
        (0..3).map(twice_per_second).collect::<Vec<_>>()
    });
    assert_eq!(values, [1, 2, 3]);
    let stats = stats(&here("twice_per_second"));
    assert_eq!(
        (stats.admitted(), stats.waited(), stats.rejected()),
        (3, 1, 0)
    );
    let line = line_with(&lines, &["over the rate limit; waiting"]);
    assert!(line.contains(&here("twice_per_second")), "{line}");
    assert!(line.contains("wait="), "{line}");
}

#[rate_limit(calls = 2, per = "1s")]
async fn async_twice_per_second(n: u32) -> u32 {
    n * 10
}

#[test]
fn an_async_call_waits_on_a_timer_without_tokio() {
    let values = block_on(async {
        let mut values = Vec::new();
        for n in 0..3 {
            values.push(async_twice_per_second(n).await);
        }
        values
    });
    assert_eq!(values, [0, 10, 20]);
    let stats = stats(&here("async_twice_per_second"));
    assert_eq!((stats.admitted(), stats.waited()), (3, 1));
}

#[rate_limit(calls = 2, per = "1s")]
async fn tokio_twice_per_second() -> bool {
    true
}

/// While a call waits for the limiter, the one executor thread runs other
/// work: the other future finishes before the waiting call does.
#[test]
fn an_async_wait_leaves_the_executor_thread_free_under_tokio() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let other_done = AtomicBool::new(false);
    let seen_by_third = runtime.block_on(async {
        let limited = async {
            tokio_twice_per_second().await;
            tokio_twice_per_second().await;
            tokio_twice_per_second().await; // waits
            other_done.load(Ordering::SeqCst)
        };
        let other = async {
            tokio::task::yield_now().await;
            other_done.store(true, Ordering::SeqCst);
        };
        tokio::join!(limited, other).0
    });
    assert!(seen_by_third, "the wait blocked the executor's thread");
    assert_eq!(stats(&here("tokio_twice_per_second")).waited(), 1);
}

// ------------------------------------------------------------ refusing

static REFUSED_BODY_RUNS: AtomicU32 = AtomicU32::new(0);

#[rate_limit(calls = 2, per = "1m", burst = 2, wait = false)]
fn refuse_third() -> Result<u32, RateLimited> {
    Ok(REFUSED_BODY_RUNS.fetch_add(1, Ordering::SeqCst) + 1)
}

#[test]
fn wait_false_refuses_at_once_with_a_retry_after() {
    assert_eq!(refuse_third(), Ok(1));
    assert_eq!(refuse_third(), Ok(2));
    let refused = refuse_third().unwrap_err();
    assert!(refused.retry_after() > Duration::ZERO);
    assert!(refused.retry_after() <= Duration::from_secs(60));
    assert_eq!(refused.limiter(), here("refuse_third"));
    assert!(
        refused.to_string().contains("exceeded; retry after"),
        "{refused}"
    );
    // The body did not run for the refused call.
    assert_eq!(REFUSED_BODY_RUNS.load(Ordering::SeqCst), 2);
    let stats = stats(&here("refuse_third"));
    assert_eq!(
        (stats.admitted(), stats.waited(), stats.rejected()),
        (2, 0, 1)
    );
}

#[derive(Debug, PartialEq)]
enum ApiError {
    Busy,
    Down,
}

impl From<RateLimited> for ApiError {
    fn from(_: RateLimited) -> Self {
        ApiError::Busy
    }
}

#[rate_limit(calls = 1, per = "1m", wait = false)]
async fn async_refuse_second(up: bool) -> Result<&'static str, ApiError> {
    if !up {
        return Err(ApiError::Down);
    }
    Ok("pong")
}

#[test]
fn an_async_refusal_converts_into_the_functions_error() {
    assert_eq!(block_on(async_refuse_second(true)), Ok("pong"));
    assert_eq!(block_on(async_refuse_second(true)), Err(ApiError::Busy));
    assert_eq!(stats(&here("async_refuse_second")).rejected(), 1);
}

// ------------------------------------------------------------ names

#[rate_limit(calls = 3, per = "1m", name = "tests::shared api", wait = false)]
fn shared_a() -> Result<char, RateLimited> {
    Ok('a')
}

#[rate_limit(calls = 3, per = "1m", name = "tests::shared api", wait = false)]
fn shared_b() -> Result<char, RateLimited> {
    Ok('b')
}

#[test]
fn a_name_shares_one_limiter_among_functions() {
    assert_eq!(shared_a(), Ok('a'));
    assert_eq!(shared_b(), Ok('b'));
    assert_eq!(shared_a(), Ok('a'));
    assert!(
        shared_b().is_err(),
        "the fourth call of the pair was let through"
    );
    assert!(shared_a().is_err());
    let stats = stats("tests::shared api");
    assert_eq!((stats.admitted(), stats.rejected()), (3, 2));
}

#[rate_limit(calls = 1, per = "1m", name = "tests::first wins", wait = false)]
fn strict_first() -> Result<(), RateLimited> {
    Ok(())
}

#[rate_limit(calls = 100, per = "1m", name = "tests::first wins", wait = false)]
fn lax_second() -> Result<(), RateLimited> {
    Ok(())
}

#[test]
fn differing_settings_under_one_name_keep_the_first_and_warn() {
    let (results, lines) = logs(tracing::Level::TRACE, || {
        [strict_first(), lax_second(), lax_second()]
    });
    // One call a minute in all, as the first function said.
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let warning = line_with(&lines, &["WARN", "tests::first wins", "different settings"]);
    assert!(warning.contains("calls: 1"), "{warning}");
    assert!(warning.contains("calls: 100"), "{warning}");
}

// ------------------------------------------------------------ keys

#[rate_limit(calls = 1, per = "1m", key = user, wait = false)]
fn per_user(user: &str, text: &str) -> Result<usize, RateLimited> {
    Ok(text.len())
}

#[test]
fn each_key_has_its_own_allowance() {
    assert_eq!(per_user("ada", "hi"), Ok(2));
    assert_eq!(per_user("bob", "hey"), Ok(3));
    assert!(per_user("ada", "again").is_err());
    assert!(per_user("bob", "again").is_err());
    assert_eq!(per_user("cy", "x"), Ok(1));
    let stats = stats(&here("per_user"));
    assert_eq!(
        (stats.admitted(), stats.rejected(), stats.keys()),
        (3, 2, 3)
    );
}

#[rate_limit(calls = 1, per = "1h", key = id, wait = false)]
fn per_id(id: u64) -> Result<u64, RateLimited> {
    Ok(id)
}

/// Every key is in use for an hour, so sweeping frees none: only the cap
/// (10,000 by default) holds memory down.
#[test]
fn a_keyed_limiter_does_not_keep_every_key() {
    for id in 0..100_000u64 {
        assert_eq!(per_id(id), Ok(id), "a new key was refused");
    }
    let stats = stats(&here("per_id"));
    assert_eq!(stats.admitted(), 100_000);
    assert!(stats.keys() <= 10_000, "{} keys held", stats.keys());
    // The latest keys are still held back.
    assert!(per_id(99_999).is_err());
}

#[rate_limit(calls = 1, per = "1h", key = id % 1000, max_keys = 100, wait = false)]
fn per_id_small_cap(id: u64) -> Result<u64, RateLimited> {
    Ok(id)
}

#[test]
fn max_keys_sets_the_cap() {
    for id in 0..1000u64 {
        per_id_small_cap(id).unwrap();
    }
    assert!(stats(&here("per_id_small_cap")).keys() <= 100);
}

// ------------------------------------------------------------ stacking

#[decor::logged]
#[rate_limit(calls = 1, per = "1m", wait = false)]
fn logged_over_limited() -> Result<u8, RateLimited> {
    Ok(7)
}

#[rate_limit(calls = 1, per = "1m", wait = false)]
#[decor::logged]
fn limited_over_logged() -> Result<u8, RateLimited> {
    Ok(7)
}

/// A decorator outside sees the refusal as the call's `Err`; one inside
/// never starts.
#[test]
fn stacked_decorators_see_a_refusal_in_order() {
    let (_, lines) = logs(tracing::Level::TRACE, || {
        logged_over_limited().unwrap();
        logged_over_limited().unwrap_err();
    });
    let error = line_with(&lines, &["ERROR", "exceeded; retry after"]);
    assert!(error.contains("logged_over_limited"), "{error}");

    let (_, lines) = logs(tracing::Level::TRACE, || {
        limited_over_logged().unwrap();
        limited_over_logged().unwrap_err();
    });
    assert!(
        lines.iter().all(|line| !line.contains("ERROR")),
        "the refused call reached #[logged]:\n{}",
        lines.join("\n")
    );
    assert_eq!(lines.iter().filter(|l| l.contains("return=")).count(), 1);
}

#[decor::timed]
#[rate_limit(calls = 1, per = "1m", wait = false)]
fn timed_over_limited() -> Result<u8, RateLimited> {
    Ok(1)
}

#[test]
fn a_timed_decorator_outside_counts_a_refusal_as_an_error() {
    timed_over_limited().unwrap();
    timed_over_limited().unwrap_err();
    let timer = decor::timers::get(&here("timed_over_limited")).unwrap();
    assert_eq!((timer.calls(), timer.errors()), (2, 1));
}

struct Client {
    sent: u32,
}

impl Client {
    #[rate_limit(calls = 1, per = "1m", key = self.sent, wait = false)]
    fn send(&mut self, n: u32) -> Result<&u32, RateLimited> {
        self.sent += n;
        Ok(&self.sent)
    }
}

#[test]
fn a_mut_self_method_returning_a_borrow_keys_on_a_field() {
    let mut client = Client { sent: 0 };
    assert_eq!(client.send(1), Ok(&1)); // key 0
    assert_eq!(client.send(1), Ok(&2)); // key 1
    client.sent = 0;
    assert!(client.send(1).is_err()); // key 0 again
    assert_eq!(client.sent, 0);
}
