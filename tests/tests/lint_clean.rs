//! No warning on code the user wrote correctly: every decorator, alone and
//! stacked, on one-expression bodies (on one line, where `unused_braces`
//! would fire at the user's braces; `cargo fix` would then delete them),
//! on methods (`&self`, `&mut self`, `self`, `self: Arc<Self>`; also with
//! `#[synchronized(self.lock)]`) and free
//! functions, returning a value or `()`, and `async fn` where allowed.
//!
//! A workspace target rather than a `ui/pass` case so that CI's
//! `cargo clippy --workspace --all-targets -- -D warnings` lints it too
//! (trybuild's programs are compiled by rustc only): rustc's lints and
//! clippy's `all` and `pedantic` groups are denied. `harness = false`:
//! `#[decor::main]` sits on the real `main`, with `processes = 2` workers.

#![deny(warnings)]
#![deny(clippy::all, clippy::pedantic)]

use std::sync::Arc;

use decor::{logged, parallel, spawn, synchronized, timed};

#[derive(Debug)]
struct Model {
    w: f64,
    n: u64,
}

#[rustfmt::skip]
impl Model {
    // --- the reported shape: `#[parallel]` on a one-expression method -----
    #[parallel(threads = 2)]
    fn predict(&self, xs: &[f64]) -> Vec<f64> { xs.iter().map(|x| x * self.w).collect() }

    #[parallel(threads = 2, reduce = |a, b| a + b)]
    fn weigh(&self, xs: &[f64]) -> f64 { xs.iter().map(|x| x * self.w).sum() }

    #[parallel(threads = 2)]
    fn scale_into(&self, xs: &mut [f64]) { for x in xs { *x *= self.w; } }

    #[timed]
    #[parallel(threads = 2)]
    fn predict_timed(&self, xs: &[f64]) -> Vec<f64> { xs.iter().map(|x| x * self.w).collect() }

    #[logged]
    #[timed]
    #[parallel(threads = 2, chunks = 2)]
    fn predict_everything(&self, xs: Vec<f64>) -> Vec<f64> { xs.iter().map(|x| x * self.w).collect() }

    // --- timed / logged / synchronized on every receiver -----------------
    #[timed]
    fn timed_ref(&self, x: f64) -> f64 { x * self.w }

    #[timed]
    fn timed_mut(&mut self) -> u64 { self.n += 1; self.n }

    #[timed]
    fn timed_mut_unit(&mut self) { self.n += 1; }

    #[timed]
    fn timed_owned(self) -> u64 { self.n }

    #[logged]
    fn logged_ref(&self, x: f64) -> f64 { x * self.w }

    #[logged]
    fn logged_mut(&mut self) -> &mut u64 { &mut self.n }

    #[logged]
    fn logged_mut_unit(&mut self, by: u64) { self.n += by; }

    #[logged]
    fn logged_owned(self) -> f64 { self.w }

    #[timed]
    #[logged]
    fn both_ref(&self, x: f64) -> f64 { x * self.w }

    #[logged]
    #[timed]
    fn both_mut(&mut self) -> &u64 { &self.n }

    #[synchronized]
    fn locked_ref(&self, x: f64) -> f64 { x * self.w }

    #[synchronized]
    fn locked_mut_unit(&mut self) { self.n += 1; }

    #[timed]
    #[logged]
    #[synchronized]
    fn all_three(&self) -> u64 { self.n }

    #[timed]
    async fn timed_async(&self, x: f64) -> f64 { x * self.w }

    #[logged]
    async fn logged_async(&self) -> u64 { self.n }

    #[synchronized]
    async fn locked_async(&self) -> u64 { self.n }

    #[logged]
    #[timed]
    #[synchronized]
    async fn all_three_async(&mut self) { self.n += 1; }

    // --- spawn: owned receivers only -------------------------------------
    #[spawn(threads = 2)]
    fn spawned(self) -> u64 { self.n * 2 }

    #[spawn(threads = 2)]
    fn spawned_arc(self: Arc<Self>, x: f64) -> f64 { x * self.w }

    #[spawn(dedicated)]
    fn spawned_dedicated(self) -> f64 { self.w }

    #[spawn(threads = 2)]
    fn spawned_unit(self) { assert!(self.n > 0); }

    #[timed]
    #[logged]
    #[spawn(threads = 2)]
    fn spawned_stacked(self) -> u64 { self.n + 1 }

