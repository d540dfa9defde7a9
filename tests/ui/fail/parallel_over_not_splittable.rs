#[decor::parallel(over = scale, reduce = |a, b| a + b)]
fn sum(items: &[u64], scale: u64) -> u64 {
    items.iter().map(|i| i * scale).sum()
}

fn main() {}
