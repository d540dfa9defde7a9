//! `#[timeout]` on the async signatures of DESIGN section 2: free
//! `async fn`s, methods on every receiver, generics with where clauses and
//! lifetimes, `impl Trait` arguments, patterns, `#[async_trait]` methods,
//! and stacked under other decorators.

use std::fmt::Display;

use decor::Elapsed;

#[derive(Debug, PartialEq)]
enum Error {
    Slow,
    Parse,
}

impl From<Elapsed> for Error {
    fn from(_: Elapsed) -> Self {
        Error::Slow
    }
}

#[decor::timeout("1s")]
async fn free(a: u32, b: u32) -> Result<u32, Error> {
    if a == 0 {
        return Err(Error::Parse);
    }
    let n: u32 = "1".parse().map_err(|_| Error::Parse)?;
    Ok(a + b + n)
}

#[decor::timeout("1s")]
async fn generic<'a, T, U: ?Sized>(a: T, b: &'a U) -> Result<&'a U, Elapsed>
where
    T: Display + Send,
    U: Sync,
{
    let _ = a.to_string();
    Ok(b)
}

#[decor::timeout("1s")]
async fn impl_arg(items: impl IntoIterator<Item = u32>) -> Result<u32, Elapsed> {
    Ok(items.into_iter().sum())
}

#[decor::timeout("1s")]
async fn patterns((x, y): (u32, u32)) -> Result<u32, Elapsed> {
    Ok(x + y)
}

#[derive(Default)]
struct Client {
    hits: u32,
}

impl Client {
    #[decor::timeout("1s")]
    async fn by_ref(&self) -> Result<u32, Elapsed> {
        Ok(self.hits)
    }

    #[decor::timeout("1s")]
    async fn by_mut(&mut self) -> Result<&mut u32, Elapsed> {
        self.hits += 1;
        Ok(&mut self.hits)
    }

    #[decor::timeout("1s")]
    async fn by_value(self) -> Result<u32, Elapsed> {
        Ok(self.hits)
    }
}

#[async_trait::async_trait]
trait Fetch {
    async fn fetch(&self, n: u32) -> Result<u32, Error>;
}

#[async_trait::async_trait]
impl Fetch for Client {
    #[decor::timeout("250ms")]
    #[decor::timed]
    async fn fetch(&self, n: u32) -> Result<u32, Error> {
        Ok(n + self.hits)
    }
}

#[decor::logged]
#[decor::rate_limit(calls = 100, per = "1s")]
#[decor::timeout("1s")]
#[decor::timed]
async fn stacked(n: u32) -> Result<u32, Error> {
    Ok(n)
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

fn main() {
    assert_eq!(futures_executor::block_on(assert_send(free(1, 2))), Ok(4));
    assert_eq!(futures_executor::block_on(free(0, 2)), Err(Error::Parse));
    assert_eq!(futures_executor::block_on(generic(1, "x")), Ok("x"));
    assert_eq!(futures_executor::block_on(impl_arg(vec![1, 2])), Ok(3));
    assert_eq!(futures_executor::block_on(patterns((1, 2))), Ok(3));
    let mut client = Client::default();
    *futures_executor::block_on(client.by_mut()).unwrap() += 1;
    assert_eq!(futures_executor::block_on(client.by_ref()), Ok(2));
    assert_eq!(futures_executor::block_on(client.fetch(1)), Ok(3));
    assert_eq!(futures_executor::block_on(client.by_value()), Ok(2));
    assert_eq!(futures_executor::block_on(assert_send(stacked(5))), Ok(5));
}
