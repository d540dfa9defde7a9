//! `#[with]` on the signature matrix of DESIGN §2: free functions, every
//! receiver (`self` by value and `self: Box<Self>` run once), trait impl
//! methods, generics with where clauses and lifetimes, `impl Trait` in
//! argument and return position, patterns in parameters, `unsafe fn`,
//! `extern "C" fn`, `async fn` and `#[async_trait]` methods, and stacking
//! with every built-in decorator in both orders. Each function runs under
//! `Twice`, which runs the body a second time after an `Err`, so the run
//! loop (argument slots, reborrows, the body's `return`s and `?`s) is
//! compiled and exercised, not only the single run.

#![deny(warnings)]

use std::fmt::Display;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use decor::{After, Call, Decorator, Outcome};

/// Runs the body once more after an `Err`, and counts every run.
struct Twice;

static RUNS: AtomicU32 = AtomicU32::new(0);

fn runs() -> u32 {
    RUNS.swap(0, Ordering::SeqCst)
}

impl Decorator for Twice {
    type State = ();
    fn before(&self, _: &Call<'_>, _: &mut ()) -> Result<(), decor::Skipped> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn may_repeat(&self, call: &Call<'_>, _: &()) -> bool {
        call.attempt() < 2
    }
    fn after(&self, call: &Call<'_>, _: &mut (), outcome: &Outcome<'_>) -> After {
        if outcome.is_err() && call.attempt() < 2 {
            After::Again(Duration::ZERO)
        } else {
            After::Return
        }
    }
}

/// A plain function is a decorator too.
fn audit(call: &Call<'_>) {
    assert!(!call.name().is_empty());
}

// ---- free functions ----------------------------------------------------------

#[decor::with(Twice)]
fn plain(a: u32, b: u32) -> u32 {
    a + b
}

#[decor::with(Twice)]
fn unit(out: &mut Vec<u32>) {
    out.push(1);
}

#[decor::with(Twice)]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.trim().parse()?;
    Ok(n)
}

#[decor::with(Twice)]
fn owned_and_mut(mut word: String, log: &mut Vec<String>) -> Result<usize, usize> {
    word.push('!');
    log.push(word.clone());
    if log.len() < 2 {
        return Err(log.len());
    }
    Ok(word.len())
}

#[decor::with(Twice)]
fn mut_ref_binding<'a>(mut out: &'a mut Vec<u32>, other: &'a mut Vec<u32>) -> Result<(), ()> {
    if out.is_empty() {
        out = other;
    }
    out.push(2);
    Ok(())
}

// ---- generics, lifetimes, impl Trait -----------------------------------------

#[decor::with(Twice)]
fn first_longer<'a, 'b, T>(items: &'a [T], min: &'b usize) -> Result<&'a T, String>
where
    T: AsRef<str> + 'a,
{
    items
        .iter()
        .find(|item| item.as_ref().len() > *min)
        .ok_or_else(|| format!("none longer than {min}"))
}

#[decor::with(Twice)]
fn describe<T: Display + Clone, const N: usize>(values: [T; N]) -> String {
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

#[decor::with(Twice)]
fn total(values: impl IntoIterator<Item = u32> + Clone) -> u32 {
    values.into_iter().sum()
}

#[decor::with(Twice)]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[decor::with(audit)]
fn boxed_display(n: u32) -> Box<dyn Display> {
    Box::new(n)
}

// ---- patterns ----------------------------------------------------------------

#[derive(Clone, Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[decor::with(Twice)]
fn patterns(
    (a, b): (u32, u32),
    Point { x, y }: Point,
    mut text: String,
    _: u8,
    &(c, d): &(u32, u32),
) -> Result<String, String> {
    text.push_str(&format!("{}", a + b + c + d));
    if x > y {
        return Err(text);
    }
    Ok(text)
}

// ---- unsafe, extern "C", raw identifiers, attributes -------------------------

/// # Safety
/// `index` must be in bounds.
#[decor::with(Twice)]
unsafe fn read(table: &[u64], index: usize) -> u64 {
    unsafe { *table.get_unchecked(index) }
}

#[decor::with(Twice)]
extern "C" fn doubled(n: u32) -> u32 {
    n * 2
}

#[decor::with(audit)]
fn r#match(r#in: u8) -> u8 {
    r#in + 1
}

#[decor::with(Twice)]
#[inline]
#[must_use]
#[allow(clippy::needless_return)]
fn attributes(n: u32) -> u32 {
    return n;
}

#[decor::with(Twice)]
fn diverges(fail: bool) -> u32 {
    if fail {
        unimplemented!("failed");
    }
    1
}

#[cfg(any())]
#[decor::with(Twice)]
fn configured_out(n: u32) -> u32 {
    n
}

