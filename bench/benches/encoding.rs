//! The wire encoding for worker processes (DESIGN.md section 4): postcard 1
//! against bincode 1.3, each with its default settings (postcard: varints;
//! bincode's top-level functions: fixed-width integers, 8-byte lengths).
//!
//! One criterion group per payload, `encoding_<payload>`, each with
//! `postcard_encode`, `postcard_encode_io`, `bincode_encode` (into one reused
//! `Vec<u8>`, cleared first: `postcard::to_extend`, `postcard::to_io`,
//! `bincode::serialize_into`), then `postcard_decode`, `bincode_decode` (from
//! that crate's own bytes into an owned value, as a worker would). Payloads:
//!
//! - `call_args`, `call_result`: a tiny call, `(30u64,)` in and `fib(30)` out;
//! - `small_struct`: a 20-char `String`, a `u32`, an `Option<f64>`, 8 `u16`s;
//! - `vec_u64_1m`: one chunk of the seed's sum, 1,000,000 ones as `Vec<u64>`;
//! - `vec_u8_64mib`: a plain `Vec<u8>` of 64 MiB (no `serde_bytes`).
//!
//! Encoded sizes print once per payload on stderr. Run with
//! `cargo bench -p decor-bench --bench encoding` (about two and a half minutes).

use std::fmt::Debug;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use decor_bench::{MEASUREMENT, WARM_UP};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Small {
    name: String,
    count: u32,
    ratio: Option<f64>,
    ids: Vec<u16>,
}

fn postcard_encode<T: Serialize>(value: &T, buf: &mut Vec<u8>) {
    buf.clear();
    *buf = postcard::to_extend(value, std::mem::take(buf)).unwrap();
}

fn postcard_encode_io<T: Serialize>(value: &T, buf: &mut Vec<u8>) {
    buf.clear();
    postcard::to_io(value, &mut *buf).unwrap();
}

fn bincode_encode<T: Serialize>(value: &T, buf: &mut Vec<u8>) {
    buf.clear();
    bincode::serialize_into(&mut *buf, value).unwrap();
}

/// The four benchmarks of one payload; `heavy` payloads take milliseconds an
/// iteration, so they get flat sampling with `samples` samples.
fn compare<T>(c: &mut Criterion, name: &str, value: &T, heavy: Option<(usize, Duration)>)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let (mut postcard_bytes, mut bincode_bytes) = (Vec::new(), Vec::new());
    postcard_encode(value, &mut postcard_bytes);
    bincode_encode(value, &mut bincode_bytes);
    eprintln!(
        "encoded size {name}: postcard {} B, bincode {} B",
        postcard_bytes.len(),
        bincode_bytes.len()
    );
    assert!(postcard::from_bytes::<T>(&postcard_bytes).unwrap() == *value);
    assert!(bincode::deserialize::<T>(&bincode_bytes).unwrap() == *value);

    let mut group = c.benchmark_group(format!("encoding_{name}"));
    if let Some((samples, time)) = heavy {
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(samples)
            .measurement_time(time);
    }
    let mut buf = Vec::new();
    group.bench_function("postcard_encode", |b| {
        b.iter(|| postcard_encode(black_box(value), &mut buf))
    });
    group.bench_function("postcard_encode_io", |b| {
        b.iter(|| postcard_encode_io(black_box(value), &mut buf))
    });
    group.bench_function("bincode_encode", |b| {
        b.iter(|| bincode_encode(black_box(value), &mut buf))
    });
    group.bench_function("postcard_decode", |b| {
        b.iter(|| postcard::from_bytes::<T>(black_box(&postcard_bytes)).unwrap())
    });
    group.bench_function("bincode_decode", |b| {
        b.iter(|| bincode::deserialize::<T>(black_box(&bincode_bytes)).unwrap())
    });
    group.finish();
}

fn encoding(c: &mut Criterion) {
    compare(c, "call_args", &(30u64,), None);
    compare(c, "call_result", &832_040u64, None);
    let small = Small {
        name: "decor::worker::fib30".to_owned(),
        count: 42,
        ratio: Some(0.75),
        ids: (1..=8).collect(),
    };
    compare(c, "small_struct", &small, None);
    let ones = vec![1u64; 1_000_000];
    compare(c, "vec_u64_1m", &ones, Some((20, MEASUREMENT)));
    let bytes: Vec<u8> = (0..64 << 20).map(|i: u32| i as u8).collect();
    let eight = Duration::from_secs(8);
    compare(c, "vec_u8_64mib", &bytes, Some((10, eight)));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = encoding
}
criterion_main!(benches);
