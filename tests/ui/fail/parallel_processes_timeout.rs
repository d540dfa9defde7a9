// `timeout` is a `#[spawn]` option only.
#[decor::parallel(processes = 2, timeout = "2s", reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

fn main() {}
