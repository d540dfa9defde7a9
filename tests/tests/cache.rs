//! What `#[cache]` does: which callers compute, what is kept, what the
//! handle counts, and how concurrent callers of one key share one
//! computation. Each test caches its own functions, so no test sees
//! another's calls. Gates and counters order the threads; the only sleeps
//! let waiters arrive (or a TTL pass) and never decide an assertion by
//! themselves.

mod common;

use std::hash::Hash;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::thread;
use std::time::Duration;

use common::{block_on, capture, line_with, quiet_panics, wait_until, within, Gate, EXPECTED};
use decor::caches::{self, Cache};

fn handle(name: &str) -> Cache {
    caches::get(name).unwrap_or_else(|| panic!("no cache named {name}"))
}

/// (hits, misses, entries)
fn counts(name: &str) -> (u64, u64, u64) {
    let stats = handle(name).stats();
    (stats.hits(), stats.misses(), stats.entries())
}

static LENGTHS: AtomicU32 = AtomicU32::new(0);

#[decor::cache]
fn length(text: &str) -> usize {
    LENGTHS.fetch_add(1, Ordering::SeqCst);
    text.len()
}

#[test]
fn a_key_is_computed_once_and_counted() {
    assert!(caches::get("cache::length").is_none(), "not called yet");
    assert_eq!(length("abc"), 3);
    assert_eq!(length("abc"), 3);
    assert_eq!(length("hello"), 5);
    assert_eq!(length(&String::from("abc")), 3);
    assert_eq!(LENGTHS.load(Ordering::SeqCst), 2);
    assert_eq!(counts("cache::length"), (2, 2, 2));

    // `&str` keys as `String`.
    let cache = handle("cache::length");
    assert!(cache.invalidate(&"abc".to_string()));
    assert!(!cache.invalidate(&"abc".to_string()), "already gone");
    assert!(!cache.invalidate(&3u8), "not this cache's key type");
    assert_eq!(length("abc"), 3);
    assert_eq!(LENGTHS.load(Ordering::SeqCst), 3);
    cache.clear();
    assert_eq!(cache.stats().entries(), 0);
    assert_eq!(length("hello"), 5);
    assert_eq!(LENGTHS.load(Ordering::SeqCst), 4);
}

static SUMS: AtomicU32 = AtomicU32::new(0);

#[decor::cache(name = "sums")]
fn sum(values: &[u32], times: u32) -> u32 {
    SUMS.fetch_add(1, Ordering::SeqCst);
    values.iter().sum::<u32>() * times
}

#[test]
fn several_arguments_key_as_the_tuple_of_their_owned_forms() {
    assert_eq!(sum(&[1, 2], 2), 6);
    assert_eq!(sum(&[1, 2], 2), 6);
    assert_eq!(sum(&[1, 2], 3), 9);
    assert_eq!(SUMS.load(Ordering::SeqCst), 2);
    assert!(handle("sums").invalidate(&(vec![1u32, 2], 2u32)));
    assert_eq!(sum(&[1, 2], 2), 6);
    assert_eq!(SUMS.load(Ordering::SeqCst), 3);
}

static LOOKUPS: AtomicU32 = AtomicU32::new(0);

#[decor::cache(key = user.id, name = "by_id")]
fn display_name(user: &User, _trace_id: u64) -> String {
    LOOKUPS.fetch_add(1, Ordering::SeqCst);
    format!("user {}", user.id)
}

struct User {
    id: u64,
}

#[test]
fn key_expression_is_the_key() {
    assert_eq!(display_name(&User { id: 7 }, 1), "user 7");
    assert_eq!(display_name(&User { id: 7 }, 2), "user 7");
    assert_eq!(LOOKUPS.load(Ordering::SeqCst), 1);
    assert!(handle("by_id").invalidate(&7u64));
}

#[derive(Clone, Hash, PartialEq, Eq)]
struct Point {
    x: i64,
    y: i64,
}

static NORMS: AtomicU32 = AtomicU32::new(0);

impl Point {
    #[decor::cache]
    fn norm(&self, scale: i64) -> i64 {
        NORMS.fetch_add(1, Ordering::SeqCst);
        (self.x.abs() + self.y.abs()) * scale
    }
}

struct Repo {
    id: u32,
    calls: AtomicU32,
}

impl Repo {
    #[decor::cache(key = (self.id, name.to_owned()))]
    fn find(&self, name: &str) -> Option<u32> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        (name == "x").then_some(self.id)
    }
}

