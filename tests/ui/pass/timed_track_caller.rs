//! `#[timed]` keeps `#[track_caller]` working, above or below it.

use std::panic::{self, Location};
use std::sync::Mutex;

macro_rules! stats {
    ($f:literal) => {
        decor::timers::get(concat!(module_path!(), "::", $f)).expect(concat!("no timer for ", $f))
    };
}

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

static PANIC_LINE: Mutex<Option<u32>> = Mutex::new(None);

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

    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if info.payload_as_str() == Some("no value") {
            *PANIC_LINE.lock().unwrap() = info.location().map(|l| l.line());
        } else {
            default(info);
        }
    }));
    assert_eq!(checked(Some(1)), 1);
    let panic_line = line!() + 1;
    assert!(panic::catch_unwind(|| checked(None)).is_err());
    assert_eq!(*PANIC_LINE.lock().unwrap(), Some(panic_line));
    let checked_stats = stats!("checked");
    assert_eq!((checked_stats.calls(), checked_stats.panics()), (2, 1));
}
