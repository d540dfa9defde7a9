#[decor::parallel(threads = 4, processes = 4, reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

fn main() {}
