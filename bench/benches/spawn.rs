//! Comparisons 6 and 7: what `#[decor::spawn]` costs per task, side by side
//! with `rayon::ThreadPool::spawn` plus a std `mpsc` channel, the plumbing a
//! user would otherwise write.
//!
//! Both pools have one thread per core (`N` = `available_parallelism`, 2 on
//! the benchmark machine): decor's default pool through
//! `decor::pools::configure("default", N)`, the peer's through
//! `rayon::ThreadPoolBuilder::num_threads(N)`. Every task runs the same tiny
//! body, `decor_bench::work` on its index.
//!
//! Group `spawn_many` (the seed's `[executor.submit(...) for ...]` then
//! `[f.result() for f in futures]`): submit 10,000 tasks, then collect every
//! result in input order. Time per iteration is for all 10,000; `ratios.py`
//! also shows it per task. Variants in this order:
//!
//! - `rayon_spawn_channel`: `pool.spawn` per task, each sending `(index,
//!   value)` into one shared `mpsc::channel`; the caller receives 10,000
//!   messages and places them by index. The target's peer.
//! - `rayon_spawn_channel_per_task`: `pool.spawn` per task with a
//!   `mpsc::sync_channel(1)` each, received in input order: one handle per
//!   task, like `Task` (for the analysis).
//! - `decor_spawn_join_all`: `#[decor::spawn] fn(u64) -> u64` called 10,000
//!   times, then `decor::join_all`.
//! - `decor_spawn_as_completed`: the same tasks through
//!   `decor::as_completed`, placed by index.
//!
//! Group `spawn_many_100k`: the same at 100,000 tasks, without the
//! per-task-channel variant (issue 11, item 4: `as_completed` and
//! `join_all` <= 1.05 x `rayon_spawn_channel` here).
//!
//! Group `spawn_round_trip`: submit one tiny task and wait for its result.
//!
//! - `rayon_spawn_channel`: a new `mpsc::channel`, `pool.spawn` sending the
//!   value, `recv`. The target's peer.
//! - `decor_spawn_join`: `tiny(x).join()`.
//!
//! Targets: `spawn_many/decor_spawn_join_all` <= 1.0 µs per task and
//! <= 1.5 x `rayon_spawn_channel`; `spawn_round_trip/decor_spawn_join` <= 1.2
//! x `rayon_spawn_channel`.
//!
//! With `DECOR_BENCH_INTERLEAVE=R`, each group first runs `R` rounds that
//! time every variant once (a round trip: a batch of 100), in a rotating
//! order, and prints each variant's median and the median of its per-round
//! ratios to `rayon_spawn_channel` to stderr (see `benches/parallel.rs`).

use std::hint::black_box;
use std::sync::mpsc;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use decor_bench::{interleaved, rayon_spawn_channel, work, MEASUREMENT, WARM_UP};

/// Tasks per iteration of `spawn_many`.
const TASKS: u64 = 10_000;

/// Tasks per iteration of `spawn_many_100k`.
const MANY_TASKS: u64 = 100_000;

#[decor::spawn]
fn tiny(x: u64) -> u64 {
    work(x)
}

/// The rayon peer's pool and decor's default pool, both one thread per core.
fn pools() -> rayon::ThreadPool {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    decor::pools::configure("default", n).expect("the default pool is not started yet");
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("rayon-peer-{i}"))
        .build()
        .expect("a rayon pool")
}

fn rayon_spawn_channel_per_task(pool: &rayon::ThreadPool, tasks: u64) -> Vec<u64> {
    let receivers: Vec<_> = (0..tasks)
        .map(|i| {
            let (tx, rx) = mpsc::sync_channel(1);
            pool.spawn(move || {
                let _ = tx.send(work(i));
            });
            rx
        })
        .collect();
    receivers
        .into_iter()
        .map(|rx| rx.recv().expect("every task sends"))
        .collect()
}

fn decor_join_all(tasks: u64) -> Vec<u64> {
    decor::join_all((0..tasks).map(tiny))
        .into_iter()
        .map(|result| result.expect("tiny does not panic"))
        .collect()
}

fn decor_as_completed(tasks: u64) -> Vec<u64> {
    let mut results = vec![0; tasks as usize];
    let handles: Vec<_> = (0..tasks).map(tiny).collect();
    for (i, result) in decor::as_completed(handles) {
        results[i] = result.expect("tiny does not panic");
    }
    results
}

