// A shared parameter is sent with each chunk: `&Weights` crosses as
// `Weights`, which must be serde.
struct Weights {
    scale: u64,
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn weighted(chunk: &[u64], weights: &Weights) -> u64 {
    chunk.iter().map(|n| n * weights.scale).sum()
}

fn main() {}