// ---- methods -----------------------------------------------------------------

#[derive(Clone, Debug, Default)]
struct Account {
    balance: i64,
    history: Vec<i64>,
}

impl Account {
    #[decor::with(Twice)]
    fn balance(&self) -> i64 {
        self.balance
    }

    #[decor::with(Twice)]
    fn history(&self) -> &[i64] {
        &self.history
    }

    #[decor::with(Twice)]
    fn withdraw(&mut self, amount: i64) -> Result<i64, String> {
        self.history.push(amount);
        if self.balance < amount {
            return Err(format!("{} < {amount}", self.balance));
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    #[decor::with(Twice)]
    fn reset(&mut self) {
        self.history.clear();
    }

    // `self` by value: one run, whatever the decorator asks.
    #[decor::with(Twice)]
    fn close(self) -> Result<i64, i64> {
        Err(self.balance)
    }

    #[decor::with(Twice)]
    fn close_boxed(self: Box<Self>) -> Result<i64, i64> {
        Err(self.balance)
    }

    #[decor::with(audit)]
    fn shared(self: Arc<Self>) -> i64 {
        self.balance
    }

    #[decor::with(Twice)]
    fn typed_ref(self: &Self, by: i64) -> i64 {
        self.balance * by
    }

    #[decor::with(Twice)]
    fn typed_mut(self: &mut Self, by: i64) -> Result<i64, i64> {
        self.balance += by;
        Err(self.balance)
    }

    #[decor::with(Twice)]
    async fn balance_later(&self, extra: i64) -> i64 {
        self.balance + extra
    }

    #[decor::with(Twice)]
    async fn deposit_later(&mut self, amount: i64) -> Result<i64, i64> {
        self.balance += amount;
        if self.balance < 100 {
            return Err(self.balance);
        }
        Ok(self.balance)
    }
}

trait Ledger {
    fn post(&mut self, amount: i64) -> Result<usize, String>;
    fn owner(&self) -> String;
}

impl Ledger for Account {
    #[decor::with(Twice)]
    fn post(&mut self, amount: i64) -> Result<usize, String> {
        self.history.push(amount);
        if amount < 0 {
            return Err("negative".into());
        }
        Ok(self.history.len())
    }

    #[decor::with(audit)]
    fn owner(&self) -> String {
        "bob".into()
    }
}

// ---- async -------------------------------------------------------------------

#[decor::with(Twice)]
async fn fetch(key: String, log: &mut Vec<String>) -> Result<String, String> {
    log.push(key.clone());
    if log.len() < 2 {
        return Err("cold".into());
    }
    Ok(key.to_uppercase())
}

#[decor::with(Twice)]
async fn async_unit(log: &mut Vec<String>) {
    log.push("unit".into());
}

#[decor::with(Twice)]
async fn async_generic<T: Display + Clone>(value: T) -> String {
    value.to_string()
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<u32, String>;
    async fn put(&mut self, key: u32, value: String) -> Result<(), String>;
}

struct Memory {
    values: Vec<(u32, String)>,
}

#[async_trait::async_trait]
impl Store for Memory {
    #[decor::with(Twice)]
    async fn load(&self, key: u32) -> Result<u32, String> {
        if key == 0 {
            return Err("zero".into());
        }
        Ok(key * 2)
    }

    #[decor::with(Twice)]
    async fn put(&mut self, key: u32, value: String) -> Result<(), String> {
        self.values.push((key, value));
        Ok(())
    }
}

// ---- stacking ----------------------------------------------------------------

#[decor::timed]
#[decor::with(Twice)]
fn timed_over(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::with(Twice)]
#[decor::timed]
fn timed_under(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::logged]
#[decor::with(Twice)]
fn logged_over(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::with(Twice)]
#[decor::logged]
fn logged_under(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::synchronized]
#[decor::with(Twice)]
fn locked_over(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::with(Twice)]
#[decor::synchronized]
fn locked_under(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::spawn(threads = 2)]
#[decor::with(Twice)]
fn spawned_over(n: u32) -> Result<u32, u32> {
    Err(n)
}

// Above `#[spawn]`, the decorator sees the submission, which returns a
// `Task`: one run.
#[decor::with(Twice)]
#[decor::spawn(threads = 2)]
fn spawned_under(n: u32) -> Result<u32, u32> {
    Err(n)
}

#[decor::timed]
#[decor::logged]
#[decor::with(audit)]
#[decor::with(Twice)]
#[decor::synchronized]
async fn everything_async(key: String) -> Result<String, String> {
    Err(key)
}

#[decor::with(Twice)]
#[decor::timed]
#[decor::synchronized]
#[decor::logged]
fn everything_under(n: u32) -> Result<u32, u32> {
    Err(n)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

fn main() {
    assert_eq!(plain(1, 2), 3);
    assert_eq!(runs(), 1);
    let mut out = Vec::new();
    unit(&mut out);
    assert_eq!(out, [1]);
    assert_eq!(parse("7"), Ok(7));
    assert_eq!(parse(""), Ok(0));
    runs();
    assert!(parse("x").is_err());
    assert_eq!(runs(), 2, "an `Err` from `?` runs again");

    let mut log = Vec::new();
    assert_eq!(owned_and_mut("hi".into(), &mut log), Ok(3));
    assert_eq!(log, ["hi!", "hi!"], "each run gets the original argument");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    assert_eq!(mut_ref_binding(&mut a, &mut b), Ok(()));
    assert_eq!((a, b), (vec![], vec![2]));
    runs();

    let words = ["a", "abc"];
    assert_eq!(first_longer(&words, &1), Ok(&"abc"));
    assert!(first_longer(&words, &5).is_err());
    assert_eq!(runs(), 3);
    assert_eq!(describe([1, 2]), "1,2");
    assert_eq!(total(vec![1, 2, 3]), 6);
    assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(boxed_display(4).to_string(), "4");

    runs();
    assert_eq!(
        patterns((1, 2), Point { x: 1, y: 2 }, "n=".into(), 0, &(3, 4)),
        Ok("n=10".into())
    );
    assert_eq!(
        patterns((1, 2), Point { x: 3, y: 2 }, "n=".into(), 0, &(3, 4)),
        Err("n=10".into()),
        "the second run starts from the original `text`"
    );
    assert_eq!(runs(), 3);

    assert_eq!(unsafe { read(&[41, 42], 1) }, 42);
    assert_eq!(doubled(21), 42);
    assert_eq!(r#match(1), 2);
    assert_eq!(attributes(3), 3);
    assert_eq!(diverges(false), 1);

    let mut account = Account {
        balance: 10,
        ..Account::default()
    };
    runs();
    assert_eq!(account.balance(), 10);
    assert_eq!(account.withdraw(4), Ok(6));
    assert!(account.withdraw(40).is_err());
    assert_eq!(account.history(), [4, 40, 40]);
    assert_eq!(account.typed_ref(2), 12);
    assert_eq!(account.typed_mut(1), Err(8), "two runs, each adds 1");
    account.reset();
    assert_eq!(account.post(5), Ok(1));
    assert_eq!(account.post(-1), Err("negative".into()));
    assert_eq!(account.history, [5, -1, -1]);
    assert_eq!(account.owner(), "bob");
    runs();
    assert_eq!(block_on(account.balance_later(1)), 9);
    assert_eq!(block_on(account.deposit_later(50)), Ok(108));
    assert_eq!(runs(), 3);
    assert_eq!(account.clone().close(), Err(108));
    assert_eq!(Box::new(account.clone()).close_boxed(), Err(108));
    assert_eq!(runs(), 2, "`self` by value: one run each");
    assert_eq!(Arc::new(account).shared(), 108);

    let mut log = Vec::new();
    assert_eq!(block_on(fetch("k".into(), &mut log)), Ok("K".into()));
    block_on(async_unit(&mut log));
    assert_eq!(log, ["k", "k", "unit"]);
    assert_eq!(block_on(async_generic(5)), "5");
    let mut memory = Memory { values: vec![] };
    runs();
    assert_eq!(block_on(memory.load(2)), Ok(4));
    assert!(block_on(memory.load(0)).is_err());
    assert_eq!(block_on(memory.put(1, "a".into())), Ok(()));
    assert_eq!(memory.values.len(), 1);
    assert_eq!(runs(), 4);

    for (f, name) in [
        (timed_over as fn(u32) -> Result<u32, u32>, "timed_over"),
        (timed_under, "timed_under"),
        (logged_over, "logged_over"),
        (logged_under, "logged_under"),
        (locked_over, "locked_over"),
        (locked_under, "locked_under"),
        (everything_under, "everything_under"),
    ] {
        assert_eq!(f(1), Err(1), "{name}");
        assert_eq!(runs(), 2, "{name}");
    }
    assert_eq!(spawned_over(1).join().unwrap(), Err(1));
    assert_eq!(runs(), 2);
    assert_eq!(spawned_under(1).join().unwrap(), Err(1));
    assert_eq!(runs(), 1, "the submission returned a `Task`: one run");
    assert_eq!(block_on(everything_async("e".into())), Err("e".into()));
    assert_eq!(runs(), 2);

    let stats = decor::timers::get(concat!(module_path!(), "::timed_over")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (1, 1));
    let stats = decor::timers::get(concat!(module_path!(), "::timed_under")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 2));
}
