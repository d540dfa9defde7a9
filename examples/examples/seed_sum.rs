//! The note's first experiment: add up 8,000,000 ones.
//! `cargo run --release --example seed_sum`
//!
//! In Python the note timed one loop (0.97 s), the list cut into 8 chunks
//! summed one after another (0.07 s), the 8 chunks on a `ThreadPoolExecutor`
//! (0.09 s: the GIL lets one thread run at a time) and on a
//! `ProcessPoolExecutor` (0.85 s: the list is copied to every process).
//!
//! Here the same sums run in Rust: one loop, 8 chunks on one thread, 8 chunks
//! on 8 threads with `#[decor::parallel]` (threads share the list, no GIL,
//! no copies), rayon's `par_iter().sum()` as the hand-written reference, and
//! 4 chunks on 4 worker processes with `#[decor::parallel(processes = 4)]`,
//! which replays the note's process-pool lesson: a process gets its own copy
//! of its chunk, and making that copy costs far more than adding it up.
//! Each variant is `#[decor::timed]`; the means below come from
//! `decor::timers`, and the full table is printed at exit by
//! `#[decor::main(report)]`.
//!
//! Adding ones is memory-bound: 64 MB are read once per sum, so on a small
//! machine the threads mostly wait on memory together. Do not expect a
//! speedup near the thread count.

use std::hint::black_box;
use std::time::Duration;

use rayon::prelude::*;

const N: usize = 8_000_000;
const ROUNDS: u32 = 5;

/// A way to add up the numbers.
type Sum = fn(&[u64]) -> u64;

/// The note's baseline: one loop over every number.
#[decor::timed]
fn serial_loop(numbers: &[u64]) -> u64 {
    let mut total = 0;
    for &n in numbers {
        total += n;
    }
    total
}

/// The note's "split into 8 chunks", still one chunk after another.
#[decor::timed]
fn chunked_serial(numbers: &[u64]) -> u64 {
    numbers.chunks(N.div_ceil(8)).map(sum_chunk).sum()
}

fn sum_chunk(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

/// The note's thread pool: 8 chunks summed on 8 threads at once. The call is
/// still a plain blocking `sum(&numbers)`; `#[timed]` above it times the
/// whole call, split and reduce included.
#[decor::timed]
#[decor::parallel(threads = 8, reduce = |a, b| a + b)]
fn parallel_sum(chunk: &[u64]) -> u64 {
    sum_chunk(chunk)
}

/// The note's process pool: 4 chunks summed in 4 worker processes. Each
/// chunk is copied to its worker: encoded (postcard; a `u64` of 1 takes one
/// byte), written through a pipe, decoded into a new `Vec<u64>` there; only
/// the `u64` sum comes back. The pool starts on the first call.
#[decor::timed]
#[decor::parallel(processes = 4, reduce = |a, b| a + b)]
fn sum_in_processes(chunk: &[u64]) -> u64 {
    sum_chunk(chunk)
}

/// What you would write by hand with rayon (its global pool: one thread per
/// core).
#[decor::timed]
fn rayon_sum(numbers: &[u64]) -> u64 {
    numbers.par_iter().sum()
}

fn mean(name: &str) -> Duration {
    decor::timers::get(&format!("seed_sum::{name}"))
        .unwrap_or_else(|| panic!("{name} was timed"))
        .mean()
}

#[decor::main(report)]
fn main() {
    println!("seed_sum: the note summed 8,000,000 ones in Python with a loop, 8 chunks,");
    println!("a thread pool and a process pool; here: a loop, 8 chunks, #[decor::parallel]");
    println!("on 8 threads, rayon for reference, and #[decor::parallel] on 4 processes.\n");

    let numbers = black_box(vec![1u64; N]);
    let variants: [(&str, &str, Sum); 5] = [
        ("serial_loop", "one loop", serial_loop),
        ("chunked_serial", "8 chunks, one thread", chunked_serial),
        ("parallel_sum", "#[decor::parallel] 8 threads", parallel_sum),
        ("rayon_sum", "rayon par_iter().sum()", rayon_sum),
        (
            "sum_in_processes",
            "#[decor::parallel] 4 processes",
            sum_in_processes,
        ),
    ];

    // One untimed round first: starts the pools (threads and the 4 worker
    // processes) and warms the caches.
    for (_, _, sum) in &variants {
        assert_eq!(sum(&numbers), N as u64);
    }
    decor::timers::reset();

    let mut results = Vec::new();
    for _ in 0..ROUNDS {
        results = variants.iter().map(|(_, _, sum)| sum(&numbers)).collect();
    }

    let baseline = mean("serial_loop");
    println!(
        "{:<30} {:>10} {:>12} {:>9}",
        "variant", "result", "mean time", "vs loop"
    );
    for ((name, label, _), result) in variants.iter().zip(&results) {
        assert_eq!(*result, N as u64, "{label} got the sum wrong");
        let time = mean(name);
        let speedup = baseline.as_secs_f64() / time.as_secs_f64();
        println!("{label:<30} {result:>10} {time:>12.2?} {speedup:>8.2}x");
    }
    println!("\nAll five agree: {N} ones add up to {N}. Means over {ROUNDS} rounds.");

    // The note's lesson about processes, measured: threads read the caller's
    // numbers where they are; a process has its own memory, so each call
    // copies all 8,000,000 numbers out to the workers first.
    let processes = mean("sum_in_processes");
    let summing = mean("serial_loop");
    println!(
        "\nThe 4 processes took {processes:.2?} per call, {:.0}x the {summing:.2?} one loop needs for",
        processes.as_secs_f64() / summing.as_secs_f64()
    );
    println!("the whole sum: each call encodes the 64 MB of numbers (8 MB on the wire, a 1");
    println!("is one byte in postcard), pushes them through 4 pipes, and every worker decodes");
    println!("its 2,000,000 into a fresh Vec before adding them up. Only the 4 sums come back.");
    println!("As in the note's Python (0.85 s on processes, 0.07 s for 8 chunks on one thread),");
    println!("moving the data to a process costs more than the sum itself: processes pay off");
    println!("when a chunk is much more work than it is bytes (see seed_fibonacci, where one");
    println!("number goes out and one comes back).");
    println!("The full timer table follows on stderr (#[decor::main(report)]):");
}
