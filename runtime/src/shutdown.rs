//! Waiting for submitted work before the program exits, as Python's
//! executors do at interpreter exit.
//!
//! Every [`Task`](crate::Task) of a pool or a process pool counts as
//! outstanding from the moment it is submitted until its result is in (or
//! it is lost). [`shutdown`] sleeps until the count is zero;
//! `#[decor::main]` calls it when `main` returns. `dedicated` threads are
//! daemons, as Python's daemon threads are: their tasks are not counted.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Condvar, Mutex};

/// Tasks submitted and tasks finished, ever. Outstanding is the difference.
/// Two counters on cache lines of their own, rather than one shared count:
/// the threads submitting tasks and the threads finishing them then do not
/// pass one line back and forth for every task (measured: about 7% of a
/// tiny task's cost on two cores).
static SUBMITTED: Padded = Padded(AtomicUsize::new(0));
static FINISHED: Padded = Padded(AtomicUsize::new(0));
/// Threads sleeping in [`shutdown`]; completions wake them only if any.
static WAITERS: AtomicUsize = AtomicUsize::new(0);
static IDLE: Mutex<()> = Mutex::new(());
static WOKEN: Condvar = Condvar::new();

#[repr(align(128))]
struct Padded(AtomicUsize);

/// Counts one more outstanding task.
#[inline]
pub(crate) fn submitted() {
    SUBMITTED.0.fetch_add(1, SeqCst);
}

/// Counts one outstanding task fewer, waking [`shutdown`] if it waits.
#[inline]
pub(crate) fn finished() {
    FINISHED.0.fetch_add(1, SeqCst);
    // SeqCst on both sides: either this sees the waiter's increment of
    // WAITERS, or the waiter's later reading of the counters sees this one.
    if WAITERS.load(SeqCst) > 0 {
        let _idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        WOKEN.notify_all();
    }
}

/// Whether no task was outstanding at some moment during the call. Every
/// task finishes after it is submitted, so reading `FINISHED` first and
/// `SUBMITTED` second can only make the second the larger; equal, they were
/// equal, and nothing was outstanding, when `FINISHED` was read.
fn nothing_outstanding() -> bool {
    let finished = FINISHED.0.load(SeqCst);
    SUBMITTED.0.load(SeqCst) == finished
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
/// Called on a pool's thread (inside a task, or a `#[parallel]` chunk) it
/// returns at once: it would be waiting for the task it runs in. The pools
/// stay usable afterwards.
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
    if crate::pools::on_pool_thread() {
        return;
    }
    WAITERS.fetch_add(1, SeqCst);
    let mut idle = IDLE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    while !nothing_outstanding() {
        idle = WOKEN
            .wait(idle)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
    }
    drop(idle);
    WAITERS.fetch_sub(1, SeqCst);
}
