// Patterns in the parameters of a free `#[parallel]` function, like any
// other decorator's.
#[decor::parallel(threads = 2, chunks = 2)]
fn pattern_shared(items: &[u8], (a, b): (u8, u8)) -> Vec<u8> {
    items.iter().map(|i| i + a + b).collect()
}

fn main() {
    assert_eq!(pattern_shared(&[1, 2, 3], (1, 1)), [3, 4, 5]);
}
