//! Python-style decorators for Rust.
//!
//! `decor` turns the decorators a Python programmer reaches for into one-line
//! attributes that keep the function's signature, compile errors and
//! behaviour intact:
//!
//! | attribute | what it does |
//! |---|---|
//! | [`#[timed]`](macro@timed) | counts calls, outcomes and a latency histogram per function |
//! | [`#[logged]`](macro@logged) | a span per call, an entry event with the arguments, an exit event with the return value or error |
//! | [`#[decor::main]`](macro@main) | sets up logging and prints the timer table at exit |
//! | [`#[with(d)]`](macro@with) | your own decorator: a [`Decorator`] asked before and after each run |
//! | [`#[retry]`](macro@retry) | runs the body again while it returns `Err`, with backoff, jitter and a deadline |
//!
//! ```
//! #[decor::timed]
//! #[decor::logged(skip(password))]
//! fn login(user: &str, password: &str) -> Result<u32, String> {
//!     if password.len() >= 8 { Ok(user.len() as u32) } else { Err("too short".into()) }
//! }
//!
//! assert_eq!(login("ada", "correct horse"), Ok(3));
//! assert!(login("ada", "x").is_err());
//! let stats = decor::timers::get(concat!(module_path!(), "::login")).unwrap();
//! assert_eq!((stats.calls(), stats.errors()), (2, 1));
//! ```
//!
//! Decorators stack like Python's: the topmost is outermost, so above
//! `#[timed]` times the logging too, and below it does not.

#![warn(missing_docs)]

#[cfg(feature = "cache")]
mod cache;
mod caller_span;
mod combine;
mod init;
mod logged;
mod parallel;
pub mod pools;
mod probe;
#[cfg(feature = "processes")]
pub mod process;
mod rate_limit;
mod retry;
mod shutdown;
mod spawn;
mod synchronized;
mod task;
mod timed;
mod timeout;
pub mod timers;
/// Traces of what decorated code did;
/// [`trace::timeline_html`](crate::trace::timeline_html) draws one as a
/// self-contained HTML page.
pub mod trace;
pub mod with;

pub use combine::{Combine, Sum};
pub use init::{init, Init, InitGuard};
pub use rate_limit::RateLimited;
pub use retry::{Retry, RetryInfo};
pub use shutdown::shutdown;
pub use synchronized::{AsyncLock, Lock};
pub use task::{as_completed, join_all, wait, AsCompleted, Task, TaskError, Wait, Waited};
pub use timeout::Elapsed;
pub use with::{After, Arg, Call, Decorator, Outcome, Skipped};

/// What each `#[rate_limit]` limiter has done: calls let through, calls
/// that waited, calls refused, and a keyed limiter's keys.
///
/// Limiters register on their first call, under their `name = "..."` or
/// as `module::path::function` (methods as `module::path::method`).
///
/// ```
/// #[decor::rate_limit(calls = 2, per = "1m", wait = false)]
/// fn send(text: &str) -> Result<usize, decor::RateLimited> {
///     Ok(text.len())
/// }
///
/// assert!(send("a").is_ok() && send("b").is_ok());
/// let refused = send("c").unwrap_err();
/// assert!(refused.retry_after() > std::time::Duration::ZERO);
/// let stats = decor::rate_limits::get(concat!(module_path!(), "::send")).unwrap().stats();
/// assert_eq!((stats.admitted(), stats.rejected()), (2, 1));
/// ```
#[cfg(feature = "rate_limit")]
pub mod rate_limits {
    pub use crate::rate_limit::handle::{get, RateLimit, RateLimitStats};
}

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// Times every call of a function: wall time, outcome (ok, err, panic, or
/// cancelled for `async fn`) and a latency histogram, in a lock-free static
/// beside the function. Read the figures with [`timers`].
///
/// Methods report as `module::path::method`: give same-named methods of
/// different types in one module a `name` each, or they share a row.
///
/// Options: `name = "..."` (default `module::path::function`),
/// `level = debug` (the per-call event's level, `off` for none),
/// `warn_over = "10ms"` (a WARN event for slower calls), `crate = path`.
///
/// ```
/// #[decor::timed(warn_over = "1s")]
/// fn checksum(data: &[u8]) -> u32 {
///     data.iter().map(|&b| u32::from(b)).sum()
/// }
///
/// assert_eq!(checksum(b"abc"), 294);
/// let stats = decor::timers::get(concat!(module_path!(), "::checksum")).unwrap();
/// assert_eq!(stats.calls(), 1);
/// ```
#[doc(inline)]
pub use decor_macros::timed;

