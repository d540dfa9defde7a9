#[decor::parallel]
async fn sum(chunk: &[u64]) -> Vec<u64> {
    chunk.to_vec()
}

fn main() {}
