//! `#[parallel]` splits each kind of parameter: `&[T]`, `&mut [T]` (writes
//! land in the caller's slice), `Vec<T>`, `&Vec<T>`, `Range<u64>` and
//! `Range<i32>`; `over = name` picks a parameter other than the first;
//! other parameters are shared (`&T`) or cloned per chunk (owned).

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[decor::parallel(threads = 4, reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

// Each chunk reports its length: the chunking is visible in the result.
#[decor::parallel(threads = 2, chunks = 3)]
fn lengths(chunk: &[u8]) -> Vec<usize> {
    vec![chunk.len()]
}

#[decor::parallel(threads = 4)]
fn double_in_place(chunk: &mut [u32]) {
    for x in chunk {
        *x *= 2;
    }
}

#[decor::parallel(threads = 2, chunks = 4)]
fn owned(chunk: Vec<String>) -> Vec<String> {
    chunk.into_iter().map(|s| s.to_uppercase()).collect()
}

#[decor::parallel(threads = 2, chunks = 3)]
fn vec_ref(chunk: &Vec<i64>) -> Vec<i64> {
    chunk.iter().map(|x| -x).collect()
}

#[decor::parallel(threads = 3, reduce = |a, b| a + b)]
fn sum_range(range: Range<u64>) -> u64 {
    range.sum()
}

#[decor::parallel(threads = 2, chunks = 4)]
fn ranges(range: Range<i32>) -> Vec<Range<i32>> {
    vec![range]
}

#[decor::parallel(threads = 2, chunks = 2, over = items)]
fn scaled(factor: &u32, items: &[u32], offset: u32) -> Vec<u32> {
    items.iter().map(|x| x * factor + offset).collect()
}

static LABELS: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug, PartialEq)]
struct Label(String);

impl Clone for Label {
    fn clone(&self) -> Self {
        LABELS.fetch_add(1, Ordering::SeqCst);
        Label(self.0.clone())
    }
}

#[decor::parallel(threads = 2, chunks = 4)]
fn labelled(
    items: &[u8],
    label: Label,
    lookup: &std::collections::HashMap<u8, &'static str>,
) -> Vec<String> {
    items
        .iter()
        .map(|i| format!("{}:{}", label.0, lookup[i]))
        .collect()
}

// Shared state behind `&T`: every chunk sees the same `Mutex`.
#[decor::parallel(threads = 2, chunks = 5)]
fn record(chunk: &[u8], seen: &Mutex<Vec<u8>>) {
    seen.lock().unwrap().extend_from_slice(chunk);
}

#[decor::parallel(threads = 2, chunks = 2, over = items)]
fn generic<T, F>(scale: &F, items: Vec<T>) -> Vec<T>
where
    T: Send + Copy,
    F: Fn(T) -> T + Sync,
{
    items.into_iter().map(scale).collect()
}

fn main() {
    let ones = vec![1u64; 100_001];
    assert_eq!(sum(&ones), 100_001);
    assert_eq!(sum(&ones[..10]), 10);

    assert_eq!(lengths(&[0; 10]), [4, 3, 3]);

    let mut data: Vec<u32> = (0..1000).collect();
    double_in_place(&mut data);
    assert_eq!(data, (0..1000).map(|x| x * 2).collect::<Vec<u32>>());

    let words: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
    assert_eq!(owned(words), ["A", "B", "C", "D", "E"]);

    let numbers: Vec<i64> = (1..=7).collect();
    assert_eq!(vec_ref(&numbers), [-1, -2, -3, -4, -5, -6, -7]);
    assert_eq!(numbers.len(), 7, "still the caller's");

    assert_eq!(sum_range(0..1_000_001), 500_000_500_000);
    assert_eq!(sum_range(5..6), 5);
    assert_eq!(ranges(-10..10), [-10..-5, -5..0, 0..5, 5..10]);

    assert_eq!(scaled(&10, &[1, 2, 3], 1), [11, 21, 31]);

    let lookup = [(1, "one"), (2, "two"), (3, "three"), (4, "four")]
        .into_iter()
        .collect();
    let label = Label("n".into());
    assert_eq!(
        labelled(&[1, 2, 3, 4], label, &lookup),
        ["n:one", "n:two", "n:three", "n:four"]
    );
    assert_eq!(LABELS.load(Ordering::SeqCst), 4, "cloned once per chunk");

    let seen = Mutex::new(Vec::new());
    record(&[1, 2, 3, 4, 5], &seen);
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen, [1, 2, 3, 4, 5]);

    assert_eq!(generic(&|x: i8| x * 3, vec![1, 2, 3]), [3, 6, 9]);
}
