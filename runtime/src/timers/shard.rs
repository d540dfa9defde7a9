//! Where a timer's numbers live: a shard per thread that records into it.
//!
//! A call adds to counters that only its own thread writes, so each update is
//! a plain load and store: no locked read-modify-write, and no cache line
//! passed between cores when several threads call the same function.
//! [`snapshot`](super::snapshot) adds the shards up.
//!
//! A thread finds its shard of a timer through a thread-local table indexed by
//! the timer's id. When the thread ends, its shards are marked free, keeping
//! their counts, and the next thread to need a shard of that timer takes one
//! over, so a program that starts many short-lived threads does not grow a
//! shard per thread. A call made while the thread-locals are being torn down
//! records into the timer's shared counts with atomic adds instead.

use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};

use super::histogram::{AtomicHistogram, Histogram};
use super::timer::Outcome;

/// Call counts and durations: the content of a shard, and of a timer's
/// shared counts.
pub(crate) struct Counts {
    total_nanos: AtomicU64,
    min_nanos: AtomicU64,
    max_nanos: AtomicU64,
    errors: AtomicU64,
    panics: AtomicU64,
    cancelled: AtomicU64,
    /// Every call is in here: the number of calls is its total count.
    histogram: AtomicHistogram,
}

/// Adds one to a counter that only this thread writes.
#[inline(always)]
fn bump(counter: &AtomicU64, by: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(by),
        Ordering::Relaxed,
    );
}

impl Counts {
    pub(crate) const fn new() -> Counts {
        Counts {
            total_nanos: AtomicU64::new(0),
            min_nanos: AtomicU64::new(u64::MAX),
            max_nanos: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            panics: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            histogram: AtomicHistogram::new(),
        }
    }

    /// Records one call into counts that no other thread writes meanwhile.
    #[inline(always)]
    fn record_owned(&self, nanos: u64, outcome: Outcome) {
        self.histogram.record_owned(nanos);
        bump(&self.total_nanos, nanos);
        if nanos < self.min_nanos.load(Ordering::Relaxed) {
            self.min_nanos.store(nanos, Ordering::Relaxed);
        }
        if nanos > self.max_nanos.load(Ordering::Relaxed) {
            self.max_nanos.store(nanos, Ordering::Relaxed);
        }
        match outcome {
            Outcome::Ok => {}
            Outcome::Err => bump(&self.errors, 1),
            Outcome::Panic => bump(&self.panics, 1),
            Outcome::Cancelled => bump(&self.cancelled, 1),
        }
    }