#[test]
fn self_methods_key_on_self_or_on_the_key_given() {
    let a = Point { x: 1, y: -2 };
    assert_eq!(a.norm(2), 6);
    assert_eq!(a.clone().norm(2), 6);
    assert_eq!(Point { x: 5, y: 0 }.norm(2), 10);
    assert_eq!(NORMS.load(Ordering::SeqCst), 2);
    // Methods register as `module::method`.
    assert!(handle("cache::norm").invalidate(&(a, 2i64)));

    let repo = Repo {
        id: 4,
        calls: AtomicU32::new(0),
    };
    // An `Option` is cached whole: `None` too.
    assert_eq!(repo.find("x"), Some(4));
    assert_eq!(repo.find("x"), Some(4));
    assert_eq!(repo.find("y"), None);
    assert_eq!(repo.find("y"), None);
    assert_eq!(repo.calls.load(Ordering::SeqCst), 2);
}

static PARSES: AtomicU32 = AtomicU32::new(0);

/// Not `Clone`: an error that is never cached need not be.
#[derive(Debug, PartialEq)]
struct Unparsable(String);

#[decor::cache]
fn parse(text: &str) -> Result<u32, Unparsable> {
    PARSES.fetch_add(1, Ordering::SeqCst);
    text.parse().map_err(|_| Unparsable(text.to_owned()))
}

static READS: AtomicU32 = AtomicU32::new(0);

/// `io::Result` is a `Result` under an alias, and `io::Error` is not `Clone`.
#[decor::cache]
fn read_number(text: &str) -> std::io::Result<u32> {
    READS.fetch_add(1, Ordering::SeqCst);
    text.parse()
        .map_err(|_| std::io::Error::other(format!("not a number: {text}")))
}

#[test]
fn errors_are_not_cached_unless_asked() {
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(parse("12"), Ok(12));
    assert_eq!(parse("x"), Err(Unparsable("x".into())));
    assert_eq!(parse("x"), Err(Unparsable("x".into())));
    assert_eq!(PARSES.load(Ordering::SeqCst), 3);
    assert_eq!(counts("cache::parse"), (1, 3, 1));

    assert_eq!(read_number("4").unwrap(), 4);
    assert_eq!(read_number("4").unwrap(), 4);
    assert!(read_number("four").is_err());
    assert!(read_number("four").is_err());
    assert_eq!(READS.load(Ordering::SeqCst), 3);
}

static HALVES: AtomicU32 = AtomicU32::new(0);

#[decor::cache(errors = true)]
fn checked_half(n: u32) -> Result<u32, String> {
    HALVES.fetch_add(1, Ordering::SeqCst);
    if n.is_multiple_of(2) {
        Ok(n / 2)
    } else {
        Err(format!("{n} is odd"))
    }
}

#[test]
fn errors_true_caches_errors_too() {
    assert_eq!(checked_half(3), Err("3 is odd".into()));
    assert_eq!(checked_half(3), Err("3 is odd".into()));
    assert_eq!(checked_half(4), Ok(2));
    assert_eq!(HALVES.load(Ordering::SeqCst), 2);
}

static DESCRIBED: AtomicU32 = AtomicU32::new(0);

#[decor::cache(name = "describe")]
fn describe<T>(value: T) -> String
where
    T: std::fmt::Debug + Hash + Eq + Clone + Send + Sync + 'static,
{
    DESCRIBED.fetch_add(1, Ordering::SeqCst);
    format!("{value:?} as {}", std::any::type_name::<T>())
}

#[test]
fn each_instantiation_has_its_own_store_and_one_handle_covers_them() {
    assert_eq!(describe(1u32), "1 as u32");
    assert_eq!(describe(1u64), "1 as u64");
    assert_eq!(describe(1u32), "1 as u32");
    assert_eq!(describe(1u64), "1 as u64");
    assert_eq!(describe("a"), "\"a\" as &str");
    assert_eq!(DESCRIBED.load(Ordering::SeqCst), 3);
    assert_eq!(counts("describe"), (2, 3, 3));
    let cache = handle("describe");
    assert!(cache.invalidate(&1u64));
    assert_eq!(cache.stats().entries(), 2);
    assert_eq!(describe(1u32), "1 as u32");
    assert_eq!(
        DESCRIBED.load(Ordering::SeqCst),
        3,
        "u32's store kept its value"
    );
    cache.clear();
    assert_eq!(cache.stats().entries(), 0);
}

static EXPIRING: AtomicU32 = AtomicU32::new(0);

#[decor::cache(ttl = "50ms")]
fn expiring(n: u32) -> u32 {
    EXPIRING.fetch_add(1, Ordering::SeqCst);
    n
}

#[test]
fn values_expire_after_their_ttl() {
    expiring(1);
    expiring(1);
    assert_eq!(EXPIRING.load(Ordering::SeqCst), 1);
    thread::sleep(Duration::from_millis(200));
    expiring(1);
    assert_eq!(
        EXPIRING.load(Ordering::SeqCst),
        2,
        "expired, so computed again"
    );
    assert_eq!(counts("cache::expiring").1, 2);
}

