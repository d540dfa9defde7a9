#[decor::timed(threshold = "10ms")]
fn work() -> u32 {
    1
}

fn main() {
    assert_eq!(work(), 1);
}
