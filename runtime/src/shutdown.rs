//! Waiting for submitted work before the program exits, as Python's
//! executors do at interpreter exit.
//!
//! Every [`Task`](crate::Task) of a pool or a process pool counts as
//! outstanding from the moment it is submitted until its result is in (or
//! it is lost). [`shutdown`] sleeps until the count is zero;
//! `#[decor::main]` calls it when `main` returns. `dedicated` threads are
//! daemons, as Python's daemon threads are: their tasks are not counted.

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};

/// Submitted tasks whose result is not in yet.
static OUTSTANDING: AtomicUsize = AtomicUsize::new(0);
/// Threads sleeping in [`shutdown`]; completions wake them only if any.
static WAITERS: AtomicUsize = AtomicUsize::new(0);
static IDLE: Mutex<()> = Mutex::new(());
static WOKEN: Condvar = Condvar::new();

thread_local! {
    /// How many tasks this thread is running (nested when a task waiting
    /// for another runs queued work meanwhile).
    static RUNNING: Cell<usize> = const { Cell::new(0) };
}

/// Counts one more outstanding task.
#[inline]
pub(crate) fn submitted() {
    OUTSTANDING.fetch_add(1, SeqCst);
}

/// Counts one outstanding task fewer, waking [`shutdown`] at zero.
#[inline]
pub(crate) fn finished() {
    // SeqCst on both sides: either this sees the waiter's increment of
    // WAITERS, or the waiter's later read of OUTSTANDING sees this zero.
    if OUTSTANDING.fetch_sub(1, SeqCst) == 1 && WAITERS.load(SeqCst) > 0 {
        let _idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        WOKEN.notify_all();
    }
}

/// Marks this thread as running a task while `work` runs.
#[inline]
pub(crate) fn running<T>(work: impl FnOnce() -> T) -> T {
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            RUNNING.with(|running| running.set(running.get() - 1));
        }
    }
    RUNNING.with(|running| running.set(running.get() + 1));
    let _done = Done;
    work()
}

/// Waits until every task submitted to a `#[spawn]` pool or process pool
/// has finished, including tasks those tasks submit meanwhile; then
/// returns. Un-joined tasks are waited for too: their work is done, their
/// results are dropped. Tasks on `dedicated` threads are not waited for.
///
/// `#[decor::main]` does this when `main` returns (`wait = false` opts
/// out), and so does the guard of [`Init::wait`](crate::Init::wait).
/// Without either, a plain `main` that returns first ends the program with
/// the work unfinished, as returning from `main` ends every thread.
///
/// Called inside a task it returns at once: the task would be waiting for
/// itself. The pools stay usable afterwards.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static WRITTEN: AtomicUsize = AtomicUsize::new(0);
///
/// #[decor::spawn(threads = 2)]
/// fn write_one() {
///     WRITTEN.fetch_add(1, Ordering::SeqCst);
/// }
///
/// for _ in 0..10 {
///     write_one().detach(); // not joined
/// }
/// decor::shutdown();
/// assert_eq!(WRITTEN.load(Ordering::SeqCst), 10);
/// ```
pub fn shutdown() {
    if RUNNING.with(Cell::get) > 0 {
        return;
    }
    WAITERS.fetch_add(1, SeqCst);
    let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    while OUTSTANDING.load(SeqCst) > 0 {
        idle = WOKEN
            .wait(idle)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
    }
    drop(idle);
    WAITERS.fetch_sub(1, SeqCst);
}
