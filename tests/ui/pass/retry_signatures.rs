//! `#[retry]` on the signature matrix of DESIGN §2 where a function can be
//! run again: free functions, `&self` and `&mut self` methods, trait impl
//! methods, generics with where clauses and lifetimes, `impl Trait`
//! arguments, patterns in parameters, `unsafe fn`, `extern "C" fn`,
//! `async fn` and `#[async_trait]` methods, `io::Result` and other aliases,
//! `when` and `on_retry`, and stacking with every built-in decorator (in
//! both orders where both mean something: above `#[spawn]` it would retry
//! the submission, which returns a `Task`, not a `Result`). Every function
//! fails until its third run, so each one really retries.

#![deny(warnings)]

use std::fmt::Display;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

static RUNS: AtomicU32 = AtomicU32::new(0);

/// `Err` on the first two runs since the last `runs()`, then `Ok(run)`.
fn flaky() -> Result<u32, String> {
    let run = RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    if run < 3 {
        Err(format!("run {run}"))
    } else {
        Ok(run)
    }
}

fn runs() -> u32 {
    RUNS.swap(0, Ordering::SeqCst)
}

#[derive(Debug, PartialEq)]
enum ApiError {
    Busy,
    Denied,
}

static HOOKED: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn hook(info: &decor::RetryInfo) {
    HOOKED.lock().unwrap().push(info.attempt());
}

// ---- free functions ----------------------------------------------------------

#[decor::retry(delay = "0ms")]
fn plain(a: u32, b: u32) -> Result<u32, String> {
    Ok(flaky()? + a + b)
}

#[decor::retry(delay = "0ms")]
fn unit_ok(out: &mut Vec<u32>) -> Result<(), String> {
    out.push(flaky()?);
    Ok(())
}

#[decor::retry(delay = "0ms")]
fn io_alias(path: &str) -> std::io::Result<usize> {
    flaky().map_err(std::io::Error::other)?;
    Ok(path.len())
}

#[decor::retry(delay = "0ms")]
fn boxed_error(text: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    flaky()?;
    Ok(text.parse()?)
}

#[decor::retry(delay = "0ms")]
fn owned_and_mut(mut word: String, log: &mut Vec<String>) -> Result<usize, String> {
    word.push('!');
    log.push(word.clone());
    flaky()?;
    Ok(word.len())
}

#[decor::retry(
    attempts = 5,
    delay = "0ms",
    backoff = 1.0,
    max_delay = "1ms",
    jitter,
    deadline = "60s",
    when = |e| *e == ApiError::Busy,
    on_retry = hook
)]
fn every_option(denied: bool) -> Result<u32, ApiError> {
    match flaky() {
        Err(_) if denied => Err(ApiError::Denied),
        Err(_) => Err(ApiError::Busy),
        Ok(run) => Ok(run),
    }
}

#[decor::retry(delay = "0ms", when = |e: &String| e.starts_with("run"))]
fn typed_when(n: u32) -> Result<u32, String> {
    Ok(flaky()? * n)
}

// ---- generics, lifetimes, impl Trait -----------------------------------------

#[decor::retry(delay = "0ms")]
fn first_longer<'a, 'b, T>(items: &'a [T], min: &'b usize) -> Result<&'a T, String>
where
    T: AsRef<str> + 'a,
{
    flaky()?;
    items
        .iter()
        .find(|item| item.as_ref().len() > *min)
        .ok_or_else(|| format!("none longer than {min}"))
}

