//! Hygiene: crate-root items named like the prelude (`Option`, `Some`,
//! `None`, `Ok`, `Err`, `Box`, `Vec`, `String`, `Default`, `drop`, `panic`) do not capture the
//! names the expansions use.

#![allow(dead_code, non_camel_case_types)]

struct Option;
struct Some;
struct None;
struct Ok;
struct Err;
struct Box;
struct Vec;
struct String;
struct Default;
fn drop() {}
fn panic() {}

#[decor::timed]
#[decor::logged]
fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return std::result::Result::Ok(0);
    }
    let n: u32 = text.parse()?;
    std::result::Result::Ok(n)
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
struct Thing(std::vec::Vec<u8>);

impl Thing {
    #[decor::timed]
    #[decor::logged]
    fn bytes(&mut self) -> &mut std::vec::Vec<u8> {
        &mut self.0
    }
}

#[decor::logged]
#[decor::timed]
async fn fetch(n: u32) -> Result<u32, std::string::String> {
    if n == 0 {
        return std::result::Result::Err(std::string::String::from("zero"));
    }
    std::result::Result::Ok(n)
}

#[decor::main(report = false, log = "warn")]
fn main() {
    assert_eq!(parse("7"), std::result::Result::Ok(7));
    assert!(parse("x").is_err());
    assert_eq!(plain(1, 2, 3), 6);
    unit();
    assert_eq!(diverges(false), 1);
    let mut thing = Thing(std::vec::Vec::new());
    thing.bytes().push(1);
    assert_eq!(thing.0, [1]);
    assert_eq!(
        futures_executor::block_on(fetch(1)),
        std::result::Result::Ok(1)
    );
    let stats = decor::timers::get(concat!(module_path!(), "::parse")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
}
