//! `#[timed]` below `processes = N`: the calls a worker process times are
//! counted in the parent, under the same name.
//!
//! After each call the worker asks [`Sent::since_last`] what its timers
//! recorded since the last time: with no timer ever used in the worker that
//! is one load, and otherwise a few loads per timer (its
//! [fingerprint](Timer::fingerprint)) unless it did record. What changed
//! goes back to the parent as one frame before the call's response (see
//! `process::wire`), as a difference: the counts, the sparse histogram and
//! the extremes of the calls since the previous frame. The parent adds it to
//! a timer of that name made for the purpose ([`add_from_worker`]), which
//! [`timers::get`](super::get) and the report merge with any local timer of
//! the name, and which [`timers::reset`](super::reset) resets like any
//! other.
//!
//! Differences, rather than resetting the worker's timers after each frame,
//! so that a call recorded by another of the worker's threads at that
//! moment is never lost. Their minimum and maximum are exact when the
//! worker's own extreme lies in the difference's lowest (highest) bucket and
//! otherwise that bucket's bound, within 1/16 of the true value; the
//! parent's figures are exact until a parent-side `reset`.

use std::collections::BTreeMap;

use parking_lot::Mutex;

use super::histogram::{bounds_of, bucket_of, Histogram};
use super::shard::Sum;
use super::timer::{self, Timer};
use crate::process::wire;

/// One timer's difference as it crosses: name, total, min and max (ns),
/// errors, panics, cancelled, and the histogram's `(bucket, count)`s.
type Crossing<N> = (N, u64, u64, u64, u64, u64, u64, Vec<(u16, u64)>);

/// What a worker has sent of each of its timers.
#[derive(Default)]
pub(crate) struct Sent {
    timers: Vec<Seen>,
}

struct Seen {
    timer: &'static Timer,
    print: u64,
    epoch: u64,
    sum: Sum,
}

impl Sent {
    /// Appends to `frame` what the timers recorded since the last call of
    /// this, encoded; `false`, with `frame` untouched, if nothing.
    pub(crate) fn since_last(&mut self, frame: &mut Vec<u8>) -> bool {
        let mut changed: Vec<Crossing<&'static str>> = Vec::new();
        for timer in timer::registered() {
            let print = timer.fingerprint();
            let index = match self
                .timers
                .iter()
                .position(|seen| std::ptr::eq(seen.timer, timer))
            {
                Some(index) if self.timers[index].print == print => continue,
                Some(index) => index,
                None => {
                    self.timers.push(Seen {
                        timer,
                        print: !print,
                        epoch: timer.epoch(),
                        sum: Sum::new(),
                    });
                    self.timers.len() - 1
                }
            };
            let seen = &mut self.timers[index];
            let epoch = timer.epoch();
            let sum = timer.read();
            if epoch != seen.epoch {
                // Reset in the worker: everything now counted is new.
                seen.sum = Sum::new();
            }
            let delta = difference(&sum, &seen.sum);
            (seen.print, seen.epoch, seen.sum) = (print, epoch, sum);
            if let Some(delta) = delta {
                changed.push(crossing(timer.name(), delta));
            }
        }
        !changed.is_empty() && wire::encode_into(&changed, frame).is_ok()
    }
}

fn crossing<N>(name: N, sum: Sum) -> Crossing<N> {
    (
        name,
        sum.total_nanos,
        sum.min_nanos,
        sum.max_nanos,
        sum.errors,
        sum.panics,
        sum.cancelled,
        sum.histogram.buckets().to_vec(),
    )
}

/// The calls in `now` that were not in `before`, an earlier reading of the
/// same counts; `None` if there are none.
fn difference(now: &Sum, before: &Sum) -> Option<Sum> {
    let histogram = now.histogram.since(&before.histogram);
    let (&(lowest, _), &(highest, _)) = (histogram.buckets().first()?, histogram.buckets().last()?);
    let min_nanos = if bucket_of(now.min_nanos) == lowest as usize {
        now.min_nanos
    } else {
        bounds_of(lowest as usize).0
    };
    let max_nanos = if bucket_of(now.max_nanos) == highest as usize {
        now.max_nanos
    } else {
        bounds_of(highest as usize).1
    };
    Some(Sum {
        histogram,
        total_nanos: now.total_nanos.saturating_sub(before.total_nanos),
        min_nanos,
        max_nanos,
        errors: now.errors.saturating_sub(before.errors),
        panics: now.panics.saturating_sub(before.panics),
        cancelled: now.cancelled.saturating_sub(before.cancelled),
    })
}

/// In the parent: adds what a worker's timers frame carries to the timers
/// of those names.
pub(crate) fn add_from_worker(payload: &[u8]) -> Result<(), String> {
    let changed: Vec<Crossing<String>> = wire::decode(payload)?;
    for (name, total_nanos, min_nanos, max_nanos, errors, panics, cancelled, buckets) in changed {
        let histogram = Histogram::from_buckets(buckets)
            .ok_or_else(|| format!("malformed histogram for timer {name}"))?;
        imported(&name).add(&Sum {
            histogram,
            total_nanos,
            min_nanos,
            max_nanos,
            errors,
            panics,
            cancelled,
        });
    }
    Ok(())
}

