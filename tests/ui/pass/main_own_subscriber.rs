//! `#[decor::main(subscriber = false)]` leaves the global subscriber to the
//! program: its own `init()` would panic if decor had installed one first.

#[decor::timed]
fn work() -> u32 {
    2
}

#[decor::main(report, subscriber = false)]
fn main() {
    tracing_subscriber::fmt().with_writer(std::io::sink).init();
    assert_eq!(work(), 2);
}
