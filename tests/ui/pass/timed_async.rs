//! `#[timed]` on `async fn`: free, generic, borrowing, methods, inside
//! `#[async_trait]` impls and provided methods; completion, errors,
//! panics and cancellation are all counted.

#[path = "support/mod.rs"]
mod support;

use std::fmt::Display;

use futures_executor::block_on;

use support::{expect_panic, poll_once, quiet_expected_panics, stats, YieldOnce};

#[decor::timed]
async fn double(n: u32) -> u32 {
    YieldOnce(false).await;
    n * 2
}

#[decor::timed]
async fn nothing() {}

#[decor::timed]
async fn checked(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err("zero".to_owned());
    }
    let parsed: u32 = n
        .to_string()
        .parse()
        .map_err(|_| "unreachable".to_owned())?;
    Ok(double(parsed).await)
}

#[decor::timed]
async fn io_alias(fail: bool) -> std::io::Result<u8> {
    if fail {
        std::fs::metadata("/nonexistent/decor/ui/test")?;
    }
    Ok(1)
}

#[decor::timed]
async fn first_word<'a>(text: &'a str) -> &'a str {
    text.split(' ').next().unwrap_or(text)
}

#[decor::timed]
async fn render<T: Display + Send>(value: T) -> String {
    YieldOnce(false).await;
    value.to_string()
}

#[decor::timed]
async fn opaque(n: u32) -> impl Display {
    n + 1
}

#[decor::timed]
async fn boom(n: u32) -> u32 {
    if n == 0 {
        panic!("zero");
    }
    n
}

#[decor::timed]
async fn slow() -> u32 {
    YieldOnce(false).await;
    1
}

struct Counter {
    total: u32,
}

impl Counter {
    #[decor::timed]
    async fn add(&mut self, n: u32) -> &mut u32 {
        YieldOnce(false).await;
        self.total += n;
        &mut self.total
    }

    #[decor::timed]
    async fn total(&self) -> u32 {
        self.total
    }

    #[decor::timed]
    async fn into_total(self) -> u32 {
        self.total
    }
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<String, String>;

    #[decor::timed]
    async fn load_or_default(&self, key: u32) -> String {
        self.load(key).await.unwrap_or_default()
    }
}

struct Memory(Vec<String>);

#[async_trait::async_trait]
impl Store for Memory {
    #[decor::timed]
    async fn load(&self, key: u32) -> Result<String, String> {
        YieldOnce(false).await;
        let value = self.0.get(key as usize).ok_or(format!("no key {key}"))?;
        Ok(value.clone())
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn main() {
    quiet_expected_panics();

    assert_eq!(block_on(double(2)), 4);
    block_on(nothing());
    assert_eq!(block_on(checked(3)), Ok(6));
    assert_eq!(block_on(checked(0)), Err("zero".to_owned()));
    let checked_stats = stats!("checked");
    assert_eq!((checked_stats.calls(), checked_stats.errors()), (2, 1));
    assert_eq!(stats!("double").calls(), 2);
    assert_eq!(stats!("nothing").calls(), 1);

    assert_eq!(block_on(io_alias(false)).unwrap(), 1);
    assert!(block_on(io_alias(true)).is_err());
    assert_eq!(stats!("io_alias").errors(), 1);

    let text = String::from("hello world");
    assert_eq!(block_on(first_word(&text)), "hello");
    assert_eq!(block_on(assert_send(render(5))), "5");
    assert_eq!(block_on(opaque(1)).to_string(), "2");

    expect_panic(|| block_on(boom(0)));
    assert_eq!(block_on(boom(1)), 1);
    let boom_stats = stats!("boom");
    assert_eq!((boom_stats.calls(), boom_stats.panics()), (2, 1));

    // Polled once, then dropped while pending: cancelled.
    let mut pending = Box::pin(slow());
    assert!(poll_once(pending.as_mut()).is_pending());
    drop(pending);
    // Never polled: not a call at all.
    drop(slow());
    assert_eq!(block_on(slow()), 1);
    let slow_stats = stats!("slow");
    assert_eq!((slow_stats.calls(), slow_stats.cancelled()), (2, 1));

    let mut counter = Counter { total: 1 };
    *block_on(counter.add(2)) += 10;
    assert_eq!(block_on(counter.total()), 13);
    assert_eq!(block_on(counter.into_total()), 13);
    assert_eq!(stats!("add").calls(), 1);

    let store = Memory(vec!["zero".to_owned()]);
    assert_eq!(block_on(store.load(0)), Ok("zero".to_owned()));
    assert_eq!(block_on(store.load(1)), Err("no key 1".to_owned()));
    assert_eq!(block_on(store.load_or_default(1)), "");
    let load = stats!("load");
    assert_eq!((load.calls(), load.errors()), (3, 2));
    assert_eq!(stats!("load_or_default").calls(), 1);
}
