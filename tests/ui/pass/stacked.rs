//! `#[decor::timed]` and `#[decor::logged]` stacked in both orders, on the
//! shapes where expansions have to cooperate: `?`, early `return`, borrows
//! of `self`, `#[track_caller]`, `async fn` and `#[async_trait]`.

#[path = "support/mod.rs"]
mod support;

use std::num::ParseIntError;
use std::panic::Location;

use futures_executor::block_on;

use support::{stats, Capture};

#[decor::timed]
#[decor::logged]
fn timed_outside(text: &str) -> Result<u32, ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::logged]
#[decor::timed]
fn logged_outside(text: &str) -> Result<u32, ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[derive(Debug)]
struct Buffer {
    bytes: Vec<u8>,
}

impl Buffer {
    #[decor::timed]
    #[decor::logged]
    fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    #[decor::logged]
    #[decor::timed]
    fn first_mut(&mut self) -> Option<&mut u8> {
        if self.bytes.is_empty() {
            return None;
        }
        self.bytes.first_mut()
    }
}

#[decor::timed]
#[decor::logged]
#[track_caller]
fn caller_line() -> u32 {
    Location::caller().line()
}

#[track_caller]
#[decor::logged]
#[decor::timed]
fn caller_line_reversed() -> u32 {
    Location::caller().line()
}

#[decor::timed]
#[decor::logged]
async fn async_timed_outside(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err("zero".to_owned());
    }
    Ok(n)
}

#[decor::logged]
#[decor::timed]
async fn async_logged_outside(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err("zero".to_owned());
    }
    Ok(n)
}

#[async_trait::async_trait]
trait Service {
    async fn call(&self, n: u32) -> Result<u32, String>;
    async fn call_reversed(&self, n: u32) -> Result<u32, String>;
}

#[derive(Debug)]
struct Doubler;

#[async_trait::async_trait]
impl Service for Doubler {
    #[decor::timed]
    #[decor::logged]
    async fn call(&self, n: u32) -> Result<u32, String> {
        n.checked_mul(2).ok_or_else(|| "overflow".to_owned())
    }

    #[decor::logged]
    #[decor::timed]
    async fn call_reversed(&self, n: u32) -> Result<u32, String> {
        let doubled = n.checked_mul(2).ok_or_else(|| "overflow".to_owned())?;
        Ok(doubled)
    }
}

fn main() {
    let capture = Capture::install();

    for f in [timed_outside, logged_outside] {
        assert_eq!(f(""), Ok(0));
        assert_eq!(f("5"), Ok(5));
        assert!(f("x").is_err());
    }
    for name in ["timed_outside", "logged_outside"] {
        let stats = decor::timers::get(&format!("{}::{name}", module_path!())).unwrap();
        assert_eq!((stats.calls(), stats.errors()), (3, 1), "{name}");
    }
    let log = capture.take();
    assert!(
        log.contains("timed_outside: ") && log.contains("logged_outside: "),
        "{log}"
    );
    assert_eq!(log.matches("error=invalid digit").count(), 2, "{log}");

    let mut buffer = Buffer { bytes: vec![] };
    buffer.bytes_mut().push(1);
    *buffer.first_mut().unwrap() = 2;
    assert_eq!(buffer.bytes, [2]);
    assert_eq!(stats!("bytes_mut").calls(), 1);
    assert_eq!(stats!("first_mut").calls(), 1);

    let line = line!();
    assert_eq!(caller_line(), line + 1);
    assert_eq!(caller_line_reversed(), line + 2);

    for n in [0, 1] {
        assert_eq!(block_on(async_timed_outside(n)).is_ok(), n == 1);
        assert_eq!(block_on(async_logged_outside(n)).is_ok(), n == 1);
    }
    assert_eq!(stats!("async_timed_outside").errors(), 1);
    assert_eq!(stats!("async_logged_outside").errors(), 1);

    assert_eq!(block_on(Doubler.call(2)), Ok(4));
    assert!(block_on(Doubler.call(u32::MAX)).is_err());
    assert_eq!(block_on(Doubler.call_reversed(3)), Ok(6));
    assert!(block_on(Doubler.call_reversed(u32::MAX)).is_err());
    assert_eq!((stats!("call").calls(), stats!("call").errors()), (2, 1));
    let reversed = stats!("call_reversed");
    assert_eq!((reversed.calls(), reversed.errors()), (2, 1));
    let log = capture.take();
    assert_eq!(log.matches("error=overflow").count(), 2, "{log}");
}
