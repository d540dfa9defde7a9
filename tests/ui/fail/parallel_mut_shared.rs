#[decor::parallel]
fn count(items: &[u64], total: &mut u64) {
    *total += items.len() as u64;
}

fn main() {}
