#[decor::parallel(threads = 4, combine = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

fn main() {}