    /// Records one call into counts that other threads may be writing too.
    pub(crate) fn record_shared(&self, nanos: u64, outcome: Outcome) {
        self.histogram.record_shared(nanos);
        self.total_nanos.fetch_add(nanos, Ordering::Relaxed);
        // A load first: a new minimum or maximum is rare, an RMW is not free.
        if nanos < self.min_nanos.load(Ordering::Relaxed) {
            self.min_nanos.fetch_min(nanos, Ordering::Relaxed);
        }
        if nanos > self.max_nanos.load(Ordering::Relaxed) {
            self.max_nanos.fetch_max(nanos, Ordering::Relaxed);
        }
        let counter = match outcome {
            Outcome::Ok => return,
            Outcome::Err => &self.errors,
            Outcome::Panic => &self.panics,
            Outcome::Cancelled => &self.cancelled,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds calls counted elsewhere (a worker process); other threads may
    /// be recording meanwhile.
    #[cfg(feature = "processes")]
    pub(crate) fn add_shared(&self, sum: &Sum) {
        self.histogram.add_shared(&sum.histogram);
        self.total_nanos
            .fetch_add(sum.total_nanos, Ordering::Relaxed);
        self.min_nanos.fetch_min(sum.min_nanos, Ordering::Relaxed);
        self.max_nanos.fetch_max(sum.max_nanos, Ordering::Relaxed);
        self.errors.fetch_add(sum.errors, Ordering::Relaxed);
        self.panics.fetch_add(sum.panics, Ordering::Relaxed);
        self.cancelled.fetch_add(sum.cancelled, Ordering::Relaxed);
    }

    /// A number that grows with every call recorded: each call adds its
    /// nanoseconds to the total, or (taking 0 ns) one to the first bucket.
    /// A few loads, where reading the counts allocates.
    #[cfg(feature = "processes")]
    pub(crate) fn fingerprint(&self) -> u64 {
        self.total_nanos
            .load(Ordering::Relaxed)
            .wrapping_add(self.histogram.zeros())
    }

    /// Back to no calls.
    pub(crate) fn clear(&self) {
        self.histogram.clear();
        self.total_nanos.store(0, Ordering::Relaxed);
        self.min_nanos.store(u64::MAX, Ordering::Relaxed);
        self.max_nanos.store(0, Ordering::Relaxed);
        self.errors.store(0, Ordering::Relaxed);
        self.panics.store(0, Ordering::Relaxed);
        self.cancelled.store(0, Ordering::Relaxed);
    }

    /// Adds these counts to `sum`.
    pub(crate) fn add_to(&self, sum: &mut Sum) {
        sum.histogram.merge(&self.histogram.sparse());
        sum.total_nanos = sum
            .total_nanos
            .saturating_add(self.total_nanos.load(Ordering::Relaxed));
        sum.min_nanos = sum.min_nanos.min(self.min_nanos.load(Ordering::Relaxed));
        sum.max_nanos = sum.max_nanos.max(self.max_nanos.load(Ordering::Relaxed));
        sum.errors += self.errors.load(Ordering::Relaxed);
        sum.panics += self.panics.load(Ordering::Relaxed);
        sum.cancelled += self.cancelled.load(Ordering::Relaxed);
    }
}

/// The counts of one or more shards added up.
#[derive(Default)]
pub(crate) struct Sum {
    pub(crate) histogram: Histogram,
    pub(crate) total_nanos: u64,
    /// `u64::MAX` when nothing was added.
    pub(crate) min_nanos: u64,
    pub(crate) max_nanos: u64,
    pub(crate) errors: u64,
    pub(crate) panics: u64,
    pub(crate) cancelled: u64,
}

impl Sum {
    pub(crate) fn new() -> Sum {
        Sum {
            min_nanos: u64::MAX,
            ..Sum::default()
        }
    }
}

/// One thread's counts for one timer. Leaked when made, never freed: it
/// stays on its timer's list, and its counts in the timer's figures, after
/// the thread that wrote them has ended.
///
/// Aligned so that two threads' shards never share a cache line.
#[repr(align(128))]
pub(crate) struct Shard {
    /// Whether a live thread records into this shard. Only that thread
    /// writes `counts` and `epoch`.
    taken: AtomicBool,
    /// The reset epoch of the timer the counts belong to; counts of an
    /// earlier epoch read as zero.
    epoch: AtomicU64,
    /// The next shard of the same timer.
    next: AtomicPtr<Shard>,
    counts: Counts,
}

impl Shard {
    /// Records one call. Only the thread that took the shard may call this.
    ///
    /// `epoch` is the timer's: if it moved on since this shard last
    /// recorded, the timer was reset and the old counts are dropped first.
    #[inline(always)]
    pub(crate) fn record(&self, epoch: u64, nanos: u64, outcome: Outcome) {
        if self.epoch.load(Ordering::Relaxed) != epoch {
            self.start_epoch(epoch);
        }
        self.counts.record_owned(nanos, outcome);
    }

    #[cold]
    #[inline(never)]
    fn start_epoch(&self, epoch: u64) {
        self.counts.clear();
        // Release: a reader that sees the new epoch sees the cleared counts.
        self.epoch.store(epoch, Ordering::Release);
    }

    /// [`Counts::fingerprint`] of the shard if its counts belong to `epoch`.
    #[cfg(feature = "processes")]
    pub(crate) fn fingerprint(&self, epoch: u64) -> u64 {
        if self.epoch.load(Ordering::Acquire) == epoch {
            self.counts.fingerprint()
        } else {
            0
        }
    }

    /// Adds the shard's counts to `sum` if they belong to `epoch`.
    pub(crate) fn add_to(&self, epoch: u64, sum: &mut Sum) {
        if self.epoch.load(Ordering::Acquire) == epoch {
            self.counts.add_to(sum);
        }
    }
}

/// A timer's shards: a lock-free list that only grows.
pub(crate) struct Shards {
    head: AtomicPtr<Shard>,
}

impl Shards {
    pub(crate) const fn new() -> Shards {
        Shards {
            head: AtomicPtr::new(ptr::null_mut()),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'static Shard> {
        let mut next = self.head.load(Ordering::Acquire);
        std::iter::from_fn(move || {
            // SAFETY: only leaked `Box<Shard>`s are pushed, and never removed.
            let shard: &'static Shard = unsafe { next.as_ref()? };
            next = shard.next.load(Ordering::Acquire);
            Some(shard)
        })
    }

    /// A shard for the calling thread alone: one that an ended thread gave
    /// back, or a new one.
    fn take(&self, epoch: u64) -> &'static Shard {
        for shard in self.iter() {
            // Acquire: the counts the previous owner wrote are seen before
            // this thread adds to them.
            if !shard.taken.load(Ordering::Relaxed)
                && shard
                    .taken
                    .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return shard;
            }
        }
        let shard: &'static Shard = Box::leak(Box::new(Shard {
            taken: AtomicBool::new(true),
            epoch: AtomicU64::new(epoch),
            next: AtomicPtr::new(ptr::null_mut()),
            counts: Counts::new(),
        }));
        let new = shard as *const Shard as *mut Shard;
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            shard.next.store(head, Ordering::Relaxed);
            match self
                .head
                .compare_exchange_weak(head, new, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return shard,
                Err(current) => head = current,
            }
        }
    }
}