#[decor::cache(size = 3)]
fn bounded(n: u32) -> u32 {
    n
}

#[test]
fn size_bounds_the_entries() {
    for round in 0..3 {
        for n in 0..50 {
            bounded(n + round);
        }
    }
    let entries = handle("cache::bounded").stats().entries();
    assert!(entries <= 3, "{entries} entries held with size = 3");
}

static SLOW: AtomicU32 = AtomicU32::new(0);

#[decor::cache]
fn slow(key: u32, gate: &GateKey) -> u32 {
    SLOW.fetch_add(1, Ordering::SeqCst);
    gate.0.wait();
    key * 10
}

/// A gate that takes no part in the key (every `GateKey` is equal).
#[derive(Clone, Default)]
struct GateKey(Gate);
impl PartialEq for GateKey {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl Eq for GateKey {}
impl Hash for GateKey {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

#[test]
fn concurrent_callers_of_one_key_share_one_computation() {
    let gate = GateKey::default();
    let arrived = Arc::new(AtomicU32::new(0));
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let (gate, arrived) = (gate.clone(), arrived.clone());
            thread::spawn(move || {
                arrived.fetch_add(1, Ordering::SeqCst);
                slow(1, &gate)
            })
        })
        .collect();
    wait_until("the callers arrive", || {
        arrived.load(Ordering::SeqCst) == 8 && SLOW.load(Ordering::SeqCst) >= 1
    });
    // Time for the others to reach the cache and wait there.
    thread::sleep(Duration::from_millis(100));
    // A different key is not held up by the computation in flight.
    let other = GateKey::default();
    other.0.open();
    assert_eq!(within("another key", move || slow(2, &other)), 20);
    gate.0.open();
    for caller in callers {
        assert_eq!(caller.join().unwrap(), 10);
    }
    assert_eq!(SLOW.load(Ordering::SeqCst), 2, "key 1 once, key 2 once");
    let (hits, misses, _) = counts("cache::slow");
    assert_eq!((hits, misses), (7, 2));
}

static FLAKY: AtomicU32 = AtomicU32::new(0);

#[decor::cache]
fn flaky(key: u32, gate: &GateKey) -> u32 {
    let first = FLAKY.fetch_add(1, Ordering::SeqCst) == 0;
    // Every computation waits for the gate: callers that computed on their
    // own instead of waiting would each be counted before it opens.
    gate.0.wait();
    if first {
        panic!("first computation fails {EXPECTED}");
    }
    key + 1
}

#[test]
fn a_panicking_computation_is_taken_over_by_a_waiter() {
    quiet_panics();
    let gate = GateKey::default();
    let first = {
        let gate = gate.clone();
        thread::spawn(move || flaky(5, &gate))
    };
    wait_until("the first caller computes", || {
        FLAKY.load(Ordering::SeqCst) == 1
    });
    let waiters: Vec<_> = (0..4)
        .map(|_| {
            let gate = gate.clone();
            thread::spawn(move || flaky(5, &gate))
        })
        .collect();
    thread::sleep(Duration::from_millis(100));
    gate.0.open();
    let panic = first
        .join()
        .expect_err("the computing caller sees its panic");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("first computation fails"), "{message}");
    for waiter in waiters {
        assert_eq!(waiter.join().unwrap(), 6);
    }
    assert_eq!(FLAKY.load(Ordering::SeqCst), 2, "one waiter took over");
}

static PER_THREAD: AtomicU32 = AtomicU32::new(0);

#[decor::cache(scope = thread)]
fn per_thread(n: u32) -> u32 {
    PER_THREAD.fetch_add(1, Ordering::SeqCst);
    n
}

#[test]
fn scope_thread_gives_each_thread_its_own_store() {
    per_thread(1);
    per_thread(1);
    thread::spawn(|| {
        per_thread(1);
        per_thread(1);
    })
    .join()
    .unwrap();
    assert_eq!(PER_THREAD.load(Ordering::SeqCst), 2);
    let (hits, misses, entries) = counts("cache::per_thread");
    assert_eq!((hits, misses), (2, 2));
    assert_eq!(entries, 1, "the other thread's store ended with it");
}

#[decor::cache]
fn logged_miss(n: u32) -> u32 {
    n
}

#[test]
fn each_miss_is_logged_at_debug() {
    let (_, lines) = capture(|| {
        logged_miss(1);
        logged_miss(1);
    });
    let line = line_with(&lines, &["cache miss"]);
    assert!(line.contains("DEBUG"), "{line}");
    assert!(line.contains("function=\"cache::logged_miss\""), "{line}");
}

