//! Comparison 2: `#[decor::logged]` at a level the subscriber filters out,
//! side by side with `#[tracing::instrument]` at the same disabled level.
//!
//! A `fmt` subscriber with max level WARN, writing into `io::sink`, is the
//! global default for the whole process; both decorators ask for INFO. One
//! group, one process, variants in this order:
//!
//! - `plain`: the undecorated function.
//! - `decor_logged`: `#[decor::logged(level = info)]`, returns `u64`.
//! - `instrument`: `#[tracing::instrument(level = "info")]`, returns `u64`.
//! - `decor_logged_result`: `#[decor::logged(level = info)]` on a function
//!   returning `Result<u64, String>` (exit probes on the `Ok` path).
//! - `instrument_ret_err`: `#[tracing::instrument(level = "info", ret, err)]`
//!   on the same `Result` function.
//!
//! Target: `decor_logged` <= 1.25 x `instrument`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use decor_bench::{work, MEASUREMENT, WARM_UP};
use tracing::Level;

#[inline(never)]
fn plain(x: u64) -> u64 {
    work(x)
}

#[decor::logged(level = info)]
#[inline(never)]
fn decor_logged(x: u64) -> u64 {
    work(x)
}

#[tracing::instrument(level = "info")]
#[inline(never)]
fn instrumented(x: u64) -> u64 {
    work(x)
}

#[decor::logged(level = info)]
#[inline(never)]
fn decor_logged_result(x: u64) -> Result<u64, String> {
    Ok(work(x))
}

#[tracing::instrument(level = "info", ret, err)]
#[inline(never)]
fn instrumented_ret_err(x: u64) -> Result<u64, String> {
    Ok(work(x))
}

fn logged_disabled(c: &mut Criterion) {
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(Level::WARN)
            .with_writer(std::io::sink)
            .with_ansi(false)
            .finish(),
    )
    .expect("the first and only global subscriber of this process");
    assert!(tracing::enabled!(Level::WARN));
    assert!(!tracing::enabled!(Level::INFO));

    let mut group = c.benchmark_group("logged_disabled");
    group.bench_function("plain", |b| b.iter(|| plain(black_box(42))));
    group.bench_function("decor_logged", |b| b.iter(|| decor_logged(black_box(42))));
    group.bench_function("instrument", |b| b.iter(|| instrumented(black_box(42))));
    group.bench_function("decor_logged_result", |b| {
        b.iter(|| decor_logged_result(black_box(42)))
    });
    group.bench_function("instrument_ret_err", |b| {
        b.iter(|| instrumented_ret_err(black_box(42)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = logged_disabled
}
criterion_main!(benches);