/// Logs every call of a function through `tracing`: a span named after the
/// function, an entry event with the arguments, and an exit event with the
/// return value and elapsed time, an `Err` at ERROR, or the panic message.
///
/// At a disabled level a call costs one relaxed atomic load; an `Err` or a
/// panic is still logged whenever *its* level (ERROR, or `err = warn`) is
/// enabled, with a `function` field naming the function, since no span does.
/// Each logged value is cut at `max_len` characters (default 512), and its
/// formatting stops there.
///
/// Options: `level = info` (`warning` is `warn`), `name = "..."`,
/// `target = "..."`, `skip(a, b)`, `skip_all`, `redact(password)`,
/// `fields(key = expr, ...)`, `ret = false`, `err = warn`,
/// `max_len = 200` (or `none`), `crate = path`.
///
/// ```
/// #[decor::logged(level = debug, redact(token))]
/// fn fetch(url: &str, token: &str) -> Result<usize, std::io::Error> {
///     Ok(url.len() + token.len())
/// }
///
/// assert_eq!(fetch("https://example.com", "s3cret").unwrap(), 25);
/// ```
#[doc(inline)]
pub use decor_macros::logged;

/// Sets a program up for decor on `fn main`: installs a tracing-subscriber
/// `fmt` subscriber on stderr filtered by `RUST_LOG` (default
/// `log = "info"`) unless one is set, with colours only when stderr is a
/// terminal and `NO_COLOR` is unset, and with `report` prints the timer
/// table to stderr when `main` ends, returns `Err` or panics. Composes with
/// `#[tokio::main]` placed below it.
///
/// A program that sets its own subscriber inside `main`
/// (`tracing_subscriber::fmt().init()`) writes `subscriber = false`: decor's
/// runs first, and a second global subscriber cannot be set.
///
/// When `main` returns (also with `Err`), it waits for the tasks still
/// queued or running on `#[spawn]` pools and process pools, as Python's
/// executors do at exit, and the report then counts them; `wait = false`
/// opts out, and `dedicated` threads are never waited for. See
/// [`shutdown`] for the same wait by hand.
///
/// ```
/// #[decor::main(report, log = "warn")]
/// fn main() -> Result<(), String> {
///     Ok(())
/// }
/// # // doctests call main themselves
/// ```
#[doc(inline)]
pub use decor_macros::main;

/// Runs the body on a thread pool and returns a [`Task`] at once — Python's
/// `executor.submit(f, ...)`. The signature's `R` becomes `decor::Task<R>`.
///
/// Options: `threads = N` (the function's own pool of N threads, started on
/// first call), `pool = "name"` (a shared pool, see [`pools`]), `dedicated`
/// (a new OS thread per call, named by `name = "..."`, for long loops),
/// `processes = N` (N worker processes, with `timeout = "2s"`, a shared
/// `pool = "name"`, `init = path` and `recycle = N` if wanted, `processes`
/// alone for one per core; see the `process` module), or none (the default pool); `crate = path`. Arguments must
/// be owned and `'static` (with `processes`, shared references too, as they
/// are encoded during the call); inside the body, a recursive call of a free function calls the
/// undecorated function. A panic in the body comes back as a [`TaskError`]
/// and the pool carries on. Decorators written below `#[spawn]` apply to the
/// body on the pool: `#[spawn] #[timed]` times the work. The body runs inside
/// the caller's current `tracing` span, under that span's subscriber, so
/// what it logs reads `handler{req=7}:load: ...` as it would inline.
///
/// ```
/// #[decor::spawn(threads = 4)]
/// fn fibonacci(n: u64) -> u64 {
///     if n < 2 { n } else { fibonacci(n - 1) + fibonacci(n - 2) }
/// }
///
/// let tasks: Vec<_> = (20..24).map(fibonacci).collect();
/// let mut done: Vec<(usize, u64)> = decor::as_completed(tasks)
///     .map(|(i, result)| (i, result.unwrap()))
///     .collect();
/// done.sort();
/// assert_eq!(done, [(0, 6765), (1, 10946), (2, 17711), (3, 28657)]);
/// ```
#[doc(inline)]
pub use decor_macros::spawn;

