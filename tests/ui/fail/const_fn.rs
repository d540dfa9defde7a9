#[decor::timed]
const fn timed_const(n: u32) -> u32 {
    n + 1
}

#[decor::logged]
const fn logged_const(n: u32) -> u32 {
    n + 2
}

const TIMED: u32 = timed_const(1);
const LOGGED: u32 = logged_const(1);

fn main() {
    assert_eq!(TIMED + LOGGED, 5);
}
