//! `#[spawn]` on the signature shapes of free functions: generics with where
//! clauses, const generics, `impl Trait` arguments, patterns in parameters,
//! `unsafe fn`, `'static` borrows, raw identifiers and `mut` parameters.

use std::fmt::Display;

#[decor::spawn(threads = 2)]
fn describe<T, U>(t: T, u: U) -> String
where
    T: Display + Send + 'static,
    U: std::fmt::Debug + Send + 'static,
{
    format!("{t} {u:?}")
}

#[decor::spawn(threads = 2)]
fn largest<T: PartialOrd + Copy + Send + 'static>(values: Vec<T>) -> Option<T> {
    let mut best = *values.first()?;
    for v in values {
        if v > best {
            best = v;
        }
    }
    Some(best)
}

#[decor::spawn(threads = 2)]
fn repeat<const N: usize>(byte: u8) -> [u8; N] {
    [byte; N]
}

#[decor::spawn(threads = 2)]
fn total(values: impl IntoIterator<Item = u32> + Send + 'static) -> u32 {
    values.into_iter().sum()
}

struct Point {
    x: i32,
    y: i32,
}

#[decor::spawn(threads = 2)]
fn patterns((a, b): (i32, i32), Point { x, y }: Point, [first, .., last]: [u8; 4], _: ()) -> i32 {
    a + b + x + y + i32::from(first) + i32::from(last)
}

#[decor::spawn(threads = 2)]
fn mutable(mut items: Vec<u32>, mut extra: u32) -> Vec<u32> {
    extra += 1;
    items.push(extra);
    items
}

/// # Safety
/// `index` must be in bounds.
#[decor::spawn(threads = 2)]
unsafe fn read(table: &'static [u64], index: usize) -> u64 {
    *table.get_unchecked(index)
}

struct SendPtr(*const u64);
unsafe impl Send for SendPtr {}

/// # Safety
/// As `read`.
#[decor::spawn(threads = 2)]
unsafe fn read_wrapped(SendPtr(pointer): SendPtr) -> u64 {
    unsafe { *pointer }
}

#[decor::spawn(threads = 2)]
fn static_text(text: &'static str) -> usize {
    text.len()
}

#[decor::spawn(threads = 2)]
fn r#match(r#in: u8) -> u8 {
    r#in + 1
}

#[decor::spawn(threads = 2)]
fn fallible(text: String) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n * 2)
}

#[decor::spawn(threads = 2)]
fn early(n: u32) -> u32 {
    if n == 0 {
        return 100;
    }
    n
}

#[decor::spawn(threads = 2)]
fn evens(limit: u32) -> impl Iterator<Item = u32> + Send {
    (0..limit).filter(|n| n % 2 == 0)
}

#[decor::spawn(threads = 2)]
#[inline]
#[track_caller]
#[must_use]
#[allow(clippy::needless_return)]
fn attributes(n: u32) -> u32 {
    return n;
}

#[cfg(any())]
#[decor::spawn(threads = 2)]
fn configured_out(n: u32) -> u32 {
    n
}

fn main() {
    assert_eq!(describe(1, "a").join().unwrap(), "1 \"a\"");
    assert_eq!(largest(vec![3, 9, 2]).join().unwrap(), Some(9));
    assert_eq!(largest(Vec::<u8>::new()).join().unwrap(), None);
    assert_eq!(repeat::<3>(7).join().unwrap(), [7, 7, 7]);
    assert_eq!(total(vec![1, 2, 3]).join().unwrap(), 6);
    let got = patterns((1, 2), Point { x: 3, y: 4 }, [5, 0, 0, 6], ()).join();
    assert_eq!(got.unwrap(), 21);
    assert_eq!(mutable(vec![1], 1).join().unwrap(), [1, 2]);

    static VALUE: u64 = 42;
    static TABLE: [u64; 2] = [41, 42];
    let task = unsafe { read(&TABLE, 1) };
    assert_eq!(task.join().unwrap(), 42);
    let task = unsafe { read_wrapped(SendPtr(&VALUE)) };
    assert_eq!(task.join().unwrap(), 42);

    assert_eq!(static_text("four").join().unwrap(), 4);
    assert_eq!(r#match(1).join().unwrap(), 2);
    assert_eq!(fallible("21".into()).join().unwrap(), Ok(42));
    assert!(fallible("x".into()).join().unwrap().is_err());
    assert_eq!(early(0).join().unwrap(), 100);
    assert_eq!(early(5).join().unwrap(), 5);
    assert_eq!(evens(7).join().unwrap().collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(attributes(3).join().unwrap(), 3);
}
