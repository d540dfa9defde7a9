#[decor::parallel(processes = 2)]
fn copies<T: Clone + Send + Sync>(chunk: &[T]) -> Vec<T> {
    chunk.to_vec()
}

fn main() {}
