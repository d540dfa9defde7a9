//! The clock `#[timed]` reads at the start and at the end of every call.
//!
//! With the `fast-clock` feature (on by default) it is [quanta]'s: on x86-64
//! with an invariant TSC (and RDTSCP) one `rdtsc` instruction per reading and
//! a multiply and shift per call to turn the difference into nanoseconds,
//! where `std::time::Instant` costs a `clock_gettime` call per reading. The
//! first reading in the process calibrates the TSC against the OS clock, a
//! busy loop that quanta bounds at 200 ms (0.6 ms on the benchmark machine);
//! it runs before the first call's start is read, so it is in no figure.
//! Where there is no such counter (an x86-64 CPU or VM without invariant
//! TSC, or another architecture than x86-64 and AArch64), quanta reads
//! `CLOCK_MONOTONIC` (or the platform's equivalent), the clock `Instant`
//! reads, so the clock costs what `Instant` would. On AArch64 it reads the
//! generic timer's counter, as the OS clock does.
//!
//! Without the feature it is `std::time::Instant`.
//!
//! [quanta]: https://docs.rs/quanta

/// A reading of the clock, only good for [`Stamp::elapsed_nanos`].
#[derive(Clone, Copy)]
pub(crate) struct Stamp(imp::Raw);

impl Stamp {
    /// Now.
    #[inline(always)]
    pub(crate) fn now() -> Stamp {
        Stamp(imp::now())
    }

    /// Nanoseconds since this stamp was taken (0 if the clock seems to have
    /// gone back, as a TSC read on another core might).
    #[inline(always)]
    pub(crate) fn elapsed_nanos(self) -> u64 {
        imp::nanos_since(self.0)
    }
}

#[cfg(feature = "fast-clock")]
mod imp {
    use std::sync::OnceLock;

    pub(super) type Raw = u64;

    /// One clock for the process: `quanta::Clock::new` asks the CPU (CPUID,
    /// slow in a VM) every time it is called, and calibrates the first time.
    static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();

    #[inline(always)]
    fn clock() -> &'static quanta::Clock {
        CLOCK.get_or_init(quanta::Clock::new)
    }

    #[inline(always)]
    pub(super) fn now() -> Raw {
        clock().raw()
    }

    #[inline(always)]
    pub(super) fn nanos_since(start: Raw) -> u64 {
        let clock = clock();
        // Scaling the difference, not each reading: one multiply per call.
        clock.delta_as_nanos(start, clock.raw())
    }
}

#[cfg(not(feature = "fast-clock"))]
mod imp {
    use std::time::Instant;

    pub(super) type Raw = Instant;

    #[inline(always)]
    pub(super) fn now() -> Raw {
        Instant::now()
    }

    #[inline(always)]
    pub(super) fn nanos_since(start: Raw) -> u64 {
        u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::Stamp;
    use std::time::{Duration, Instant};

    /// The clock agrees with `Instant` over a sleep: its reading falls
    /// between the shortest and the longest interval `Instant` allows, give
    /// or take 1 % for calibration. The `Instant` readings bracket ours, so a
    /// thread preempted between two of them widens the bounds rather than
    /// failing the test; no wall time is asserted.
    #[test]
    fn agrees_with_instant() {
        let before = Instant::now();
        let stamp = Stamp::now();
        let after = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let end_before = Instant::now();
        let ours = stamp.elapsed_nanos() as f64;
        let end_after = Instant::now();
        let shortest = end_before.duration_since(after).as_nanos() as f64;
        let longest = end_after.duration_since(before).as_nanos() as f64;
        assert!(
            shortest * 0.99 <= ours && ours <= longest * 1.01,
            "{ours} ns, not within [{shortest}, {longest}]"
        );
    }
}
