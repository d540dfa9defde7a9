//! Hygiene of `#[spawn]`, `#[parallel]` and `#[synchronized]`: no warning
//! in a crate that denies them; a crate-root `mod core {}`, `mod decor {}`
//! and shadowed prelude names (`Result`, `Option`, `Clone`, `Box`, ...) do
//! not capture the expansions' paths.

#![deny(warnings)]

#[allow(dead_code)]
mod core {
    pub struct Shadow;
    pub mod option {}
    pub mod clone {}
}

#[allow(dead_code)]
mod decor {}

#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Clone;
#[allow(dead_code)]
struct Send;
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
type Result = ();
#[allow(dead_code)]
struct Ok;
#[allow(dead_code)]
struct Err;
#[allow(dead_code)]
struct Some;
#[allow(dead_code)]
struct None;

#[::decor::spawn(threads = 2)]
fn spawned(n: u64) -> u64 {
    n + 1
}

#[::decor::spawn]
fn spawned_unit(_n: u64) {}

#[::decor::spawn(dedicated, name = "hygiene")]
fn spawned_dedicated(work: u8, task: u8, pool: u8) -> u8 {
    work + task + pool
}

#[::decor::spawn(threads = 2)]
#[::decor::timed]
fn spawned_timed((a, b): (u8, u8)) -> u8 {
    a + b
}

#[::decor::parallel(threads = 2, reduce = |a, b| a + b)]
fn summed(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[::decor::parallel(threads = 2, chunks = 2)]
fn cloned(chunk: Vec<u8>, extra: String, suffix: &u8) -> Vec<String> {
    chunk
        .iter()
        .map(|c| format!("{extra}{c}{suffix}"))
        .collect()
}

#[::decor::parallel(pool = "hygiene")]
fn nothing(_chunk: &mut [u8]) {}

#[::decor::parallel(threads = 2, over = range)]
#[::decor::timed]
fn over_range(offset: &u32, range: ::std::ops::Range<u32>) -> ::std::vec::Vec<u32> {
    range.map(|i| i + offset).collect()
}

#[::decor::synchronized]
fn locked(n: u32) -> u32 {
    n
}

#[::decor::synchronized(lock = "hygiene")]
fn locked_unit() {}

#[::decor::synchronized]
async fn locked_async(n: u32) -> u32 {
    n
}

struct Worker(u32);

impl Worker {
    #[::decor::spawn(threads = 2)]
    fn run(self: ::std::sync::Arc<Self>) -> u32 {
        self.0
    }

    #[::decor::parallel(threads = 2)]
    fn add(&self, chunk: &[u32]) -> ::std::vec::Vec<u32> {
        chunk.iter().map(|c| c + self.0).collect()
    }

    #[::decor::synchronized]
    fn get(&self) -> u32 {
        self.0
    }
}

fn main() {
    assert_eq!(spawned(1).join().unwrap(), 2);
    spawned_unit(1).join().unwrap();
    assert_eq!(spawned_dedicated(1, 2, 3).join().unwrap(), 6);
    assert_eq!(spawned_timed((1, 2)).join().unwrap(), 3);
    assert_eq!(summed(&[1, 2, 3]), 6);
    assert_eq!(cloned(vec![1, 2], "x".into(), &0), ["x10", "x20"]);
    nothing(&mut [1, 2, 3]);
    assert_eq!(over_range(&10, 0..3), [10, 11, 12]);
    assert_eq!(locked(4), 4);
    locked_unit();
    assert_eq!(futures_executor::block_on(locked_async(5)), 5);
    let worker = ::std::sync::Arc::new(Worker(7));
    assert_eq!(worker.clone().run().join().unwrap(), 7);
    assert_eq!(worker.add(&[1, 2]), [8, 9]);
    assert_eq!(worker.get(), 7);
}
