#[decor::with]
fn pay(amount: u64) -> bool {
    amount > 0
}

fn main() {
    assert!(pay(1));
}