    #[spawn(threads = 2)]
    fn spawned_opaque(self) -> impl Iterator<Item = u64> + Send { std::iter::once(self.n) }
}

#[rustfmt::skip]
mod free {
    use decor::{logged, parallel, spawn, synchronized, timed};

    #[timed]
    pub(super) fn timed_value(x: u64) -> u64 { x + 1 }

    #[timed]
    pub(super) fn timed_unit(out: &mut Vec<u64>) { out.push(1); }

    #[logged]
    pub(super) fn logged_value(x: u64) -> u64 { x + 1 }

    #[logged]
    pub(super) fn logged_unit(out: &mut Vec<u64>) { out.push(1); }

    #[timed]
    #[logged]
    pub(super) fn timed_logged(x: u64) -> u64 { x * 2 }

    #[logged]
    #[timed]
    pub(super) fn logged_timed(mut v: Vec<u64>) -> Vec<u64> { v.sort_unstable(); v }

    #[logged]
    #[timed]
    pub(super) fn parse(text: &str) -> Result<u64, std::num::ParseIntError> { text.parse() }

    #[timed]
    #[logged]
    pub(super) fn parse_try(text: &str) -> Result<u64, std::num::ParseIntError> { Ok(text.parse::<u64>()? + 1) }

    #[synchronized]
    pub(super) fn locked(x: u64) -> u64 { x + 1 }

    #[synchronized(lock = "lint_clean")]
    pub(super) fn locked_unit(out: &mut Vec<u64>) { out.push(2); }

    #[timed]
    pub(super) async fn timed_async(x: u64) -> u64 { x + 1 }

    #[logged]
    pub(super) async fn logged_async(x: u64) -> u64 { x + 1 }

    #[synchronized]
    pub(super) async fn locked_async(x: u64) -> u64 { x + 1 }

    #[timed]
    #[logged]
    #[synchronized]
    pub(super) async fn all_async(x: u64) -> u64 { x + 1 }

    #[parallel(threads = 2)]
    pub(super) fn doubled(xs: &[u64]) -> Vec<u64> { xs.iter().map(|x| x * 2).collect() }

    #[parallel(threads = 2)]
    pub(super) fn double_in_place(xs: &mut [u64]) { for x in xs { *x *= 2; } }

    #[parallel(threads = 2, reduce = |a, b| a + b)]
    pub(super) fn total(xs: &[u64]) -> u64 { xs.iter().sum() }

    #[parallel(processes = 2, reduce = |a, b| a + b)]
    pub(super) fn total_in_processes(xs: &[u64]) -> u64 { xs.iter().sum() }

    #[parallel(processes = 2)]
    pub(super) fn squares_in_processes(xs: Vec<u64>) -> Vec<u64> { xs.into_iter().map(|x| x * x).collect() }

    #[timed]
    #[parallel(threads = 2)]
    #[logged]
    pub(super) fn doubled_stacked(xs: &[u64]) -> Vec<u64> { xs.iter().map(|x| x * 2).collect() }

    #[spawn(threads = 2)]
    pub(super) fn spawned(x: u64) -> u64 { x + 1 }

    #[spawn(threads = 2)]
    pub(super) fn spawned_unit(x: u64) { assert!(x > 0); }

    #[spawn(dedicated)]
    pub(super) fn spawned_dedicated(x: u64) -> u64 { x + 1 }

    #[spawn(processes = 2)]
    pub(super) fn spawned_in_processes(x: u64) -> u64 { x + 1 }

    #[spawn(processes = 2)]
    pub(super) fn spawned_in_processes_unit(x: u64) { assert!(x > 0); }

    #[logged]
    #[spawn(threads = 2)]
    #[timed]
    pub(super) fn spawned_stacked(x: u64) -> u64 { x + 1 }

    #[spawn(threads = 2)]
    #[synchronized]
    #[logged]
    pub(super) fn spawned_locked(x: u64) -> u64 { x + 1 }
}

// --- #[with] and #[retry]: free functions, every receiver they allow ------
#[rustfmt::skip]
mod resilient {
    use decor::{logged, retry, spawn, synchronized, timed, with, After, Call, Decorator, Outcome};

    /// Runs the body once more after an `Err`.
    pub(super) struct Twice;

    impl Decorator for Twice {
        type State = ();
        fn may_repeat(&self, call: &Call<'_>, (): &()) -> bool { call.attempt() < 2 }
        fn after(&self, call: &Call<'_>, (): &mut (), outcome: &Outcome<'_>) -> After {
            if outcome.is_err() && call.attempt() < 2 { After::Again(std::time::Duration::ZERO) } else { After::Return }
        }
    }

