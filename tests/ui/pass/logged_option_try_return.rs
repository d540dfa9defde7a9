//! A `#[logged]` function returning `Option<T>` that leaves through `?` on
//! `None` logs `return=None`, as if it had returned the value itself.

#[path = "support/mod.rs"]
mod support;

use support::Capture;

#[decor::logged]
fn first_even(values: &[u8]) -> Option<u8> {
    let found = values.iter().find(|v| *v % 2 == 0)?;
    Some(*found)
}

fn main() {
    let capture = Capture::install();

    assert_eq!(first_even(&[1, 3]), None);
    let log = capture.take();
    assert!(log.contains("return=None"), "{log}");
}
