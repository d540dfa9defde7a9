//! `#[timed]` options: `name`, `level` (ident, string, `off`), `warn_over`
//! and `crate`, checked through the timers and the events they emit.

#[path = "support/mod.rs"]
mod support;

use std::time::Duration;

use support::Capture;

#[decor::timed(name = "custom.name")]
fn named() -> u8 {
    1
}

#[decor::timed(name = "shared")]
fn shared_a() {}

#[decor::timed(name = "shared")]
fn shared_b() {}

#[decor::timed(level = off)]
fn silent() {}

#[decor::timed(level = "info")]
fn info_level() {}

#[decor::timed(level = warn)]
fn warn_level() {}

#[decor::timed(level = trace)]
fn trace_level() {}

#[decor::timed(level = off, warn_over = "1ms")]
fn slow() {
    std::thread::sleep(Duration::from_millis(5));
}

#[decor::timed(level = off, warn_over = "1h")]
fn fast() {}

#[decor::timed(crate = ::decor)]
fn absolute_crate() -> u8 {
    2
}

#[decor::timed(crate = decor, name = "with.crate", level = debug, warn_over = "1.5s")]
fn every_option() -> Result<u8, String> {
    Ok(3)
}

#[decor::timed(warn_over = "250us")]
fn micro() {}

#[decor::timed(warn_over = "2m")]
fn minutes() {}

fn main() {
    let capture = Capture::install();

    assert_eq!(named(), 1);
    assert_eq!(decor::timers::get("custom.name").unwrap().calls(), 1);
    assert!(decor::timers::get(concat!(module_path!(), "::named")).is_none());

    shared_a();
    shared_b();
    shared_b();
    assert_eq!(decor::timers::get("shared").unwrap().calls(), 3);

    silent();
    assert_eq!(
        decor::timers::get(concat!(module_path!(), "::silent"))
            .unwrap()
            .calls(),
        1
    );
    assert!(
        !capture.take().contains("silent"),
        "level = off emits no event"
    );

    info_level();
    let log = capture.take();
    assert!(log.contains("INFO") && log.contains("info_level"), "{log}");
    warn_level();
    let log = capture.take();
    assert!(log.contains("WARN") && log.contains("warn_level"), "{log}");
    trace_level();
    let log = capture.take();
    assert!(
        log.contains("TRACE") && log.contains("trace_level"),
        "{log}"
    );

    slow();
    let log = capture.take();
    assert!(
        log.contains("WARN") && log.contains("slow call") && log.contains("slow"),
        "{log}"
    );
    fast();
    assert_eq!(capture.take(), "", "a fast call is not reported");

    assert_eq!(absolute_crate(), 2);
    assert_eq!(every_option(), Ok(3));
    assert_eq!(decor::timers::get("with.crate").unwrap().calls(), 1);
    micro();
    minutes();
    assert_eq!(
        decor::timers::report().rows().len(),
        decor::timers::snapshot().len()
    );
}
