#[decor::parallel(processes = 2)]
fn double(chunk: &mut [u64]) {
    for n in chunk {
        *n *= 2;
    }
}

fn main() {}
