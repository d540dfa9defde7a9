//! `#[timed]` on free functions: every exit path (tail, early `return`, `?`,
//! panic, a `return` inside a macro) is recorded and classified.

#[path = "support/mod.rs"]
mod support;

use std::io;
use std::num::ParseIntError;

use support::{expect_panic, quiet_expected_panics, stats};

type MyResult<T> = Result<T, String>;

#[decor::timed]
fn unit() {}

#[decor::timed]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[decor::timed]
fn parse(text: &str) -> Result<u32, ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.trim().parse()?;
    Ok(n * 2)
}

#[decor::timed]
fn read(ok: bool) -> io::Result<u8> {
    if ok {
        Ok(7)
    } else {
        Err(io::Error::other("nope"))
    }
}

#[decor::timed]
fn aliased(n: u8) -> MyResult<u8> {
    match n {
        0 => Err("zero".to_owned()),
        n => Ok(n),
    }
}

macro_rules! bail {
    ($msg:expr) => {
        return Err($msg.to_string())
    };
}

#[decor::timed]
fn bails(n: u8) -> Result<u8, String> {
    if n == 0 {
        bail!("zero");
    }
    Ok(n)
}

#[decor::timed]
fn first_even(values: &[u8]) -> Option<u8> {
    let found = values.iter().find(|v| *v % 2 == 0)?;
    Some(*found)
}

#[decor::timed]
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
    fn nested(n: u32) -> u32 {
        if n > 10 {
            return 10;
        }
        n
    }
    let parsed = parse_all(values)?;
    Ok(nested(parsed.iter().sum()))
}

#[decor::timed]
fn early_from_loop(values: &[u32], needle: u32) -> Option<usize> {
    for (i, v) in values.iter().enumerate() {
        if *v == needle {
            return Some(i);
        }
    }
    None
}

#[decor::timed]
fn unfinished(done: bool) -> u32 {
    if done {
        return 1;
    }
    todo!()
}

#[decor::timed]
fn branchy(done: bool) -> u32 {
    if done {
        2
    } else {
        unimplemented!("not yet")
    }
}

#[decor::timed]
fn boom(n: u8) -> u8 {
    if n == 0 {
        panic!("zero");
    }
    n
}

#[decor::timed]
fn never(message: &str) -> ! {
    panic!("{message}")
}

#[decor::timed]
fn with_block_tail(n: u32) -> u32 {
    let doubled = {
        let x = n;
        x * 2
    };
    match doubled {
        0 => 0,
        d => d + 1,
    }
}

fn main() {
    quiet_expected_panics();

    unit();
    assert_eq!(stats!("unit").calls(), 1);

    assert_eq!(add(1, 2), 3);
    assert_eq!(add(2, 2), 4);
    let add_stats = stats!("add");
    assert_eq!((add_stats.calls(), add_stats.errors()), (2, 0));
    assert_eq!(add_stats.name(), concat!(module_path!(), "::add"));

    assert_eq!(parse(""), Ok(0));
    assert_eq!(parse(" 21 "), Ok(42));
    assert!(parse("x").is_err());
    let parse_stats = stats!("parse");
    assert_eq!((parse_stats.calls(), parse_stats.errors()), (3, 1));

    assert_eq!(read(true).unwrap(), 7);
    assert_eq!(read(false).unwrap_err().kind(), io::ErrorKind::Other);
    assert_eq!((stats!("read").calls(), stats!("read").errors()), (2, 1));

    assert_eq!(aliased(3), Ok(3));
    assert_eq!(aliased(0), Err("zero".to_owned()));
    assert_eq!(stats!("aliased").errors(), 1);

    assert_eq!(bails(1), Ok(1));
    assert_eq!(bails(0), Err("zero".to_owned()));
    assert_eq!((stats!("bails").calls(), stats!("bails").errors()), (2, 1));

    assert_eq!(first_even(&[1, 3, 4]), Some(4));
    assert_eq!(first_even(&[1, 3]), None);
    assert_eq!(
        (stats!("first_even").calls(), stats!("first_even").errors()),
        (2, 0)
    );

    assert_eq!(closures_keep_their_exits(&["1", "2", "", "x"]), Ok(3));
    assert_eq!(closures_keep_their_exits(&["4", "5", "6"]), Ok(10));
    assert!(closures_keep_their_exits(&["x"]).is_err());
    let closures = stats!("closures_keep_their_exits");
    assert_eq!((closures.calls(), closures.errors()), (3, 1));

    assert_eq!(early_from_loop(&[5, 6, 7], 6), Some(1));
    assert_eq!(early_from_loop(&[5, 6, 7], 8), None);
    assert_eq!(stats!("early_from_loop").calls(), 2);

    assert_eq!(unfinished(true), 1);
    assert_eq!(expect_panic(|| unfinished(false)), "not yet implemented");
    let unfinished_stats = stats!("unfinished");
    assert_eq!(
        (unfinished_stats.calls(), unfinished_stats.panics()),
        (2, 1)
    );

    assert_eq!(branchy(true), 2);
    assert_eq!(expect_panic(|| branchy(false)), "not implemented: not yet");
    assert_eq!(stats!("branchy").panics(), 1);

    assert_eq!(boom(3), 3);
    assert_eq!(expect_panic(|| boom(0)), "zero");
    let boom_stats = stats!("boom");
    assert_eq!(
        (boom_stats.calls(), boom_stats.errors(), boom_stats.panics()),
        (2, 0, 1)
    );

    assert_eq!(expect_panic(|| never("down")), "down");
    assert_eq!((stats!("never").calls(), stats!("never").panics()), (1, 1));

    assert_eq!(with_block_tail(0), 0);
    assert_eq!(with_block_tail(2), 5);

    assert!(decor::timers::report().to_string().contains("add"));
}