fn rayon_round_trip(pool: &rayon::ThreadPool, x: u64) -> u64 {
    let (tx, rx) = mpsc::channel();
    pool.spawn(move || {
        let _ = tx.send(work(x));
    });
    rx.recv().expect("the task sends")
}

fn spawn_many(c: &mut Criterion) {
    let pool = pools();
    let expected: Vec<u64> = (0..TASKS).map(work).collect();
    assert_eq!(rayon_spawn_channel(&pool, TASKS, work), expected);
    assert_eq!(rayon_spawn_channel_per_task(&pool, TASKS), expected);
    assert_eq!(decor_join_all(TASKS), expected);
    assert_eq!(decor_as_completed(TASKS), expected);
    interleaved(
        "spawn_many",
        "rayon_spawn_channel",
        1,
        &[
            ("rayon_spawn_channel", &|| {
                black_box(rayon_spawn_channel(&pool, black_box(TASKS), work));
            }),
            ("rayon_spawn_channel_per_task", &|| {
                black_box(rayon_spawn_channel_per_task(&pool, black_box(TASKS)));
            }),
            ("decor_spawn_join_all", &|| {
                black_box(decor_join_all(black_box(TASKS)));
            }),
            ("decor_spawn_as_completed", &|| {
                black_box(decor_as_completed(black_box(TASKS)));
            }),
        ],
    );

    let mut group = c.benchmark_group("spawn_many");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(50);
    group.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| rayon_spawn_channel(&pool, black_box(TASKS), work))
    });
    group.bench_function("rayon_spawn_channel_per_task", |b| {
        b.iter(|| rayon_spawn_channel_per_task(&pool, black_box(TASKS)))
    });
    group.bench_function("decor_spawn_join_all", |b| {
        b.iter(|| decor_join_all(black_box(TASKS)))
    });
    group.bench_function("decor_spawn_as_completed", |b| {
        b.iter(|| decor_as_completed(black_box(TASKS)))
    });
    group.finish();
}

fn spawn_many_100k(c: &mut Criterion) {
    let pool = pools();
    let expected: Vec<u64> = (0..MANY_TASKS).map(work).collect();
    assert_eq!(rayon_spawn_channel(&pool, MANY_TASKS, work), expected);
    assert_eq!(decor_join_all(MANY_TASKS), expected);
    assert_eq!(decor_as_completed(MANY_TASKS), expected);
    interleaved(
        "spawn_many_100k",
        "rayon_spawn_channel",
        1,
        &[
            ("rayon_spawn_channel", &|| {
                black_box(rayon_spawn_channel(&pool, black_box(MANY_TASKS), work));
            }),
            ("decor_spawn_join_all", &|| {
                black_box(decor_join_all(black_box(MANY_TASKS)));
            }),
            ("decor_spawn_as_completed", &|| {
                black_box(decor_as_completed(black_box(MANY_TASKS)));
            }),
        ],
    );

    let mut group = c.benchmark_group("spawn_many_100k");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| rayon_spawn_channel(&pool, black_box(MANY_TASKS), work))
    });
    group.bench_function("decor_spawn_join_all", |b| {
        b.iter(|| decor_join_all(black_box(MANY_TASKS)))
    });
    group.bench_function("decor_spawn_as_completed", |b| {
        b.iter(|| decor_as_completed(black_box(MANY_TASKS)))
    });
    group.finish();
}

fn spawn_round_trip(c: &mut Criterion) {
    let pool = pools();
    assert_eq!(rayon_round_trip(&pool, 42), work(42));
    assert_eq!(tiny(42).join().expect("tiny does not panic"), work(42));
    interleaved(
        "spawn_round_trip",
        "rayon_spawn_channel",
        100,
        &[
            ("rayon_spawn_channel", &|| {
                black_box(rayon_round_trip(&pool, black_box(42)));
            }),
            ("decor_spawn_join", &|| {
                let _ = black_box(tiny(black_box(42)).join());
            }),
        ],
    );

    let mut group = c.benchmark_group("spawn_round_trip");
    group.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| rayon_round_trip(&pool, black_box(42)))
    });
    group.bench_function("decor_spawn_join", |b| {
        b.iter(|| tiny(black_box(42)).join())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = spawn_many, spawn_many_100k, spawn_round_trip
}
criterion_main!(benches);
