//! The registry behind `#[timed]`: every timed function's call counts,
//! outcomes and latency distribution.
//!
//! Each `#[timed]` function owns a `static` timer; calling it records into
//! that timer without a lock (each thread into counters of its own). This
//! module reads them.
//!
//! ```
//! use std::time::Duration;
//!
//! #[decor::timed(name = "doc::nap")]
//! fn nap() {
//!     std::thread::sleep(Duration::from_millis(2));
//! }
//!
//! nap();
//! nap();
//! let stats = decor::timers::get("doc::nap").expect("nap was called");
//! assert_eq!(stats.calls(), 2);
//! assert!(stats.min() >= Duration::from_millis(2));
//! println!("{}", decor::timers::report());
//! ```

mod histogram;
mod noted;
mod report;
mod shard;
mod stats;
mod timer;
#[cfg(feature = "processes")]
pub(crate) mod transfer;

use std::collections::BTreeMap;

pub(crate) use noted::{note, Noted};
pub(crate) use noted::{start as start_running, stop as stop_running};
pub(crate) use report::human;
pub use report::Report;
pub use stats::TimerStats;
pub use timer::Outcome;
pub(crate) use timer::Timer;

/// The statistics of every timed function called so far, sorted by name.
/// Functions sharing a `name = "..."` are merged into one entry.
pub fn snapshot() -> Vec<TimerStats> {
    let mut by_name: BTreeMap<&'static str, TimerStats> = BTreeMap::new();
    for timer in timer::registered() {
        let mut stats = TimerStats::from_sum(timer.name(), timer.read());
        stats.noted = timer.noted.read();
        match by_name.get_mut(timer.name()) {
            Some(existing) => existing.merge(stats),
            None => {
                by_name.insert(timer.name(), stats);
            }
        }
    }
    by_name.into_values().collect()
}

/// The statistics of the timed function called `name`
/// (`module::path::function` by default), or `None` if it has never been
/// called.
pub fn get(name: &str) -> Option<TimerStats> {
    let mut found: Option<TimerStats> = None;
    for timer in timer::registered().filter(|timer| timer.name() == name) {
        let mut stats = TimerStats::from_sum(timer.name(), timer.read());
        stats.noted = timer.noted.read();
        match &mut found {
            Some(existing) => existing.merge(stats),
            None => found = Some(stats),
        }
    }
    found
}

/// Sets every timer back to zero calls. Calls in flight while it runs may
/// land on either side of the reset.
pub fn reset() {
    timer::reset_all();
}

