//! `#[decor::with(...)]`: user decorators see the call, run the body zero,
//! one or several times, tell `Ok` from `Err`, on every signature.

mod common;

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use decor::{After, Call, Decorator, Outcome, Skipped};

// ---- decorators used below -------------------------------------------------

static AUDIT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records every call as `module::name(args)`.
fn audit(call: &Call<'_>) {
    AUDIT.lock().unwrap().push(format!(
        "{}::{call}",
        call.module().rsplit("::").next().unwrap()
    ));
}

fn audited() -> Vec<String> {
    std::mem::take(&mut *AUDIT.lock().unwrap())
}

/// Runs the body up to `n` times while it returns `Err`, recording each
/// outcome it saw.
struct UpTo(u32);

thread_local! {
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn seen() -> Vec<String> {
    SEEN.with(|seen| std::mem::take(&mut *seen.borrow_mut()))
}

impl Decorator for UpTo {
    type State = u32;
    fn before(&self, _: &Call<'_>, runs: &mut u32) -> Result<(), Skipped> {
        *runs += 1;
        Ok(())
    }
    fn may_repeat(&self, call: &Call<'_>, _: &u32) -> bool {
        call.attempt() < self.0
    }
    fn after(&self, call: &Call<'_>, runs: &mut u32, outcome: &Outcome<'_>) -> After {
        assert_eq!(*runs, call.attempt(), "the state lives across runs");
        let text = match outcome.error() {
            Some(error) => format!("{}: err {error}", call.attempt()),
            None => format!("{}: ok", call.attempt()),
        };
        SEEN.with(|seen| seen.borrow_mut().push(text));
        if outcome.is_err() && call.attempt() < self.0 {
            After::Again(Duration::ZERO)
        } else {
            After::Return
        }
    }
}

/// Skips every call whose first argument shows as `"off"`.
struct SkipOff;

impl Decorator for SkipOff {
    type State = ();
    fn before(&self, call: &Call<'_>, _: &mut ()) -> Result<(), Skipped> {
        let first = call.args().next().map(|arg| format!("{:?}", arg.value()));
        match first.as_deref() {
            Some("\"off\"") if call.can_skip() => Err(Skipped::because("switched off")),
            _ => Ok(()),
        }
    }
}

/// Asks for another run without saying so in `may_repeat`.
struct Sloppy;

impl Decorator for Sloppy {
    type State = ();
    fn after(&self, call: &Call<'_>, _: &mut (), _: &Outcome<'_>) -> After {
        if call.attempt() < 3 {
            After::Again(Duration::ZERO)
        } else {
            After::Return
        }
    }
}

// ---- seeing the call ---------------------------------------------------------

#[derive(Debug)]
struct Point {
    x: i32,
}

struct Opaque;

#[decor::with(audit)]
fn pay(amount: u64, to: &str, note: Opaque, point: Point) -> bool {
    let _ = note;
    amount > 0 && !to.is_empty() && point.x == 1
}

#[test]
fn a_plain_function_sees_names_modules_and_arguments() {
    audited();
    assert!(pay(5, "bob", Opaque, Point { x: 1 }));
    assert_eq!(
        audited(),
        ["with::pay(amount = 5, to = \"bob\", note = with::Opaque, point = Point { x: 1 })"]
    );
}

fn tagged(tag: &'static str) -> impl Fn(&Call<'_>) {
    move |call| {
        AUDIT
            .lock()
            .unwrap()
            .push(format!("[{tag}] {}", call.name()))
    }
}

#[decor::with(tagged("billing"))]
fn bill() {}

#[test]
fn a_decorator_built_by_a_call() {
    audited();
    bill();
    bill();
    assert_eq!(audited(), ["[billing] bill", "[billing] bill"]);
}

// ---- running the body several times ------------------------------------------

static FLAKY_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::with(UpTo(4))]
fn flaky(fail_times: u32) -> Result<u32, String> {
    let run = FLAKY_RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    if run <= fail_times {
        return Err(format!("run {run} failed"));
    }
    Ok(run)
}

#[test]
fn runs_again_on_err_and_sees_each_outcome() {
    FLAKY_RUNS.store(0, Ordering::Relaxed);
    seen();
    assert_eq!(flaky(2), Ok(3));
    assert_eq!(
        seen(),
        ["1: err run 1 failed", "2: err run 2 failed", "3: ok"]
    );
    FLAKY_RUNS.store(0, Ordering::Relaxed);
    assert_eq!(flaky(10), Err("run 4 failed".to_owned()));
    assert_eq!(FLAKY_RUNS.load(Ordering::Relaxed), 4);
    seen();
}

/// Counts its clones.
struct Counted(&'static AtomicU32, String);

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.0.fetch_add(1, Ordering::Relaxed);
        Counted(self.0, self.1.clone())
    }
}

