// The expression must be a decorator: a value whose type implements
// `decor::Decorator`, or a function taking `&decor::Call`.
struct Audit;

fn log_line(line: &str) {
    let _ = line;
}

#[decor::with(Audit)]
fn pay(amount: u64) -> bool {
    amount > 0
}

#[decor::with(log_line)]
fn refund(amount: u64) -> bool {
    amount > 0
}

fn main() {
    assert!(pay(1));
    assert!(refund(1));
}
