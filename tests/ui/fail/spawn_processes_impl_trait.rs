#[decor::spawn(processes = 2)]
fn total(values: impl IntoIterator<Item = u64> + Send + 'static) -> u64 {
    values.into_iter().sum()
}

fn main() {}
