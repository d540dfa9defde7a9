//! How `#[parallel]` joins chunk results: `reduce = ...` in chunk order, or
//! `decor::Combine` for `Vec`, `String`, `Option`, `Result`, `BTreeMap`,
//! `HashSet`, `()`; and how it cuts: `chunks`, `min_len`, and an empty
//! input, which calls the body once with the empty chunk.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::{self, ThreadId};

#[decor::parallel(threads = 4, reduce = i32::max)]
fn max(chunk: &[i32]) -> i32 {
    chunk.iter().copied().max().unwrap_or(i32::MIN)
}

// Not commutative: shows the chunk order.
#[decor::parallel(threads = 2, chunks = 3, reduce = |a: String, b: String| format!("({a}{b})"))]
fn nested(chunk: &[char]) -> String {
    chunk.iter().collect()
}

fn join_with_dash(a: String, b: String) -> String {
    format!("{a}-{b}")
}

#[decor::parallel(threads = 2, chunks = 3, reduce = join_with_dash)]
fn dashed(chunk: &[char]) -> String {
    chunk.iter().collect()
}

#[decor::parallel(threads = 2, chunks = 3)]
fn concatenated(chunk: &[char]) -> String {
    chunk.iter().collect()
}

#[decor::parallel(threads = 2, chunks = 4)]
fn squares(chunk: &[u32]) -> Vec<u32> {
    chunk.iter().map(|x| x * x).collect()
}

#[decor::parallel(threads = 2, chunks = 4)]
fn all_positive(chunk: &[i32]) -> Option<Vec<i32>> {
    chunk.iter().all(|&x| x > 0).then(|| chunk.to_vec())
}

#[decor::parallel(threads = 2, chunks = 4)]
fn parse_all(chunk: &[&str]) -> Result<Vec<u32>, String> {
    chunk
        .iter()
        .map(|s| s.parse::<u32>().map_err(|_| format!("bad {s:?}")))
        .collect()
}

#[decor::parallel(threads = 2, chunks = 3)]
fn parse_with_try(chunk: &[&str]) -> Result<(), std::num::ParseIntError> {
    for text in chunk {
        let _: u8 = text.parse()?;
    }
    Ok(())
}

#[decor::parallel(threads = 2, chunks = 3)]
fn index(chunk: &[(u8, char)]) -> BTreeMap<u8, String> {
    let mut index = BTreeMap::<u8, String>::new();
    for &(key, letter) in chunk {
        index.entry(key).or_default().push(letter);
    }
    index
}

#[decor::parallel(threads = 2, chunks = 3)]
fn distinct(chunk: &[u8]) -> HashSet<u8> {
    chunk.iter().copied().collect()
}

#[decor::parallel(threads = 2, chunks = 3)]
fn sorted(chunk: &[u8]) -> BTreeSet<u8> {
    chunk.iter().copied().collect()
}

#[decor::parallel(threads = 2, chunks = 3)]
fn counts(chunk: &[u8]) -> HashMap<u8, decor::Sum<usize>> {
    let mut counts = HashMap::<u8, decor::Sum<usize>>::new();
    for &b in chunk {
        *counts.entry(b).or_default() += 1;
    }
    counts
}

static UNIT_CHUNKS: AtomicUsize = AtomicUsize::new(0);

#[decor::parallel(threads = 2, chunks = 3)]
fn unit(_chunk: &[u8]) {
    UNIT_CHUNKS.fetch_add(1, Ordering::SeqCst);
}

static UNIT_EXPLICIT: AtomicUsize = AtomicUsize::new(0);

#[decor::parallel(threads = 2, chunks = 2)]
fn unit_explicit(_chunk: Vec<u8>) -> () {
    UNIT_EXPLICIT.fetch_add(1, Ordering::SeqCst);
}

// `chunks` more than items: one item per chunk.
#[decor::parallel(threads = 2, chunks = 16)]
fn many_chunks(chunk: &[u8]) -> Vec<usize> {
    vec![chunk.len()]
}

// Without `chunks`: one chunk per pool thread.
#[decor::parallel(threads = 3)]
fn per_thread(chunk: &[u8]) -> Vec<usize> {
    vec![chunk.len()]
}

