//! `#[logged]` keeps `#[track_caller]` working, above or below it.

#[path = "support/mod.rs"]
mod support;

use std::panic::{self, Location};

use support::{record_panic_line, recorded_panic_line, Capture};

#[decor::logged]
#[track_caller]
fn below() -> u32 {
    Location::caller().line()
}

#[track_caller]
#[decor::logged]
fn above() -> u32 {
    Location::caller().line()
}

#[decor::logged]
#[track_caller]
fn checked(n: Option<u32>) -> u32 {
    n.expect("no value")
}

#[decor::logged]
#[track_caller]
fn fallible(n: &str) -> Result<(u32, u32), std::num::ParseIntError> {
    let line = Location::caller().line();
    if n.is_empty() {
        return Ok((0, line));
    }
    Ok((n.parse()?, line))
}

#[derive(Debug)]
struct Thing;

impl Thing {
    #[decor::logged]
    #[track_caller]
    fn here(&self) -> &'static Location<'static> {
        Location::caller()
    }
}

fn main() {
    // Set before the first `#[logged]` call, which chains its own hook in
    // front of it to learn panic messages.
    record_panic_line("no value");
    let capture = Capture::install();

    let line = line!();
    assert_eq!(below(), line + 1);
    assert_eq!(above(), line + 2);
    let location = Thing.here();
    assert_eq!(location.line(), line + 3);
    assert_eq!(location.file(), file!());

    assert_eq!(fallible("7"), Ok((7, line!())));
    assert_eq!(fallible(""), Ok((0, line!())));
    assert!(fallible("x").is_err());
    assert!(capture.take().contains("ERROR fallible: "));

    assert_eq!(checked(Some(1)), 1);
    let panic_line = line!() + 1;
    assert!(panic::catch_unwind(|| checked(None)).is_err());
    assert_eq!(recorded_panic_line(), Some(panic_line));
    let log = capture.take();
    assert!(log.contains("panic=no value"), "{log}");
}
