//! The state of a keyed limiter (`key = expr`): one GCRA state per key,
//! in a store of decor's own with a bounded number of keys.
//!
//! governor's own keyed stores keep every key ever seen until
//! `retain_recent` is called (governor issue #171), so a limiter keyed by
//! client address would grow without end. This store keeps only a key's
//! "theoretical arrival time" (TAT, a `u64`), and while adding a key:
//!
//! - sweeps, now and then, the keys whose TAT has passed: such a state is
//!   the same as no state, so dropping it changes no decision. Sweeps come
//!   when the map has doubled since the last one, so each key added pays
//!   for a constant share of them;
//! - at `max_keys` keys still in use, drops the quarter of them whose TAT
//!   is earliest: those closest to a fresh state, so the keys held back
//!   longest stay held back. A dropped key starts fresh, as a new key
//!   would; memory never passes `max_keys` entries.
//!
//! The keys are the user's key values hashed (see `Site::key`), so one
//! store serves every key type, and a `static` can hold it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Duration;

use governor::clock::{Clock, QuantaClock, QuantaInstant, Reference};
use governor::nanos::Nanos;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::state::StateStore;
use parking_lot::Mutex;

/// Sweeps start once a store holds this many keys.
const FIRST_SWEEP: usize = 1024;

pub struct BoundedKeys {
    inner: Mutex<Map>,
    max_keys: usize,
    clock: QuantaClock,
    /// Taken just before the limiter's own start, so `now` here runs at
    /// most `slack` ahead of the limiter's.
    start: QuantaInstant,
    slack: u64,
}

struct Map {
    /// Key hash → TAT in nanoseconds from the limiter's start.
    tats: HashMap<u64, u64, BuildHasherDefault<KeyIsHash>>,
    /// The size at which the next sweep runs.
    next_sweep: usize,
}

impl BoundedKeys {
    pub fn new(max_keys: usize, clock: QuantaClock, period: Duration) -> BoundedKeys {
        let start = clock.now();
        BoundedKeys {
            inner: Mutex::new(Map {
                tats: HashMap::default(),
                next_sweep: FIRST_SWEEP.min(max_keys),
            }),
            max_keys: max_keys.max(1),
            clock,
            start,
            // The limiter is made right after this store, well within a
            // millisecond (and within one period, for coarse limits); a
            // state that only this slack could keep is dropped a little
            // late, never early.
            slack: (period.as_nanos() as u64).min(1_000_000),
        }
    }

    /// Makes room for one more key: sweeps passed states, and at
    /// `max_keys` drops the earliest quarter.
    fn make_room(&self, map: &mut Map) {
        if map.tats.len() < map.next_sweep {
            return;
        }
        let now = self
            .clock
            .now()
            .duration_since(self.start)
            .as_u64()
            .saturating_sub(self.slack);
        map.tats.retain(|_, tat| *tat > now);
        if map.tats.len() >= self.max_keys {
            let keep = self.max_keys - self.max_keys / 4;
            let mut by_tat: Vec<(u64, u64)> = map.tats.iter().map(|(k, t)| (*t, *k)).collect();
            let drop = by_tat.len() - keep.min(by_tat.len());
            if drop > 0 {
                by_tat.select_nth_unstable(drop - 1);
                for (_, key) in &by_tat[..drop] {
                    map.tats.remove(key);
                }
            }
        }
        if map.tats.capacity() > 4 * map.tats.len().max(FIRST_SWEEP) {
            map.tats.shrink_to_fit();
        }
        map.next_sweep = (2 * map.tats.len())
            .max(FIRST_SWEEP)
            .min(self.max_keys)
            .max(map.tats.len() + 1);
    }
}

impl StateStore for BoundedKeys {
    type Key = u64;

    fn measure_and_replace<T, F, E>(&self, key: &u64, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let mut map = self.inner.lock();
        if let Some(tat) = map.tats.get_mut(key) {
            let (outcome, next) = f(Some(Nanos::new(*tat)))?;
            *tat = next.as_u64();
            return Ok(outcome);
        }
        // A refused new key leaves nothing behind.
        let (outcome, next) = f(None)?;
        self.make_room(&mut map);
        map.tats.insert(*key, next.as_u64());
        Ok(outcome)
    }
}

impl ShrinkableKeyedStateStore<u64> for BoundedKeys {
    fn retain_recent(&self, drop_below: Nanos) {
        self.inner
            .lock()
            .tats
            .retain(|_, tat| *tat > drop_below.as_u64());
    }

    fn len(&self) -> usize {
        self.inner.lock().tats.len()
    }

    fn is_empty(&self) -> bool {
        self.inner.lock().tats.is_empty()
    }
}

/// The keys are hashes already (random per process): use them as they are.
#[derive(Default)]
struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1 ns period keeps the sweeps' slack at 1 ns: a state at 1 ns has
    /// passed by the first sweep.
    fn store(max_keys: usize) -> BoundedKeys {
        BoundedKeys::new(max_keys, QuantaClock::default(), Duration::from_nanos(1))
    }

    /// Admits a call for `key` whose state is `tat` nanoseconds from the start.
    fn touch(store: &BoundedKeys, key: u64, tat: u64) {
        store
            .measure_and_replace(&key, |_| Ok::<_, ()>(((), Nanos::new(tat))))
            .unwrap();
    }

    #[test]
    fn live_keys_never_pass_the_cap() {
        let store = store(1000);
        let far = u64::MAX / 2; // in use for ages: no sweep frees them
        for key in 0..100_000 {
            touch(&store, key, far + key);
            assert!(store.len() <= 1000, "{} keys", store.len());
        }
        // The latest (largest TAT) keys are those kept.
        assert!(store.inner.lock().tats.contains_key(&99_999));
        assert!(!store.inner.lock().tats.contains_key(&0));
    }

    #[test]
    fn passed_states_are_swept() {
        let store = store(1_000_000);
        for key in 0..100_000 {
            touch(&store, key, 0); // the start itself: passed
        }
        assert!(store.len() <= 2 * FIRST_SWEEP, "{} keys", store.len());
    }

    #[test]
    fn a_refused_new_key_is_not_stored() {
        let store = store(10);
        let refused = store.measure_and_replace(&7, |_| Err::<((), Nanos), ()>(()));
        assert!(refused.is_err());
        assert_eq!(store.len(), 0);
    }
}
