// A `reduce` closure without parameter types that calls methods on its
// arguments: the result type is given to it, so inference works.
#[decor::parallel(threads = 4, reduce = |a, b| a.max(b))]
fn max(chunk: &[i32]) -> i32 {
    chunk.iter().copied().max().unwrap_or(i32::MIN)
}

#[decor::parallel(threads = 2, reduce = |mut a, b| { a.extend(b); a })]
fn collect(chunk: &[u8]) -> Vec<u8> {
    chunk.to_vec()
}

fn main() {
    assert_eq!(max(&[3, 9, 2, 7]), 9);
    assert_eq!(collect(&[1, 2, 3]), [1, 2, 3]);
}
