//! Hygiene: the expansions compile in a crate that denies every clippy
//! lint group (trybuild runs rustc, so this checks the attribute is
//! accepted beside them; clippy itself lints the same shapes, and every
//! decorator on one-line bodies, in `tests/tests/lint_clean.rs`, a
//! workspace target CI's `cargo clippy --all-targets` sees).

#![deny(clippy::all, clippy::pedantic)]

#[decor::timed]
#[decor::logged]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::logged(skip(b), redact(c), fields(sum = a + b))]
#[decor::timed(level = info, warn_over = "1s")]
fn plain(a: u32, b: u32, c: u32) -> u32 {
    a + b + c
}

#[decor::timed]
#[decor::logged]
fn unit() {}

#[decor::logged]
#[decor::timed]
fn diverges(fail: bool) -> u32 {
    if fail {
        unimplemented!("failed");
    }
    1
}

#[derive(Debug)]
struct Thing(Vec<u8>);

impl Thing {
    #[decor::timed]
    #[decor::logged]
    fn bytes(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

#[decor::logged]
#[decor::timed]
async fn fetch(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err("zero".to_owned());
    }
    Ok(n)
}

#[decor::main(report = false, log = "warn")]
fn main() {
    assert_eq!(parse("7"), Ok(7));
    assert!(parse("x").is_err());
    assert_eq!(plain(1, 2, 3), 6);
    unit();
    assert_eq!(diverges(false), 1);
    let mut thing = Thing(vec![]);
    thing.bytes().push(1);
    assert_eq!(thing.0, [1]);
    assert_eq!(futures_executor::block_on(fetch(1)), Ok(1));
    let stats = decor::timers::get(concat!(module_path!(), "::parse")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
}