#[decor::parallel(threads = 4, min_len = 5)]
fn with_min_len(chunk: &[u8]) -> Vec<(usize, ThreadId)> {
    vec![(chunk.len(), thread::current().id())]
}

static EMPTY_CALLS: AtomicUsize = AtomicUsize::new(0);

#[decor::parallel(threads = 4, chunks = 4)]
fn empty_input(chunk: &[u8]) -> Vec<usize> {
    EMPTY_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![chunk.len()]
}

#[decor::parallel(threads = 2, reduce = |a, b| a + b)]
fn empty_range(range: std::ops::Range<u32>) -> u32 {
    range.len() as u32 + 100
}

#[decor::parallel(threads = 2)]
fn empty_vec(chunk: Vec<u8>) -> Vec<usize> {
    vec![chunk.len()]
}

fn main() {
    let values: Vec<i32> = (0..1000).map(|x| (x * 37) % 1001).collect();
    assert_eq!(max(&values), *values.iter().max().unwrap());

    let letters: Vec<char> = "abcdefg".chars().collect();
    // Folded left to right over "abc", "de", "fg".
    assert_eq!(nested(&letters), "((abcde)fg)");
    assert_eq!(dashed(&letters), "abc-de-fg");
    assert_eq!(concatenated(&letters), "abcdefg");

    assert_eq!(squares(&[1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);

    assert_eq!(all_positive(&[1, 2, 3, 4]), Some(vec![1, 2, 3, 4]));
    assert_eq!(all_positive(&[1, 2, -3, 4]), None);

    assert_eq!(parse_all(&["1", "2", "3", "4"]), Ok(vec![1, 2, 3, 4]));
    // The first `Err` in chunk order, not in completion order.
    assert_eq!(parse_all(&["1", "x", "3", "y"]), Err("bad \"x\"".into()));
    assert!(parse_with_try(&["1", "2", "3"]).is_ok());
    assert!(parse_with_try(&["1", "300", "3"]).is_err());

    // Equal keys combine their values, in chunk order.
    let pairs = [(1, 'a'), (2, 'b'), (1, 'c'), (3, 'd'), (2, 'e'), (4, 'f')];
    assert_eq!(
        index(&pairs),
        BTreeMap::from([
            (1, "ac".to_owned()),
            (2, "be".to_owned()),
            (3, "d".to_owned()),
            (4, "f".to_owned())
        ])
    );

    assert_eq!(distinct(&[1, 2, 2, 3, 1, 4]), HashSet::from([1, 2, 3, 4]));
    assert_eq!(sorted(&[5, 1, 5, 3]), BTreeSet::from([1, 3, 5]));
    assert_eq!(
        counts(&[7, 7, 8]),
        HashMap::from([(7, decor::Sum(2)), (8, decor::Sum(1))])
    );

    unit(&[1, 2, 3, 4, 5, 6]);
    assert_eq!(UNIT_CHUNKS.load(Ordering::SeqCst), 3);
    unit_explicit(vec![1, 2, 3]);
    assert_eq!(UNIT_EXPLICIT.load(Ordering::SeqCst), 2);

    assert_eq!(many_chunks(&[0; 5]), [1, 1, 1, 1, 1]);
    assert_eq!(per_thread(&[0; 9]), [3, 3, 3]);

    // Under 2 x min_len: one chunk, run on the caller.
    let here = thread::current().id();
    assert_eq!(with_min_len(&[0; 9]), [(9, here)]);
    // Otherwise no chunk under min_len: 12 items make two chunks, not four.
    let parts = with_min_len(&[0; 12]);
    assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), [6, 6]);
    assert!(parts.iter().all(|p| p.1 != here), "ran on the pool");
    let parts = with_min_len(&[0; 40]);
    assert_eq!(
        parts.iter().map(|p| p.0).collect::<Vec<_>>(),
        [10, 10, 10, 10]
    );

    assert_eq!(empty_input(&[]), [0]);
    assert_eq!(EMPTY_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(empty_range(5..5), 100);
    assert_eq!(empty_range(5..2), 100);
    assert_eq!(empty_vec(Vec::new()), [0]);
}