/// The next timer id; 0 is never given out, so it can mean "no id yet".
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// An id no other timer has: the timer's index in every thread's table. Ids
/// are dense, so the tables stay as small as the number of timers.
pub(crate) fn new_id() -> u32 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A slot of the per-thread table: this thread's shard of the timer with
/// that id, if it has one.
type Slot = Option<&'static Shard>;

thread_local! {
    /// Where `MINE`'s slots are and how many: all the fast path reads. A
    /// `Cell` of plain data with a `const` initialiser and no destructor, so
    /// reading it is one thread-local load with no "initialised yet?" check.
    static FAST: Cell<(*const Slot, usize)> = const { Cell::new((ptr::null(), 0)) };

    /// Owns the slots; gives the shards back when the thread ends.
    static MINE: Mine = const { Mine(RefCell::new(Vec::new())) };
}

struct Mine(RefCell<Vec<Slot>>);

impl Drop for Mine {
    fn drop(&mut self) {
        // First stop the fast path from reading the slots being freed; a
        // call timed after this records into its timer's shared counts.
        let _ = FAST.try_with(|fast| fast.set((ptr::null(), 0)));
        for shard in self.0.get_mut().drain(..).flatten() {
            // Release: the next owner sees every count this thread wrote.
            shard.taken.store(false, Ordering::Release);
        }
    }
}

/// The calling thread's shard of the timer with id `id`, if it has one.
#[inline(always)]
pub(crate) fn mine(id: usize) -> Option<&'static Shard> {
    let (slots, len) = FAST.with(Cell::get);
    if id < len {
        // SAFETY: `FAST` mirrors `MINE`'s vector: it is updated whenever the
        // vector reallocates and cleared before it is dropped, and only this
        // thread touches either.
        unsafe { *slots.add(id) }
    } else {
        None
    }
}

/// The calling thread's shard among `shards` (of the timer with id `id`),
/// taking one if it has none yet; `None` once the thread's locals are gone.
pub(crate) fn mine_or_take(id: usize, shards: &Shards, epoch: u64) -> Option<&'static Shard> {
    MINE.try_with(|mine| {
        let mut slots = mine.0.try_borrow_mut().ok()?;
        if slots.len() <= id {
            // Doubling keeps growing the table rare.
            let len = (id + 1).next_power_of_two().max(16);
            slots.resize(len, None);
            FAST.set((slots.as_ptr(), slots.len()));
        }
        Some(*slots[id].get_or_insert_with(|| shards.take(epoch)))
    })
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_ends_gives_its_shard_to_the_next_with_its_counts() {
        static SHARDS: Shards = Shards::new();
        let id = new_id() as usize;
        let record = move |nanos| {
            let shard = mine_or_take(id, &SHARDS, 0).unwrap();
            assert_eq!(mine(id).map(ptr::from_ref), Some(ptr::from_ref(shard)));
            shard.record(0, nanos, Outcome::Ok);
        };
        std::thread::spawn(move || record(5)).join().unwrap();
        std::thread::spawn(move || record(7)).join().unwrap();
        assert_eq!(
            SHARDS.iter().count(),
            1,
            "the second thread reused the first's shard"
        );
        let mut sum = Sum::new();
        for shard in SHARDS.iter() {
            shard.add_to(0, &mut sum);
        }
        assert_eq!((sum.histogram.count(), sum.total_nanos), (2, 12));
        assert_eq!((sum.min_nanos, sum.max_nanos), (5, 7));

        // Two live threads get a shard each.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            record(1);
            rx.recv().unwrap();
        });
        while SHARDS
            .iter()
            .all(|shard| !shard.taken.load(Ordering::Acquire))
        {
            std::thread::yield_now();
        }
        record(2);
        tx.send(()).unwrap();
        holder.join().unwrap();
        assert_eq!(SHARDS.iter().count(), 2);
    }

    #[test]
    fn a_new_epoch_clears_the_shard_before_recording() {
        static SHARDS: Shards = Shards::new();
        let shard = SHARDS.take(3);
        shard.record(3, 10, Outcome::Err);
        shard.record(4, 20, Outcome::Ok);
        let (mut old, mut new) = (Sum::new(), Sum::new());
        shard.add_to(3, &mut old);
        shard.add_to(4, &mut new);
        assert_eq!(
            old.histogram.count(),
            0,
            "counts of another epoch read as none"
        );
        assert_eq!(
            (new.histogram.count(), new.errors, new.min_nanos),
            (1, 0, 20)
        );
    }
}
