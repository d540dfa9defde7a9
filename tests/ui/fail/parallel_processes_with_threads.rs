#[decor::parallel(processes = 2, threads = 4, reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

fn main() {}
