//! Hygiene of `#[with]` and `#[retry]`: no warning in a crate that denies
//! them (and clippy's groups), and neither a crate-root `mod core {}` nor
//! `type Result = ();` captures the expansions' paths. Self-contained, like
//! the other hygiene programs.

#![deny(warnings)]
#![deny(clippy::all, clippy::pedantic)]
#![forbid(unsafe_code)]

#[allow(dead_code)]
mod core {
    pub struct Shadow;
}

#[allow(dead_code)]
type Result = ();

#[allow(dead_code)]
enum Option {
    Shadowed,
}

use decor::{After, Call, Decorator, Outcome};

struct Twice;

impl Decorator for Twice {
    type State = ();
    fn may_repeat(&self, call: &Call<'_>, (): &()) -> bool {
        call.attempt() < 2
    }
    fn after(&self, call: &Call<'_>, (): &mut (), outcome: &Outcome<'_>) -> After {
        if outcome.is_err() && call.attempt() < 2 {
            After::Again(std::time::Duration::ZERO)
        } else {
            After::Return
        }
    }
}

fn audit(call: &Call<'_>) {
    assert!(!call.name().is_empty());
}

#[decor::with(audit)]
fn unit() {}

#[decor::with(Twice)]
fn parse(text: &str) -> std::result::Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::with(Twice)]
#[must_use]
fn owned(mut words: Vec<String>, out: &mut Vec<String>) -> usize {
    words.sort();
    out.extend(words);
    out.len()
}

#[decor::with(Twice)]
fn diverges(fail: bool) -> u32 {
    if fail {
        unimplemented!("failed");
    }
    1
}

#[decor::with(Twice)]
fn takes_unit(_: ()) {}

#[decor::with(Twice)]
fn looping(n: u32) -> u32 {
    let mut i = 0;
    loop {
        i += 1;
        if i == n {
            break i;
        }
    }
}

#[decor::retry(delay = "0ms")]
fn fetch(text: &str) -> std::result::Result<u32, std::num::ParseIntError> {
    text.parse()
}

#[decor::retry(attempts = 2, delay = "0ms", when = |e| e.kind() == std::io::ErrorKind::Interrupted)]
fn read(path: String) -> std::io::Result<usize> {
    Ok(path.len())
}

#[derive(Debug)]
struct Thing(Vec<u8>);

impl Thing {
    #[decor::with(Twice)]
    fn len(&mut self) -> usize {
        self.0.push(1);
        self.0.len()
    }

    #[decor::retry(delay = "0ms")]
    fn first(&self) -> std::result::Result<u8, String> {
        self.0.first().copied().ok_or_else(|| "empty".to_owned())
    }
}

#[decor::with(Twice)]
async fn async_unit() {}

#[decor::retry(delay = "0ms")]
async fn async_fetch(n: u32) -> std::result::Result<u32, String> {
    if n == 0 {
        return Err("zero".to_owned());
    }
    Ok(n)
}

#[decor::timed]
#[decor::logged]
#[decor::retry(delay = "0ms")]
#[decor::with(audit)]
fn stacked(n: u32) -> std::result::Result<u32, String> {
    Ok(n)
}

fn main() {
    unit();
    assert_eq!(parse("7"), Ok(7));
    assert!(parse("x").is_err());
    let mut out = Vec::new();
    assert_eq!(owned(vec!["b".into(), "a".into()], &mut out), 2);
    assert_eq!(diverges(false), 1);
    takes_unit(());
    assert_eq!(looping(3), 3);
    assert_eq!(fetch("7"), Ok(7));
    assert_eq!(read("ab".to_owned()).unwrap(), 2);
    let mut thing = Thing(vec![]);
    assert_eq!(thing.len(), 1);
    assert_eq!(thing.first(), Ok(1));
    futures_executor::block_on(async_unit());
    assert_eq!(futures_executor::block_on(async_fetch(1)), Ok(1));
    assert_eq!(stacked(2), Ok(2));
}