/// Splits one argument into chunks, runs the body on each chunk in a pool,
/// and combines the results; the call still blocks and returns `R`, and
/// borrowed data works. The seed's "split the list into 8 and sum each".
///
/// Splits `&[T]`, `&mut [T]`, `Vec<T>`, `&Vec<T>`, `&mut Vec<T>` (the body
/// gets `&mut [T]` chunks), `Range<integer>` or `RangeInclusive<integer>`:
/// the first parameter, or the one `over = name` picks. Other parameters are
/// shared (`&T`) or cloned per chunk (owned). Results combine with
/// `reduce = |a, b| ...` in chunk order, or through [`Combine`] (`Vec`s
/// concatenate, `Result`s stop at the first `Err`, maps merge key by key,
/// [`Sum`]s add, ...).
///
/// Options: `threads = N`, `pool = "name"`, `processes = N` (chunks go to
/// worker processes, with `pool`, `init` and `recycle` as on `#[spawn]`; see
/// the `process` module) or none (the default pool);
/// `chunks = K` (default: one per pool thread); `min_len = L` (no chunk under
/// L items; shorter input runs on the caller); `reduce = expr`; `over = name`;
/// `crate = path`. A panicking chunk re-panics in the caller with its payload.
/// Each chunk runs inside the caller's current `tracing` span. Without
/// `min_len` or `chunks`, a call whose input the body's measured cost per
/// item puts under about 20 µs of work runs on the caller (never one of
/// 100,000 items or more; the first call always goes to the pool).
///
/// ```
/// #[decor::parallel(threads = 8, reduce = |a, b| a + b)]
/// fn sum(chunk: &[u64]) -> u64 {
///     chunk.iter().sum()
/// }
///
/// let ones = vec![1u64; 8_000_000];
/// assert_eq!(sum(&ones), 8_000_000);
/// ```
#[doc(inline)]
pub use decor_macros::parallel;