/// The parent's timer for calls timed in workers under `name`: one per
/// name, made on first use (its name leaked, as timers' names are static).
fn imported(name: &str) -> &'static Timer {
    static IMPORTED: Mutex<BTreeMap<&'static str, &'static Timer>> =
        parking_lot::const_mutex(BTreeMap::new());
    let mut imported = IMPORTED.lock();
    if let Some(timer) = imported.get(name) {
        return timer;
    }
    let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
    let timer = Timer::imported(name);
    imported.insert(name, timer);
    timer
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::timers::{self, Outcome};

    /// A worker's timer, its frames decoded and added up as the parent does.
    #[test]
    fn differences_sent_after_each_call_add_up_to_the_workers_figures() {
        static WORKER: Timer = Timer::new("timers::transfer::tests::worker");
        let parent = "timers::transfer::tests::parent";
        let mut sent = Sent::default();
        let mut send = || {
            let mut frame = Vec::new();
            if !sent.since_last(&mut frame) {
                return false;
            }
            // As the parent, under another name so this process's own
            // timer does not merge in.
            let changed: Vec<Crossing<String>> = wire::decode(&frame).unwrap();
            let changed: Vec<_> = changed
                .into_iter()
                .filter(|c| c.0 == WORKER.name())
                .map(|mut c| {
                    c.0 = parent.to_owned();
                    c
                })
                .collect();
            if changed.is_empty() {
                return false;
            }
            let mut frame = Vec::new();
            wire::encode_into(&changed, &mut frame).unwrap();
            add_from_worker(&frame).unwrap();
            true
        };
        let calls = [
            (Duration::from_micros(40), Outcome::Ok),
            (Duration::from_micros(7), Outcome::Err),
            (Duration::from_millis(3), Outcome::Panic),
            (Duration::from_nanos(0), Outcome::Ok),
            (Duration::from_micros(41), Outcome::Cancelled),
        ];
        for (elapsed, outcome) in calls {
            WORKER.record(elapsed, outcome);
            assert!(send(), "a recorded call is sent");
            assert!(!send(), "nothing new, nothing sent");
        }
        let got = timers::get(parent).unwrap();
        let want = timers::get(WORKER.name()).unwrap();
        assert_eq!(
            (
                got.calls(),
                got.oks(),
                got.errors(),
                got.panics(),
                got.cancelled()
            ),
            (5, 2, 1, 1, 1)
        );
        assert_eq!(
            (got.total(), got.min(), got.max()),
            (want.total(), want.min(), want.max())
        );
        for q in [0.0, 25.0, 50.0, 75.0, 100.0] {
            assert_eq!(got.percentile(q), want.percentile(q), "p{q}");
        }

        // A reset in the worker: what follows is new.
        WORKER.reset();
        WORKER.record(Duration::from_micros(5), Outcome::Ok);
        assert!(send());
        assert_eq!(timers::get(parent).unwrap().calls(), 6);
    }

    #[test]
    fn a_difference_keeps_exact_extremes_in_its_end_buckets_and_bounds_otherwise() {
        let reading = |values: &[u64]| {
            let timer = Box::leak(Box::new(Timer::new("timers::transfer::tests::d")));
            for &v in values {
                timer.record_nanos(v, Outcome::Ok);
            }
            timer.read()
        };
        let before = reading(&[10, 5_000]);
        let now = reading(&[10, 5_000, 300, 301]);
        let delta = difference(&now, &before).unwrap();
        assert_eq!((delta.histogram.count(), delta.total_nanos), (2, 601));
        let (low, _) = bounds_of(bucket_of(300));
        let (_, high) = bounds_of(bucket_of(301));
        assert_eq!((delta.min_nanos, delta.max_nanos), (low, high));
        assert!(low <= 300 && high >= 301 && high - low < 300 / 16 + 2);
        let now = reading(&[10, 5_000, 3, 9_000]);
        let delta = difference(&now, &before).unwrap();
        assert_eq!((delta.min_nanos, delta.max_nanos), (3, 9_000));
        assert!(difference(&before, &before).is_none());
    }

    #[test]
    fn a_malformed_histogram_is_refused() {
        let bad: Vec<Crossing<&str>> = vec![("x", 1, 1, 1, 0, 0, 0, vec![(5, 1), (5, 1)])];
        let mut frame = Vec::new();
        wire::encode_into(&bad, &mut frame).unwrap();
        assert!(add_from_worker(&frame).is_err());
        assert!(Histogram::from_buckets(vec![(u16::MAX, 1)]).is_none());
        assert!(Histogram::from_buckets(vec![(1, 0)]).is_none());
    }
}
