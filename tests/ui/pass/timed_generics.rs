//! `#[timed]` on generic functions, where clauses, explicit lifetimes,
//! `impl Trait` in argument and return position, const generics and
//! patterns in parameters.

#[path = "support/mod.rs"]
mod support;

use std::fmt::{Debug, Display};
use std::num::ParseIntError;

use support::stats;

#[decor::timed]
fn largest<T: PartialOrd + Copy>(values: &[T]) -> Option<T> {
    let mut best = *values.first()?;
    for &v in values {
        if v > best {
            best = v;
        }
    }
    Some(best)
}

#[decor::timed]
fn describe<T, U>(t: T, u: U) -> String
where
    T: Display,
    U: Debug,
{
    format!("{t} {u:?}")
}

#[decor::timed]
fn pick<'a, 'b: 'a>(a: &'a str, b: &'b str, first: bool) -> &'a str {
    if first {
        return a;
    }
    b
}

#[decor::timed]
fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

#[decor::timed]
fn wrap<T>(value: T, ok: bool) -> Result<T, String> {
    if ok {
        Ok(value)
    } else {
        Err("refused".to_owned())
    }
}

#[decor::timed]
fn sum_all(values: impl IntoIterator<Item = u32>) -> u32 {
    values.into_iter().sum()
}

#[decor::timed]
fn show(value: &impl Debug) -> String {
    format!("{value:?}")
}

#[decor::timed]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[decor::timed]
fn parse_display(text: &str) -> Result<impl Display, ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n + 1)
}

#[decor::timed]
fn boxed_adder(by: u32) -> Box<dyn Fn(u32) -> u32> {
    Box::new(move |n| n + by)
}

#[decor::timed]
fn sum_array<const N: usize>(values: [u32; N]) -> u32 {
    values.iter().sum()
}

#[decor::timed]
fn with_dyn(value: &dyn Display) -> String {
    value.to_string()
}

struct Point {
    x: i32,
    y: i32,
}

#[decor::timed]
fn manhattan((x1, y1): (i32, i32), Point { x, y }: Point) -> i32 {
    (x - x1).abs() + (y - y1).abs()
}

#[decor::timed]
fn swap_pair(&[a, b]: &[u8; 2], _: u8, _unused: u8, mut acc: Vec<u8>) -> Vec<u8> {
    acc.push(b);
    acc.push(a);
    acc
}

struct Wrapper<T>(T);

impl<T: Clone + Debug> Wrapper<T> {
    #[decor::timed]
    fn new(value: T) -> Self {
        Wrapper(value)
    }

    #[decor::timed]
    fn get(&self) -> T {
        self.0.clone()
    }

    #[decor::timed]
    fn map<U, F>(self, f: F) -> Wrapper<U>
    where
        F: FnOnce(T) -> U,
    {
        Wrapper(f(self.0))
    }
}

fn main() {
    assert_eq!(largest(&[3, 9, 2]), Some(9));
    assert_eq!(largest(&[1.5, 0.5]), Some(1.5));
    assert_eq!(largest::<u8>(&[]), None);
    // One timer for every instantiation of a generic function.
    assert_eq!(stats!("largest").calls(), 3);

    assert_eq!(describe(1, "x"), "1 \"x\"");
    assert_eq!(pick("a", "b", true), "a");
    assert_eq!(pick("a", "b", false), "b");
    assert_eq!(first_word("hello world"), "hello");
    assert_eq!(wrap(1, true), Ok(1));
    assert_eq!(wrap("x", false), Err("refused".to_owned()));
    assert_eq!((stats!("wrap").calls(), stats!("wrap").errors()), (2, 1));

    assert_eq!(sum_all(vec![1, 2, 3]), 6);
    assert_eq!(sum_all(1..=4), 10);
    assert_eq!(show(&Some(1)), "Some(1)");
    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(parse_display("41").unwrap().to_string(), "42");
    assert!(parse_display("x").is_err());
    let parsed = stats!("parse_display");
    assert_eq!((parsed.calls(), parsed.errors()), (2, 1));
    assert_eq!(boxed_adder(2)(3), 5);
    assert_eq!(sum_array([1, 2, 3]), 6);
    assert_eq!(sum_array([5; 10]), 50);
    assert_eq!(with_dyn(&3.5), "3.5");

    assert_eq!(manhattan((1, 1), Point { x: 4, y: -3 }), 7);
    assert_eq!(swap_pair(&[1, 2], 0, 0, vec![9]), [9, 2, 1]);

    let wrapper = Wrapper::new(5u8);
    assert_eq!(wrapper.get(), 5);
    assert_eq!(wrapper.map(|n| n.to_string()).get(), "5");
    assert_eq!(stats!("new").calls(), 1);
    assert_eq!(stats!("get").calls(), 2);
    assert_eq!(stats!("map").calls(), 1);
}
