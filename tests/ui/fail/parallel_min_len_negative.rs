#[decor::parallel(min_len = -1)]
fn negative(items: &[u8]) -> Vec<u8> {
    items.to_vec()
}

#[decor::parallel(chunks = 2.5)]
fn fractional(items: &[u8]) -> Vec<u8> {
    items.to_vec()
}

fn main() {}
