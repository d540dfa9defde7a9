fn setup() {}

#[decor::parallel(init = setup)]
fn total(chunk: &[u64]) -> Vec<u64> {
    chunk.to_vec()
}

fn main() {}
