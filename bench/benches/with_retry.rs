//! What `#[decor::with(...)]` and `#[decor::retry]` add to a call that
//! needs no second run, side by side with the undecorated function.
//!
//! One group, one process, variants in this order:
//!
//! - `plain`: `fn(u64, &str) -> u64`, undecorated, the floor of the `with`
//!   variants.
//! - `with_nothing`: the same under `#[with(Nothing)]`, a decorator whose
//!   hooks are all the defaults (`type State = ()`): the cost of the
//!   mechanism itself (the frame, the argument array, the loop).
//! - `with_fn`: the same under `#[with(noop)]`, a plain `fn(&Call)`, the
//!   shape most user decorators take (for analysis).
//! - `plain_result`: `fn(u64, &str) -> Result<u64, String>`, undecorated,
//!   returning `Ok`: the floor of the `retry` variants.
//! - `retry_ok`: the same under `#[retry]` (defaults: 3 attempts), on its
//!   success path: one run, no pause, nothing logged.
//! - `retry_ok_deadline`: `#[retry(deadline = "30s")]`, which reads the
//!   clock once per call (for analysis).
//! - `plain_owned` / `retry_ok_owned`: a `String` taken by value: `#[retry]`
//!   must keep the original for a second run, so the first run gets a clone
//!   (an allocation) even when it succeeds (for analysis).
//!
//! Targets: `with_nothing` <= `plain` + 2 ns, `retry_ok` <=
//! `plain_result` + 5 ns.
//!
//! `DECOR_BENCH_INTERLEAVE=R` first runs `R` rounds of every variant in a
//! rotating order and prints each one's median time per call and the
//! median of its per-round ratios to its peer, `plain` for the `with`
//! variants and `plain_result` for the `retry` ones (see
//! `decor_bench::interleaved`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use decor::{Call, Decorator};
use decor_bench::{interleaved, work, MEASUREMENT, WARM_UP};

/// A decorator that does nothing: every hook is the default.
struct Nothing;

impl Decorator for Nothing {
    type State = ();
}

fn noop(call: &Call<'_>) {
    black_box(call.attempt());
}

#[inline(never)]
fn plain(x: u64, s: &str) -> u64 {
    work(x) + s.len() as u64
}

#[decor::with(Nothing)]
#[inline(never)]
fn with_nothing(x: u64, s: &str) -> u64 {
    work(x) + s.len() as u64
}

#[decor::with(noop)]
#[inline(never)]
fn with_fn(x: u64, s: &str) -> u64 {
    work(x) + s.len() as u64
}

#[inline(never)]
fn plain_result(x: u64, s: &str) -> Result<u64, String> {
    if x == u64::MAX {
        return Err(s.to_owned());
    }
    Ok(work(x) + s.len() as u64)
}

#[decor::retry]
#[inline(never)]
fn retry_ok(x: u64, s: &str) -> Result<u64, String> {
    if x == u64::MAX {
        return Err(s.to_owned());
    }
    Ok(work(x) + s.len() as u64)
}

#[decor::retry(deadline = "30s")]
#[inline(never)]
fn retry_ok_deadline(x: u64, s: &str) -> Result<u64, String> {
    if x == u64::MAX {
        return Err(s.to_owned());
    }
    Ok(work(x) + s.len() as u64)
}

#[inline(never)]
fn plain_owned(x: u64, s: String) -> Result<u64, String> {
    if x == u64::MAX {
        return Err(s);
    }
    Ok(work(x) + s.len() as u64)
}

#[decor::retry]
#[inline(never)]
fn retry_ok_owned(x: u64, s: String) -> Result<u64, String> {
    if x == u64::MAX {
        return Err(s);
    }
    Ok(work(x) + s.len() as u64)
}

/// Calls of each variant per batch in `interleaved`: about a millisecond.
const BATCH: u32 = 100_000;

const TEXT: &str = "payload";

fn with_retry(c: &mut Criterion) {
    // The decorated functions compute what the plain ones do.
    assert_eq!(with_nothing(42, TEXT), plain(42, TEXT));
    assert_eq!(with_fn(42, TEXT), plain(42, TEXT));
    assert_eq!(retry_ok(42, TEXT), plain_result(42, TEXT));
    assert_eq!(retry_ok_deadline(42, TEXT), plain_result(42, TEXT));
    assert_eq!(
        retry_ok_owned(42, TEXT.into()),
        plain_owned(42, TEXT.into())
    );

    // Two interleaved tables, each against its own peer: `plain` for the
    // `with` variants, `plain_result` for the `retry` ones.
    interleaved(
        "with",
        "plain",
        BATCH,
        &[
            ("plain", &|| {
                black_box(plain(black_box(42), black_box(TEXT)));
            }),
            ("with_nothing", &|| {
                black_box(with_nothing(black_box(42), black_box(TEXT)));
            }),
            ("with_fn", &|| {
                black_box(with_fn(black_box(42), black_box(TEXT)));
            }),
        ],
    );
    interleaved(
        "retry",
        "plain_result",
        BATCH,
        &[
            ("plain_result", &|| {
                let _ = black_box(plain_result(black_box(42), black_box(TEXT)));
            }),
            ("retry_ok", &|| {
                let _ = black_box(retry_ok(black_box(42), black_box(TEXT)));
            }),
            ("retry_ok_deadline", &|| {
                let _ = black_box(retry_ok_deadline(black_box(42), black_box(TEXT)));
            }),
            ("plain_owned", &|| {
                let _ = black_box(plain_owned(black_box(42), black_box(TEXT.to_owned())));
            }),
            ("retry_ok_owned", &|| {
                let _ = black_box(retry_ok_owned(black_box(42), black_box(TEXT.to_owned())));
            }),
        ],
    );

    let mut group = c.benchmark_group("with_retry");
    group.bench_function("plain", |b| {
        b.iter(|| plain(black_box(42), black_box(TEXT)))
    });
    group.bench_function("with_nothing", |b| {
        b.iter(|| with_nothing(black_box(42), black_box(TEXT)))
    });
    group.bench_function("with_fn", |b| {
        b.iter(|| with_fn(black_box(42), black_box(TEXT)))
    });
    group.bench_function("plain_result", |b| {
        b.iter(|| plain_result(black_box(42), black_box(TEXT)))
    });
    group.bench_function("retry_ok", |b| {
        b.iter(|| retry_ok(black_box(42), black_box(TEXT)))
    });
    group.bench_function("retry_ok_deadline", |b| {
        b.iter(|| retry_ok_deadline(black_box(42), black_box(TEXT)))
    });
    group.bench_function("plain_owned", |b| {
        b.iter(|| plain_owned(black_box(42), black_box(TEXT.to_owned())))
    });
    group.bench_function("retry_ok_owned", |b| {
        b.iter(|| retry_ok_owned(black_box(42), black_box(TEXT.to_owned())))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = with_retry
}
criterion_main!(benches);
