//! The per-function [`Timer`] that calls are recorded into, and the
//! lock-free registry that lets [`snapshot`](super::snapshot) find every one.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

use super::noted::NotedCounts;
use super::shard::{self, Counts, Shards, Sum};

/// How a timed call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Returned normally; for a `Result`, returned `Ok`.
    Ok,
    /// Returned `Err`.
    Err,
    /// Unwound with a panic.
    Panic,
    /// An `async fn` whose future was dropped before it completed.
    Cancelled,
}

impl Outcome {
    /// `"ok"`, `"err"`, `"panic"` or `"cancelled"`: the `outcome` field of
    /// the events `#[timed]` emits.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Err => "err",
            Outcome::Panic => "panic",
            Outcome::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Head of the intrusive list of every timer that has recorded a call.
static HEAD: AtomicPtr<Timer> = AtomicPtr::new(ptr::null_mut());

/// The statistics of one timed function, kept in a `static` beside it.
///
/// Each thread that calls the function records into a shard of its own (see
/// [`shard`](super::shard)): a handful of plain loads and stores, no lock and
/// no locked instruction. The first call also pushes the timer onto a global
/// lock-free list, and the first call on each thread finds that thread a
/// shard.
///
/// The timer records what it is given and knows nothing of where it came
/// from; `#[timed]`'s runtime measures the call and emits its events.
pub(crate) struct Timer {
    name: &'static str,
    /// 0 until the first call; then the timer's index in every thread's
    /// table of shards.
    id: AtomicU32,
    /// Bumped by [`reset`](Self::reset); shards of an older epoch read as
    /// empty and are cleared by their thread when it next records.
    epoch: AtomicU64,
    /// The next timer on the global list.
    next: AtomicPtr<Timer>,
    shards: Shards,
    /// Calls recorded while their thread's locals were being torn down:
    /// rare, so allocated on first use rather than kept in every static.
    shared: AtomicPtr<Counts>,
    /// Retries, cache misses and limiter waits during its calls (see
    /// [`noted`](super::noted)): rare, so plain shared counters.
    pub(crate) noted: NotedCounts,
}

impl Timer {
    /// A timer reporting as `name`.
    pub(crate) const fn new(name: &'static str) -> Timer {
        Timer {
            name,
            id: AtomicU32::new(0),
            epoch: AtomicU64::new(0),
            next: AtomicPtr::new(ptr::null_mut()),
            shards: Shards::new(),
            shared: AtomicPtr::new(ptr::null_mut()),
            noted: NotedCounts::new(),
        }
    }

    /// The name the timer reports under.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Records one call that took `elapsed`.
    #[cfg(test)]
    pub(crate) fn record(&'static self, elapsed: std::time::Duration, outcome: Outcome) {
        self.record_nanos(
            u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
            outcome,
        );
    }

    /// Records one call that took `nanos` nanoseconds.
    #[inline(always)]
    pub(crate) fn record_nanos(&'static self, nanos: u64, outcome: Outcome) {
        // The fast path: this thread already has a shard of this timer.
        // Until the timer is registered its id is 0, which no table holds.
        match shard::mine(self.id.load(Ordering::Relaxed) as usize) {
            Some(shard) => shard.record(self.epoch.load(Ordering::Relaxed), nanos, outcome),
            None => self.record_first(nanos, outcome),
        }
    }

    /// The first call on this thread (or on any thread): registers the timer
    /// and finds the thread a shard. Also every call made once the thread's
    /// locals are gone, which goes to the shared counts.
    #[cold]
    #[inline(never)]
    fn record_first(&'static self, nanos: u64, outcome: Outcome) {
        let id = self.register();
        let epoch = self.epoch.load(Ordering::Relaxed);
        match shard::mine_or_take(id as usize, &self.shards, epoch) {
            Some(shard) => shard.record(epoch, nanos, outcome),
            None => self.shared().record_shared(nanos, outcome),
        }
    }

    /// The timer's id, giving it one and adding it to the global list on its
    /// first call.
    fn register(&'static self) -> u32 {
        let id = self.id.load(Ordering::Acquire);
        if id != 0 {
            return id;
        }
        // Several threads may race here; one id wins and only its thread
        // pushes the timer (an id lost in the race is simply never used).
        let id = shard::new_id();
        if let Err(winner) = self
            .id
            .compare_exchange(0, id, Ordering::AcqRel, Ordering::Acquire)
        {
            return winner;
        }
        let this = self as *const Timer as *mut Timer;
        let mut head = HEAD.load(Ordering::Acquire);
        loop {
            self.next.store(head, Ordering::Relaxed);
            match HEAD.compare_exchange_weak(head, this, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return id,
                Err(current) => head = current,
            }
        }
    }

