//! A `#[logged]` function returning `Option<T>` that leaves through `?` on
//! `None` logs `return=None`, as if it had returned the value itself.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

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

#[decor::logged]
fn first_even(values: &[u8]) -> Option<u8> {
    let found = values.iter().find(|v| *v % 2 == 0)?;
    Some(*found)
}

fn main() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    assert_eq!(first_even(&[1, 3]), None);
    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("return=None"), "{log}");
}
