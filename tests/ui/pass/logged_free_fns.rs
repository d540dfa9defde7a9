//! `#[logged]` on free functions: entry and exit events on every exit path
//! (tail, early `return`, `?`, panic, a `return` inside a macro).

#[path = "support/mod.rs"]
mod support;

use std::io;
use std::num::ParseIntError;

use support::{expect_panic, quiet_expected_panics, Capture};

type MyResult<T> = Result<T, String>;

#[decor::logged]
fn unit() {}

#[decor::logged]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[decor::logged]
fn parse(text: &str) -> Result<u32, ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.trim().parse()?;
    Ok(n * 2)
}

#[decor::logged]
fn read(ok: bool) -> io::Result<u8> {
    if ok {
        Ok(7)
    } else {
        Err(io::Error::other("disk on fire"))
    }
}

#[derive(Debug)]
struct OnlyDebug;

#[decor::logged]
fn aliased(n: u8) -> MyResult<u8> {
    match n {
        0 => Err("zero".to_owned()),
        n => Ok(n),
    }
}

#[decor::logged]
fn debug_error(fail: bool) -> Result<(), OnlyDebug> {
    if fail {
        return Err(OnlyDebug);
    }
    Ok(())
}

struct NotDebug(u8);

#[decor::logged]
fn not_debug(value: NotDebug) -> NotDebug {
    NotDebug(value.0 + 1)
}

macro_rules! bail {
    ($msg:expr) => {
        return Err($msg.to_string())
    };
}

#[decor::logged]
fn bails(n: u8) -> Result<u8, String> {
    if n == 0 {
        bail!("zero");
    }
    Ok(n)
}

#[decor::logged]
fn first_even(values: &[u8]) -> Option<u8> {
    let found = values.iter().find(|v| *v % 2 == 0)?;
    Some(*found)
}

#[decor::logged]
fn closures_keep_their_exits(values: &[&str]) -> Result<u32, ParseIntError> {
    let parse_all = |values: &[&str]| -> Result<Vec<u32>, ParseIntError> {
        let mut out = Vec::new();
        for v in values {
            if v.is_empty() {
                return Ok(out);
            }
            out.push(v.parse()?);
        }
        Ok(out)
    };
    let parsed = parse_all(values)?;
    Ok(parsed.iter().sum())
}

#[decor::logged]
fn unfinished(done: bool) -> u32 {
    if done {
        return 1;
    }
    todo!()
}

#[decor::logged]
fn boom(n: u8) -> u8 {
    if n == 0 {
        panic!("zero is not allowed");
    }
    n
}

#[decor::logged]
fn never(message: &str) -> ! {
    panic!("{message}")
}

fn main() {
    quiet_expected_panics();
    let capture = Capture::install();

    unit();
    let log = capture.take();
    assert!(
        log.contains("unit: ") && log.contains("call") && log.contains("return"),
        "{log}"
    );
    assert!(!log.contains("return="), "`()` is not logged: {log}");

    assert_eq!(add(1, 2), 3);
    let log = capture.take();
    assert!(log.contains("INFO add: "), "{log}");
    assert!(log.contains("call a=1 b=2"), "{log}");
    assert!(log.contains("return return=3 elapsed="), "{log}");

    assert_eq!(parse(""), Ok(0));
    assert!(capture.take().contains("return=Ok(0)"));
    assert_eq!(parse(" 21 "), Ok(42));
    assert!(capture.take().contains("return=Ok(42)"));
    assert!(parse("x").is_err());
    let log = capture.take();
    assert!(log.contains("ERROR parse: "), "{log}");
    assert!(
        log.contains("error error=invalid digit found in string"),
        "{log}"
    );

    assert_eq!(read(true).unwrap(), 7);
    assert!(read(false).is_err());
    let log = capture.take();
    assert!(log.contains("error=disk on fire"), "{log}");

    assert_eq!(aliased(0), Err("zero".to_owned()));
    assert!(capture.take().contains("error=zero"));
    debug_error(true).unwrap_err();
    let log = capture.take();
    assert!(log.contains("error=OnlyDebug"), "{log}");
    debug_error(false).unwrap();
    assert!(capture.take().contains("return=Ok(())"));

    assert_eq!(not_debug(NotDebug(1)).0, 2);
    let log = capture.take();
    assert!(log.contains("value=") && log.contains("NotDebug"), "{log}");

    assert_eq!(bails(0), Err("zero".to_owned()));
    let log = capture.take();
    assert!(
        log.contains("ERROR bails: "),
        "an unseen `return Err` is an error: {log}"
    );

    assert_eq!(first_even(&[1, 3]), None);
    let log = capture.take();
    // `return=None` is missing when `None` leaves through `?`: see
    // ui/wip/logged_option_try_return.rs.
    assert!(
        log.contains("first_even: ") && !log.contains("ERROR"),
        "{log}"
    );

    assert_eq!(closures_keep_their_exits(&["1", "2", "", "x"]), Ok(3));
    assert!(capture.take().contains("return=Ok(3)"));
    assert!(closures_keep_their_exits(&["x"]).is_err());
    assert!(capture.take().contains("ERROR closures_keep_their_exits: "));

    assert_eq!(unfinished(true), 1);
    expect_panic(|| unfinished(false));
    let log = capture.take();
    assert!(log.contains("panic=not yet implemented"), "{log}");

    assert_eq!(boom(3), 3);
    expect_panic(|| boom(0));
    let log = capture.take();
    assert!(
        log.contains("ERROR boom: ") && log.contains("panic=zero is not allowed"),
        "{log}"
    );

    assert_eq!(expect_panic(|| never("down")), "down");
    let log = capture.take();
    assert!(
        log.contains("never: ") && log.contains("panic=down"),
        "{log}"
    );
}
