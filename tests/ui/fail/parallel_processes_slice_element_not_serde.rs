// A `&[T]` chunk crosses as `Vec<T>`: `T` must be serde.
#[derive(Clone)]
struct Sample {
    value: u64,
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn total(chunk: &[Sample]) -> u64 {
    chunk.iter().map(|s| s.value).sum()
}

fn main() {}