    pub(super) fn audit(call: &Call<'_>) { assert!(!call.name().is_empty()); }

    #[with(audit)]
    pub(super) fn with_value(x: u64) -> u64 { x + 1 }

    #[with(audit)]
    pub(super) fn with_unit(out: &mut Vec<u64>) { out.push(1); }

    #[with(Twice)]
    pub(super) fn with_owned(mut v: Vec<u64>, out: &mut Vec<u64>) -> Result<usize, usize> { v.sort_unstable(); out.extend(v); if out.len() < 4 { Err(out.len()) } else { Ok(out.len()) } }

    #[with(Twice)]
    pub(super) fn with_try(text: &str) -> Result<u64, std::num::ParseIntError> { Ok(text.parse::<u64>()? + 1) }

    #[with(Twice)]
    pub(super) async fn with_async(x: u64) -> u64 { x + 1 }

    #[timed]
    #[logged]
    #[with(Twice)]
    #[synchronized]
    pub(super) fn with_stacked(x: u64) -> u64 { x + 1 }

    #[logged]
    #[with(audit)]
    pub(super) fn with_logged(x: u64) -> u64 { x + 1 }

    #[synchronized]
    #[retry(delay = "0ms")]
    pub(super) fn retry_locked(x: u64) -> Result<u64, String> { Ok(x + 1) }

    #[spawn(threads = 2)]
    #[with(Twice)]
    pub(super) fn with_spawned(x: u64) -> u64 { x + 1 }

    #[retry(delay = "0ms")]
    pub(super) fn retry_value(text: &str) -> Result<u64, std::num::ParseIntError> { text.parse() }

    #[retry(delay = "0ms")]
    pub(super) fn retry_unit(out: &mut Vec<u64>) -> Result<(), String> { out.push(2); Ok(()) }

    #[retry(attempts = 2, delay = "0ms", when = |e| e.len() < 2)]
    pub(super) fn retry_owned(text: String) -> Result<usize, String> { if text.is_empty() { Err(text) } else { Ok(text.len()) } }

    #[retry(delay = "0ms")]
    pub(super) async fn retry_async(x: u64) -> Result<u64, String> { Ok(x + 1) }

    #[timed]
    #[logged]
    #[retry(delay = "0ms")]
    #[synchronized]
    pub(super) fn retry_stacked(x: u64) -> Result<u64, String> { Ok(x + 1) }

    #[spawn(threads = 2)]
    #[retry(delay = "0ms")]
    pub(super) fn retry_spawned(x: u64) -> Result<u64, String> { Ok(x + 1) }


    pub(super) struct Counter { pub(super) n: u64 }

    impl Counter {
        #[with(audit)]
        pub(super) fn get(&self) -> u64 { self.n }

        #[with(Twice)]
        pub(super) fn bump(&mut self) -> Result<u64, u64> { self.n += 1; if self.n < 2 { Err(self.n) } else { Ok(self.n) } }

        #[with(audit)]
        pub(super) fn bump_unit(&mut self) { self.n += 1; }

        #[with(audit)]
        pub(super) fn into_n(self) -> u64 { self.n }

        #[with(audit)]
        pub(super) async fn get_async(&self) -> u64 { self.n }

        #[retry(delay = "0ms")]
        pub(super) fn checked(&self) -> Result<u64, String> { Ok(self.n) }

        #[retry(delay = "0ms")]
        pub(super) fn take(&mut self) -> Result<u64, String> { self.n += 1; Ok(self.n) }

        #[retry(delay = "0ms")]
        pub(super) async fn take_async(&mut self) -> Result<u64, String> { self.n += 1; Ok(self.n) }
    }
}

fn resilient() {
    use resilient::Counter;
    let mut out = Vec::new();
    assert_eq!(resilient::with_value(1), 2);
    resilient::with_unit(&mut out);
    assert_eq!(resilient::with_owned(vec![2, 1], &mut out), Ok(5));
    assert!(resilient::with_try("x").is_err());
    assert_eq!(resilient::with_try("1"), Ok(2));
    assert_eq!(block_on(resilient::with_async(1)), 2);
    assert_eq!(resilient::with_stacked(1), 2);
    assert_eq!(resilient::with_spawned(1).join().unwrap(), 2);
    assert_eq!(resilient::with_logged(1), 2);
    assert_eq!(resilient::retry_locked(1), Ok(2));
    assert_eq!(resilient::retry_value("4"), Ok(4));
    resilient::retry_unit(&mut out).unwrap();
    assert_eq!(resilient::retry_owned(String::new()), Err(String::new()));
    assert_eq!(resilient::retry_owned("ab".to_owned()), Ok(2));
    assert_eq!(block_on(resilient::retry_async(1)), Ok(2));
    assert_eq!(resilient::retry_stacked(1), Ok(2));
    assert_eq!(resilient::retry_spawned(1).join().unwrap(), Ok(2));
    assert_eq!(out, [1, 1, 2, 1, 2, 2]);
    let mut counter = Counter { n: 0 };
    assert_eq!(counter.bump(), Ok(2));
    counter.bump_unit();
    assert_eq!(counter.get(), 3);
    assert_eq!(block_on(counter.get_async()), 3);
    assert_eq!(counter.checked(), Ok(3));
    assert_eq!(counter.take(), Ok(4));
    assert_eq!(block_on(counter.take_async()), Ok(5));
    assert_eq!(counter.into_n(), 5);
}

// --- #[synchronized(self.lock)]: a lock the value owns, every receiver ------
#[derive(Default)]
struct Account {
    lock: decor::Lock,
    async_lock: decor::AsyncLock,
    n: u64,
}

#[rustfmt::skip]
impl Account {
    #[synchronized(self.lock)]
    fn balance(&self) -> u64 { self.n }

