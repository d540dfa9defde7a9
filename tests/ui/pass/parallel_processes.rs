//! `#[parallel(processes = N)]`: chunks of `&[T]`, `Vec<T>`, `&Vec<T>` and
//! `Range` run in worker processes with the shared parameters (`&str`,
//! `&T`, owned) sent along, combined with `reduce` or `Combine`; input under
//! `2 * min_len` runs here; a chunk's panic is re-raised here with its
//! message; decorators below `#[parallel]` run in the worker.
//! Hygiene: parameters named like the expansion's internals, a crate-root
//! `type Result` and `mod core`, `#![deny(warnings)]`, `#![forbid(unsafe_code)]`.

#![deny(warnings)]
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use std::ops::Range;

#[allow(dead_code)]
type Result = ();

#[allow(dead_code)]
mod core {
    pub struct Shadow;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Weights {
    scale: u64,
    offset: u64,
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn weighted(chunk: &[u64], weights: &Weights, bonus: u64) -> u64 {
    chunk
        .iter()
        .map(|n| n * weights.scale + weights.offset + bonus)
        .sum()
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn range_sum(range: Range<u64>) -> u64 {
    range.sum()
}

#[decor::parallel(processes = 2, chunks = 4, reduce = |a, b| a + b)]
fn count_matching(words: Vec<String>, needle: &str) -> usize {
    words.iter().filter(|w| w.contains(needle)).count()
}

// `Combine`: chunk results concatenated in input order.
#[decor::parallel(processes = 2, chunks = 3)]
fn labelled(items: &Vec<u32>, prefix: &str) -> Vec<String> {
    items.iter().map(|i| format!("{prefix}{i}")).collect()
}

// Which process ran each chunk.
#[decor::parallel(processes = 2)]
fn pids(chunk: &[u8]) -> Vec<u32> {
    chunk.iter().map(|_| std::process::id()).collect()
}

#[decor::parallel(processes = 2, min_len = 100)]
fn pids_min_len(chunk: &[u8]) -> Vec<u32> {
    chunk.iter().map(|_| std::process::id()).collect()
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn explode(chunk: &[u64]) -> u64 {
    if chunk.contains(&13) {
        // Keeps this expected panic off stderr; the parent's panic hook
        // does not reach the workers.
        std::panic::set_hook(Box::new(|_| {}));
        panic!("unlucky chunk");
    }
    chunk.iter().sum()
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
#[decor::timed]
fn timed_sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

// Parameters named like the expansion's locals.
#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn shadowing(
    input: &[u64],
    frame: u64,
    request: &str,
    arguments: &Vec<u8>,
    result: Option<u64>,
) -> u64 {
    input.iter().sum::<u64>()
        + frame
        + request.len() as u64
        + arguments.len() as u64
        + result.unwrap_or(0)
}

fn main() {
    let parent = std::process::id();
    let numbers: Vec<u64> = (1..=1000).collect();

    assert_eq!(sum(&numbers), 500_500);
    assert_eq!(sum(&[]), 0);
    let weights = Weights {
        scale: 2,
        offset: 1,
    };
    assert_eq!(weighted(&numbers, &weights, 3), 2 * 500_500 + 4 * 1000);
    assert_eq!(range_sum(0..10_001), 50_005_000);

    let words: Vec<String> = ["apple", "banana", "cherry", "grape", "pineapple", "kiwi"]
        .iter()
        .map(|w| (*w).to_owned())
        .collect();
    assert_eq!(count_matching(words, "apple"), 2);

    let items: Vec<u32> = (1..=7).collect();
    assert_eq!(
        labelled(&items, "#"),
        ["#1", "#2", "#3", "#4", "#5", "#6", "#7"]
    );

    // Two chunks, each in a worker process.
    let ran = pids(&[0; 64]);
    assert_eq!(ran.len(), 64);
    assert!(ran.iter().all(|p| *p != parent));

    // Under `2 * min_len`: one chunk, run by the caller.
    let ran = pids_min_len(&[0; 10]);
    assert!(ran.iter().all(|p| *p == parent));
    let ran = pids_min_len(&[0; 400]);
    assert!(ran.iter().all(|p| *p != parent));

    // A chunk's panic is re-raised here, its message a `String` payload.
    let caught = std::panic::catch_unwind(|| explode(&numbers)).unwrap_err();
    assert_eq!(
        caught.downcast_ref::<String>().map(String::as_str),
        Some("unlucky chunk")
    );
    assert_eq!(explode(&[1, 2, 3]), 6);

    // `#[timed]` below `#[parallel]` runs in the workers, and its calls (one
    // per chunk, one chunk per worker) count here.
    assert_eq!(timed_sum(&numbers), 500_500);
    let timed = decor::timers::get(concat!(module_path!(), "::timed_sum")).unwrap();
    assert_eq!(timed.calls(), 2);

    // Hygiene.
    assert_eq!(
        shadowing(&numbers, 1, "ab", &vec![0; 3], Some(4)),
        500_500 + 2 * (1 + 2 + 3 + 4)
    );
}
