//! Runtime support for `#[parallel]`: split the input, run the body on each
//! chunk in a pool, combine the results in chunk order.
//!
//! The call blocks until every chunk is done, so chunks may borrow from the
//! caller (rayon's `install` is scoped). Called from inside a pool task,
//! rayon lets the waiting thread run other work meanwhile, so nested and
//! recursive use does not deadlock.

use std::cell::Cell;
use std::ops::{Range, RangeInclusive};
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use rayon::prelude::*;

use crate::caller_span::CallerSpan;
use crate::combine::Combine;
use crate::pools::PoolSite;

/// A parameter `#[parallel]` can cut into chunks.
pub trait Split: Sized {
    /// What the body receives for one chunk.
    type Chunk: Send;

    /// Items in the input.
    fn len(&self) -> usize;

    /// No items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cuts the input into `parts` (1 ..= len) chunks of near-equal size, in
    /// order.
    fn split(self, parts: usize) -> Vec<Self::Chunk>;

    /// The whole input as one chunk, for a call that runs on the caller.
    fn whole(self) -> Self::Chunk {
        self.split(1).pop().expect("one part is always one chunk")
    }
}

/// The lengths of `parts` near-equal chunks of `len` items, in order: the
/// first `len % parts` chunks one item longer. `parts` is clamped to
/// `1..=len`.
fn chunk_lens(len: usize, parts: usize) -> impl Iterator<Item = usize> {
    let parts = parts.clamp(1, len.max(1));
    let (base, extra) = (len / parts, len % parts);
    (0..parts).map(move |i| base + usize::from(i < extra))
}

impl<'a, T: Sync> Split for &'a [T] {
    type Chunk = &'a [T];

    fn whole(self) -> &'a [T] {
        self
    }

    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    fn split(self, parts: usize) -> Vec<&'a [T]> {
        let mut rest = self;
        chunk_lens(self.len(), parts)
            .map(|len| {
                let (chunk, tail) = rest.split_at(len);
                rest = tail;
                chunk
            })
            .collect()
    }
}

impl<'a, T: Send> Split for &'a mut [T] {
    type Chunk = &'a mut [T];

    fn whole(self) -> &'a mut [T] {
        self
    }

    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    fn split(self, parts: usize) -> Vec<&'a mut [T]> {
        let lens: Vec<usize> = chunk_lens(self.len(), parts).collect();
        let mut rest = self;
        lens.into_iter()
            .map(|len| {
                let (chunk, tail) = std::mem::take(&mut rest).split_at_mut(len);
                rest = tail;
                chunk
            })
            .collect()
    }
}

impl<T: Send> Split for Vec<T> {
    type Chunk = Vec<T>;

    fn whole(self) -> Vec<T> {
        self
    }

    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn split(self, parts: usize) -> Vec<Vec<T>> {
        let mut items = self.into_iter();
        chunk_lens(items.len(), parts)
            .map(|len| items.by_ref().take(len).collect())
            .collect()
    }
}

/// `&Vec<T>`: each chunk is a new `Vec` holding clones of its items, since
/// the body takes a `&Vec`. Prefer `&[T]`, which borrows.
pub struct VecRef<'a, T>(pub &'a Vec<T>);

impl<T: Clone + Send + Sync> Split for VecRef<'_, T> {
    type Chunk = Vec<T>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn split(self, parts: usize) -> Vec<Vec<T>> {
        Split::split(self.0.as_slice(), parts)
            .into_iter()
            .map(<[T]>::to_vec)
            .collect()
    }
}

// Range arithmetic is done on `u128` offsets from the start: two's
// complement makes `end - start` exact there for every integer type, even
// `i128::MIN..i128::MAX`, and `start + offset` lands back in range.
macro_rules! split_ranges {
    ($($int:ty),*) => {$(
        impl Split for Range<$int> {
            type Chunk = Range<$int>;

            fn whole(self) -> Range<$int> {
                self
            }

            fn len(&self) -> usize {
                if self.end <= self.start {
                    0
                } else {
                    usize::try_from((self.end as u128).wrapping_sub(self.start as u128))
                        .unwrap_or(usize::MAX)
                }
            }

            fn split(self, parts: usize) -> Vec<Range<$int>> {
                if self.end <= self.start {
                    return vec![self];
                }
                let len = (self.end as u128).wrapping_sub(self.start as u128);
                let parts = (parts.max(1) as u128).min(len);
                let (base, extra) = (len / parts, len % parts);
                let mut from = self.start;
                (0..parts)
                    .map(|i| {
                        let size = base + u128::from(i < extra);
                        let to = (from as u128).wrapping_add(size) as $int;
                        let chunk = from..to;
                        from = to;
                        chunk
                    })
                    .collect()
            }
        }
    )*};
}

