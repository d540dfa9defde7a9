//! Hygiene: the expansions raise no warning in a crate that denies them,
//! nor in one that forbids `unsafe` code.

#![deny(warnings)]
#![forbid(unsafe_code)]

#[decor::timed]
fn never_returns() -> ! {
    panic!("never")
}

#[decor::logged]
fn unfinished(done: bool) -> u32 {
    if done {
        return 1;
    }
    todo!()
}

#[decor::logged(skip_all)]
#[decor::timed]
fn all_skipped(_a: u32, b: u32) -> u32 {
    b
}

#[decor::timed]
#[decor::logged]
fn looping(n: u32) -> u32 {
    let mut i = 0;
    loop {
        i += 1;
        if i == n {
            break i;
        }
    }
}

#[decor::timed]
#[decor::logged]
fn takes_unit(_: ()) {}

#[decor::timed]
#[decor::logged]
#[must_use]
fn must_use() -> u32 {
    1
}

#[decor::logged]
#[decor::timed]
async fn async_unit() {}

#[decor::logged]
#[decor::timed]
async fn async_diverges(fail: bool) -> u32 {
    if fail {
        unimplemented!()
    }
    2
}

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
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str() != Some("never") {
            default(info);
        }
    }));
    assert!(std::panic::catch_unwind(|| never_returns()).is_err());
    assert_eq!(unfinished(true), 1);
    assert_eq!(all_skipped(1, 2), 2);
    assert_eq!(looping(3), 3);
    takes_unit(());
    assert_eq!(must_use(), 1);
    futures_executor::block_on(async_unit());
    assert_eq!(futures_executor::block_on(async_diverges(false)), 2);
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
