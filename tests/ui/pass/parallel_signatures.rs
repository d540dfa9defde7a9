//! `#[parallel]` on more signature shapes: lifetimes (chunk results that
//! borrow the input), `impl Trait` arguments, `mut` and `&`-pattern
//! parameters, `unsafe fn`, and calls from inside a pool task: nesting
//! one `#[parallel]` function in another, and recursion, which reaches
//! the undecorated function.

use std::sync::atomic::{AtomicUsize, Ordering};

#[decor::parallel(threads = 2, chunks = 2)]
fn starting_with<'a>(items: &'a [String], prefix: &str) -> Vec<&'a str> {
    items
        .iter()
        .filter(|s| s.starts_with(prefix))
        .map(String::as_str)
        .collect()
}

#[decor::parallel(threads = 2, chunks = 2)]
fn keep(items: &[u8], predicate: &(impl Fn(u8) -> bool + Sync)) -> Vec<u8> {
    items.iter().copied().filter(|&i| predicate(i)).collect()
}

#[decor::parallel(threads = 2, chunks = 2)]
fn reversed(mut chunk: Vec<u8>) -> Vec<u8> {
    chunk.reverse();
    chunk
}

#[decor::parallel(threads = 2, chunks = 2)]
fn shifted(items: &[u8], &(a, b): &(u8, u8)) -> Vec<u8> {
    items.iter().map(|i| i + a + b).collect()
}

/// # Safety
/// Every item must be below `table.len()`.
#[decor::parallel(threads = 2, chunks = 2)]
unsafe fn lookup(items: &[usize], table: &[u8]) -> Vec<u8> {
    items.iter().map(|&i| *table.get_unchecked(i)).collect()
}

#[decor::parallel(threads = 2, chunks = 2, reduce = |a, b| a + b)]
fn outer(items: &[u64]) -> u64 {
    inner(items)
}

#[decor::parallel(threads = 2, chunks = 2, reduce = |a, b| a + b)]
fn inner(items: &[u64]) -> u64 {
    items.iter().sum()
}

static HALVES: AtomicUsize = AtomicUsize::new(0);

// Inside the body `sum` is the undecorated function: the recursion splits
// by hand, and only the top-level call is cut into chunks.
#[decor::parallel(threads = 2, chunks = 2, reduce = |a, b| a + b)]
fn sum(items: &[u64]) -> u64 {
    HALVES.fetch_add(1, Ordering::SeqCst);
    if items.len() <= 1 {
        return items.iter().sum();
    }
    let (left, right) = items.split_at(items.len() / 2);
    sum(left) + sum(right)
}

fn main() {
    let words: Vec<String> = ["ab", "b", "ac", "c"].map(String::from).to_vec();
    assert_eq!(starting_with(&words, "a"), ["ab", "ac"]);
    assert_eq!(keep(&[1, 2, 3, 4], &|i| i % 2 == 0), [2, 4]);
    assert_eq!(reversed(vec![1, 2, 3, 4]), [2, 1, 4, 3]);
    assert_eq!(shifted(&[1, 2, 3], &(1, 1)), [3, 4, 5]);
    assert_eq!(unsafe { lookup(&[2, 0, 1], &[7, 8, 9]) }, [9, 7, 8]);

    let data: Vec<u64> = (1..=100).collect();
    assert_eq!(outer(&data), 5050);

    // Two chunks of 2 items, each recursing to 3 calls: 6 in all.
    assert_eq!(sum(&[1, 2, 3, 4]), 10);
    assert_eq!(HALVES.load(Ordering::SeqCst), 6);
}
