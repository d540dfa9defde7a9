#[decor::parallel(reduce = |a, b| a + b)]
fn sum(scale: u64, items: &[u64]) -> u64 {
    items.iter().map(|i| i * scale).sum()
}

fn main() {}