split_ranges!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

// `a..=b`, Python's `range(a, b + 1)`: the same offsets from the start, on
// `end - start`, which fits in `u128` even when the item count (one more)
// does not (`i128::MIN..=i128::MAX`); the last chunk ends at `end` itself,
// so the chunks cover the range exactly whatever the rounding.
macro_rules! split_inclusive_ranges {
    ($($int:ty),*) => {$(
        impl Split for RangeInclusive<$int> {
            type Chunk = RangeInclusive<$int>;

            fn whole(self) -> RangeInclusive<$int> {
                self
            }

            fn len(&self) -> usize {
                if self.is_empty() {
                    0
                } else {
                    let span = (*self.end() as u128).wrapping_sub(*self.start() as u128);
                    usize::try_from(span)
                        .ok()
                        .and_then(|span| span.checked_add(1))
                        .unwrap_or(usize::MAX)
                }
            }

            fn split(self, parts: usize) -> Vec<RangeInclusive<$int>> {
                if self.is_empty() {
                    return vec![self];
                }
                let (start, end) = self.into_inner();
                let span = (end as u128).wrapping_sub(start as u128);
                let items = span.saturating_add(1);
                let parts = (parts.max(1) as u128).min(items);
                let (base, extra) = (items / parts, items % parts);
                let mut from = start;
                (0..parts)
                    .map(|i| {
                        if i + 1 == parts {
                            return from..=end;
                        }
                        let size = base + u128::from(i < extra);
                        let last = (from as u128).wrapping_add(size - 1) as $int;
                        let chunk = from..=last;
                        from = (last as u128).wrapping_add(1) as $int;
                        chunk
                    })
                    .collect()
            }
        }
    )*};
}

split_inclusive_ranges!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

/// How the chunks' results become one.
pub trait Merge<R> {
    /// `parts` in chunk order, never empty.
    fn merge(self, parts: Vec<R>) -> R;
}

/// `reduce = |a, b| ...`, folded in chunk order.
pub struct Reduce<F>(F);

/// Wraps the `reduce` closure with the result type known, so the closure's
/// parameters are inferred (`|a, b| a.max(b)` needs no annotations).
#[inline(always)]
pub fn reduce<R, F: Fn(R, R) -> R>(f: F) -> Reduce<F> {
    Reduce(f)
}

impl<R, F: Fn(R, R) -> R> Merge<R> for Reduce<F> {
    fn merge(self, parts: Vec<R>) -> R {
        parts
            .into_iter()
            .reduce(self.0)
            .expect("#[parallel] always has at least one chunk")
    }
}

/// No `reduce`: the result type's [`Combine`], picked by [`via_combine`].
pub struct ViaCombine<R>(fn(Vec<R>) -> R);

/// The merger for a result type with [`Combine`]. The bound is checked
/// here, once, so a type without `Combine` gets the trait's own message.
#[inline(always)]
pub fn via_combine<R: Combine>() -> ViaCombine<R> {
    ViaCombine(R::combine_all)
}

impl<R> Merge<R> for ViaCombine<R> {
    fn merge(self, parts: Vec<R>) -> R {
        (self.0)(parts)
    }
}

/// The `#[parallel]` options the runtime needs.
#[derive(Clone, Copy)]
pub struct Plan {
    /// `chunks = K`, or `None` for one per pool thread.
    pub chunks: Option<usize>,
    /// `min_len = L`, or 0.
    pub min_len: usize,
}

impl Plan {
    /// How many chunks `len` items make when `workers` run them; `None` when
    /// the input is short enough (empty, or under 2·`min_len`) to run on the
    /// caller. `workers` is asked only when the input is long enough.
    fn parts(&self, len: usize, workers: impl FnOnce() -> usize) -> Option<usize> {
        if len == 0 || (self.min_len > 0 && len < self.min_len.saturating_mul(2)) {
            return None;
        }
        let mut parts = self.chunks.unwrap_or_else(workers).max(1);
        if let Some(most) = len.checked_div(self.min_len) {
            parts = parts.min(most);
        }
        Some(parts.clamp(1, len))
    }
}

