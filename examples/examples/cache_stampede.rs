//! A cache stampede, prevented: 100 threads ask for the same slow value at
//! once, and `#[cache]` computes it once while the other 99 wait for it.
//!
//! ```text
//! cargo run --release --example cache_stampede
//! ```

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

static COMPUTED: AtomicU32 = AtomicU32::new(0);

/// A slow lookup: a database query, a remote call.
#[decor::cache(size = 100, ttl = "60s")]
fn exchange_rate(currency: &str) -> f32 {
    COMPUTED.fetch_add(1, Ordering::SeqCst);
    thread::sleep(Duration::from_millis(200));
    match currency {
        "EUR" => 1.08,
        _ => 1.0,
    }
}

fn main() {
    const CALLERS: usize = 100;
    let start = Arc::new(Barrier::new(CALLERS));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let start = start.clone();
            thread::spawn(move || {
                start.wait();
                exchange_rate("EUR")
            })
        })
        .collect();
    let rates: Vec<f32> = callers.into_iter().map(|c| c.join().unwrap()).collect();

    let computed = COMPUTED.load(Ordering::SeqCst);
    let stats = decor::caches::get("cache_stampede::exchange_rate")
        .expect("called above")
        .stats();
    println!("{CALLERS} concurrent callers of one key, computed {computed} time(s)");
    println!(
        "hits {}, misses {}, entries {}",
        stats.hits(),
        stats.misses(),
        stats.entries()
    );
    assert!(rates.iter().all(|&rate| rate == 1.08));
    assert_eq!(computed, 1, "one computation for one key");
    assert_eq!((stats.hits(), stats.misses()), (CALLERS as u64 - 1, 1));
}
