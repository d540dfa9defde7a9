//! Captures what a closure logs through `tracing`, as plain text lines.

#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
pub struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// Runs `f` with a fmt subscriber at `max_level` on this thread; returns its
/// result and the lines logged, without timestamps or colours.
pub fn capture_at<R>(max_level: tracing::Level, f: impl FnOnce() -> R) -> (R, Vec<String>) {
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(max_level)
        .with_ansi(false)
        .without_time()
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let lines = buffer.text().lines().map(str::to_owned).collect();
    (result, lines)
}

/// `capture_at(TRACE, f)`.
pub fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    capture_at(tracing::Level::TRACE, f)
}

/// The one line containing every needle; panics listing the lines otherwise.
pub fn line_with<'a>(lines: &'a [String], needles: &[&str]) -> &'a str {
    let found: Vec<&String> = lines
        .iter()
        .filter(|line| needles.iter().all(|needle| line.contains(needle)))
        .collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "expected exactly one line containing {needles:?}, found {}:\n{}",
            found.len(),
            lines.join("\n")
        ),
    }
}

/// Drives a future to completion on this thread.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}
