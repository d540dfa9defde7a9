//! `#[logged]` on `async fn`: free, generic, borrowing, methods, inside
//! `#[async_trait]` impls and provided methods; completion, errors,
//! panics and cancellation are all logged.

#[path = "support/mod.rs"]
mod support;

use std::fmt::Display;
use std::io;

use futures_executor::block_on;

use support::{expect_panic, poll_once, quiet_expected_panics, Capture, YieldOnce};

#[decor::logged]
async fn double(n: u32) -> u32 {
    YieldOnce(false).await;
    n * 2
}

#[decor::logged]
async fn nothing() {}

#[decor::logged]
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

#[decor::logged]
async fn io_alias(fail: bool) -> io::Result<u8> {
    if fail {
        std::fs::metadata("/nonexistent/decor/ui/test")?;
    }
    Ok(1)
}

#[decor::logged]
async fn first_word<'a>(text: &'a str) -> &'a str {
    text.split(' ').next().unwrap_or(text)
}

#[decor::logged]
async fn render<T: Display + Send>(value: T) -> String {
    YieldOnce(false).await;
    value.to_string()
}

#[decor::logged]
async fn opaque(n: u32) -> impl Display {
    n + 1
}

#[decor::logged]
async fn boom(n: u32) -> u32 {
    if n == 0 {
        panic!("zero is not allowed");
    }
    n
}

#[decor::logged]
async fn slow() -> u32 {
    YieldOnce(false).await;
    1
}

#[derive(Debug)]
struct Counter {
    total: u32,
}

impl Counter {
    #[decor::logged]
    async fn add(&mut self, n: u32) -> &mut u32 {
        YieldOnce(false).await;
        self.total += n;
        &mut self.total
    }

    #[decor::logged]
    async fn total(&self) -> u32 {
        self.total
    }
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<String, String>;

    #[decor::logged]
    async fn load_or_default(&self, key: u32) -> String {
        self.load(key).await.unwrap_or_default()
    }
}

#[derive(Debug)]
struct Memory(Vec<String>);

#[async_trait::async_trait]
impl Store for Memory {
    #[decor::logged]
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
    let capture = Capture::install();

    assert_eq!(block_on(double(2)), 4);
    let log = capture.take();
    assert!(
        log.contains("double: ") && log.contains("n=2") && log.contains("return=4"),
        "{log}"
    );
    block_on(nothing());
    assert_eq!(block_on(checked(3)), Ok(6));
    assert!(capture.take().contains("checked:double: "), "nested spans");
    assert_eq!(block_on(checked(0)), Err("zero".to_owned()));
    assert!(capture.take().contains("error=zero"));

    assert_eq!(block_on(io_alias(false)).unwrap(), 1);
    assert!(block_on(io_alias(true)).is_err());
    assert!(capture.take().contains("ERROR io_alias: "));

    let text = String::from("hello world");
    assert_eq!(block_on(first_word(&text)), "hello");
    assert_eq!(block_on(assert_send(render(5))), "5");
    assert_eq!(block_on(opaque(1)).to_string(), "2");

    expect_panic(|| block_on(boom(0)));
    let log = capture.take();
    assert!(log.contains("panic=zero is not allowed"), "{log}");

    let mut pending = Box::pin(slow());
    assert!(poll_once(pending.as_mut()).is_pending());
    drop(pending);
    let log = capture.take();
    assert!(log.contains("slow: ") && log.contains("cancelled"), "{log}");

    let mut counter = Counter { total: 1 };
    *block_on(counter.add(2)) += 10;
    assert_eq!(block_on(counter.total()), 13);
    assert!(capture.take().contains("return=13"));

    let store = Memory(vec!["zero".to_owned()]);
    assert_eq!(block_on(store.load(0)), Ok("zero".to_owned()));
    assert_eq!(block_on(store.load(1)), Err("no key 1".to_owned()));
    assert_eq!(block_on(store.load_or_default(1)), "");
    let log = capture.take();
    assert!(
        log.contains("key=0") && log.contains("error=no key 1"),
        "{log}"
    );
    assert!(log.contains("load_or_default:load: "), "{log}");
}
