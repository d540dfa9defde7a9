//! The note's CPU-bound experiment: fibonacci(35), four times.
//! `cargo run --release --example seed_fibonacci [n]` (n defaults to 35; try
//! 30 for a quick run).
//!
//! In Python the note measured 8.93 s on one thread, 9.89 s on a
//! `ThreadPoolExecutor(max_workers=4)` (the GIL runs one thread at a time, so
//! threads only add overhead), and 3.81 s / 3.67 s with four processes.
//!
//! Rust threads run Python's "processes" case without the processes: the same
//! four calls submitted with `#[decor::spawn(threads = 4)]` and collected with
//! `decor::as_completed` (the note's `executor.submit` + `as_completed`), and
//! once more as one blocking data-parallel call with `#[decor::parallel]`.
//! The speedup is bounded by the machine's cores, not by a lock.

use std::hint::black_box;
use std::time::{Duration, Instant};

const ROUNDS: u32 = 3;

/// The note's function, unchanged.
fn fibonacci(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        fibonacci(n - 1) + fibonacci(n - 2)
    }
}

/// The same function submitted to a pool of 4 threads: each call returns a
/// `decor::Task<u64>` at once. The recursive calls inside the body run the
/// plain function on the same thread; only the outer call is submitted.
#[decor::spawn(threads = 4)]
fn fibonacci_task(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        fibonacci_task(n - 1) + fibonacci_task(n - 2)
    }
}

/// All of `ns` at once: the slice is cut into one chunk per pool thread and
/// the `Vec`s come back concatenated in input order.
#[decor::parallel(threads = 4)]
fn fibonacci_all(ns: &[u64]) -> Vec<u64> {
    ns.iter().map(|&n| fibonacci(black_box(n))).collect()
}

#[decor::timed]
fn single_thread(n: u64) -> Vec<u64> {
    // black_box: the four calls are identical and the compiler would
    // otherwise compute one and reuse it.
    (0..4).map(|_| fibonacci(black_box(n))).collect()
}

#[decor::timed]
fn spawn_as_completed(n: u64) -> Vec<u64> {
    let tasks: Vec<_> = (0..4).map(|_| fibonacci_task(black_box(n))).collect();
    let mut order = Vec::new();
    let mut results = vec![0; 4];
    for (index, result) in decor::as_completed(tasks) {
        results[index] = result.expect("fibonacci does not panic");
        order.push(index);
    }
    println!("  spawn: tasks finished in the order {order:?}");
    results
}

#[decor::timed]
fn parallel_call(n: u64) -> Vec<u64> {
    fibonacci_all(&[n; 4])
}

fn timed_mean(name: &str) -> Duration {
    decor::timers::get(&format!("seed_fibonacci::{name}"))
        .unwrap_or_else(|| panic!("{name} was timed"))
        .mean()
}

#[decor::main(report)]
fn main() {
    let n: u64 = match std::env::args().nth(1) {
        Some(arg) => match arg.parse() {
            Ok(n) if n <= 45 => n,
            _ => {
                eprintln!("usage: seed_fibonacci [n]   (n a whole number up to 45, default 35)");
                std::process::exit(2);
            }
        },
        None => 35,
    };
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("seed_fibonacci: the note ran fibonacci(35) four times on one thread, a thread");
    println!("pool and processes; here fibonacci({n}) four times: one thread, #[decor::spawn]");
    println!("+ as_completed, #[decor::parallel]. This machine has {cores} core(s).\n");

    // Start both pools first, so the times below are the work, not thread
    // start-up.
    fibonacci_task(1).join().expect("fibonacci does not panic");
    fibonacci_all(&[1; 4]);

    // Each way three times, alternating; the table shows the means.
    let mut results = Vec::new();
    for _ in 0..ROUNDS {
        results = vec![single_thread(n), spawn_as_completed(n), parallel_call(n)];
    }
    let [single, spawned, parallel] = <[Vec<u64>; 3]>::try_from(results).unwrap();
    let expected = fibonacci(n);
    for (how, results) in [
        ("one thread", &single),
        ("spawn", &spawned),
        ("parallel", &parallel),
    ] {
        assert_eq!(results, &vec![expected; 4], "{how} got a wrong result");
    }
    println!("  all three computed fibonacci({n}) = {expected}, four times\n");

    let base = timed_mean("single_thread");
    println!(
        "{:<40} {:>14} {:>9}",
        "4 x fibonacci",
        format!("mean of {ROUNDS}"),
        "speedup"
    );
    for (label, name) in [
        ("one thread (the note's loop)", "single_thread"),
        (
            "#[decor::spawn(threads = 4)] + as_completed",
            "spawn_as_completed",
        ),
        ("#[decor::parallel(threads = 4)]", "parallel_call"),
    ] {
        let time = timed_mean(name);
        let speedup = base.as_secs_f64() / time.as_secs_f64();
        println!("{label:<44} {time:>10.2?} {speedup:>8.2}x");
    }
    let started = Instant::now();
    black_box(fibonacci(black_box(n)));
    println!(
        "\n(one fibonacci({n}) alone: {:.2?}; with {cores} core(s) the best possible is ~{}x)",
        started.elapsed(),
        cores.min(4)
    );
    println!("The timer table follows on stderr (#[decor::main(report)]):");
}
