//! Inside a `#[spawn]` body, a recursive call reaches the undecorated
//! function: `fib(n - 1) + fib(n - 2)` adds plain `u64`s (it would not
//! compile on `Task`s), and the whole recursion runs on the one pool thread
//! the top-level call was submitted to, with no hop per level.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::thread::{self, ThreadId};

static CALLS: AtomicU64 = AtomicU64::new(0);
static THREADS: Mutex<Option<HashSet<ThreadId>>> = Mutex::new(None);

#[decor::spawn(threads = 2)]
fn fib(n: u64) -> u64 {
    CALLS.fetch_add(1, Ordering::Relaxed);
    THREADS
        .lock()
        .unwrap()
        .get_or_insert_with(HashSet::new)
        .insert(thread::current().id());
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[decor::spawn]
fn countdown(n: u32, mut seen: Vec<u32>) -> Vec<u32> {
    seen.push(n);
    match n {
        0 => seen,
        _ => countdown(n - 1, seen),
    }
}

fn main() {
    let task: decor::Task<u64> = fib(20);
    assert_eq!(task.join().unwrap(), 6765);
    // fib(20) makes 21891 calls of the body, all on one pool thread.
    assert_eq!(CALLS.load(Ordering::Relaxed), 21891);
    let threads = THREADS.lock().unwrap().take().unwrap();
    assert_eq!(threads.len(), 1, "the recursion hopped threads");
    assert!(!threads.contains(&thread::current().id()));

    assert_eq!(countdown(3, vec![]).join().unwrap(), [3, 2, 1, 0]);
}
