//! Comparisons 4 and 5: `#[decor::parallel]` on the seed's two experiments,
//! side by side with the rayon a user would otherwise write.
//!
//! Every pool has one thread per core (`N` = `available_parallelism`, 2 on
//! the benchmark machine): decor's default pool through
//! `decor::pools::configure("default", N)` before its first use, the rayon
//! peer through `rayon::ThreadPoolBuilder::num_threads(N)` and `install`.
//! `threads = 2` in an attribute must be a literal; it equals `N` on the
//! benchmark machine and the bench says so on stderr where it does not.
//!
//! Group `parallel_sum` (the seed's "add 8,000,000 ones"), one `&[u64]` of
//! 8,000,000 ones, built once; variants in this order:
//!
//! - `serial`: `data.iter().sum::<u64>()` on the caller, for reference.
//! - `rayon_par_iter`: `pool.install(|| data.par_iter().sum::<u64>())`, the
//!   target's peer.
//! - `decor_parallel_default`: `#[decor::parallel(reduce = |a, b| a + b)]`
//!   on `fn(&[u64]) -> u64`, default pool (N chunks).
//! - `decor_parallel_threads_2`: the same with `threads = 2` (its own pool).
//! - `decor_parallel_chunks_8`: default pool, `chunks = 8`: the seed's
//!   split into 8, for the analysis.
//!
//! Group `parallel_fib` (the seed's fibonacci experiment): `fib(30)` eight
//! times, the same `#[inline(never)]` recursive `fib` in every variant:
//!
//! - `serial`: a loop on the caller.
//! - `rayon_par_iter`: `pool.install(|| (0..8).into_par_iter().map(|_|
//!   fib(30)).collect::<Vec<_>>())`, the target's peer.
//! - `decor_parallel`: `#[decor::parallel]` on `fn(&[u64]) -> Vec<u64>`
//!   over `[30; 8]` (default pool, results concatenated through `Combine`).
//! - `decor_parallel_chunks_8`: the same with `chunks = 8`, one `fib` per
//!   chunk (for the analysis: the default cuts 8 items into N fixed chunks).
//! - `decor_spawn_join_all`: `#[decor::spawn] fn(u64) -> u64` called eight
//!   times, then `decor::join_all`.
//!
//! Targets: `parallel_sum/decor_parallel_*` <= 1.10 x `rayon_par_iter`;
//! `parallel_fib/decor_*` <= 1.10 x `rayon_par_iter` and a speedup over
//! `serial` of at least 0.85 x N.
//!
//! Criterion runs one variant after another, so on a shared machine a slow
//! spell lands on whichever variant runs then. With `DECOR_BENCH_INTERLEAVE=R`
//! each group first runs `R` rounds that call every variant once, in a
//! rotating order, and prints to stderr each variant's median and the median
//! of its per-round ratios to `rayon_par_iter`: variants measured under the
//! same conditions, as a check on criterion's figures.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use decor_bench::{interleaved, MEASUREMENT, WARM_UP};
use rayon::prelude::*;

/// Items in the sum: the seed's 8,000,000 ones.
const SUM_LEN: usize = 8_000_000;
/// `fib(FIB_N)` ...
const FIB_N: u64 = 30;
/// ... this many times.
const FIB_TIMES: usize = 8;
/// `fib(30)`.
const FIB_30: u64 = 832_040;

/// Samples for these heavy benchmarks (milliseconds per iteration).
const SAMPLES: usize = 20;

#[inline(never)]
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[decor::parallel(reduce = |a, b| a + b)]
fn sum_default(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::parallel(threads = 2, reduce = |a, b| a + b)]
fn sum_threads_2(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::parallel(chunks = 8, reduce = |a, b| a + b)]
fn sum_chunks_8(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::parallel]
fn fib_all(ns: &[u64]) -> Vec<u64> {
    ns.iter().map(|&n| fib(n)).collect()
}

#[decor::parallel(chunks = 8)]
fn fib_all_chunks_8(ns: &[u64]) -> Vec<u64> {
    ns.iter().map(|&n| fib(n)).collect()
}

#[decor::spawn]
fn fib_task(n: u64) -> u64 {
    fib(n)
}

/// One thread per core, the size of every pool here.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The rayon peer's pool and decor's default pool, both `cores()` threads.
fn pools() -> rayon::ThreadPool {
    let n = cores();
    decor::pools::configure("default", n).expect("the default pool is not started yet");
    if n != 2 {
        eprintln!("note: {n} cores, but the `threads = 2` variant runs 2 threads");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("rayon-peer-{i}"))
        .build()
        .expect("a rayon pool")
}

