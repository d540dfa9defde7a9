// The same decorator twice on one function is rejected at the second one.
#[decor::timed(name = "twice.outer")]
#[decor::timed(name = "twice.inner")]
fn timed_twice() -> u8 {
    1
}

#[decor::logged(name = "outer")]
#[decor::logged(name = "inner", skip_all)]
fn logged_twice(x: u8) -> u8 {
    x
}

fn main() {
    assert_eq!(timed_twice(), 1);
    assert_eq!(logged_twice(9), 9);
}