static TIMED_ABOVE: AtomicU32 = AtomicU32::new(0);

#[decor::timed]
#[decor::cache]
fn timed_above(n: u32) -> u32 {
    TIMED_ABOVE.fetch_add(1, Ordering::SeqCst);
    n
}

#[decor::cache]
#[decor::timed]
fn timed_below(n: u32) -> u32 {
    n
}

#[test]
fn stacked_timed_times_every_call_above_and_only_misses_below() {
    for _ in 0..3 {
        timed_above(1);
        timed_below(1);
    }
    assert_eq!(TIMED_ABOVE.load(Ordering::SeqCst), 1);
    let calls = |name: &str| decor::timers::get(name).unwrap().calls();
    assert_eq!(calls("cache::timed_above"), 3);
    assert_eq!(calls("cache::timed_below"), 1);
}

// ---- async ----------------------------------------------------------------

static FETCHES: AtomicU32 = AtomicU32::new(0);
static RELEASED: AtomicBool = AtomicBool::new(false);

/// Pending until [`RELEASED`], waking itself: the executor must keep
/// polling other tasks meanwhile.
async fn released() {
    std::future::poll_fn(|cx| {
        if RELEASED.load(Ordering::SeqCst) {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

#[decor::cache]
async fn fetch(id: u32) -> Result<String, String> {
    FETCHES.fetch_add(1, Ordering::SeqCst);
    released().await;
    if id == 0 {
        return Err("no id 0".into());
    }
    Ok(format!("item {id}"))
}

/// One `fetch` call in flight.
type Caller = std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, String>>>>;

/// Polls every future on this one thread, round after round, until all are
/// done; `between(round)` runs after each round. A future that blocked the
/// thread would stop them all.
fn poll_all_on_one_thread(
    futures: Vec<Caller>,
    mut between: impl FnMut(usize),
) -> Vec<Result<String, String>> {
    let mut futures: Vec<_> = futures.into_iter().map(Some).collect();
    let mut results = vec![None; futures.len()];
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    for round in 0.. {
        for (slot, result) in futures.iter_mut().zip(&mut results) {
            if let Some(future) = slot {
                if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
                    *result = Some(value);
                    *slot = None;
                }
            }
        }
        if futures.iter().all(Option::is_none) {
            break;
        }
        between(round);
    }
    results.into_iter().map(Option::unwrap).collect()
}

#[test]
fn async_waiters_await_without_blocking_a_single_thread_executor() {
    let results = within("one thread polling every caller", || {
        let callers = (0..5).map(|_| Box::pin(fetch(3)) as Caller).collect();
        poll_all_on_one_thread(callers, |round| {
            if round == 3 {
                // Every caller has been polled thrice: one computes, four wait.
                assert_eq!(FETCHES.load(Ordering::SeqCst), 1);
                RELEASED.store(true, Ordering::SeqCst);
            }
        })
    });
    assert!(
        results.iter().all(|r| r.as_deref() == Ok("item 3")),
        "{results:?}"
    );
    assert_eq!(FETCHES.load(Ordering::SeqCst), 1);
    // An `Err` is not cached; futures-executor drives these.
    assert_eq!(block_on(fetch(0)), Err("no id 0".into()));
    assert_eq!(block_on(fetch(0)), Err("no id 0".into()));
    assert_eq!(FETCHES.load(Ordering::SeqCst), 3, "errors not cached");
    assert_eq!(counts("cache::fetch"), (4, 3, 1));
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, id: u32) -> u32;
}

struct Db {
    loads: AtomicU32,
}

#[async_trait::async_trait]
impl Store for Db {
    #[decor::cache(key = id)]
    async fn load(&self, id: u32) -> u32 {
        self.loads.fetch_add(1, Ordering::SeqCst);
        id * 2
    }
}

#[test]
fn async_trait_methods_are_cached() {
    let db = Db {
        loads: AtomicU32::new(0),
    };
    assert_eq!(block_on(db.load(4)), 8);
    assert_eq!(block_on(db.load(4)), 8);
    assert_eq!(db.loads.load(Ordering::SeqCst), 1);
}

static TOKIO_CALLS: AtomicU32 = AtomicU32::new(0);

#[decor::cache]
async fn tokio_cached(n: u32) -> u32 {
    TOKIO_CALLS.fetch_add(1, Ordering::SeqCst);
    tokio::task::yield_now().await;
    n
}

#[tokio::test(flavor = "current_thread")]
async fn async_callers_share_one_computation_under_tokio() {
    let tasks: Vec<_> = (0..6).map(|_| tokio::spawn(tokio_cached(9))).collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 9);
    }
    assert_eq!(TOKIO_CALLS.load(Ordering::SeqCst), 1);
}