fn parallel_sum(c: &mut Criterion) {
    let rayon = pools();
    let data = vec![1u64; SUM_LEN];
    let data = data.as_slice();
    // Every variant adds up the same ones (and starts its pool here).
    let expected = SUM_LEN as u64;
    assert_eq!(data.iter().sum::<u64>(), expected);
    assert_eq!(rayon.install(|| data.par_iter().sum::<u64>()), expected);
    assert_eq!(sum_default(data), expected);
    assert_eq!(sum_threads_2(data), expected);
    assert_eq!(sum_chunks_8(data), expected);
    assert_eq!(decor::pools::threads("default"), Some(cores()));
    interleaved(
        "parallel_sum",
        "rayon_par_iter",
        1,
        &[
            ("serial", &|| {
                black_box(black_box(data).iter().sum::<u64>());
            }),
            ("rayon_par_iter", &|| {
                black_box(rayon.install(|| black_box(data).par_iter().sum::<u64>()));
            }),
            ("decor_parallel_default", &|| {
                black_box(sum_default(black_box(data)));
            }),
            ("decor_parallel_threads_2", &|| {
                black_box(sum_threads_2(black_box(data)));
            }),
            ("decor_parallel_chunks_8", &|| {
                black_box(sum_chunks_8(black_box(data)));
            }),
        ],
    );

    let mut group = c.benchmark_group("parallel_sum");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(SAMPLES);
    group.bench_function("serial", |b| b.iter(|| black_box(data).iter().sum::<u64>()));
    group.bench_function("rayon_par_iter", |b| {
        b.iter(|| rayon.install(|| black_box(data).par_iter().sum::<u64>()))
    });
    group.bench_function("decor_parallel_default", |b| {
        b.iter(|| sum_default(black_box(data)))
    });
    group.bench_function("decor_parallel_threads_2", |b| {
        b.iter(|| sum_threads_2(black_box(data)))
    });
    group.bench_function("decor_parallel_chunks_8", |b| {
        b.iter(|| sum_chunks_8(black_box(data)))
    });
    group.finish();
}

#[decor::parallel(reduce = |a, b| a + b)]
fn small_sum_default(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::parallel(chunks = 2, reduce = |a, b| a + b)]
fn small_sum_on_pool(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

/// Small inputs (issue 11, item 2): the default `#[parallel]` beside the
/// serial loop, rayon, and the same function forced onto the pool
/// (`chunks = 2`: the round trip the default avoids), from 100 to
/// 1,000,000 items; the default has measured its body first.
fn parallel_small(c: &mut Criterion) {
    let rayon = pools();
    let data: Vec<u64> = (0..1_000_000).collect();
    // The default measures its body on its first (pool) call.
    assert_eq!(small_sum_default(&data), data.iter().sum::<u64>());
    for n in [100usize, 1_000, 10_000, 100_000, 1_000_000] {
        let data = &data[..n];
        let expected: u64 = data.iter().sum();
        assert_eq!(small_sum_default(data), expected);
        assert_eq!(small_sum_on_pool(data), expected);
        let batch = u32::try_from((100_000 / n).max(1)).unwrap_or(1);
        interleaved(
            &format!("parallel_small_{n}"),
            "serial",
            batch,
            &[
                ("serial", &|| {
                    black_box(black_box(data).iter().sum::<u64>());
                }),
                ("rayon_par_iter", &|| {
                    black_box(rayon.install(|| black_box(data).par_iter().sum::<u64>()));
                }),
                ("decor_parallel_default", &|| {
                    black_box(small_sum_default(black_box(data)));
                }),
                ("decor_parallel_chunks_2", &|| {
                    black_box(small_sum_on_pool(black_box(data)));
                }),
            ],
        );
    }
    let data = &data[..1_000];
    let mut group = c.benchmark_group("parallel_small_1000");
    group.bench_function("serial", |b| b.iter(|| black_box(data).iter().sum::<u64>()));
    group.bench_function("decor_parallel_default", |b| {
        b.iter(|| small_sum_default(black_box(data)))
    });
    group.bench_function("decor_parallel_chunks_2", |b| {
        b.iter(|| small_sum_on_pool(black_box(data)))
    });
    group.finish();
}

fn parallel_fib(c: &mut Criterion) {
    let rayon = pools();
    let ns = [FIB_N; FIB_TIMES];
    let expected = vec![FIB_30; FIB_TIMES];
    let serial = |ns: &[u64]| ns.iter().map(|&n| fib(n)).collect::<Vec<u64>>();
    let rayon_fib = |n: u64| {
        rayon.install(|| {
            (0..FIB_TIMES)
                .into_par_iter()
                .map(|_| fib(black_box(n)))
                .collect::<Vec<u64>>()
        })
    };
    let spawned = |n: u64| -> Vec<u64> {
        decor::join_all((0..FIB_TIMES).map(|_| fib_task(n)))
            .into_iter()
            .map(|result| result.expect("fib does not panic"))
            .collect()
    };
    assert_eq!(serial(&ns), expected);
    assert_eq!(rayon_fib(FIB_N), expected);
    assert_eq!(fib_all(&ns), expected);
    assert_eq!(fib_all_chunks_8(&ns), expected);
    assert_eq!(spawned(FIB_N), expected);
    interleaved(
        "parallel_fib",
        "rayon_par_iter",
        1,
        &[
            ("serial", &|| {
                black_box(serial(black_box(&ns)));
            }),
            ("rayon_par_iter", &|| {
                black_box(rayon_fib(black_box(FIB_N)));
            }),
            ("decor_parallel", &|| {
                black_box(fib_all(black_box(&ns)));
            }),
            ("decor_parallel_chunks_8", &|| {
                black_box(fib_all_chunks_8(black_box(&ns)));
            }),
            ("decor_spawn_join_all", &|| {
                black_box(spawned(black_box(FIB_N)));
            }),
        ],
    );

    let mut group = c.benchmark_group("parallel_fib");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(SAMPLES);
    group.bench_function("serial", |b| b.iter(|| serial(black_box(&ns))));
    group.bench_function("rayon_par_iter", |b| b.iter(|| rayon_fib(black_box(FIB_N))));
    group.bench_function("decor_parallel", |b| b.iter(|| fib_all(black_box(&ns))));
    group.bench_function("decor_parallel_chunks_8", |b| {
        b.iter(|| fib_all_chunks_8(black_box(&ns)))
    });
    group.bench_function("decor_spawn_join_all", |b| {
        b.iter(|| spawned(black_box(FIB_N)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = parallel_sum, parallel_fib, parallel_small
}
criterion_main!(benches);
