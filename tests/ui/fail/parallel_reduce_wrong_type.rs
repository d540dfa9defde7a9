// A `reduce` closure over the wrong type: the closure is checked against
// `Fn(u64, u64) -> u64`, the function's result type. (A second, derived
// E0308 follows; the first error is the one to read.)
#[decor::parallel(threads = 2, reduce = |a: u32, b: u32| a + b)]
fn wrong_reduce(items: &[u8]) -> u64 {
    items.len() as u64
}

fn main() {}