static CLONES: AtomicU32 = AtomicU32::new(0);

#[decor::with(UpTo(3))]
fn owned(value: Counted, log: &mut Vec<String>) -> Result<(), ()> {
    log.push(value.1);
    Err(())
}

#[test]
fn owned_arguments_are_cloned_for_each_run_but_the_last_and_mut_ones_reborrowed() {
    let mut log = Vec::new();
    assert_eq!(owned(Counted(&CLONES, "v".into()), &mut log), Err(()));
    assert_eq!(log, ["v", "v", "v"]);
    assert_eq!(CLONES.load(Ordering::Relaxed), 2, "three runs, two clones");
    seen();
}

struct NotClone(u32);

static NOT_CLONE_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::with(UpTo(3))]
fn not_clone(value: NotClone) -> Result<u32, u32> {
    NOT_CLONE_RUNS.fetch_add(1, Ordering::Relaxed);
    Err(value.0)
}

#[test]
fn an_argument_that_is_not_clone_allows_one_run_and_says_why() {
    let (result, lines) = common::capture(|| not_clone(NotClone(7)));
    assert_eq!(result, Err(7));
    assert_eq!(NOT_CLONE_RUNS.load(Ordering::Relaxed), 1);
    common::line_with(&lines, &["ERROR", "not `Clone`", "function=\"not_clone\""]);
    seen();
}

static SLOPPY_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::with(Sloppy)]
fn sloppy() -> u32 {
    SLOPPY_RUNS.fetch_add(1, Ordering::Relaxed) + 1
}

#[test]
fn again_without_may_repeat_is_refused_and_logged() {
    let (result, lines) = common::capture(sloppy);
    assert_eq!(result, 1);
    assert_eq!(SLOPPY_RUNS.load(Ordering::Relaxed), 1);
    common::line_with(&lines, &["ERROR", "may_repeat"]);
}

// ---- skipping --------------------------------------------------------------

#[derive(Debug, PartialEq)]
enum MailError {
    Skipped(String),
}

impl From<Skipped> for MailError {
    fn from(skipped: Skipped) -> Self {
        MailError::Skipped(skipped.reason().to_owned())
    }
}

static SENT: AtomicU32 = AtomicU32::new(0);

#[decor::with(SkipOff)]
fn send(mode: &str) -> Result<u32, MailError> {
    let _ = mode;
    Ok(SENT.fetch_add(1, Ordering::Relaxed) + 1)
}

#[decor::with(SkipOff)]
fn price(mode: &str) -> Option<u32> {
    let _ = mode;
    Some(SENT.fetch_add(1, Ordering::Relaxed) + 1)
}

#[decor::with(SkipOff)]
fn notify(mode: &str) {
    let _ = mode;
    SENT.fetch_add(1, Ordering::Relaxed);
}

#[decor::with(SkipOff)]
fn count(mode: &str) -> u32 {
    let _ = mode;
    SENT.fetch_add(1, Ordering::Relaxed)
}

#[test]
fn skipping_returns_the_types_skipped_value_without_running_the_body() {
    SENT.store(0, Ordering::Relaxed);
    assert_eq!(send("off"), Err(MailError::Skipped("switched off".into())));
    assert_eq!(price("off"), None);
    notify("off");
    assert_eq!(SENT.load(Ordering::Relaxed), 0);
    // `u32` has no skipped value: the decorator sees `can_skip() == false`.
    assert_eq!(count("off"), 0);
    assert_eq!(send("on"), Ok(2));
}

// ---- signatures --------------------------------------------------------------

#[derive(Default)]
struct Account {
    balance: i64,
    history: Vec<i64>,
}

