//! The two programs of Python's `concurrent.futures` documentation, ported:
//! a thread pool loading web pages (simulated with sleeps and failures, the
//! same table as `examples/python/futures_docs.py`), and a process pool
//! checking primes.
//!
//! ```sh
//! cargo run --release -p decor-examples --example futures_docs
//! python3 examples/python/futures_docs.py     # the Python original
//! ```
//!
//! | Python | decor |
//! |---|---|
//! | `executor.submit(load_url, ...)` | `load_url(...)`, a `#[decor::spawn(threads = 5)]` function |
//! | `wait(fs, return_when=FIRST_COMPLETED)` | `decor::wait(tasks, Wait::FirstCompleted, None)` |
//! | `as_completed(fs, timeout=1.0)` | `decor::as_completed(tasks).timeout(d)` |
//! | the futures not done at the timeout | `.into_pending()` |
//! | `future.cancel()` | `task.cancel()` |
//! | `executor.map(is_prime, PRIMES)` on a `ProcessPoolExecutor` | `is_prime(n)` per number, a `#[decor::spawn(processes)]` function, and `decor::join_all` |

use std::time::{Duration, Instant};

use decor::{as_completed, wait, TaskError, Wait};

/// (address, milliseconds to load, fails?): the Python script's table.
const PAGES: &[(&str, u64, bool)] = &[
    ("http://www.foxnews.com/", 120, false),
    ("http://www.cnn.com/", 80, false),
    ("http://europe.wsj.com/", 200, true),
    ("http://www.bbc.co.uk/", 60, false),
    ("http://nonexistent-subdomain.python.org/", 10, true),
    ("http://www.reuters.com/", 150, false),
    ("http://www.theguardian.com/", 90, false),
    // Five slow pages take all five threads past the one-second deadline...
    ("http://slow-1.example/", 2000, false),
    ("http://slow-2.example/", 2100, false),
    ("http://slow-3.example/", 2200, false),
    ("http://slow-4.example/", 2300, false),
    ("http://slow-5.example/", 2400, false),
    // ...so these are still queued then, and cancelling them works.
    ("http://queued-1.example/", 40, false),
    ("http://queued-2.example/", 40, false),
    ("http://queued-3.example/", 40, false),
];

const PRIMES: &[u64] = &[
    112_272_535_095_293,
    112_582_705_942_171,
    112_272_535_095_293,
    115_280_095_190_773,
    115_797_848_077_099,
    1_099_726_899_285_419,
];

/// A page load: the Python program's `load_url`, on a pool of five threads.
#[decor::spawn(threads = 5)]
fn load_url(url: &'static str, millis: u64, fails: bool) -> Result<usize, String> {
    std::thread::sleep(Duration::from_millis(millis));
    if fails {
        return Err(format!("{url}: connection refused"));
    }
    Ok(url.len() * 1000)
}

/// Trial division, as the Python program's `is_prime`, in worker processes:
/// one per core, as `ProcessPoolExecutor()` starts.
#[decor::spawn(processes)]
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    let root = n.isqrt();
    (3..=root).step_by(2).all(|i| !n.is_multiple_of(i))
}

#[derive(Default)]
struct Tally {
    loaded: usize,
    failed: usize,
}

impl Tally {
    fn add(&mut self, index: usize, result: Result<Result<usize, String>, TaskError>) {
        let url = PAGES[index].0;
        match result {
            Ok(Ok(size)) => {
                self.loaded += 1;
                println!("{url} is {size} bytes");
            }
            Ok(Err(error)) => {
                self.failed += 1;
                println!("{url} failed: {error}");
            }
            Err(error) => {
                self.failed += 1;
                println!("{url} failed: {error}");
            }
        }
    }
}

fn pages() -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = PAGES
        .iter()
        .map(|&(url, millis, fails)| load_url(url, millis, fails))
        .collect();

    // The first page to arrive.
    let first = wait(tasks, Wait::FirstCompleted, None);
    let mut tally = Tally::default();
    for (index, result) in first.done {
        println!("first: {}", PAGES[index].0);
        tally.add(index, result);
    }

    // Then every page within one second, in the order they arrive.
    let (indices, rest): (Vec<usize>, Vec<_>) = first.pending.into_iter().unzip();
    let deadline = Duration::from_secs(1).saturating_sub(started.elapsed());
    let mut arriving = as_completed(rest).timeout(deadline);
    for (position, result) in arriving.by_ref() {
        tally.add(indices[position], result);
    }

    // Give up on the rest: queued ones never start, running ones finish.
    let pending = arriving.into_pending();
    let cancelled = pending.iter().filter(|(_, task)| task.cancel()).count();
    println!(
        "loaded {}, failed {}, still running {}, cancelled {cancelled}",
        tally.loaded,
        tally.failed,
        pending.len() - cancelled
    );
    started.elapsed()
}

fn primes() -> Result<Duration, TaskError> {
    let started = Instant::now();
    let tasks: Vec<_> = PRIMES.iter().map(|&n| is_prime(n)).collect();
    for (number, prime) in PRIMES.iter().zip(decor::join_all(tasks)) {
        println!("{number} is prime: {}", prime?);
    }
    Ok(started.elapsed())
}

/// `#[decor::main]` waits at exit for the slow pages still loading, as
/// Python waits for its executor's threads.
#[decor::main]
fn main() -> Result<(), TaskError> {
    let took = pages();
    println!("pages: {} ms", took.as_millis());
    let took = primes()?;
    println!("primes: {} ms", took.as_millis());
    Ok(())
}