/// Below this many nanoseconds of estimated serial work, a call stays on
/// the caller. On the pool the work costs a round trip `H` (waking the
/// pool's threads, collecting their results) plus about `S / threads`; on
/// the caller it costs `S`. With two threads the caller wins while
/// `S < 2H`, and `H` measured 10–13 µs on the 2-core machine of
/// BENCHMARKS.md ("Small inputs"): 20 µs sits at that line.
const STAY_BELOW_NANOS: u128 = 20_000;

/// The rule never keeps this many items or more off the pool, whatever the
/// estimate says (DESIGN §2).
const MOST_KEPT: usize = 100_000;

/// What a `#[parallel]` body costs per item, in picoseconds (0 until
/// measured): the chunks' own time on the pool, summed and divided by the
/// items. With neither `min_len` nor `chunks` given, a later call whose
/// input is estimated to cost less than a trip to the pool runs on the
/// caller. Measured only on the pool, so the first call (no estimate yet)
/// goes there, and a body whose items are expensive (a `fibonacci(35)`
/// each) keeps going there however few they are.
pub(crate) struct ItemCost {
    picos: AtomicU64,
}

impl ItemCost {
    pub(crate) const fn new() -> ItemCost {
        ItemCost {
            picos: AtomicU64::new(0),
        }
    }

    /// Whether `len` items cost less than a trip to the pool would save.
    #[inline]
    fn stays_on_caller(&self, len: usize) -> bool {
        if len >= MOST_KEPT {
            return false;
        }
        let picos = self.picos.load(Ordering::Relaxed);
        picos != 0 && len as u128 * u128::from(picos) < STAY_BELOW_NANOS * 1000
    }

    /// `nanos` of chunk work on `len` items: the latest estimate.
    fn record(&self, nanos: u128, len: usize) {
        if len == 0 {
            return;
        }
        let picos = (nanos * 1000 / len as u128).clamp(1, u128::from(u64::MAX));
        self.picos.store(picos as u64, Ordering::Relaxed);
    }
}

thread_local! {
    /// Set while this thread runs a call the cost rule kept off the pool.
    static STAYING: Cell<bool> = const { Cell::new(false) };
}

