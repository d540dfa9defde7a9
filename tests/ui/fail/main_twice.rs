//! `#[decor::main]` twice on `main` is rejected, like `#[timed]` and
//! `#[logged]` twice.

#[decor::timed]
fn work() {}

#[decor::main(report)]
#[decor::main(report)]
fn main() {
    work();
}
