//! `#[timed]` on methods: every receiver, a `&mut self` method returning a
//! borrow of `self`, trait impl methods and provided trait methods.

#[path = "support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::ops::Add;

use support::stats;

#[derive(Debug, Default, PartialEq)]
struct Bag {
    items: Vec<u8>,
    names: HashMap<u8, String>,
}

impl Bag {
    #[decor::timed]
    fn new() -> Self {
        Bag::default()
    }

    #[decor::timed]
    fn into_items(self) -> Vec<u8> {
        self.items
    }

    #[decor::timed]
    fn len(&self) -> usize {
        self.items.len()
    }

    #[decor::timed]
    fn push(&mut self, item: u8) {
        self.items.push(item);
    }

    #[decor::timed]
    #[allow(clippy::boxed_local)]
    fn boxed_len(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[decor::timed]
    fn items_mut(&mut self) -> &mut Vec<u8> {
        &mut self.items
    }

    #[decor::timed]
    fn first_mut(&mut self) -> Option<&mut u8> {
        if self.items.is_empty() {
            return None;
        }
        self.items.first_mut()
    }

    #[decor::timed]
    fn name_mut(&mut self, key: u8) -> Result<&mut String, String> {
        let name = self
            .names
            .get_mut(&key)
            .ok_or(format!("no name for {key}"))?;
        Ok(name)
    }

    #[decor::timed]
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

    #[decor::timed]
    fn describe(&self) -> String {
        format!("area {}", self.area())
    }

    #[decor::timed]
    fn scaled(&self, by: u32) -> Result<u32, String>
    where
        Self: Sized,
    {
        self.area()
            .checked_mul(by)
            .ok_or_else(|| "overflow".to_owned())
    }

    fn make(side: u32) -> Self
    where
        Self: Sized;
}

struct Square(u32);
struct Rect(u32, u32);

impl Shape for Square {
    #[decor::timed]
    fn area(&self) -> u32 {
        self.0 * self.0
    }

    #[decor::timed]
    fn make(side: u32) -> Self {
        Square(side)
    }
}

impl Shape for Rect {
    #[decor::timed]
    fn area(&self) -> u32 {
        self.0 * self.1
    }

    fn make(side: u32) -> Self {
        Rect(side, side)
    }

    #[decor::timed]
    fn describe(&self) -> String {
        format!("rect {}x{}", self.0, self.1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Meters(u32);

impl Add for Meters {
    type Output = Meters;

    #[decor::timed]
    fn add(self, other: Meters) -> Self::Output {
        Meters(self.0 + other.0)
    }
}

fn main() {
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
    assert_eq!(bag.longest("abcdef"), "abcdef");
    let boxed = Box::new(Bag::new());
    assert_eq!(boxed.boxed_len(), 0);
    assert_eq!(bag.into_items(), [10, 2, 3]);

    assert_eq!(stats!("new").calls(), 2);
    assert_eq!(stats!("push").calls(), 2);
    assert_eq!(stats!("len").calls(), 1);
    assert_eq!(stats!("items_mut").calls(), 1);
    assert_eq!(stats!("first_mut").calls(), 1);
    let name_mut = stats!("name_mut");
    assert_eq!((name_mut.calls(), name_mut.errors()), (2, 1));
    assert_eq!(stats!("longest").calls(), 2);
    assert_eq!(stats!("boxed_len").calls(), 1);
    assert_eq!(stats!("into_items").calls(), 1);

    let square = Square::make(3);
    let rect = Rect::make(2);
    assert_eq!(square.area(), 9);
    assert_eq!(rect.area(), 4);
    assert_eq!(square.describe(), "area 9");
    assert_eq!(rect.describe(), "rect 2x2");
    assert_eq!(square.scaled(2), Ok(18));
    assert_eq!(Square(50_000).scaled(2), Err("overflow".to_owned()));

    // Both impls of `area` report under the same name and are merged: 2
    // direct calls, 1 through the provided `describe`, 2 through `scaled`.
    assert_eq!(stats!("area").calls(), 5);
    // The provided `describe` and `Rect`'s override share the default name.
    assert_eq!(stats!("describe").calls(), 2);
    let scaled = stats!("scaled");
    assert_eq!((scaled.calls(), scaled.errors()), (2, 1));
    assert_eq!(stats!("make").calls(), 1);

    assert_eq!(Meters(1) + Meters(2), Meters(3));
    assert_eq!(stats!("add").calls(), 1);
}