    /// The shared counts, made on first use.
    fn shared(&self) -> &Counts {
        if let Some(shared) = self.shared_if_any() {
            return shared;
        }
        let new = Box::into_raw(Box::new(Counts::new()));
        match self.shared.compare_exchange(
            ptr::null_mut(),
            new,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // SAFETY: leaked from a `Box` and never freed (`Timer` has no
            // `Drop`; timers live in statics).
            Ok(_) => unsafe { &*new },
            Err(existing) => {
                // SAFETY: `new` was never published.
                drop(unsafe { Box::from_raw(new) });
                // SAFETY: as above.
                unsafe { &*existing }
            }
        }
    }

    fn shared_if_any(&self) -> Option<&Counts> {
        // SAFETY: as in `shared`.
        unsafe { self.shared.load(Ordering::Acquire).as_ref() }
    }

    /// A timer for calls made in worker processes under `name`, which no
    /// function of this process records into: it is on the global list from
    /// the start, and [`add`](Self::add) fills its shared counts.
    #[cfg(feature = "processes")]
    pub(crate) fn imported(name: &'static str) -> &'static Timer {
        let timer: &'static Timer = Box::leak(Box::new(Timer::new(name)));
        timer.register();
        timer
    }

    /// Adds calls counted in a worker process.
    #[cfg(feature = "processes")]
    pub(crate) fn add(&'static self, sum: &Sum) {
        self.shared().add_shared(sum);
    }

    /// The reset epoch: changes with every [`reset`](Self::reset).
    #[cfg(feature = "processes")]
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// A number that changes whenever the timer records a call or is reset
    /// (see [`Counts::fingerprint`]); cheap, so a worker can tell after each
    /// call whether there is anything to send.
    #[cfg(feature = "processes")]
    pub(crate) fn fingerprint(&self) -> u64 {
        let epoch = self.epoch.load(Ordering::Acquire);
        let mut print = epoch.rotate_right(16);
        if let Some(shared) = self.shared_if_any() {
            print = print.wrapping_add(shared.fingerprint());
        }
        for shard in self.shards.iter() {
            print = print.wrapping_add(shard.fingerprint(epoch));
        }
        print
    }

    /// Back to zero calls: a new epoch for the shards, which their threads
    /// clear when they next record, and the shared counts cleared now.
    pub(crate) fn reset(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.noted.clear();
        if let Some(shared) = self.shared_if_any() {
            shared.clear();
        }
    }

    /// Every shard of the current epoch, added up.
    pub(crate) fn read(&self) -> Sum {
        let epoch = self.epoch.load(Ordering::Acquire);
        let mut sum = Sum::new();
        if let Some(shared) = self.shared_if_any() {
            shared.add_to(&mut sum);
        }
        for shard in self.shards.iter() {
            shard.add_to(epoch, &mut sum);
        }
        sum
    }
}

/// Every timer that has recorded at least one call since the program began.
pub(crate) fn registered() -> impl Iterator<Item = &'static Timer> {
    let mut next = HEAD.load(Ordering::Acquire);
    std::iter::from_fn(move || {
        // SAFETY: only `&'static Timer`s are ever pushed, and never removed.
        let timer: &'static Timer = unsafe { next.as_ref()? };
        next = timer.next.load(Ordering::Acquire);
        Some(timer)
    })
}

pub(crate) fn reset_all() {
    for timer in registered() {
        timer.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_timed_after_the_threads_shards_are_given_back_is_shared() {
        static TIMER: Timer = Timer::new("timers::timer::tests::late");
        struct RecordOnDrop;
        impl Drop for RecordOnDrop {
            fn drop(&mut self) {
                TIMER.record_nanos(300, Outcome::Err);
            }
        }
        thread_local! {
            static LAST: RecordOnDrop = const { RecordOnDrop };
        }
        std::thread::spawn(|| {
            // Registered before the thread's table of shards, so dropped
            // after it: std runs thread-local destructors last in, first out.
            LAST.with(|_| {});
            TIMER.record_nanos(100, Outcome::Ok);
        })
        .join()
        .unwrap();
        let mut shared = Sum::new();
        TIMER.shared_if_any().unwrap().add_to(&mut shared);
        assert_eq!((shared.histogram.count(), shared.errors), (1, 1));
        let reading = TIMER.read();
        assert_eq!((reading.histogram.count(), reading.total_nanos), (2, 400));
    }
}
