//! `#[logged]` on methods: every receiver, a `&mut self` method returning a
//! borrow of `self`, trait impl methods and provided trait methods.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::ops::Add;

use support::Capture;

#[derive(Debug, Default, PartialEq)]
struct Bag {
    items: Vec<u8>,
    names: HashMap<u8, String>,
}

impl Bag {
    #[decor::logged]
    fn new() -> Self {
        Bag::default()
    }

    #[decor::logged]
    fn into_items(self) -> Vec<u8> {
        self.items
    }

    #[decor::logged]
    fn len(&self) -> usize {
        self.items.len()
    }

    #[decor::logged]
    fn push(&mut self, item: u8) {
        self.items.push(item);
    }

    #[decor::logged]
    #[allow(clippy::boxed_local)]
    fn boxed_len(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[decor::logged]
    fn items_mut(&mut self) -> &mut Vec<u8> {
        &mut self.items
    }

    #[decor::logged]
    fn first_mut(&mut self) -> Option<&mut u8> {
        if self.items.is_empty() {
            return None;
        }
        self.items.first_mut()
    }

    #[decor::logged]
    fn name_mut(&mut self, key: u8) -> Result<&mut String, String> {
        let name = self
            .names
            .get_mut(&key)
            .ok_or(format!("no name for {key}"))?;
        Ok(name)
    }

    #[decor::logged]
    fn longest<'a>(&'a self, other: &'a str) -> &'a str {
        let mine = self
            .names
            .values()
            .map(String::as_str)
            .max_by_key(|s| s.len());
        match mine {
            Some(mine) if mine.len() > other.len() => mine,
            _ => other,
        }
    }
}

trait Shape {
    fn area(&self) -> u32;

    #[decor::logged]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }

    #[decor::logged]
    fn scaled(&self, by: u32) -> Result<u32, String>
    where
        Self: Sized,
    {
        self.area()
            .checked_mul(by)
            .ok_or_else(|| "overflow".to_owned())
    }
}

struct Square(u32);

impl Shape for Square {
    #[decor::logged]
    fn area(&self) -> u32 {
        self.0 * self.0
    }
}

struct Rect(u32, u32);

impl Shape for Rect {
    #[decor::logged]
    fn area(&self) -> u32 {
        self.0 * self.1
    }

    #[decor::logged]
    fn describe(&self) -> String {
        format!("rect {}x{}", self.0, self.1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Meters(u32);

impl Add for Meters {
    type Output = Meters;

    #[decor::logged]
    fn add(self, other: Meters) -> Self::Output {
        Meters(self.0 + other.0)
    }
}

fn main() {
    let capture = Capture::install();

    let mut bag = Bag::new();
    bag.push(1);
    bag.push(2);
    assert_eq!(bag.len(), 2);
    bag.items_mut().push(3);
    if let Some(first) = bag.first_mut() {
        *first = 10;
    }
    assert_eq!(bag.items, [10, 2, 3]);
    bag.names.insert(1, "one".to_owned());
    bag.name_mut(1).unwrap().push('!');
    assert_eq!(bag.name_mut(2), Err("no name for 2".to_owned()));
    assert_eq!(bag.longest("ab"), "one!");
    let boxed = Box::new(Bag::new());
    assert_eq!(boxed.boxed_len(), 0);
    assert_eq!(bag.into_items(), [10, 2, 3]);

    let log = capture.take();
    assert!(log.contains("push: ") && log.contains("item=2"), "{log}");
    assert!(log.contains("return=[10, 2, 3]"), "{log}");
    assert!(log.contains("error=no name for 2"), "{log}");
    assert!(log.contains("return=\"one!\""), "{log}");

    let square = Square(3);
    let rect = Rect(2, 2);
    assert_eq!(square.area(), 9);
    assert_eq!(square.describe(), "area 9");
    assert_eq!(rect.describe(), "rect 2x2");
    assert_eq!(square.scaled(2), Ok(18));
    assert_eq!(Square(50_000).scaled(2), Err("overflow".to_owned()));
    let log = capture.take();
    assert!(
        log.contains("describe: ") && log.contains("return=\"area 9\""),
        "{log}"
    );
    assert!(
        log.contains("describe:area: "),
        "area's span is inside describe's: {log}"
    );
    assert!(log.contains("error=overflow"), "{log}");

    assert_eq!(Meters(1) + Meters(2), Meters(3));
    assert!(capture.take().contains("return=Meters(3)"));
}
