//! Shared pieces of the benchmarks in `benches/`.
//!
//! Every variant in a comparison wraps the same tiny body, [`work`], in an
//! `#[inline(never)]` function, so the only thing that differs between two
//! variants is what the decorator (or the hand-written peer) adds per call.
//!
//! | binary | group | question |
//! |---|---|---|
//! | `benches/timed.rs` | `timed` | `#[timed]` vs a bare `Instant` pair vs `#[tracing::instrument]` |
//! | `benches/logged_disabled.rs` | `logged_disabled` | `#[logged]` vs `#[instrument]` at a level the subscriber filters out |
//! | `benches/logged_enabled.rs` | `logged_enabled` | `#[logged]` vs `#[instrument(ret, err)]` formatting into `io::sink` |
//! | `benches/parallel.rs` | `parallel_sum`, `parallel_fib` | `#[parallel]` vs rayon on the seed's sum and fibonacci |
//! | `benches/spawn.rs` | `spawn_many`, `spawn_many_100k`, `spawn_round_trip` | `#[spawn]` vs `rayon::spawn` + a channel |
//! | `benches/task_memory.rs` | (not criterion) | bytes per queued and per finished `#[spawn]` task vs `rayon::ThreadPool::spawn` + a channel, at 10^6 tasks, through a counting allocator |
//! | `benches/futures.rs` | `cancel_queued`, `on_done`, `wait_first_completed` | `Task::cancel`, `on_done`, `decor::wait` vs the same by hand (std threads, rayon, channels); wake-up latency and a waiting caller's CPU time on stderr |
//! | `benches/process_peers.rs` | (not criterion) | the peers of `#[spawn(processes = 2)]`: procspawn's `Pool` and `spawn`, round trip and pipelined |
//! | `benches/scaling.rs` | (not criterion) | sizes swept: sums of 10^2..10^8 elements, 1..10^6 tasks, 0 B..64 MiB payloads, against rayon, procspawn, a raw pipe and Python ([`scaling`]) |
//!
//! `bench/peers.py` runs the seed's Python programs for the table beside ours
//! (`--only '*process*'`: its process-pool experiments alone).
//!
//! Run with `cargo bench -p decor-bench`, then `python3 bench/ratios.py` for
//! the table in `BENCHMARKS.md`.

pub mod scaling;

use std::time::{Duration, Instant};

/// The body of every benchmarked function: a few ALU operations on an input
/// the optimiser cannot see through, a couple of nanoseconds of real work.
#[inline(always)]
pub fn work(x: u64) -> u64 {
    let x = std::hint::black_box(x);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)) ^ (x >> 7)
}

/// `tasks` tasks on `pool`, each sending `(index, body(index))` into one
/// shared `mpsc` channel; the caller places the results by index: what a
/// user writes by hand for `#[spawn]` plus `join_all`, the peer in
/// `benches/spawn.rs` and `benches/scaling.rs`.
pub fn rayon_spawn_channel<F>(pool: &rayon::ThreadPool, tasks: u64, body: F) -> Vec<u64>
where
    F: Fn(u64) -> u64 + Copy + Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 0..tasks {
        let tx = tx.clone();
        pool.spawn(move || {
            // The receiver outlives every task.
            let _ = tx.send((i, body(i)));
        });
    }
    drop(tx);
    let mut results = vec![0; tasks as usize];
    for (i, value) in rx {
        results[i as usize] = value;
    }
    results
}

/// Warm-up per benchmark: short, the machine has two shared cores.
pub const WARM_UP: Duration = Duration::from_secs(1);

/// Measurement time per benchmark.
pub const MEASUREMENT: Duration = Duration::from_secs(3);

/// A variant for [`interleaved`]: its name and one call.
pub type Variant<'a> = (&'a str, &'a dyn Fn());

/// With `DECOR_BENCH_INTERLEAVE=R`, times `R` rounds of `batch` calls of
/// every variant (rotating which goes first, so a burst of load on the
/// shared machine hits every variant alike) and prints a table to stderr:
/// each variant's median time per call and the median of its per-round
/// ratios to `peer`. Without the variable it does nothing.
pub fn interleaved(group: &str, peer: &str, batch: u32, variants: &[Variant<'_>]) {
    let Some(rounds) = std::env::var("DECOR_BENCH_INTERLEAVE")
        .ok()
        .and_then(|r| r.parse::<usize>().ok())
        .filter(|&r| r > 0)
    else {
        return;
    };
    let n = variants.len();
    let times = rotating_rounds(
        n,
        |round, _| round < rounds,
        |i| {
            let start = Instant::now();
            for _ in 0..batch {
                (variants[i].1)();
            }
            start.elapsed().as_secs_f64() * 1e9 / f64::from(batch)
        },
    );
    let peer = variants
        .iter()
        .position(|(name, _)| *name == peer)
        .expect("the peer is a variant");
    eprintln!("\n{group}, interleaved, {rounds} rounds of {batch}:\n");
    eprintln!(
        "| variant | median ns per call | median of per-round ratios to `{}` |",
        variants[peer].0
    );
    eprintln!("|---|--:|--:|");
    for (i, (name, _)) in variants.iter().enumerate() {
        let ns = median(&times[i]);
        let decimals = if ns < 100.0 { 2 } else { 0 };
        eprintln!(
            "| `{name}` | {ns:.decimals$} | {:.2}x |",
            median_ratio(&times[i], &times[peer])
        );
    }
    eprintln!();
}

/// Times `n` variants in rounds, each round timing every variant once and
/// rotating which goes first, so a burst of load on the shared machine hits
/// every variant alike. `more(round, elapsed)` says whether round `round`
/// (from 0) runs, given the time spent so far; `time(i)` runs variant `i`
/// and returns its time (any unit, the same for all). Returns each
/// variant's times, one per round, in round order.
pub fn rotating_rounds(
    n: usize,
    mut more: impl FnMut(usize, Duration) -> bool,
    mut time: impl FnMut(usize) -> f64,
) -> Vec<Vec<f64>> {
    let started = Instant::now();
    let mut times = vec![Vec::new(); n];
    let mut round = 0;
    while n > 0 && more(round, started.elapsed()) {
        for k in 0..n {
            let i = (round + k) % n;
            times[i].push(time(i));
        }
        round += 1;
    }
    times
}

/// The median of `samples` (the upper middle one for an even count); NaN
/// when there are none.
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median of the per-round ratios `times[r] / peer[r]`: how a variant
/// compares with its peer under the conditions of each round.
pub fn median_ratio(times: &[f64], peer: &[f64]) -> f64 {
    let ratios: Vec<f64> = times.iter().zip(peer).map(|(t, p)| t / p).collect();
    median(&ratios)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rounds_rotate_and_stop_when_told() {
        let mut order = Vec::new();
        let times = super::rotating_rounds(
            3,
            |round, _| round < 2,
            |i| {
                order.push(i);
                i as f64
            },
        );
        assert_eq!(order, [0, 1, 2, 1, 2, 0]);
        assert_eq!(times, [vec![0.0, 0.0], vec![1.0, 1.0], vec![2.0, 2.0]]);
    }

    #[test]
    fn medians_of_samples_and_ratios() {
        assert_eq!(super::median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(super::median(&[4.0, 1.0, 3.0, 2.0]), 3.0);
        assert!(super::median(&[]).is_nan());
        assert_eq!(super::median_ratio(&[2.0, 9.0, 3.0], &[1.0, 3.0, 3.0]), 2.0);
    }

    #[test]
    fn work_is_deterministic() {
        assert_eq!(super::work(42), super::work(42));
        assert_ne!(super::work(1), super::work(2));
    }
}