/// Runs calls one at a time — Python's `with lock:` around the body.
///
/// Each function has its own lock; `lock = "name"` shares one among every
/// function naming it; `self.lock` takes a lock the value owns (Python's
/// `with self._lock:`), so calls on one value take turns and calls on two
/// values run at once. The lock is re-entrant on one thread and a panic
/// does not poison it. An `async fn` waits for an async lock instead, never
/// blocking its executor's thread. Blocking and async functions naming the
/// same `lock` get separate locks: share a name only among functions of one
/// kind.
///
/// Async locks are not re-entrant: an `async fn` holding a lock that awaits
/// another call needing the same lock would wait forever, so that call
/// panics at once with a message naming the function and the lock. (The
/// check sees calls awaited inside the holder's own future; a call spawned
/// as a separate task and awaited deadlocks, as threads would.)
///
/// Options: `self.lock` (any field path of `self`: `self.inner.lock`,
/// `self.0`; the field is a [`Lock`], or an [`AsyncLock`] for an `async fn`,
/// or an `Arc`/`Box`/`&` of one), `lock = "name"`, `crate = path`.
/// `self.lock` works on every receiver (`&self`, `&mut self`, `self`,
/// `self: Arc<Self>`); the body keeps a borrow of the field while the lock
/// is held, so it cannot move `self` or borrow all of it mutably (other
/// fields are fine). On a method under `#[spawn]`, have the spawned body
/// call a `#[synchronized(self.lock)]` method.
///
/// ```
/// use std::io::Write;
///
/// #[decor::synchronized(lock = "log file")]
/// fn append(out: &mut Vec<u8>, line: &str) {
///     writeln!(out, "{line}").unwrap();
/// }
///
/// let mut out = Vec::new();
/// append(&mut out, "one");
/// append(&mut out, "two");
/// assert_eq!(out, b"one\ntwo\n");
/// ```
///
/// A lock per value:
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Account {
///     lock: decor::Lock,
///     balance: AtomicU64,
/// }
///
/// impl Account {
///     #[decor::synchronized(self.lock)]
///     fn deposit(&self, amount: u64) {
///         let now = self.balance.load(Ordering::Relaxed);
///         self.balance.store(now + amount, Ordering::Relaxed);
///     }
/// }
///
/// let (a, b) = (Account::default(), Account::default());
/// std::thread::scope(|s| {
///     s.spawn(|| (0..1000).for_each(|_| a.deposit(1)));
///     s.spawn(|| (0..1000).for_each(|_| a.deposit(1)));
///     s.spawn(|| b.deposit(5)); // never waits for `a`
/// });
/// assert_eq!(a.balance.load(Ordering::Relaxed), 2000);
/// ```
#[doc(inline)]
pub use decor_macros::synchronized;

/// Applies your own decorator: a value implementing [`Decorator`] (or a
/// plain `fn(&Call<'_>)`), asked before and after each run of the body.
/// See [`with`](mod@with) for what it can do, [`Retry`] for one written
/// this way.
///
/// `#[decor::with(expr)]` evaluates `expr` at each call: a unit struct, a
/// `const` or `static`, or a call that builds one (`audit("payments")`).
/// It works on free functions, methods (`&self`, `&mut self`; a receiver
/// taken by value runs once), generics, `impl Trait`, `async fn` and
/// `#[async_trait]` methods. When the decorator may run the body again,
/// owned arguments are cloned for each run but the last, and `&mut`
/// arguments are reborrowed. Not on `#[track_caller]` functions (the body
/// runs in a closure), nor on methods returning a borrow of `&mut self`.
///
/// Options after the decorator: `crate = path`.
///
/// ```
/// use decor::Call;
///
/// fn audit(area: &'static str) -> impl Fn(&Call<'_>) {
///     move |call| println!("[{area}] {call}")
/// }
///
/// #[decor::with(audit("payments"))]
/// fn refund(order: u64, cents: u32) -> Result<u32, String> {
///     if cents > 0 { Ok(cents) } else { Err(format!("order {order}: nothing to refund")) }
/// }
///
/// assert_eq!(refund(7, 250), Ok(250)); // prints `[payments] refund(order = 7, cents = 250)`
/// ```
#[doc(inline)]
pub use decor_macros::with;

/// Limits how often a function runs: at most `calls` per `per` on average,
/// with bursts of up to `burst` calls after a quiet spell (GCRA, on the
/// governor crate). Over the limit a call waits for its turn: a blocking
/// function sleeps its thread, an `async fn` awaits a timer that wakes its
/// own waker (any executor, tokio or not; the executor's thread is never
/// blocked). With `wait = false` it does not wait: it returns
/// `Err(E::from(`[`RateLimited`]`))` at once, whose
/// [`retry_after`](RateLimited::retry_after) says when to come back; the
/// function must then return a `Result` whose error has
/// `From<decor::RateLimited>`.
///
/// Options: `calls = N` and `per = "1s"` (required), `burst = N` (default
/// `calls`), `wait = false`, `name = "api"` (every function naming it
/// shares one limiter: the first one called sets its figures, and one
/// naming it with others logs a WARN), `key = expr` (a limiter per value
/// of `expr`, which may use the arguments and needs `Hash`: per user, per
/// host), `max_keys = N` (the most keys a keyed limiter remembers, default
/// 10,000: keys whose state has passed are swept, and at the cap those
/// nearest a fresh state are dropped, so memory stays bounded),
/// `crate = path`. Without `name`, each function has its own limiter,
/// registered as `module::path::function`; read what it did with
/// [`rate_limits::get`]. Each wait is logged at DEBUG (target
/// `decor::rate_limit`, with the limiter's name and the wait) and counted
/// on a stacked `#[timed]`.
///
/// Needs the `rate_limit` feature (on by default); without it, a use is a
/// compile error that says so.
///
/// ```
/// #[decor::rate_limit(calls = 2, per = "1s")]
/// fn poll_feed(n: u32) -> u32 {
///     n * 2
/// }
///
/// // The first two go through at once, the third waits its turn.
/// let got: Vec<u32> = (1..=3).map(poll_feed).collect();
/// assert_eq!(got, [2, 4, 6]);
/// let stats = decor::rate_limits::get(concat!(module_path!(), "::poll_feed")).unwrap().stats();
/// assert_eq!((stats.admitted(), stats.waited()), (3, 1));
/// ```
///
/// Per key, refusing rather than waiting:
///
/// ```
/// #[decor::rate_limit(calls = 1, per = "1m", key = user, wait = false)]
/// fn post(user: &str, text: &str) -> Result<usize, decor::RateLimited> {
///     Ok(text.len())
/// }
///
/// assert!(post("ada", "hi").is_ok());
/// assert!(post("bob", "hi").is_ok()); // another key, another allowance
/// assert!(post("ada", "again").is_err());
/// ```
#[doc(inline)]
pub use decor_macros::rate_limit;
/// Runs the body again while it returns `Err`, as tenacity's `@retry`:
/// `attempts` runs in all (default 3, the first included), pauses of
/// `delay` (default `"100ms"`) growing by `backoff` (default 2.0) up to
/// `max_delay` (default `"10s"`), with `jitter` drawn in the upper half of
/// each pause, never starting a run past `deadline`. `when = |e| ...`
/// chooses which errors to retry; `on_retry = path` names a
/// `fn(&decor::RetryInfo)` called before each pause. The last attempt's
/// error is returned. Each retry is logged at WARN and counted by a
/// `#[timed]` above it.
///
/// Sync functions sleep between attempts; an `async fn` awaits a timer
/// that wakes its own waker, on any executor, blocking no thread. Owned
/// arguments are cloned for each attempt but the last, so they must be
/// `Clone`. Written on [`Decorator`] as [`Retry`]: see there to write your
/// own.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// static RUNS: AtomicU32 = AtomicU32::new(0);
///
/// #[decor::retry(attempts = 5, delay = "1ms", when = |e: &String| e.starts_with("busy"))]
/// fn fetch(key: String) -> Result<String, String> {
///     match RUNS.fetch_add(1, Ordering::Relaxed) {
///         0 | 1 => Err("busy, try later".into()),
///         _ => Ok(key.to_uppercase()),
///     }
/// }
///
/// assert_eq!(fetch("abc".into()), Ok("ABC".into()));
/// assert_eq!(RUNS.load(Ordering::Relaxed), 3);
/// ```
#[doc(inline)]
pub use decor_macros::retry;

/// Gives an `async fn` a time limit: at the deadline, counted from its
/// first poll, the body's future is dropped where it is waiting (its
/// locals and guards drop with it) and the call returns
/// `Err(E::from(`[`Elapsed`]`))`. The function must return a `Result`
/// whose error has `From<decor::Elapsed>`.
///
/// The duration is written as the only argument: `#[timeout("500ms")]`
/// (units `ns`, `us`, `ms`, `s`, `m`, `h`); `crate = path` may follow. It
/// works on `async fn` and `#[async_trait]` methods, on any executor
/// (the deadline is a `futures-timer` timer). A blocking function cannot
/// be stopped from outside, so `#[timeout]` on one is a compile error:
/// run it as `#[spawn(processes = N, timeout = "...")]` (its worker
/// process is killed at the deadline) or wait for a spawned task with
/// [`Task::join_timeout`].
///
/// ```
/// #[derive(Debug, PartialEq)]
/// enum Error {
///     Slow,
/// }
///
/// impl From<decor::Elapsed> for Error {
///     fn from(_: decor::Elapsed) -> Self {
///         Error::Slow
///     }
/// }
///
/// #[decor::timeout("10ms")]
/// async fn answer(wait: bool) -> Result<u32, Error> {
///     if wait {
///         std::future::pending::<()>().await;
///     }
///     Ok(42)
/// }
///
/// assert_eq!(futures_executor::block_on(answer(false)), Ok(42));
/// assert_eq!(futures_executor::block_on(answer(true)), Err(Error::Slow));
/// ```
#[doc(inline)]
pub use decor_macros::timeout;

/// What the macros' expansions call. Not a public API: anything here may
/// change in any release. One module per decorator, as in the macros crate
/// (`macros/src/imp/`), plus what several share: `tracing` and its `Level`,
/// the type probes, the pools.
/// Memoises a function: each key's value is computed once and returned,
/// cloned, to every later call with that key, until it is evicted.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// static RUNS: AtomicU32 = AtomicU32::new(0);
///
/// #[decor::cache(size = 1000, ttl = "60s")]
/// fn word_count(text: &str) -> usize {
///     RUNS.fetch_add(1, Ordering::Relaxed);
///     text.split_whitespace().count()
/// }
///
/// assert_eq!(word_count("a b c"), 3);
/// assert_eq!(word_count("a b c"), 3); // from the cache
/// assert_eq!(RUNS.load(Ordering::Relaxed), 1);
/// let stats = decor::caches::get(concat!(module_path!(), "::word_count")).unwrap().stats();
/// assert_eq!((stats.hits(), stats.misses()), (1, 1));
/// ```
///
/// - **Key**: the argument, owned (`&str` → `String`, `&[T]` → `Vec<T>`,
///   `&T` → `T`); with several, the tuple of them; with `key = expr`, that
///   expression's value (it may use the parameters). A `&self` method keys
///   on `self` (with its other arguments) when `Self` is
///   `Hash + Eq + Clone`, else `key = ...` is required. `&mut self`, `self`
///   by value and `&mut` parameters are compile errors: a call that changes
///   its arguments is not one to skip. Keys are `Hash + Eq + Clone + Send +
///   Sync + 'static`.
/// - **Value**: callers get clones of the stored value, so the return type
///   is `Clone + Send + Sync + 'static`. A `Result` caches only `Ok` (the
///   error type need not be `Clone`) unless `errors = true`; an `Option`,
///   like any other type, is cached whole, `None` included.
/// - **Stampede**: concurrent callers of one key wait for one computation
///   (an `async fn`'s waiters await, on any executor); different keys never
///   wait for each other. If the computing caller panics, it sees its panic
///   and one waiter computes instead. A waiter whose computing caller got an
///   uncached `Err` computes its own.
/// - **Options**: `size = N` entries (default 1000, evicted least
///   recently/frequently used), `ttl = "60s"` (default none),
///   `errors = true`, `scope = thread` (each thread its own store; not on
///   an `async fn`, which may resume on another thread), `name = "..."`
///   (default `module_path!()::fn`), `crate = path`.
/// - **Seeing it**: each miss is a DEBUG event (target `decor::cache`,
///   field `function`) and is counted on a `#[timed]` stacked above;
///   [`caches::get`] gives hits, misses and entries. A generic function has
///   one store per instantiation, one handle for all.
/// - Needs decor's `cache` feature (on by default); without it, a compile
///   error says so.
#[doc(inline)]
pub use decor_macros::cache;

/// The caches of `#[cache]` functions, by name.
///
/// ```
/// #[decor::cache(name = "squares")]
/// fn square(x: u64) -> u64 { x * x }
///
/// assert!(decor::caches::get("squares").is_none()); // not called yet
/// square(2);
/// square(2);
/// let cache = decor::caches::get("squares").unwrap();
/// assert_eq!(cache.stats().hits(), 1);
/// assert!(cache.invalidate(&2u64));
/// cache.clear();
/// assert_eq!(cache.stats().entries(), 0);
/// ```
#[cfg(feature = "cache")]
pub mod caches {
    pub use crate::cache::{Cache, CacheStats};

    /// The cache registered as `name` (`module::path::function`, or the
    /// `name = "..."` given), or `None` before its function's first call.
    pub fn get(name: &str) -> Option<Cache> {
        crate::cache::get(name)
    }
}

#[doc(hidden)]
pub mod __private {
    pub use tracing;
    pub use tracing::Level;

    /// `#[decor::main]`'s runtime.
    pub mod main {
        pub use crate::init::Init;

        /// Where a re-executed worker takes over if decor's constructor did
        /// not (`#[decor::main]` calls it first).
        #[inline(always)]
        pub fn process_worker_entry() {
            #[cfg(feature = "processes")]
            crate::process::init();
        }
    }

    /// `#[timed]`'s runtime: the `static` site, the guard, the future wrapper.
    pub mod timed {
        pub use crate::timed::{Site, TimedFuture as Future, TimedGuard as Guard};
    }

    /// `#[logged]`'s runtime.
    pub mod logged {
        pub use crate::logged::{level_enabled, Exit, Guard, LoggedFuture, Site, Spec, REDACTED};
    }

    /// `#[synchronized]`'s runtime: the lock beside each function.
    pub mod synchronized {
        pub use crate::synchronized::{
            AsyncHeld, AsyncLockable, AsyncSite, BlockingLock, BlockingSite, Field, Held, Locked,
        };
    }

    /// The thread pools `#[spawn]` and `#[parallel]` run on.
    pub mod pools {
        pub use crate::pools::PoolSite;
    }

    /// `#[spawn]`'s runtime.
    pub mod spawn {
        pub use crate::spawn::{on_new_thread, on_pool, send_argument};
        pub use crate::task::Task;
    }

    /// `#[parallel]`'s runtime.
    pub mod parallel {
        pub use crate::parallel::{reduce, run, via_combine, Plan, VecRef};
    }

    /// `#[with]`'s and `#[retry]`'s runtime: the site, the per-call frame,
    /// the slots of owned arguments, the call-site questions.
    pub mod with {
        pub use crate::with::frame_parts::*;
    }

    /// `#[retry]`'s runtime: the policy and the checks of the signature.
    pub mod retry {
        pub use crate::retry::checks::{clonable, clonable_pattern, returns_result};
        pub use crate::{Retry, RetryInfo};
    }

    /// Autoref-dispatched questions about types at the call site.
    pub mod probe {
        pub use crate::probe::*;
    }
    pub use crate::{
        __decor_probe_clone as probe_clone, __decor_probe_decorator as probe_decorator,
        __decor_probe_error as probe_error, __decor_probe_skip as probe_skip,
    };
    pub use crate::{
        __decor_probe_debug as probe_debug, __decor_probe_exit as probe_exit,
        __decor_probe_exit_unit as probe_exit_unit, __decor_probe_is_err as probe_is_err,
        __decor_probe_returns_result as probe_returns_result,
        __decor_probe_try_exit as probe_try_exit,
    };

    /// `processes = N`'s runtime.
    #[cfg(feature = "processes")]
    pub mod process {
        pub use crate::parallel::run_in_processes;
        pub use crate::process::outgoing::OutgoingRequest;
        pub use crate::process::pool::ProcessPoolSite;
        pub use crate::process::registry::{
            send, send_copied, serve, Arguments, Entry, Init, ResultWire, Slice, ENTRIES, INITS,
        };
        pub use crate::spawn::in_processes;
        pub use linkme;

        /// Expands to nothing: the `processes` feature is on.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! __decor_processes_enabled {
            () => {};
        }
    }

    /// `processes = N` without the feature: a compile error that says so.
    #[cfg(not(feature = "processes"))]
    pub mod process {
        /// Fails to compile: the `processes` feature is off.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! __decor_processes_enabled {
            () => {
                ::core::compile_error!(
                    "`processes = N` needs decor's `processes` feature (on by default); enable it in Cargo.toml"
                );
            };
        }
    }
    pub use crate::__decor_processes_enabled as processes_enabled;

    /// `#[rate_limit]`'s runtime: the site beside each function.
    #[cfg(feature = "rate_limit")]
    pub mod rate_limit {
        pub use crate::rate_limit::{reject, Rejects, Site, WaitFuture};

        /// Expands to nothing: the `rate_limit` feature is on.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! __decor_rate_limit_enabled {
            () => {};
        }
    }

    /// `#[rate_limit]` without the feature: a compile error that says so
    /// (and stand-ins for the rest, so that it is the only error).
    #[cfg(not(feature = "rate_limit"))]
    pub mod rate_limit {
        pub use crate::rate_limit::off::{reject, Site};

        /// Fails to compile: the `rate_limit` feature is off.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! __decor_rate_limit_enabled {
            () => {
                ::core::compile_error!(
                    "#[rate_limit] needs decor's `rate_limit` feature (on by default); enable it in Cargo.toml"
                );
            };
        }
    }
    pub use crate::__decor_rate_limit_enabled as rate_limit_enabled;

    /// `#[timeout]`'s runtime: the future around an `async fn`'s body.
    pub mod timeout {
        pub use crate::timeout::{Timeout, TimesOut};
    }

    /// `#[cache]`'s runtime: the site beside each function, and the probes
    /// that find each key part's owned form.
    #[cfg(feature = "cache")]
    pub mod cache {
        pub use crate::cache::{
            key, whole, BorrowedBad, BorrowedOk, KeepAll, KeepOk, KeepProbe, LookupBad, LookupOk,
            Part, PartBad, PartOk, SelfBad, SelfOk, Site,
        };

        /// Expands to nothing: the `cache` feature is on.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! __decor_cache_enabled {
            () => {};
        }
    }

    /// `#[cache]` without the feature: a compile error that says so.
    #[cfg(not(feature = "cache"))]
    pub mod cache {
        /// Fails to compile: the `cache` feature is off.
        #[macro_export]
        #[doc(hidden)]
        macro_rules! __decor_cache_enabled {
            () => {
                ::core::compile_error!(
                    "`#[cache]` needs decor's `cache` feature (on by default); enable it in Cargo.toml"
                );
            };
        }
    }
    pub use crate::__decor_cache_enabled as cache_enabled;
}