/// The table of every timed function, slowest total first.
pub fn report() -> Report {
    Report::new(snapshot())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Records known durations straight into a timer and checks every
    /// percentile against the exact one computed from the sorted samples.
    #[test]
    fn percentiles_are_within_four_percent_of_exact() {
        static TIMER: Timer = Timer::new("timers::tests::percentiles");
        // A spread over seven orders of magnitude, with repeats and outliers.
        let mut samples: Vec<u64> = Vec::new();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let magnitude = 10u64.pow((x % 7) as u32 + 2);
            samples.push(magnitude + (x >> 20) % (magnitude * 9));
        }
        samples.extend([1, 2, 3, 15, 16, 17, 1_000_000_000_000]);
        for &nanos in &samples {
            TIMER.record(Duration::from_nanos(nanos), Outcome::Ok);
        }
        samples.sort_unstable();
        let stats = get("timers::tests::percentiles").unwrap();
        assert_eq!(stats.calls(), samples.len() as u64);
        assert_eq!(stats.min(), Duration::from_nanos(1));
        assert_eq!(stats.max(), Duration::from_nanos(1_000_000_000_000));
        assert_eq!(
            stats.total(),
            Duration::from_nanos(samples.iter().sum::<u64>())
        );
        for q in [
            0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0,
        ] {
            let rank = ((q / 100.0) * samples.len() as f64).ceil().max(1.0) as usize;
            let exact = samples[rank - 1] as f64;
            let got = stats.percentile(q).as_nanos() as f64;
            let error = (got - exact).abs() / exact;
            assert!(
                error <= 0.04,
                "p{q}: got {got}, exact {exact}, error {error:.4}"
            );
        }
    }

    #[test]
    fn outcomes_are_counted_separately() {
        static TIMER: Timer = Timer::new("timers::tests::outcomes");
        for outcome in [
            Outcome::Ok,
            Outcome::Err,
            Outcome::Err,
            Outcome::Panic,
            Outcome::Cancelled,
        ] {
            TIMER.record(Duration::from_micros(5), outcome);
        }
        let stats = get("timers::tests::outcomes").unwrap();
        assert_eq!(
            (
                stats.calls(),
                stats.oks(),
                stats.errors(),
                stats.panics(),
                stats.cancelled()
            ),
            (5, 1, 2, 1, 1)
        );
    }

    #[test]
    fn timers_sharing_a_name_are_merged() {
        static A: Timer = Timer::new("timers::tests::shared");
        static B: Timer = Timer::new("timers::tests::shared");
        A.record(Duration::from_micros(1), Outcome::Ok);
        B.record(Duration::from_micros(3), Outcome::Err);
        let stats = get("timers::tests::shared").unwrap();
        assert_eq!((stats.calls(), stats.errors()), (2, 1));
        assert_eq!(stats.min(), Duration::from_micros(1));
        assert_eq!(stats.max(), Duration::from_micros(3));
        let in_snapshot = snapshot()
            .into_iter()
            .filter(|s| s.name() == "timers::tests::shared")
            .count();
        assert_eq!(in_snapshot, 1);
    }

    #[test]
    fn counts_from_many_threads_add_up_exactly() {
        static TIMER: Timer = Timer::new("timers::tests::threads");
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 1..=1_000u64 {
                        let outcome = if i % 10 == 0 {
                            Outcome::Err
                        } else {
                            Outcome::Ok
                        };
                        TIMER.record(Duration::from_nanos(t * 1_000 + i), outcome);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let stats = get("timers::tests::threads").unwrap();
        assert_eq!((stats.calls(), stats.errors()), (4_000, 400));
        assert_eq!(stats.min(), Duration::from_nanos(1));
        assert_eq!(stats.max(), Duration::from_nanos(4_000));
        assert_eq!(stats.total(), Duration::from_nanos((1..=4_000u64).sum()));
    }

    #[test]
    fn reset_empties_the_shards_of_idle_and_busy_threads_alike() {
        static TIMER: Timer = Timer::new("timers::tests::reset");
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let (done, finished) = std::sync::mpsc::channel::<()>();
        // A thread that recorded before the reset and is still alive.
        let idle = std::thread::spawn(move || {
            TIMER.record(Duration::from_micros(9), Outcome::Panic);
            done.send(()).unwrap();
            wait.recv().unwrap();
            TIMER.record(Duration::from_micros(2), Outcome::Ok);
        });
        finished.recv().unwrap();
        TIMER.record(Duration::from_micros(5), Outcome::Err);
        assert_eq!(get("timers::tests::reset").unwrap().calls(), 2);

        // `reset()` would reset every timer and race the other tests here.
        TIMER.reset();
        let zeroed = get("timers::tests::reset").unwrap();
        assert_eq!(
            (zeroed.calls(), zeroed.errors(), zeroed.panics()),
            (0, 0, 0)
        );
        assert_eq!(zeroed.total(), Duration::ZERO);

        go.send(()).unwrap();
        idle.join().unwrap();
        TIMER.record(Duration::from_micros(4), Outcome::Ok);
        let after = get("timers::tests::reset").unwrap();
        assert_eq!((after.calls(), after.errors(), after.panics()), (2, 0, 0));
        assert_eq!(after.min(), Duration::from_micros(2));
        assert_eq!(after.max(), Duration::from_micros(4));
        assert_eq!(after.total(), Duration::from_micros(6));
    }
}
