//! One limiter: a GCRA (governor) over one state, or over one state per
//! key, and its counters.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use governor::clock::{Clock, QuantaClock};
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

use super::keyed::BoundedKeys;

/// What a limiter was made with; sites sharing a `name` compare theirs to
/// the first one's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Calls let through per `per_nanos`, on average.
    pub calls: u32,
    pub per_nanos: u64,
    /// Calls that may go through at once after a quiet spell.
    pub burst: u32,
    /// The most keys a keyed limiter remembers; 0 for a limiter without keys.
    pub max_keys: usize,
}

type Direct = RateLimiter<NotKeyed, InMemoryState, QuantaClock>;
type Keyed = RateLimiter<u64, BoundedKeys, QuantaClock>;

enum State {
    Direct(Direct),
    Keyed(Keyed),
}

/// A limiter, made on the first call of a function using it and kept for
/// the program's life.
pub struct Limiter {
    pub(crate) name: &'static str,
    pub(crate) settings: Settings,
    clock: QuantaClock,
    state: State,
    pub(crate) admitted: AtomicU64,
    pub(crate) waited: AtomicU64,
    pub(crate) rejected: AtomicU64,
}

impl Limiter {
    pub fn new(name: &'static str, settings: Settings) -> Limiter {
        let clock = QuantaClock::default();
        // The macro has checked every figure; clamps keep this total anyway.
        let calls = settings.calls.max(1);
        let period = Duration::from_nanos((settings.per_nanos / u64::from(calls)).max(1));
        let burst = NonZeroU32::new(settings.burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .expect("the period is at least 1ns")
            .allow_burst(burst);
        let state = if settings.max_keys == 0 {
            State::Direct(RateLimiter::direct_with_clock(quota, clock.clone()))
        } else {
            let store = BoundedKeys::new(settings.max_keys, clock.clone(), period);
            let limiter = RateLimiter::new(quota, store, clock.clone());
            State::Keyed(limiter)
        };
        Limiter {
            name,
            settings,
            clock,
            state,
            admitted: AtomicU64::new(0),
            waited: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
        }
    }

    /// Lets one call through now (`Ok`), or says how long until one would
    /// be (`Err`). A limiter without keys ignores `key`; a keyed one given
    /// none (a site without `key =` sharing a keyed limiter's name) uses
    /// key 0.
    #[inline]
    pub fn check(&self, key: Option<u64>) -> Result<(), Duration> {
        let checked = match &self.state {
            State::Direct(limiter) => limiter.check(),
            State::Keyed(limiter) => limiter.check_key(&key.unwrap_or(0)),
        };
        match checked {
            Ok(()) => {
                self.admitted.fetch_add(1, Relaxed);
                Ok(())
            }
            Err(not_until) => Err(not_until.wait_time_from(self.clock.now())),
        }
    }

    /// How many keys a keyed limiter holds now (0 without keys).
    pub fn keys(&self) -> usize {
        match &self.state {
            State::Direct(_) => 0,
            State::Keyed(limiter) => limiter.len(),
        }
    }
}
