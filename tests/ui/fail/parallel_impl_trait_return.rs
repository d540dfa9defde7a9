#[decor::parallel]
fn evens(chunk: &[u64]) -> impl Iterator<Item = u64> {
    chunk.to_vec().into_iter().filter(|n| n % 2 == 0)
}

fn main() {}
