#[decor::logged(max_len = 0)]
fn zero(values: &[u8]) -> usize {
    values.len()
}

#[decor::logged(max_len = "big")]
fn text(values: &[u8]) -> usize {
    values.len()
}

#[decor::logged(max_len = all)]
fn word(values: &[u8]) -> usize {
    values.len()
}

fn main() {
    // Still emitted beside the errors: no cascade at the callers.
    assert_eq!(zero(b"ab") + text(b"c") + word(b""), 3);
}