/// Clears a thread-local flag when dropped, also during a panic.
struct ResetOnDrop(&'static std::thread::LocalKey<Cell<bool>>);

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Runs `body` on each chunk of `input` on the pool and merges the results.
pub fn run<S, R, B, M>(pool: &PoolSite, plan: Plan, input: S, body: B, merge: M) -> R
where
    S: Split,
    R: Send,
    B: Fn(S::Chunk) -> R + Sync + Send,
    M: Merge<R>,
{
    let len = input.len();
    // Without `min_len` or `chunks`, decor picks: input estimated too small
    // to gain from the pool runs on the caller.
    let picks = plan.min_len == 0 && plan.chunks.is_none();
    if picks && pool.item_cost.stays_on_caller(len) && !STAYING.get() {
        // A body that calls its own function on its chunk (divide and
        // conquer) relies on each call splitting: kept on the caller, the
        // call inside gets the whole input again. So a call made while this
        // thread runs a kept call goes to the pool, which splits.
        STAYING.set(true);
        let _reset = ResetOnDrop(&STAYING);
        // One chunk's result is the whole result: nothing to merge.
        return body(input.whole());
    }
    // Short input, or a single chunk, runs on the caller: no pool, no hop.
    let parts = match plan.parts(len, || pool.get().threads()) {
        None | Some(1) => return body(input.whole()),
        Some(parts) => parts,
    };
    if !picks {
        return merge.merge(run_chunks(pool, input.split(parts), &body));
    }
    // Each chunk's own time, for the estimate: two clock reads per chunk.
    let spent = AtomicU64::new(0);
    let timed = |chunk: S::Chunk| {
        let started = std::time::Instant::now();
        let result = body(chunk);
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        spent.fetch_add(nanos, Ordering::Relaxed);
        result
    };
    let results = run_chunks(pool, input.split(parts), &timed);
    pool.item_cost
        .record(u128::from(spent.load(Ordering::Relaxed)), len);
    merge.merge(results)
}

/// Each chunk's result, in chunk order. The chunks and results wait in
/// slots that the pool's jobs find by index, so the work handed to rayon is
/// one type-erased job: rayon's machinery is compiled once in this crate,
/// not again for every `#[parallel]` function (its cost at compile time).
fn run_chunks<C: Send, R: Send>(
    pool: &PoolSite,
    chunks: Vec<C>,
    body: &(dyn Fn(C) -> R + Sync),
) -> Vec<R> {
    let slots: Vec<Mutex<ChunkState<C, R>>> = chunks
        .into_iter()
        .map(|chunk| Mutex::new(ChunkState::Chunk(chunk)))
        .collect();
    // Chunks run on pool threads, inside the caller's span.
    let span = CallerSpan::current();
    let job = |index: usize| {
        let taken = std::mem::replace(&mut *slots[index].lock(), ChunkState::Running);
        let ChunkState::Chunk(chunk) = taken else {
            unreachable!("each chunk is run once")
        };
        // The lock is not held while the body runs.
        let result = span.run(|| body(chunk));
        *slots[index].lock() = ChunkState::Done(result);
    };
    for_each_index(pool, slots.len(), &job);
    slots
        .into_iter()
        .map(|slot| match slot.into_inner() {
            ChunkState::Done(result) => result,
            _ => unreachable!("every job ran to completion or its panic went on"),
        })
        .collect()
}

/// One chunk's place: waiting, running, or its result.
enum ChunkState<C, R> {
    Chunk(C),
    Running,
    Done(R),
}

/// Calls `job(0..count)` on the pool, one index per rayon job, and returns
/// when every call has; a panicking call re-panics here with its payload.
/// If the pool could start no thread at all, the calls run here, in turn.
fn for_each_index(pool: &PoolSite, count: usize, job: &(dyn Fn(usize) + Sync)) {
    match pool.get().rayon() {
        Some(rayon) => rayon.install(|| (0..count).into_par_iter().with_max_len(1).for_each(job)),
        None => (0..count).for_each(job),
    }
}

/// [`run`] for `processes = N`: each chunk, with the shared arguments,
/// goes to one of the function's worker processes as a call of `entry`,
/// its request appended by `encode` and its result decoded by `result`.
/// The requests are encoded here, in chunk order, then sent together, each
/// chunk's copy to its worker on a thread of its own. Short input runs
/// `body` on the caller, as with threads; otherwise even a single chunk goes
/// to a worker, since isolation may be why `processes` was chosen.
///
/// A chunk that panicked re-panics here with its message; one whose worker
/// crashed or timed out panics with the [`TaskError`](crate::TaskError).
#[cfg(feature = "processes")]
#[allow(clippy::too_many_arguments)] // one per part of the expansion
pub fn run_in_processes<'a, S, R, B, E, M>(
    pool: &crate::process::pool::ProcessPoolSite,
    plan: Plan,
    input: S,
    body: B,
    entry: &'static crate::process::registry::Entry,
    result: &'static crate::process::registry::ResultWire<R>,
    encode: E,
    merge: M,
) -> R
where
    S: Split,
    B: Fn(S::Chunk) -> R,
    E: Fn(S::Chunk, &mut crate::process::outgoing::OutgoingRequest<'a>) -> Result<(), String>,
    M: Merge<R>,
    R: Send + 'static,
{
    let Some(parts) = plan.parts(input.len(), || pool.get().processes()) else {
        return merge.merge(input.split(1).into_iter().map(&body).collect());
    };
    let timeout = pool.call_timeout();
    let pool = pool.get();
    // Encoded here, in order (cheap: large slices are lent, not copied),
    // then sent all at once: each chunk's copy to its worker runs on a
    // thread of its own, and the workers start together.
    let mut tasks = Vec::with_capacity(parts);
    let mut calls = Vec::with_capacity(parts);
    for chunk in input.split(parts) {
        let (id, task, done) = crate::spawn::process_task(pool, result);
        tasks.push(task);
        let encode =
            |request: &mut crate::process::outgoing::OutgoingRequest<'a>| encode(chunk, request);
        calls.extend(pool.prepare(id, entry, timeout, encode, done));
    }
    pool.send_all(calls);
    let count = tasks.len();
    let mut results = Vec::with_capacity(count);
    for (index, task) in tasks.into_iter().enumerate() {
        match task.join() {
            Ok(result) => results.push(result),
            Err(error) => match error.panic_message() {
                Some(message) => std::panic::resume_unwind(Box::new(message.to_owned())),
                None => panic!("#[parallel] chunk {} of {count} failed: {error}", index + 1),
            },
        }
    }
    merge.merge(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_cover_the_input_in_order() {
        let data: Vec<u32> = (0..10).collect();
        let chunks = Split::split(data.as_slice(), 3);
        assert_eq!(chunks, [&data[0..4], &data[4..7], &data[7..10]]);
        assert_eq!(
            Split::split(data.clone(), 4),
            [vec![0, 1, 2], vec![3, 4, 5], vec![6, 7], vec![8, 9]]
        );
        assert_eq!((0u8..10).split(3), [0..4, 4..7, 7..10]);
        assert_eq!((-5i64..5).split(2), [-5..0, 0..5]);
        assert_eq!(
            (250u8..255).split(10),
            [250..251, 251..252, 252..253, 253..254, 254..255]
        );
        assert_eq!((5u32..5).split(4), vec![5..5]);
        assert_eq!(Split::len(&(i64::MIN..i64::MAX)), usize::MAX);
        let huge = (i128::MIN..i128::MAX).split(2);
        assert_eq!(
            (huge[0].start, huge.last().unwrap().end),
            (i128::MIN, i128::MAX)
        );
        assert_eq!(VecRef(&vec![1, 2, 3]).split(2), [vec![1, 2], vec![3]]);
        let empty: &[u8] = &[];
        assert_eq!(Split::split(empty, 4), [empty]);
    }

    #[test]
    fn inclusive_ranges_split_exactly_up_to_their_end() {
        assert_eq!((1u32..=10).split(3), [1..=4, 5..=7, 8..=10]);
        assert_eq!(Split::len(&(1u32..=10)), 10);
        assert_eq!((0u8..=255).split(2), [0..=127, 128..=255]);
        assert_eq!(Split::len(&(0u8..=255)), 256);
        assert_eq!((-3i8..=3).split(7).len(), 7);
        assert_eq!((7u16..=7).split(4), [7..=7]);
        // Empty: the body still gets its one (empty) chunk.
        let (high, low) = (5u32, 4u32);
        let empty = (high..=low).split(3);
        assert_eq!(empty.len(), 1);
        assert!(empty[0].is_empty());
        // The item count of the whole `u128` range does not fit in `u128`.
        let whole = (0u128..=u128::MAX).split(2);
        assert_eq!(whole, [0..=u128::MAX / 2, u128::MAX / 2 + 1..=u128::MAX]);
        assert_eq!(Split::len(&(i64::MIN..=i64::MAX)), usize::MAX);
        let total: u64 = (1u64..=1000)
            .split(7)
            .into_iter()
            .map(|chunk| chunk.sum::<u64>())
            .sum();
        assert_eq!(total, 500_500);
    }

    #[test]
    fn run_merges_in_chunk_order_and_honours_min_len() {
        let pool = PoolSite::own("parallel_test", 2);
        let data: Vec<u64> = (1..=100).collect();
        let plan = Plan {
            chunks: Some(7),
            min_len: 0,
        };
        let sum = run(
            &pool,
            plan,
            data.as_slice(),
            |c: &[u64]| c.iter().sum::<u64>(),
            reduce(|a: u64, b| a + b),
        );
        assert_eq!(sum, 5050);
        let firsts = run(
            &pool,
            plan,
            data.as_slice(),
            |c: &[u64]| vec![c[0]],
            via_combine(),
        );
        assert_eq!(
            firsts,
            [1, 16, 31, 45, 59, 73, 87],
            "7 chunks of 15, 15, 14, ..."
        );
        let here = std::thread::current().id();
        let plan = Plan {
            chunks: None,
            min_len: 60,
        };
        let threads = run(
            &pool,
            plan,
            data.as_slice(),
            |_: &[u64]| vec![std::thread::current().id()],
            via_combine(),
        );
        assert_eq!(
            threads,
            [here],
            "under 2 x min_len: one chunk, on the caller"
        );
    }
}
