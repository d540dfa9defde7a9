//! Comparison 1: what `#[decor::timed]` costs per call, side by side with
//! what a user would otherwise write.
//!
//! One group, one process, variants in this order:
//!
//! - `plain`: the undecorated function, the floor.
//! - `instant_pair`: the same function with `let t = Instant::now(); ...;
//!   black_box(t.elapsed())` written by hand, the peer of the target.
//! - `instant_pair_fetch_add`: the pair plus one relaxed `fetch_add` into a
//!   static, the least a timer on `Instant` that keeps anything shared can do
//!   (for analysis).
//! - `quanta_pair`: the pair written by hand on the clock `#[timed]` reads
//!   (`quanta::Clock::raw` twice, `delta_as_nanos`), for analysis: what is
//!   left of `decor_timed` above it is the recording and the event check.
//! - `decor_timed`: `#[decor::timed]` with its defaults (per-call event at
//!   DEBUG, no subscriber, so the event is one disabled-level check).
//! - `decor_timed_level_off`: `#[decor::timed(level = off)]`, no event check.
//! - `instrument_no_subscriber`: `#[tracing::instrument]`, nothing installed.
//! - `*_sink_subscriber`: the same functions while a `fmt` subscriber (INFO,
//!   writing into `io::sink`) is the thread's default. They run last: a
//!   dispatcher, once registered, raises tracing's global max level, which
//!   would change the no-subscriber variants had they run after.
//!
//! Target: `decor_timed` <= 1.10 x `instant_pair`.
//!
//! Criterion runs one variant after another, so on a shared machine a slow
//! spell lands on whichever variant runs then. With `DECOR_BENCH_INTERLEAVE=R`
//! the bench first runs `R` rounds that time a batch of calls of every
//! variant without a subscriber, in a rotating order, and prints each
//! variant's median time per call and the median of its per-round ratios to
//! `instant_pair` to stderr: the variants measured under the same conditions.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use decor_bench::{interleaved, work, MEASUREMENT, WARM_UP};
use tracing::Dispatch;

#[inline(never)]
fn plain(x: u64) -> u64 {
    work(x)
}

#[inline(never)]
fn instant_pair(x: u64) -> u64 {
    let t = Instant::now();
    let r = work(x);
    black_box(t.elapsed());
    r
}

static TOTAL_NANOS: AtomicU64 = AtomicU64::new(0);

#[inline(never)]
fn instant_pair_fetch_add(x: u64) -> u64 {
    let t = Instant::now();
    let r = work(x);
    TOTAL_NANOS.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
    r
}

static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

#[inline(never)]
fn quanta_pair(x: u64) -> u64 {
    let clock = CLOCK.get_or_init(quanta::Clock::new);
    let t = clock.raw();
    let r = work(x);
    black_box(clock.delta_as_nanos(t, clock.raw()));
    r
}

#[decor::timed]
#[inline(never)]
fn decor_timed(x: u64) -> u64 {
    work(x)
}

#[decor::timed(level = off)]
#[inline(never)]
fn decor_timed_level_off(x: u64) -> u64 {
    work(x)
}

#[decor::timed(level = info)]
#[inline(never)]
fn decor_timed_info(x: u64) -> u64 {
    work(x)
}

#[tracing::instrument]
#[inline(never)]
fn instrumented(x: u64) -> u64 {
    work(x)
}

fn sink_dispatch() -> Dispatch {
    Dispatch::new(
        tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .with_ansi(false)
            .finish(),
    )
}

/// Calls of each variant per batch in `interleaved`: about a millisecond.
const BATCH: u32 = 20_000;

fn timed(c: &mut Criterion) {
    // With nothing installed, tracing's global max level is OFF.
    assert!(!tracing::enabled!(tracing::Level::ERROR));
    // The decorated functions really are timed.
    decor_timed(1);
    decor_timed_level_off(1);
    for name in ["decor_timed", "decor_timed_level_off"] {
        let name = format!("{}::{name}", module_path!());
        assert!(decor::timers::get(&name).is_some_and(|s| s.calls() > 0));
    }

    interleaved(
        "timed",
        "instant_pair",
        BATCH,
        &[
            ("plain", &|| {
                black_box(plain(black_box(42)));
            }),
            ("instant_pair", &|| {
                black_box(instant_pair(black_box(42)));
            }),
            ("instant_pair_fetch_add", &|| {
                black_box(instant_pair_fetch_add(black_box(42)));
            }),
            ("quanta_pair", &|| {
                black_box(quanta_pair(black_box(42)));
            }),
            ("decor_timed", &|| {
                black_box(decor_timed(black_box(42)));
            }),
            ("decor_timed_level_off", &|| {
                black_box(decor_timed_level_off(black_box(42)));
            }),
            ("instrument_no_subscriber", &|| {
                black_box(instrumented(black_box(42)));
            }),
        ],
    );

    let mut group = c.benchmark_group("timed");
    group.bench_function("plain", |b| b.iter(|| plain(black_box(42))));
    group.bench_function("instant_pair", |b| b.iter(|| instant_pair(black_box(42))));
    group.bench_function("instant_pair_fetch_add", |b| {
        b.iter(|| instant_pair_fetch_add(black_box(42)))
    });
    group.bench_function("quanta_pair", |b| b.iter(|| quanta_pair(black_box(42))));
    group.bench_function("decor_timed", |b| b.iter(|| decor_timed(black_box(42))));
    group.bench_function("decor_timed_level_off", |b| {
        b.iter(|| decor_timed_level_off(black_box(42)))
    });
    group.bench_function("instrument_no_subscriber", |b| {
        b.iter(|| instrumented(black_box(42)))
    });

    // From here on a dispatcher exists (see the module docs).
    let dispatch = sink_dispatch();
    group.bench_function("decor_timed_sink_subscriber", |b| {
        tracing::dispatcher::with_default(&dispatch, || b.iter(|| decor_timed(black_box(42))))
    });
    group.bench_function("decor_timed_info_sink_subscriber", |b| {
        tracing::dispatcher::with_default(&dispatch, || b.iter(|| decor_timed_info(black_box(42))))
    });
    group.bench_function("instrument_sink_subscriber", |b| {
        tracing::dispatcher::with_default(&dispatch, || b.iter(|| instrumented(black_box(42))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = timed
}
criterion_main!(benches);