    #[synchronized(self.lock)]
    fn touch(&self) {}

    #[synchronized(self.lock)]
    fn bump(&mut self) { self.n += 1; }

    #[synchronized(self.lock)]
    fn owned(self) -> u64 { self.n }

    #[synchronized(self.lock)]
    fn shared(self: Arc<Self>) -> u64 { self.n }

    #[timed]
    #[logged]
    #[synchronized(self.lock)]
    fn stacked(&self) -> u64 { self.n }

    #[synchronized(self.async_lock)]
    async fn balance_async(&self) -> u64 { self.n }

    #[synchronized(self.async_lock)]
    async fn touch_async(&self) {}

    #[logged]
    #[timed]
    #[synchronized(self.async_lock)]
    async fn stacked_async(&self) -> u64 { self.n }
}

fn accounts() {
    let mut a = Account::default();
    a.bump();
    a.touch();
    assert_eq!(a.balance(), 1);
    assert_eq!(a.stacked(), 1);
    assert_eq!(block_on(a.balance_async()), 1);
    block_on(a.touch_async());
    assert_eq!(block_on(a.stacked_async()), 1);
    assert_eq!(Arc::new(Account::default()).shared(), 0);
    assert_eq!(a.owned(), 1);
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

fn model() -> Model {
    Model { w: 2.0, n: 1 }
}

#[allow(clippy::float_cmp)] // exact: small integers times 2.0
fn methods() {
    let m = model();
    assert_eq!(m.predict(&[1.0, 2.0, 3.0]), [2.0, 4.0, 6.0]);
    assert!((m.weigh(&[1.0, 2.0]) - 6.0).abs() < 1e-9);
    let mut xs = [1.0, 2.0];
    m.scale_into(&mut xs);
    assert_eq!(xs, [2.0, 4.0]);
    assert_eq!(m.predict_timed(&[1.0]), [2.0]);
    assert_eq!(m.predict_everything(vec![1.0, 2.0]), [2.0, 4.0]);

    let mut m = model();
    assert!((m.timed_ref(3.0) - 6.0).abs() < 1e-9);
    assert_eq!(m.timed_mut(), 2);
    m.timed_mut_unit();
    assert!((m.logged_ref(1.0) - 2.0).abs() < 1e-9);
    *m.logged_mut() += 1;
    m.logged_mut_unit(1);
    assert_eq!(*m.both_mut(), 5);
    assert!((m.both_ref(1.0) - 2.0).abs() < 1e-9);
    assert!((m.locked_ref(1.0) - 2.0).abs() < 1e-9);
    m.locked_mut_unit();
    assert_eq!(m.all_three(), 6);
    assert!((block_on(m.timed_async(1.0)) - 2.0).abs() < 1e-9);
    assert_eq!(block_on(m.logged_async()), 6);
    assert_eq!(block_on(m.locked_async()), 6);
    block_on(m.all_three_async());
    assert_eq!(m.timed_owned(), 7);
    assert!((model().logged_owned() - 2.0).abs() < 1e-9);

    assert_eq!(model().spawned().join().unwrap(), 2);
    assert!((Arc::new(model()).spawned_arc(2.0).join().unwrap() - 4.0).abs() < 1e-9);
    assert!((model().spawned_dedicated().join().unwrap() - 2.0).abs() < 1e-9);
    model().spawned_unit().join().unwrap();
    assert_eq!(model().spawned_stacked().join().unwrap(), 2);
    assert_eq!(model().spawned_opaque().join().unwrap().sum::<u64>(), 1);
}

fn free_functions() {
    let mut out = Vec::new();
    assert_eq!(free::timed_value(1), 2);
    free::timed_unit(&mut out);
    assert_eq!(free::logged_value(1), 2);
    free::logged_unit(&mut out);
    assert_eq!(free::timed_logged(2), 4);
    assert_eq!(free::logged_timed(vec![2, 1]), [1, 2]);
    assert_eq!(free::parse("4"), Ok(4));
    assert!(free::parse_try("x").is_err());
    assert_eq!(free::parse_try("4"), Ok(5));
    assert_eq!(free::locked(1), 2);
    free::locked_unit(&mut out);
    assert_eq!(out, [1, 1, 2]);
    assert_eq!(block_on(free::timed_async(1)), 2);
    assert_eq!(block_on(free::logged_async(1)), 2);
    assert_eq!(block_on(free::locked_async(1)), 2);
    assert_eq!(block_on(free::all_async(1)), 2);

    assert_eq!(free::doubled(&[1, 2, 3]), [2, 4, 6]);
    let mut xs = [1, 2, 3];
    free::double_in_place(&mut xs);
    assert_eq!(xs, [2, 4, 6]);
    assert_eq!(free::total(&[1, 2, 3]), 6);
    assert_eq!(free::total_in_processes(&[1, 2, 3]), 6);
    assert_eq!(free::squares_in_processes(vec![1, 2, 3]), [1, 4, 9]);
    assert_eq!(free::doubled_stacked(&[1, 2]), [2, 4]);

    assert_eq!(free::spawned(1).join().unwrap(), 2);
    free::spawned_unit(1).join().unwrap();
    assert_eq!(free::spawned_dedicated(1).join().unwrap(), 2);
    assert_eq!(free::spawned_in_processes(1).join().unwrap(), 2);
    free::spawned_in_processes_unit(1).join().unwrap();
    assert_eq!(free::spawned_stacked(1).join().unwrap(), 2);
    assert_eq!(free::spawned_locked(1).join().unwrap(), 2);
}

/// `#[cache]` on one-line bodies, keyed on arguments, on `self`, on a
/// `key = ...`, alone and stacked, and on an `async fn`.
#[rustfmt::skip]
mod cached {
    #[derive(Clone, Debug, Hash, PartialEq, Eq)]
    pub struct Id(pub u64);

    impl Id {
        #[decor::cache]
        pub fn double(&self) -> u64 { self.0 * 2 }

        #[decor::cache(key = self.0)]
        pub fn triple(&self, _unused: &str) -> u64 { self.0 * 3 }
    }

    #[decor::cache]
    pub fn length(text: &str) -> usize { text.len() }

    #[decor::cache(size = 10, ttl = "1s")]
    pub fn parse(text: &str) -> Result<u32, std::num::ParseIntError> { text.parse() }

    #[decor::timed]
    #[decor::cache(scope = thread)]
    pub fn unit(_n: u8) {}

    #[decor::cache]
    pub async fn fetch(n: u64) -> Option<u64> { Some(n) }
}

fn caches() {
    let id = cached::Id(2);
    assert_eq!((id.double(), id.triple("x")), (4, 6));
    assert_eq!(cached::length("abc"), 3);
    assert_eq!(cached::parse("7"), Ok(7));
    cached::unit(1);
    drop(cached::fetch(1));
}

fn run() -> Result<(), String> {
    caches();
    methods();
    free_functions();
    accounts();
    resilient();
    let calls = decor::timers::get("lint_clean::free::parse_try").map(|stats| stats.calls());
    if calls == Some(2) {
        Ok(())
    } else {
        Err(format!("parse_try counted {calls:?} calls"))
    }
}

#[rustfmt::skip]
#[decor::main(report = false, log = "off")]
fn main() -> Result<(), String> { run() }
