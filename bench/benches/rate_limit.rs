//! What `#[decor::rate_limit]` and `#[decor::timeout]` cost per call, side
//! by side with what a user would otherwise write.
//!
//! Group `rate_limit` (a limiter that never runs out: 10^9 calls per
//! second), variants:
//!
//! - `plain`: the undecorated function, the floor.
//! - `governor_direct`: the peer: a `static` governor direct limiter (the
//!   same GCRA and clock decor uses) checked by hand before the body,
//!   sleeping on `Err` as `#[rate_limit]` does.
//! - `decor_rate_limit`: `#[rate_limit(calls = 1_000_000_000, per = "1s")]`.
//! - `decor_rate_limit_refusing`: the same with `wait = false`, returning
//!   a `Result`.
//!
//! Group `timeout` (each call a fresh future polled once by
//! `futures_executor::block_on`, ready at once, so no timer is armed):
//! `bare_async` (the floor and peer) and `decor_timeout`
//! (`#[timeout("10s")]`).
//!
//! Targets: `decor_rate_limit` <= 1.10 x `governor_direct`; `decor_timeout`
//! close to `bare_async`.
//!
//! With `DECOR_BENCH_INTERLEAVE=R`, each group first runs `R` rounds of
//! every variant in a rotating order and prints median ratios to stderr
//! (see `decor_bench::interleaved`).

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::OnceLock;

use criterion::{criterion_group, criterion_main, Criterion};
use decor_bench::{interleaved, work, MEASUREMENT, WARM_UP};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

#[inline(never)]
fn plain(x: u64) -> u64 {
    work(x)
}

static LIMITER: OnceLock<DefaultDirectRateLimiter> = OnceLock::new();

#[inline(never)]
fn governor_direct(x: u64) -> u64 {
    let limiter = LIMITER.get_or_init(|| {
        let calls = NonZeroU32::new(1_000_000_000).unwrap();
        RateLimiter::direct(Quota::per_second(calls))
    });
    while let Err(not_until) = limiter.check() {
        std::thread::sleep(not_until.wait_time_from(DefaultClock::default().now()));
    }
    work(x)
}

#[decor::rate_limit(calls = 1_000_000_000, per = "1s")]
#[inline(never)]
fn decor_rate_limit(x: u64) -> u64 {
    work(x)
}

#[decor::rate_limit(calls = 1_000_000_000, per = "1s", wait = false)]
#[inline(never)]
fn decor_rate_limit_refusing(x: u64) -> Result<u64, decor::RateLimited> {
    Ok(work(x))
}

#[inline(never)]
async fn bare_async(x: u64) -> Result<u64, decor::Elapsed> {
    Ok(work(x))
}

#[decor::timeout("10s")]
#[inline(never)]
async fn decor_timeout(x: u64) -> Result<u64, decor::Elapsed> {
    Ok(work(x))
}

/// Calls of each variant per batch in `interleaved`: about a millisecond.
const BATCH: u32 = 20_000;

fn rate_limit(c: &mut Criterion) {
    // The decorated functions really are limited, and never wait.
    decor_rate_limit(1);
    decor_rate_limit_refusing(1).unwrap();
    for name in ["decor_rate_limit", "decor_rate_limit_refusing"] {
        let name = format!("{}::{name}", module_path!());
        let stats = decor::rate_limits::get(&name).unwrap().stats();
        assert_eq!((stats.admitted(), stats.waited()), (1, 0));
    }

    interleaved(
        "rate_limit",
        "governor_direct",
        BATCH,
        &[
            ("plain", &|| {
                black_box(plain(black_box(42)));
            }),
            ("governor_direct", &|| {
                black_box(governor_direct(black_box(42)));
            }),
            ("decor_rate_limit", &|| {
                black_box(decor_rate_limit(black_box(42)));
            }),
            ("decor_rate_limit_refusing", &|| {
                let _ = black_box(decor_rate_limit_refusing(black_box(42)));
            }),
        ],
    );

    let mut group = c.benchmark_group("rate_limit");
    group.warm_up_time(WARM_UP).measurement_time(MEASUREMENT);
    group.bench_function("plain", |b| b.iter(|| plain(black_box(42))));
    group.bench_function("governor_direct", |b| {
        b.iter(|| governor_direct(black_box(42)))
    });
    group.bench_function("decor_rate_limit", |b| {
        b.iter(|| decor_rate_limit(black_box(42)))
    });
    group.bench_function("decor_rate_limit_refusing", |b| {
        b.iter(|| decor_rate_limit_refusing(black_box(42)))
    });
    group.finish();

    let stats = decor::rate_limits::get(concat!(module_path!(), "::decor_rate_limit"))
        .unwrap()
        .stats();
    assert_eq!(
        stats.waited(),
        0,
        "the limiter ran out: not a no-wait bench"
    );
}

fn timeout(c: &mut Criterion) {
    assert_eq!(
        futures_executor::block_on(decor_timeout(1)).ok(),
        Some(work(1))
    );
    interleaved(
        "timeout",
        "bare_async",
        BATCH,
        &[
            ("bare_async", &|| {
                let _ = black_box(futures_executor::block_on(bare_async(black_box(42))));
            }),
            ("decor_timeout", &|| {
                let _ = black_box(futures_executor::block_on(decor_timeout(black_box(42))));
            }),
        ],
    );
    let mut group = c.benchmark_group("timeout");
    group.warm_up_time(WARM_UP).measurement_time(MEASUREMENT);
    group.bench_function("bare_async", |b| {
        b.iter(|| futures_executor::block_on(bare_async(black_box(42))))
    });
    group.bench_function("decor_timeout", |b| {
        b.iter(|| futures_executor::block_on(decor_timeout(black_box(42))))
    });
    group.finish();
}

criterion_group!(benches, rate_limit, timeout);
criterion_main!(benches);
