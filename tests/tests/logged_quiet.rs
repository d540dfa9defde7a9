//! `#[logged]` when its level is filtered out, as under `RUST_LOG=warn`: the
//! `Ok` path logs nothing, but an `Err` or a panic is still logged at its own
//! level (ERROR, or `err = warn`), naming the function since there is no
//! span to do it.
//!
//! This binary installs one global subscriber at WARN and never a scoped
//! one, so tracing's global max level stays WARN and every INFO call takes
//! the quiet path (in `logged.rs`, other tests' scoped TRACE subscribers
//! would raise it). Tests run in parallel and share the output, so each
//! looks for lines only its own function writes.

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use common::{block_on, Buffer};
use decor::logged;

fn output() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buffer
    })
}

/// The lines mentioning `needle`.
fn lines_with(needle: &str) -> Vec<String> {
    output()
        .text()
        .lines()
        .filter(|line| line.contains(needle))
        .map(str::to_owned)
        .collect()
}

/// The one line mentioning `needle`.
fn line_with(needle: &str) -> String {
    let lines = lines_with(needle);
    assert_eq!(lines.len(), 1, "lines with {needle:?}: {lines:#?}");
    lines.into_iter().next().unwrap()
}

#[logged]
fn parse_quietly(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n + 1)
}

#[test]
fn the_ok_path_logs_nothing_and_an_error_through_question_mark_is_logged() {
    output();
    assert!(!tracing::enabled!(tracing::Level::INFO));
    assert_eq!(parse_quietly("41"), Ok(42));
    assert!(lines_with("parse_quietly").is_empty());
    assert!(parse_quietly("forty").is_err());
    let line = line_with("function=\"parse_quietly\"");
    assert!(
        line.contains("ERROR logged_quiet: error error=invalid digit found in string"),
        "{line}"
    );
    // The quiet path reads no clock and opens no span.
    assert!(!line.contains("elapsed="), "{line}");
    assert!(!line.contains("call"), "{line}");
}

#[logged]
fn check_quietly(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err("zero is not allowed".into());
    }
    Ok(n)
}

#[test]
fn an_early_return_err_is_logged() {
    output();
    assert_eq!(check_quietly(3), Ok(3));
    assert!(check_quietly(0).is_err());
    let line = line_with("function=\"check_quietly\"");
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("error=zero is not allowed"), "{line}");
}

#[logged(err = warn)]
fn warn_quietly(fail: bool) -> Result<(), String> {
    if fail {
        Err("soft failure".into())
    } else {
        Ok(())
    }
}

#[test]
fn err_warn_is_logged_at_warn() {
    output();
    warn_quietly(false).unwrap();
    warn_quietly(true).unwrap_err();
    let line = line_with("function=\"warn_quietly\"");
    assert!(line.contains(" WARN "), "{line}");
    assert!(line.contains("error=soft failure"), "{line}");
}

#[logged]
fn explode_quietly(tag: &str) {
    panic!("quiet kaboom {tag}")
}

#[test]
fn a_panic_is_logged_with_its_message() {
    output();
    let caught = catch_unwind(|| explode_quietly("7"));
    assert!(caught.is_err());
    let line = line_with("function=\"explode_quietly\"");
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("panic=quiet kaboom 7"), "{line}");
}

macro_rules! bail {
    ($msg:expr) => {
        return Err($msg.to_string())
    };
}

#[logged]
fn bail_quietly(fail: bool) -> Result<(), String> {
    if fail {
        bail!("hidden");
    }
    Ok(())
}

#[test]
fn an_err_returned_inside_a_macro_is_logged() {
    output();
    bail_quietly(false).unwrap();
    bail_quietly(true).unwrap_err();
    let line = line_with("function=\"bail_quietly\"");
    assert!(
        line.contains("error=returned early from inside a macro"),
        "{line}"
    );
}

#[logged(level = debug, name = "fetch.quietly")]
async fn fetch_quietly(id: u32) -> Result<u32, String> {
    if id == 0 {
        return Err("no such id".into());
    }
    Ok(id * 10)
}

#[logged]
async fn explode_quietly_async() {
    panic!("async quiet kaboom")
}

#[test]
fn async_functions_log_errors_and_panics_quietly_too() {
    output();
    assert_eq!(block_on(fetch_quietly(4)), Ok(40));
    assert!(lines_with("fetch.quietly").is_empty());
    block_on(fetch_quietly(0)).unwrap_err();
    let line = line_with("function=\"fetch.quietly\"");
    assert!(line.contains("ERROR"), "{line}");
    assert!(line.contains("error=no such id"), "{line}");

    let caught = catch_unwind(AssertUnwindSafe(|| block_on(explode_quietly_async())));
    assert!(caught.is_err());
    let line = line_with("function=\"explode_quietly_async\"");
    assert!(line.contains("panic=async quiet kaboom"), "{line}");
}
