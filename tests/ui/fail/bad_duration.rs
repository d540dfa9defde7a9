#[decor::timed(warn_over = "10 parsecs")]
fn parsecs() {}

#[decor::timed(warn_over = "10")]
fn no_unit() {}

#[decor::timed(warn_over = "ms")]
fn no_number() {}

#[decor::timed(warn_over = "0ms")]
fn zero() {}

fn main() {
    parsecs();
    no_unit();
    no_number();
    zero();
}
