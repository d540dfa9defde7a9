#[decor::timed(level = info, level = warn)]
fn timed_twice() {}

#[decor::logged(skip(a), ret = false, skip(b))]
fn logged_twice(a: u8, b: u8) -> u8 {
    a + b
}

#[decor::main(report, report)]
fn main() {
    timed_twice();
    assert_eq!(logged_twice(1, 2), 3);
}
