//! `#[logged]` keeps `#[track_caller]` working, above or below it.

use std::io::{self, Write};
use std::panic::{self, Location};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn install() -> Capture {
        let capture = Capture::default();
        let writer = capture.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .without_time()
            .with_max_level(tracing::Level::TRACE)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        capture
    }

    fn take(&self) -> String {
        String::from_utf8(std::mem::take(&mut *self.0.lock().unwrap())).unwrap()
    }
}

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

static PANIC_LINE: Mutex<Option<u32>> = Mutex::new(None);

fn main() {
    // Set before the first `#[logged]` call, which chains its own hook in
    // front of it to learn panic messages.
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if info.payload_as_str() == Some("no value") {
            *PANIC_LINE.lock().unwrap() = info.location().map(|l| l.line());
        } else {
            default(info);
        }
    }));
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
    assert_eq!(*PANIC_LINE.lock().unwrap(), Some(panic_line));
    let log = capture.take();
    assert!(log.contains("panic=no value"), "{log}");
}
