//! `#[timed]` keeps `#[track_caller]` working, above or below it.

#[path = "support/mod.rs"]
mod support;

use std::panic::{self, Location};

use support::{record_panic_line, recorded_panic_line, stats};

#[decor::timed]
#[track_caller]
fn below() -> u32 {
    Location::caller().line()
}

#[track_caller]
#[decor::timed]
fn above() -> u32 {
    Location::caller().line()
}

#[decor::timed]
#[track_caller]
fn checked(n: Option<u32>) -> u32 {
    n.expect("no value")
}

#[decor::timed]
#[track_caller]
fn fallible(n: &str) -> Result<(u32, u32), std::num::ParseIntError> {
    let line = Location::caller().line();
    if n.is_empty() {
        return Ok((0, line));
    }
    Ok((n.parse()?, line))
}

struct Thing;

impl Thing {
    #[decor::timed]
    #[track_caller]
    fn here(&self) -> &'static Location<'static> {
        Location::caller()
    }
}

fn main() {
    let line = line!();
    assert_eq!(below(), line + 1);
    assert_eq!(above(), line + 2);
    let location = Thing.here();
    assert_eq!(location.line(), line + 3);
    assert_eq!(location.file(), file!());

    assert_eq!(fallible("7"), Ok((7, line!())));
    assert_eq!(fallible(""), Ok((0, line!())));
    assert!(fallible("x").is_err());
    let fallible_stats = stats!("fallible");
    assert_eq!((fallible_stats.calls(), fallible_stats.errors()), (3, 1));

    record_panic_line("no value");
    assert_eq!(checked(Some(1)), 1);
    let panic_line = line!() + 1;
    assert!(panic::catch_unwind(|| checked(None)).is_err());
    assert_eq!(recorded_panic_line(), Some(panic_line));
    let checked_stats = stats!("checked");
    assert_eq!((checked_stats.calls(), checked_stats.panics()), (2, 1));
}
