// A `Result<u64, String>` result without `reduce`: one error, at the return
// type, with `Combine`'s message naming the inner `u64`.
#[decor::parallel(threads = 2)]
fn fallible_sum(items: &[u64]) -> Result<u64, String> {
    Ok(items.iter().sum())
}

fn main() {}
