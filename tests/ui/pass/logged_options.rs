//! `#[logged]` options: `level`, `name`, `target`, `skip`, `skip_all`,
//! `redact`, `fields`, `ret = false`, `err`, `crate`, checked in the
//! captured output of a subscriber that lets DEBUG and above through.

#[path = "support/mod.rs"]
mod support;

use support::Capture;

#[decor::logged(skip(password))]
fn login(user: &str, password: &str) -> Result<u32, String> {
    if password.len() < 8 {
        return Err(format!("password of {user} is too short"));
    }
    Ok(user.len() as u32)
}

#[decor::logged(redact(token))]
fn fetch(url: &str, token: &str) -> usize {
    url.len() + token.len()
}

#[decor::logged(skip_all)]
fn secret(a: &str, b: &str) -> usize {
    a.len() + b.len()
}

#[decor::logged(skip_all = false)]
fn not_so_secret(visible: u8) -> u8 {
    visible
}

#[decor::logged(skip(a, c), redact(b))]
fn mixed(a: u8, b: u8, c: u8, d: u8) -> u8 {
    a + b + c + d
}

#[decor::logged(skip_all, fields(user = %name, attempt = 1, request.id = ?id, len = name.len()))]
fn with_fields(name: &str, id: Option<u32>) -> usize {
    name.len() + id.unwrap_or(0) as usize
}

#[decor::logged(ret = false)]
fn big_result() -> Vec<u32> {
    vec![4242; 3]
}

#[decor::logged(ret = false)]
fn big_fallible(fail: bool) -> Result<Vec<u32>, String> {
    if fail {
        return Err("failed anyway".to_owned());
    }
    Ok(vec![4242; 3])
}

#[decor::logged(err = warn)]
fn soft_error() -> Result<(), String> {
    Err("only a warning".to_owned())
}

#[decor::logged(err = "info", level = debug)]
fn quiet_error() -> Result<(), String> {
    Err("at info".to_owned())
}

#[decor::logged(target = "my_app::db")]
fn query(sql: &str) -> usize {
    sql.len()
}

#[decor::logged(name = "custom_span")]
fn renamed() -> u8 {
    1
}

#[decor::logged(level = debug)]
fn at_debug() -> u8 {
    2
}

#[decor::logged(level = "warn")]
fn at_warn() -> u8 {
    3
}

#[decor::logged(level = trace)]
fn at_trace() -> u8 {
    4
}

#[decor::logged(crate = ::decor, level = error, name = "all", target = "t", skip_all, ret = false, err = warn)]
fn every_option(x: u8) -> Result<u8, u8> {
    Ok(x)
}

fn main() {
    let capture = Capture::install_at(tracing::Level::DEBUG);

    assert_eq!(login("ada", "correct horse"), Ok(3));
    assert!(login("ada", "x").is_err());
    let log = capture.take();
    assert!(
        log.contains("call user=\"ada\"") && !log.contains("password="),
        "{log}"
    );
    assert!(!log.contains("correct horse"), "{log}");
    assert!(log.contains("password of ada is too short"), "{log}");

    assert_eq!(fetch("https://x", "s3cret"), 15);
    let log = capture.take();
    assert!(log.contains("url=\"https://x\" token=\"***\""), "{log}");
    assert!(!log.contains("s3cret"), "{log}");

    assert_eq!(secret("hidden-a", "hidden-b"), 16);
    let log = capture.take();
    assert!(log.contains("secret: ") && !log.contains("hidden"), "{log}");

    assert_eq!(not_so_secret(7), 7);
    assert!(capture.take().contains("visible=7"));

    assert_eq!(mixed(1, 2, 3, 4), 10);
    let log = capture.take();
    assert!(log.contains("call b=\"***\" d=4"), "{log}");

    assert_eq!(with_fields("ada", Some(7)), 10);
    let log = capture.take();
    assert!(
        log.contains("with_fields{user=ada attempt=1 request.id=Some(7) len=3}"),
        "{log}"
    );

    assert_eq!(big_result().len(), 3);
    let log = capture.take();
    assert!(
        log.contains("big_result: ") && !log.contains("4242"),
        "{log}"
    );
    assert!(big_fallible(true).is_err());
    assert_eq!(big_fallible(false).unwrap().len(), 3);
    let log = capture.take();
    assert!(
        log.contains("ERROR big_fallible: ") && log.contains("error=failed anyway"),
        "{log}"
    );
    assert!(!log.contains("4242"), "{log}");

    assert!(soft_error().is_err());
    let log = capture.take();
    assert!(
        log.contains("WARN soft_error: ") && !log.contains("ERROR"),
        "{log}"
    );
    assert!(quiet_error().is_err());
    let log = capture.take();
    assert!(
        log.contains("INFO quiet_error: ") && log.contains("error=at info"),
        "{log}"
    );
    assert!(log.contains("DEBUG quiet_error: "), "{log}");

    assert_eq!(query("select 1"), 8);
    let log = capture.take();
    assert!(log.contains("my_app::db: call sql=\"select 1\""), "{log}");

    assert_eq!(renamed(), 1);
    let log = capture.take();
    assert!(
        log.contains("custom_span: ") && !log.contains("renamed"),
        "{log}"
    );

    assert_eq!(at_debug(), 2);
    assert!(capture.take().contains("DEBUG at_debug: "));
    assert_eq!(at_warn(), 3);
    assert!(capture.take().contains("WARN at_warn: "));
    // The subscriber lets DEBUG and above through: nothing at TRACE.
    assert_eq!(at_trace(), 4);
    assert_eq!(capture.take(), "");

    assert_eq!(every_option(5), Ok(5));
    let log = capture.take();
    assert!(log.contains("ERROR all: t: call"), "{log}");
    assert!(!log.contains("x=5") && !log.contains("Ok(5)"), "{log}");
}
