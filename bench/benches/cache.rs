//! `#[decor::cache]`'s hit path, side by side with what a user would
//! otherwise write, in one run:
//!
//! - `moka_get`: a hand-written lookup in a `moka::sync::Cache` (the store
//!   `#[cache]` uses) held in a `static`, `get` then `get_with` on a miss:
//!   the peer of the target.
//! - `decor_cache`: `#[decor::cache(size = 1000)]`.
//! - `cached_crate`: the `cached` crate's `#[cached(size = 1000)]` (an LRU
//!   behind one mutex).
//!
//! Two key shapes: a `u64` argument, and a `&str` argument (which `#[cache]`
//! keys as an owned `String`, built on every call; the moka peer looks up by
//! `&str` without allocating, and `cached` converts to `String` as decor does).
//! Every call hits: the keys cycle through 64 values stored before timing.
//!
//! Target: `decor_cache` <= 1.2 x `moka_get`.
//!
//! `DECOR_BENCH_INTERLEAVE=R` also prints interleaved medians and ratios
//! (see `decor_bench::interleaved`).

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::LazyLock;

use cached::proc_macro::cached;
use criterion::{criterion_group, criterion_main, Criterion};
use decor_bench::{interleaved, work, MEASUREMENT, WARM_UP};

const KEYS: u64 = 64;
const WORDS: [&str; 8] = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
];

static MOKA_U64: LazyLock<moka::sync::Cache<u64, u64>> =
    LazyLock::new(|| moka::sync::Cache::new(1000));
static MOKA_STR: LazyLock<moka::sync::Cache<String, usize>> =
    LazyLock::new(|| moka::sync::Cache::new(1000));

#[inline(never)]
fn moka_u64(x: u64) -> u64 {
    if let Some(value) = MOKA_U64.get(&x) {
        return value;
    }
    MOKA_U64.get_with(x, || work(x))
}

#[inline(never)]
#[decor::cache(size = 1000)]
fn decor_u64(x: u64) -> u64 {
    work(x)
}

#[inline(never)]
#[cached(size = 1000)]
fn cached_u64(x: u64) -> u64 {
    work(x)
}

#[inline(never)]
fn moka_str(word: &str) -> usize {
    if let Some(value) = MOKA_STR.get(word) {
        return value;
    }
    MOKA_STR.get_with(word.to_owned(), || word.len())
}

#[inline(never)]
#[decor::cache(size = 1000)]
fn decor_str(word: &str) -> usize {
    word.len()
}

#[inline(never)]
#[cached(size = 1000, key = "String", convert = r#"{ word.to_owned() }"#)]
fn cached_str(word: &str) -> usize {
    word.len()
}

/// The next key of a cycle through `n` keys.
fn next(counter: &AtomicUsize, n: usize) -> usize {
    counter.fetch_add(1, Ordering::Relaxed) % n
}

fn bench(c: &mut Criterion) {
    for x in 0..KEYS {
        moka_u64(x);
        decor_u64(x);
        cached_u64(x);
    }
    for word in WORDS {
        moka_str(word);
        decor_str(word);
        cached_str(word);
    }
    let turn = AtomicUsize::new(0);
    let key = || next(&turn, KEYS as usize) as u64;
    let word = || WORDS[next(&turn, WORDS.len())];

    interleaved(
        "cache_u64",
        "moka_get",
        10_000,
        &[
            ("moka_get", &|| {
                black_box(moka_u64(black_box(key())));
            }),
            ("decor_cache", &|| {
                black_box(decor_u64(black_box(key())));
            }),
            ("cached_crate", &|| {
                black_box(cached_u64(black_box(key())));
            }),
        ],
    );
    interleaved(
        "cache_str",
        "moka_get",
        10_000,
        &[
            ("moka_get", &|| {
                black_box(moka_str(black_box(word())));
            }),
            ("decor_cache", &|| {
                black_box(decor_str(black_box(word())));
            }),
            ("cached_crate", &|| {
                black_box(cached_str(black_box(word())));
            }),
        ],
    );

    let mut group = c.benchmark_group("cache_u64");
    group.bench_function("moka_get", |b| b.iter(|| moka_u64(black_box(key()))));
    group.bench_function("decor_cache", |b| b.iter(|| decor_u64(black_box(key()))));
    group.bench_function("cached_crate", |b| b.iter(|| cached_u64(black_box(key()))));
    group.finish();

    let mut group = c.benchmark_group("cache_str");
    group.bench_function("moka_get", |b| b.iter(|| moka_str(black_box(word()))));
    group.bench_function("decor_cache", |b| b.iter(|| decor_str(black_box(word()))));
    group.bench_function("cached_crate", |b| b.iter(|| cached_str(black_box(word()))));
    group.finish();

    let stats = decor::caches::get("cache::decor_u64")
        .expect("called")
        .stats();
    assert_eq!(stats.misses(), KEYS, "every timed call hit");
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(WARM_UP).measurement_time(MEASUREMENT);
    targets = bench
}
criterion_main!(benches);
