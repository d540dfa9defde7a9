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
//!
//! `bench/peers.py` runs the seed's Python programs for the table beside ours
//! (`--only '*process*'`: its process-pool experiments alone).
//!
//! Run with `cargo bench -p decor-bench`, then `python3 bench/ratios.py` for
//! the table in `BENCHMARKS.md`.

use std::time::{Duration, Instant};

/// The body of every benchmarked function: a few ALU operations on an input
/// the optimiser cannot see through, a couple of nanoseconds of real work.
#[inline(always)]
pub fn work(x: u64) -> u64 {
    let x = std::hint::black_box(x);
    (x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)) ^ (x >> 7)
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
    let mut times = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (round + k) % n;
            let start = Instant::now();
            for _ in 0..batch {
                (variants[i].1)();
            }
            times[i].push(start.elapsed().as_secs_f64() * 1e9 / f64::from(batch));
        }
    }
    let peer = variants
        .iter()
        .position(|(name, _)| *name == peer)
        .expect("the peer is a variant");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    eprintln!("\n{group}, interleaved, {rounds} rounds of {batch}:\n");
    eprintln!(
        "| variant | median ns per call | median of per-round ratios to `{}` |",
        variants[peer].0
    );
    eprintln!("|---|--:|--:|");
    for (i, (name, _)) in variants.iter().enumerate() {
        let ratios = times[i]
            .iter()
            .zip(&times[peer])
            .map(|(t, p)| t / p)
            .collect();
        let ns = median(times[i].clone());
        let decimals = if ns < 100.0 { 2 } else { 0 };
        eprintln!("| `{name}` | {ns:.decimals$} | {:.2}x |", median(ratios));
    }
    eprintln!();
}

#[cfg(test)]
mod tests {
    #[test]
    fn work_is_deterministic() {
        assert_eq!(super::work(42), super::work(42));
        assert_ne!(super::work(1), super::work(2));
    }
}
