#[decor::parallel(threads = 4)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

fn main() {
    assert_eq!(sum(&[1, 2, 3]), 6);
}
