// `#[retry]` retries `Err`s, so a function that cannot return one is an
// error at its return type; callers see the function as written.
#[decor::retry(attempts = 2)]
fn count(n: u32) -> u32 {
    n + 1
}

fn main() {
    let next: u32 = count(1);
    assert_eq!(next, 2);
}