impl Account {
    #[decor::with(UpTo(2))]
    fn withdraw(&mut self, amount: i64) -> Result<i64, String> {
        self.history.push(amount);
        if self.balance < amount {
            return Err(format!("balance {} < {amount}", self.balance));
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    #[decor::with(audit)]
    fn name_of(&self, prefix: &str) -> &i64 {
        let _ = prefix;
        &self.balance
    }

    #[decor::with(audit)]
    fn into_history(self) -> Vec<i64> {
        self.history
    }
}

#[test]
fn methods_with_every_receiver() {
    let mut account = Account {
        balance: 10,
        ..Account::default()
    };
    assert_eq!(account.withdraw(4), Ok(6));
    assert_eq!(account.withdraw(40), Err("balance 6 < 40".into()));
    assert_eq!(
        account.history,
        [4, 40, 40],
        "the failed withdrawal ran twice"
    );
    audited();
    assert_eq!(*account.name_of("x"), 6);
    assert_eq!(account.into_history(), [4, 40, 40]);
    assert_eq!(
        audited(),
        [
            "with::name_of(self = with::Account, prefix = \"x\")",
            "with::into_history()"
        ]
    );
    seen();
}

#[decor::with(UpTo(2))]
fn generic<'a, T, U: std::fmt::Display + Clone>(
    items: &'a [T],
    (label, n): (U, usize),
) -> Result<&'a T, String>
where
    T: PartialEq + Clone,
{
    items.get(n).ok_or_else(|| format!("{label}: no item {n}"))
}

#[decor::with(audit)]
fn sum_all(values: impl IntoIterator<Item = u32>) -> impl std::fmt::Display {
    values.into_iter().sum::<u32>()
}

#[test]
fn generics_lifetimes_patterns_and_impl_trait() {
    assert_eq!(generic(&[1, 2, 3], ("x", 1)), Ok(&2));
    assert_eq!(generic(&[1], ("list", 5)), Err("list: no item 5".into()));
    assert_eq!(
        seen(),
        ["1: ok", "1: err list: no item 5", "2: err list: no item 5"]
    );
    audited();
    assert_eq!(sum_all(vec![1, 2, 3]).to_string(), "6");
    assert_eq!(audited().len(), 1);
    // Without `U: Clone` in scope the pair cannot be cloned: one run only.
    assert_eq!(unclonable(&[1], ("list", 5)), Err("list: no item 5".into()));
    assert_eq!(seen(), ["1: err list: no item 5"]);
}

#[decor::with(UpTo(2))]
fn unclonable<'a, T, U: std::fmt::Display>(
    items: &'a [T],
    (label, n): (U, usize),
) -> Result<&'a T, String> {
    items.get(n).ok_or_else(|| format!("{label}: no item {n}"))
}

// ---- async -------------------------------------------------------------------

static ASYNC_RUNS: AtomicU32 = AtomicU32::new(0);

/// Pauses between runs: an `async fn` awaits the pause.
struct Patient;

impl Decorator for Patient {
    type State = ();
    fn may_repeat(&self, call: &Call<'_>, _: &()) -> bool {
        call.attempt() < 3
    }
    fn after(&self, call: &Call<'_>, _: &mut (), outcome: &Outcome<'_>) -> After {
        match outcome.is_err() && call.attempt() < 3 {
            true => After::Again(Duration::from_millis(5)),
            false => After::Return,
        }
    }
}

#[decor::with(Patient)]
async fn fetch(key: String, log: &mut Vec<String>) -> Result<String, String> {
    log.push(key.clone());
    let run = ASYNC_RUNS.fetch_add(1, Ordering::Relaxed) + 1;
    if run < 3 {
        return Err(format!("busy {run}"));
    }
    Ok(key.to_uppercase())
}

#[test]
fn async_fn_runs_again_after_an_awaited_pause_on_any_executor() {
    ASYNC_RUNS.store(0, Ordering::Relaxed);
    let mut log = Vec::new();
    assert_eq!(
        common::block_on(fetch("k".into(), &mut log)),
        Ok("K".into())
    );
    assert_eq!(log, ["k", "k", "k"]);
    ASYNC_RUNS.store(0, Ordering::Relaxed);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut log = Vec::new();
    assert_eq!(
        runtime.block_on(fetch("t".into(), &mut log)),
        Ok("T".into())
    );
    assert_eq!(log.len(), 3);
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<u32, String>;
}

struct Memory(AtomicU32);

#[async_trait::async_trait]
impl Store for Memory {
    #[decor::with(UpTo(3))]
    async fn load(&self, key: u32) -> Result<u32, String> {
        match self.0.fetch_add(1, Ordering::Relaxed) {
            0 => Err("cold".into()),
            _ => Ok(key * 2),
        }
    }
}

#[test]
fn async_trait_methods() {
    let store = Memory(AtomicU32::new(0));
    assert_eq!(common::block_on(store.load(21)), Ok(42));
    assert_eq!(store.0.load(Ordering::Relaxed), 2);
    seen();
}

// ---- stacking ----------------------------------------------------------------

static STACKED_RUNS: AtomicU32 = AtomicU32::new(0);

#[decor::with(audit)]
#[decor::with(UpTo(2))]
fn stacked(x: u32) -> Result<u32, u32> {
    match STACKED_RUNS.fetch_add(1, Ordering::Relaxed) {
        0 => Err(x),
        _ => Ok(x),
    }
}

#[test]
fn two_decorators_stack_outermost_first() {
    audited();
    assert_eq!(stacked(3), Ok(3));
    assert_eq!(
        audited(),
        ["with::stacked(x = 3)"],
        "the outer one sees one call"
    );
    assert_eq!(seen(), ["1: err 3", "2: ok"]);
}
