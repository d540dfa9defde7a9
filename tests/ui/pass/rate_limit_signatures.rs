//! `#[rate_limit]` on every signature of DESIGN section 2: free functions,
//! methods on every receiver, generics with where clauses and lifetimes,
//! `impl Trait` in argument and return position, patterns, `unsafe` and
//! `extern "C"`, `async fn` and `#[async_trait]` methods; waiting and
//! refusing, keyed and shared.

use std::fmt::Display;

use decor::RateLimited;

#[decor::rate_limit(calls = 1000, per = "1s")]
fn free(a: u32, b: u32) -> u32 {
    a + b
}

#[decor::rate_limit(calls = 1000, per = "1s", burst = 10, name = "pass::shared")]
fn unit() {}

#[decor::rate_limit(calls = 1000, per = "1s", name = "pass::shared", wait = false)]
fn refusing(n: u32) -> Result<u32, RateLimited> {
    if n == 0 {
        return Ok(0);
    }
    let parsed = checked(7)?;
    Ok(parsed + n)
}

fn checked(n: u32) -> Result<u32, RateLimited> {
    Ok(n)
}

#[decor::rate_limit(calls = 1000, per = "1s", key = (&a, b.as_ref().len()), max_keys = 64)]
fn generic<'a, T, U: ?Sized>(a: T, b: &'a U) -> &'a U
where
    T: Display + std::hash::Hash,
    U: AsRef<[u8]>,
{
    let _ = a.to_string();
    b
}

#[decor::rate_limit(calls = 1000, per = "1s")]
fn impl_trait(items: impl IntoIterator<Item = u32>) -> impl Iterator<Item = u32> {
    items.into_iter().map(|x| x * 2)
}

#[decor::rate_limit(calls = 1000, per = "1s", key = x)]
fn patterns((x, y): (u32, u32), Wrapper(z): Wrapper) -> u32 {
    x + y + z
}

struct Wrapper(u32);

#[decor::rate_limit(calls = 1000, per = "1s")]
unsafe fn raw(ptr: *const u32) -> u32 {
    unsafe { *ptr }
}

#[decor::rate_limit(calls = 1000, per = "1s")]
extern "C" fn ffi(x: i32) -> i32 {
    x + 1
}

#[derive(Default)]
struct Service {
    name: String,
    hits: u32,
}

impl Service {
    #[decor::rate_limit(calls = 1000, per = "1s", key = self.name)]
    fn by_ref(&self) -> &str {
        &self.name
    }

    #[decor::rate_limit(calls = 1000, per = "1s", wait = false)]
    fn by_mut(&mut self) -> Result<&mut u32, RateLimited> {
        self.hits += 1;
        Ok(&mut self.hits)
    }

    #[decor::rate_limit(calls = 1000, per = "1s")]
    fn by_value(self) -> String {
        self.name
    }

    #[decor::rate_limit(calls = 1000, per = "1s")]
    fn boxed(self: Box<Self>) -> u32 {
        self.hits
    }

    #[decor::rate_limit(calls = 1000, per = "1s", key = self.name.clone())]
    async fn async_ref(&self, n: u32) -> u32 {
        n + self.hits
    }

    #[decor::rate_limit(calls = 1000, per = "1s", wait = false)]
    async fn async_mut(&mut self) -> Result<u32, RateLimited> {
        self.hits += 1;
        Ok(self.hits)
    }
}

#[decor::rate_limit(calls = 1000, per = "1s")]
async fn async_generic<T: Send + Display>(value: T) -> String {
    value.to_string()
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: u32) -> Result<u32, RateLimited>;
}

struct Memory;

#[async_trait::async_trait]
impl Store for Memory {
    #[decor::rate_limit(calls = 1000, per = "1s", wait = false)]
    async fn load(&self, key: u32) -> Result<u32, RateLimited> {
        Ok(key * 3)
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

fn main() {
    assert_eq!(free(1, 2), 3);
    unit();
    assert_eq!(refusing(1), Ok(8));
    assert_eq!(generic(3, "abc"), "abc");
    assert_eq!(impl_trait(vec![1, 2]).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(patterns((1, 2), Wrapper(3)), 6);
    assert_eq!(unsafe { raw(&5) }, 5);
    assert_eq!(ffi(1), 2);
    let mut service = Service { name: "s".into(), hits: 0 };
    assert_eq!(service.by_ref(), "s");
    *service.by_mut().unwrap() += 1;
    assert_eq!(futures_executor::block_on(assert_send(service.async_ref(1))), 3);
    assert_eq!(futures_executor::block_on(service.async_mut()), Ok(3));
    assert_eq!(Box::new(Service::default()).boxed(), 0);
    assert_eq!(service.by_value(), "s");
    assert_eq!(futures_executor::block_on(assert_send(async_generic(4))), "4");
    assert_eq!(futures_executor::block_on(Memory.load(2)), Ok(6));
}
