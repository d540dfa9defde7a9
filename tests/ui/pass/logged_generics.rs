//! `#[logged]` on generic functions, where clauses, explicit lifetimes,
//! `impl Trait` in argument and return position, const generics and
//! patterns in parameters.

#[path = "support/mod.rs"]
mod support;

use std::fmt::{Debug, Display};
use std::num::ParseIntError;

use support::Capture;

#[decor::logged]
fn largest<T: PartialOrd + Copy>(values: &[T]) -> Option<T> {
    let mut best = *values.first()?;
    for &v in values {
        if v > best {
            best = v;
        }
    }
    Some(best)
}

#[decor::logged]
fn describe<T, U>(t: T, u: U) -> String
where
    T: Display,
    U: Debug,
{
    format!("{t} {u:?}")
}

#[decor::logged]
fn pick<'a, 'b: 'a>(a: &'a str, b: &'b str, first: bool) -> &'a str {
    if first {
        return a;
    }
    b
}

#[decor::logged]
fn wrap<T>(value: T, ok: bool) -> Result<T, String> {
    if ok {
        Ok(value)
    } else {
        Err("refused".to_owned())
    }
}

#[decor::logged]
fn sum_all(values: impl IntoIterator<Item = u32>) -> u32 {
    values.into_iter().sum()
}

#[decor::logged]
fn show(value: &impl Debug) -> String {
    format!("{value:?}")
}

#[decor::logged]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[decor::logged]
fn parse_display(text: &str) -> Result<impl Display, ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n + 1)
}

#[decor::logged]
fn boxed_adder(by: u32) -> Box<dyn Fn(u32) -> u32> {
    Box::new(move |n| n + by)
}

#[decor::logged]
fn sum_array<const N: usize>(values: [u32; N]) -> u32 {
    values.iter().sum()
}

#[decor::logged]
fn with_dyn(value: &dyn Display) -> String {
    value.to_string()
}

#[derive(Debug)]
struct Point {
    x: i32,
    y: i32,
}

#[decor::logged]
fn manhattan((x1, y1): (i32, i32), Point { x, y: y2 }: Point) -> i32 {
    (x - x1).abs() + (y2 - y1).abs()
}

#[decor::logged]
fn swap_pair(&[a, b]: &[u8; 2], _: u8, _unused: u8, mut acc: Vec<u8>) -> Vec<u8> {
    acc.push(b);
    acc.push(a);
    acc
}

struct Wrapper<T>(T);

impl<T: Clone + Debug> Wrapper<T> {
    #[decor::logged]
    fn new(value: T) -> Self {
        Wrapper(value)
    }

    #[decor::logged]
    fn get(&self) -> T {
        self.0.clone()
    }

    #[decor::logged]
    fn map<U, F>(self, f: F) -> Wrapper<U>
    where
        F: FnOnce(T) -> U,
    {
        Wrapper(f(self.0))
    }
}

fn main() {
    let capture = Capture::install();

    assert_eq!(largest(&[3, 9, 2]), Some(9));
    assert_eq!(largest::<u8>(&[]), None);
    // Inside a generic function the probe sees only the bounds: `T` is not
    // known to be `Debug`, so the value logs as its type name.
    let log = capture.take();
    assert!(log.contains("values=&[i32]"), "{log}");

    assert_eq!(describe(1, "x"), "1 \"x\"");
    let log = capture.take();
    assert!(
        log.contains("t=i32 u=\"x\""),
        "`T: Display` only, `U: Debug`: {log}"
    );

    assert_eq!(pick("a", "b", true), "a");
    assert_eq!(pick("a", "b", false), "b");
    assert_eq!(wrap(1, true), Ok(1));
    assert_eq!(wrap("x", false), Err("refused".to_owned()));
    assert!(capture.take().contains("error=refused"));

    assert_eq!(sum_all(vec![1, 2, 3]), 6);
    let log = capture.take();
    assert!(
        log.contains("sum_all: ") && log.contains("return=6"),
        "{log}"
    );
    assert_eq!(show(&Some(1)), "Some(1)");
    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    // An opaque return type has no `Debug` to call.
    let log = capture.take();
    assert!(log.contains("evens: "), "{log}");

    assert_eq!(parse_display("41").unwrap().to_string(), "42");
    assert!(parse_display("x").is_err());
    assert!(capture.take().contains("ERROR parse_display: "));
    assert_eq!(boxed_adder(2)(3), 5);
    assert_eq!(sum_array([1, 2, 3]), 6);
    assert_eq!(with_dyn(&3.5), "3.5");

    assert_eq!(manhattan((1, 1), Point { x: 4, y: -3 }), 7);
    let log = capture.take();
    assert!(
        log.contains("x1=1 y1=1 x=4 y2=-3"),
        "parameters bound by patterns: {log}"
    );
    assert_eq!(swap_pair(&[1, 2], 0, 0, vec![9]), [9, 2, 1]);
    let log = capture.take();
    assert!(log.contains("a=1 b=2 _unused=0 acc=[9]"), "{log}");

    let wrapper = Wrapper::new(5u8);
    assert_eq!(wrapper.get(), 5);
    assert_eq!(wrapper.map(|n| n.to_string()).get(), "5");
    assert!(capture.take().contains("return=\"5\""));
}
