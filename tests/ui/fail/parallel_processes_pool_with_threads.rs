#[decor::parallel(pool = "io", processes = 2, threads = 4)]
fn total(chunk: &[u64]) -> Vec<u64> {
    chunk.to_vec()
}

fn main() {}
