//! `#[cache]` on the signature matrix: free functions, `&self` methods
//! keyed on `self` or on `key = ...`, by-value receivers, generic functions
//! with where clauses, lifetimes, `impl Trait` arguments with `key = ...`,
//! patterns in parameters, `unsafe` and `extern "C"` functions, `async fn`
//! and `#[async_trait]` methods, `crate = path`, and stacking.

use std::borrow::Cow;
use std::fmt::Debug;
use std::hash::Hash;

use decor as my_decor;

#[decor::cache]
fn no_arguments() -> u32 {
    7
}

#[decor::cache(size = 10, ttl = "1m", name = "shout")]
fn shout<'a>(text: &'a str, times: usize) -> String {
    text.to_uppercase().repeat(times)
}

#[decor::cache]
fn total(values: &[u64]) -> u64 {
    values.iter().sum()
}

#[decor::cache]
fn through_ref(value: &Vec<u8>) -> usize {
    value.len()
}

#[decor::cache]
fn borrowed_cow(text: Cow<'static, str>) -> usize {
    text.len()
}

#[decor::cache]
fn generic<T, U: Clone>(value: T, other: U) -> Vec<U>
where
    T: Hash + Eq + Clone + Send + Sync + Debug + 'static,
    U: Hash + Eq + Send + Sync + 'static,
{
    let _ = format!("{value:?}");
    vec![other]
}

#[decor::cache(key = format!("{value:?}"))]
fn impl_trait_argument(value: impl Debug) -> usize {
    format!("{value:?}").len()
}

#[decor::cache]
fn patterns((a, b): (u32, u32), Pair { left, right: _ }: Pair, _: u8) -> u32 {
    a + b + left
}

#[derive(Clone, Copy)]
struct Pair {
    left: u32,
    right: u32,
}

#[decor::cache]
fn early_exits(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n + 1)
}

#[decor::cache]
unsafe fn unsafe_fn(pointer: usize) -> usize {
    pointer + 1
}

#[decor::cache]
extern "C" fn extern_fn(n: u32) -> u32 {
    n * 2
}

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Account {
    id: u64,
}

struct Client {
    base: String,
}

impl Account {
    #[decor::cache]
    fn keyed_on_self(&self, scale: u64) -> u64 {
        self.id * scale
    }

    #[decor::cache]
    fn by_value(self) -> u64 {
        self.id
    }

    #[decor::cache]
    fn boxed(self: Box<Self>) -> u64 {
        self.id
    }

    #[decor::cache]
    fn returns_self(&self) -> Self {
        self.clone()
    }
}

impl Client {
    #[decor::cache(key = (self.base.clone(), path.to_owned()))]
    fn get(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }
}

trait Describe {
    fn describe(&self) -> String;
}

impl Describe for Account {
    #[decor::cache]
    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

#[decor::cache]
async fn fetch(id: u32) -> Result<String, String> {
    Ok(format!("item {id}"))
}

#[decor::cache(errors = true)]
async fn fetch_all(ids: &[u32]) -> Option<Vec<u32>> {
    Some(ids.to_vec())
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, id: u32) -> u32;
}

#[async_trait::async_trait]
impl Store for Client {
    #[decor::cache(key = (self.base.clone(), id))]
    async fn load(&self, id: u32) -> u32 {
        id + self.base.len() as u32
    }
}

#[decor::timed]
#[decor::cache(scope = thread)]
#[decor::logged]
fn stacked(n: u32) -> u32 {
    n
}

mod renamed {
    #[crate::my_decor::cache(crate = crate::my_decor)]
    pub fn in_module(n: u8) -> u8 {
        n
    }
}

fn main() {
    assert_eq!(no_arguments(), 7);
    assert_eq!(shout("ab", 2), "ABAB");
    assert_eq!(total(&[1, 2, 3]), 6);
    assert_eq!(through_ref(&vec![1, 2]), 2);
    assert_eq!(borrowed_cow(Cow::Borrowed("abc")), 3);
    assert_eq!(generic(1u8, "x"), vec!["x"]);
    assert_eq!(generic("k", 2u64), vec![2]);
    assert_eq!(impl_trait_argument([1, 2]), 6);
    assert_eq!(patterns((1, 2), Pair { left: 3, right: 4 }, 0), 6);
    assert_eq!(early_exits("4"), Ok(5));
    assert_eq!(early_exits(""), Ok(0));
    assert!(early_exits("x").is_err());
    assert_eq!(unsafe { unsafe_fn(1) }, 2);
    assert_eq!(extern_fn(2), 4);
    let account = Account { id: 3 };
    assert_eq!(account.keyed_on_self(2), 6);
    assert_eq!(account.returns_self(), account);
    assert_eq!(account.describe(), "Account { id: 3 }");
    assert_eq!(account.clone().by_value(), 3);
    assert_eq!(Box::new(account).boxed(), 3);
    let client = Client { base: "h".into() };
    assert_eq!(client.get("p"), "h/p");
    assert_eq!(futures_executor::block_on(fetch(1)), Ok("item 1".into()));
    assert_eq!(futures_executor::block_on(fetch_all(&[1])), Some(vec![1]));
    assert_eq!(futures_executor::block_on(client.load(1)), 2);
    assert_eq!(stacked(4), 4);
    assert_eq!(renamed::in_module(4), 4);
    assert!(decor::caches::get("shout").is_some());
}
