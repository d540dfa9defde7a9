//! `#[decor::main]` on `fn main()`, with the functions it sets up for.

#[decor::timed]
#[decor::logged(level = debug)]
fn work(n: u32) -> u32 {
    n * 2
}

#[decor::main]
fn main() {
    assert_eq!(work(2), 4);
    let stats = decor::timers::get(concat!(module_path!(), "::work")).unwrap();
    assert_eq!(stats.calls(), 1);
    // A subscriber is in place: INFO is on by default.
    assert!(tracing::enabled!(tracing::Level::INFO) || std::env::var_os("RUST_LOG").is_some());
}
