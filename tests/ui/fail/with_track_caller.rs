// The body runs in a closure, where `#[track_caller]` does not reach: one
// error at the attribute.
fn audit(call: &decor::Call<'_>) {
    let _ = call;
}

#[decor::with(audit)]
#[track_caller]
fn checked(n: u32) -> u32 {
    assert!(n > 0);
    n
}

fn main() {
    assert_eq!(checked(1), 1);
}