#[decor::retry(delay = "0ms")]
fn describe<T: Display + Clone, const N: usize>(values: [T; N]) -> Result<String, String> {
    flaky()?;
    Ok(values.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
}

#[decor::retry(delay = "0ms")]
fn total(values: impl IntoIterator<Item = u32> + Clone) -> Result<u32, String> {
    flaky()?;
    Ok(values.into_iter().sum())
}

#[decor::retry(delay = "0ms")]
fn generic_error<E: From<String> + Display>(n: u32) -> Result<u32, E> {
    Ok(flaky().map_err(E::from)? + n)
}

// ---- patterns ----------------------------------------------------------------

#[derive(Clone, Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[decor::retry(delay = "0ms")]
fn patterns(
    (a, b): (u32, u32),
    Point { x, y }: Point,
    mut text: String,
    _: u8,
    &(c, d): &(u32, u32),
) -> Result<String, String> {
    text.push_str(&format!("{}", a + b + c + d));
    flaky()?;
    Ok(format!("{text} {}", x + y))
}

// ---- unsafe, extern "C" ------------------------------------------------------

/// # Safety
/// `index` must be in bounds.
#[decor::retry(delay = "0ms")]
unsafe fn read(table: &[u64], index: usize) -> Result<u64, String> {
    flaky()?;
    Ok(unsafe { *table.get_unchecked(index) })
}

#[decor::retry(delay = "0ms")]
#[allow(improper_ctypes_definitions)] // a `Result` is no C type; the ABI is what is tested
extern "C" fn doubled(n: u32) -> Result<u32, u32> {
    flaky().map_err(|_| n)?;
    Ok(n * 2)
}

// ---- methods -----------------------------------------------------------------

#[derive(Default)]
struct Client {
    sent: Vec<u32>,
}

impl Client {
    #[decor::retry(delay = "0ms")]
    fn ping(&self, id: u32) -> Result<u32, String> {
        Ok(flaky()? + id + self.sent.len() as u32)
    }

    #[decor::retry(delay = "0ms")]
    fn send(&mut self, id: u32) -> Result<usize, String> {
        self.sent.push(id);
        flaky()?;
        Ok(self.sent.len())
    }

    #[decor::retry(delay = "0ms")]
    fn typed(self: &mut Self, id: u32) -> Result<usize, String> {
        self.sent.push(id);
        flaky()?;
        Ok(self.sent.len())
    }

    #[decor::retry(delay = "0ms")]
    async fn send_later(&mut self, id: u32, body: String) -> Result<usize, String> {
        self.sent.push(id + body.len() as u32);
        flaky()?;
        Ok(self.sent.len())
    }
}

trait Api {
    fn call(&mut self, id: u32) -> Result<u32, String>;
}

impl Api for Client {
    #[decor::retry(delay = "0ms")]
    fn call(&mut self, id: u32) -> Result<u32, String> {
        self.sent.push(id);
        flaky()
    }
}

// ---- async -------------------------------------------------------------------

#[decor::retry(delay = "1ms")]
async fn fetch(key: String, log: &mut Vec<String>) -> Result<String, String> {
    log.push(key.clone());
    flaky()?;
    Ok(key.to_uppercase())
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<u32, String>;
    async fn put(&mut self, key: u32, value: String) -> Result<usize, String>;
}

struct Memory {
    values: Vec<(u32, String)>,
}

#[async_trait::async_trait]
impl Store for Memory {
    #[decor::retry(delay = "0ms")]
    async fn load(&self, key: u32) -> Result<u32, String> {
        Ok(flaky()? * key)
    }

    #[decor::retry(delay = "0ms", when = |e| e.starts_with("run"))]
    async fn put(&mut self, key: u32, value: String) -> Result<usize, String> {
        self.values.push((key, value));
        flaky()?;
        Ok(self.values.len())
    }
}

// ---- stacking ----------------------------------------------------------------

#[decor::timed]
#[decor::retry(delay = "0ms")]
fn timed_over(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::retry(delay = "0ms")]
#[decor::timed]
fn timed_under(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::logged]
#[decor::retry(delay = "0ms")]
fn logged_over(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::retry(delay = "0ms")]
#[decor::logged]
fn logged_under(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::synchronized]
#[decor::retry(delay = "0ms")]
fn locked_over(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::retry(delay = "0ms")]
#[decor::synchronized]
fn locked_under(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::spawn(threads = 2)]
#[decor::retry(delay = "0ms")]
fn spawned(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::retry(delay = "0ms")]
#[decor::with(|call: &decor::Call<'_>| assert_eq!(call.name(), "with_under"))]
fn with_under(n: u32) -> Result<u32, String> {
    Ok(flaky()? + n)
}

#[decor::timed]
#[decor::logged]
#[decor::retry(delay = "1ms")]
#[decor::synchronized]
async fn everything_async(key: String) -> Result<String, String> {
    flaky()?;
    Ok(key)
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

fn main() {
    runs();
    assert_eq!(plain(1, 2), Ok(6));
    assert_eq!(runs(), 3);
    let mut out = Vec::new();
    assert_eq!(unit_ok(&mut out), Ok(()));
    assert_eq!((out, runs()), (vec![3], 3));
    assert_eq!(io_alias("abc").unwrap(), 3);
    assert_eq!(runs(), 3, "`io::Result`'s `Err` is retried");
    assert_eq!(boxed_error("7").unwrap(), 7);
    assert_eq!(runs(), 3);
    let mut log = Vec::new();
    assert_eq!(owned_and_mut("hi".into(), &mut log), Ok(3));
    assert_eq!(log, ["hi!", "hi!", "hi!"], "each run gets the original");
    runs();

    assert_eq!(every_option(false), Ok(3));
    assert_eq!(*HOOKED.lock().unwrap(), [1, 2]);
    runs();
    assert_eq!(every_option(true), Err(ApiError::Denied));
    assert_eq!(runs(), 1, "`when` refused to retry `Denied`");
    assert_eq!(typed_when(2), Ok(6));
    runs();

    let words = ["a", "abc"];
    assert_eq!(first_longer(&words, &1), Ok(&"abc"));
    runs();
    assert_eq!(describe([1, 2]), Ok("1,2".into()));
    runs();
    assert_eq!(total(vec![1, 2, 3]), Ok(6));
    runs();
    assert_eq!(generic_error::<String>(1), Ok(4));
    runs();
    assert_eq!(
        patterns((1, 2), Point { x: 1, y: 2 }, "n=".into(), 0, &(3, 4)),
        Ok("n=10 3".into())
    );
    runs();
    assert_eq!(unsafe { read(&[41, 42], 1) }, Ok(42));
    runs();
    assert_eq!(doubled(21), Ok(42));
    assert_eq!(runs(), 3);

    let mut client = Client::default();
    assert_eq!(client.ping(1), Ok(4));
    runs();
    assert_eq!(client.send(7), Ok(3));
    runs();
    assert_eq!(client.typed(8), Ok(6));
    runs();
    assert_eq!(block_on(client.send_later(1, "ab".into())), Ok(9));
    runs();
    assert_eq!(client.call(2), Ok(3));
    assert_eq!(client.sent, [7, 7, 7, 8, 8, 8, 3, 3, 3, 2, 2, 2]);
    runs();

    let mut log = Vec::new();
    assert_eq!(block_on(fetch("k".into(), &mut log)), Ok("K".into()));
    assert_eq!(log, ["k", "k", "k"]);
    runs();
    let mut memory = Memory { values: vec![] };
    assert_eq!(block_on(memory.load(2)), Ok(6));
    runs();
    assert_eq!(block_on(memory.put(1, "a".into())), Ok(3));
    runs();

    for (f, name) in [
        (timed_over as fn(u32) -> Result<u32, String>, "timed_over"),
        (timed_under, "timed_under"),
        (logged_over, "logged_over"),
        (logged_under, "logged_under"),
        (locked_over, "locked_over"),
        (locked_under, "locked_under"),
        (with_under, "with_under"),
    ] {
        assert_eq!(f(1), Ok(4), "{name}");
        assert_eq!(runs(), 3, "{name}");
    }
    assert_eq!(spawned(1).join().unwrap(), Ok(4));
    assert_eq!(runs(), 3);
    assert_eq!(block_on(everything_async("e".into())), Ok("e".into()));
    assert_eq!(runs(), 3);

    let stats = decor::timers::get(concat!(module_path!(), "::timed_over")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (1, 0));
    let stats = decor::timers::get(concat!(module_path!(), "::timed_under")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (3, 2));
}
