//! Comparison 3: `#[decor::logged]` enabled, formatting through a `fmt`
//! subscriber into `io::sink`, side by side with `#[instrument(ret, err)]`
//! into the same sink.
//!
//! The subscriber (max level INFO, no ANSI colours, default format with
//! timestamps) is the global default for the whole process. One group, one
//! process, variants in this order:
//!
//! - `plain`: the undecorated function.
//! - `decor_logged`: `#[decor::logged]`: a span, an entry event with `x`,
//!   an exit event with `return` and `elapsed`: two lines per call.
//! - `instrument_ret_err`: `#[tracing::instrument(ret, err)]`: a span with
//!   `x`, one `return` event: one line per call.
//! - `instrument_ret_err_entry_event`: the same plus `tracing::info!("call")`
//!   first in the body, so it writes two lines per call like `#[logged]`
//!   (what a user wanting an entry line would write).
//!
//! No target; `BENCHMARKS.md` reports the ratio. Before measuring, the
//! bench prints to stderr what one call of each variant writes.

use std::hint::black_box;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use criterion::{criterion_group, criterion_main, Criterion};
use decor_bench::{work, MEASUREMENT, WARM_UP};
use tracing::Level;

#[inline(never)]
fn plain(x: u64) -> Result<u64, String> {
    Ok(work(x))
}

#[decor::logged]
#[inline(never)]
fn decor_logged(x: u64) -> Result<u64, String> {
    Ok(work(x))
}

#[tracing::instrument(ret, err)]
#[inline(never)]
fn instrumented_ret_err(x: u64) -> Result<u64, String> {
    Ok(work(x))
}

#[tracing::instrument(ret, err)]
#[inline(never)]
fn instrumented_ret_err_entry_event(x: u64) -> Result<u64, String> {
    tracing::info!("call");
    Ok(work(x))
}

fn subscriber<W>(writer: W) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_max_level(Level::INFO)
        .with_writer(writer)
        .with_ansi(false)
        .finish()
}

/// A writer appending to a shared buffer, to show what each variant writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Prints what one call of each variant writes, and checks that each writes
/// the number of lines the comparison assumes.
fn show_output() {
    type Variant = fn(u64) -> Result<u64, String>;
    let calls: [(&str, Variant, usize); 3] = [
        ("decor_logged", decor_logged, 2),
        ("instrument_ret_err", instrumented_ret_err, 1),
        (
            "instrument_ret_err_entry_event",
            instrumented_ret_err_entry_event,
            2,
        ),
    ];
    for (name, f, lines) in calls {
        let capture = Capture::default();
        let writer = capture.clone();
        tracing::subscriber::with_default(subscriber(move || writer.clone()), || f(42)).unwrap();
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        eprint!("{name} writes per call:\n{text}");
        assert_eq!(text.lines().count(), lines, "{name}");
    }
}

fn logged_enabled(c: &mut Criterion) {
    show_output();
    tracing::subscriber::set_global_default(subscriber(io::sink))
        .expect("the first and only global subscriber of this process");
    assert!(tracing::enabled!(Level::INFO));

    let mut group = c.benchmark_group("logged_enabled");
    group.bench_function("plain", |b| b.iter(|| plain(black_box(42))));
    group.bench_function("decor_logged", |b| b.iter(|| decor_logged(black_box(42))));
    group.bench_function("instrument_ret_err", |b| {
        b.iter(|| instrumented_ret_err(black_box(42)))
    });
    group.bench_function("instrument_ret_err_entry_event", |b| {
        b.iter(|| instrumented_ret_err_entry_event(black_box(42)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = logged_enabled
}
criterion_main!(benches);
