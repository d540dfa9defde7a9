//! Worker processes for `processes = N` on [`#[spawn]`](crate::spawn) and
//! [`#[parallel]`](crate::parallel): Python's `ProcessPoolExecutor`, without
//! its `if __name__ == "__main__"` trap.
//!
//! - **Start.** On a pool's first call, decor starts N copies of the running
//!   executable (a fresh `exec`, never a `fork` of the caller) and keeps them
//!   for the rest of the program. A constructor in decor takes over in those
//!   copies before `main`, so the user's `main` (or a test harness) never
//!   runs in a worker and no set-up is needed; [`init`] is the fallback for
//!   platforms where constructors do not run.
//! - **Calls.** A worker finds the function by its registered name in the
//!   program's link-time table, and arguments and results cross two pipes as
//!   postcard data, so every parameter and the result must be
//!   `Serialize + DeserializeOwned` (a compile error names the one that is
//!   not). A `Vec` or slice of plain numbers, a `String` or a `&str` (as a
//!   parameter or the result itself) crosses as its bytes in one copy, a
//!   large one (256 KiB and up) on Linux through memory shared with the
//!   worker, and a `&[T]` or `&str` parameter borrows what was received. What the function prints goes to the parent's stdout and stderr:
//!   the pipes are separate descriptors. Several calls may queue on a
//!   worker; each goes to the least busy one.
//! - **Pools.** `pool = "name"` with `processes` shares one pool among
//!   every function naming it, sized by [`configure`] before its first use
//!   (or by the first function to call); `processes` alone is one worker
//!   per core; the size may be any `const` expression (zero fails to
//!   compile). `init = path` runs a `fn()` once in each worker before its
//!   first call (a panic in it fails the worker's calls with its message,
//!   and the worker is not started again and again); `recycle = N`
//!   replaces a worker after N calls without failing any. Workers show in
//!   `ps` as `<program> [decor worker]`.
//! - **Decorators below `processes`** run in the worker, and what they
//!   record comes home on the response pipe, ahead of the call's result:
//!   - `#[timed]`: after each call, if a timer recorded anything (one load
//!     when no timer ever has), the worker sends the difference since its
//!     last report (counts per outcome, total, extremes, histogram), and the
//!     parent adds it to a timer of the same name, so
//!     [`timers::get`](crate::timers::get), `snapshot` and `report` count
//!     calls made in workers, and [`timers::reset`](crate::timers::reset)
//!     resets them. A call that panics counts; what a crashed worker had
//!     sent stays counted.
//!   - `#[logged]` and any `tracing` event on the thread running the call:
//!     if a subscriber of the caller wants any level when the call is made,
//!     the worker forwards the call's events up to that level (levels above
//!     it stay disabled in the worker) and the parent dispatches each to
//!     the caller's dispatcher as a child of the caller's current span, with
//!     its own target, level and fields, plus `worker.spans` (the worker's
//!     span scope as text) and `worker.pid`. Whatever subscriber the caller
//!     runs filters and writes them. Events from threads the call's code
//!     starts in the worker belong to no call and are not forwarded: with
//!     decor's subscriber installed in the parent (`#[decor::main]`,
//!     [`init`](crate::init())) the worker writes them, and anything logged
//!     outside a call, to stderr with the parent's filter; otherwise they
//!     are dropped.
//! - **Faults.** A panic comes back as [`TaskError::is_panic`](crate::TaskError::is_panic)
//!   and the worker carries on. If the worker dies (abort, signal, `exit`),
//!   the call it was running fails with
//!   [`is_crash`](crate::TaskError::is_crash) and the exit status or signal,
//!   calls queued behind it move to a new worker, and the pool stays whole.
//!   `timeout = "2s"` on `#[spawn]` kills a worker whose call runs longer
//!   and fails the call with [`is_timeout`](crate::TaskError::is_timeout);
//!   the clock starts when the worker has the call (its request written
//!   whole, the calls before it done), not while a large argument is
//!   written. A worker that cannot start is tried again after a growing
//!   wait, and calls go to the workers that run meanwhile.
//! - **Exit.** Each worker watches a pipe only its parent holds, and exits
//!   when the parent does, however it ends; the parent reaps every worker
//!   it replaces.
//!
//! Linux is the tested platform; the code is the same on macOS. Windows is
//! not supported yet: calls fail with a `TaskError` that says so.
//!
//! ```no_run
//! #[decor::spawn(processes = 4)]
//! fn fibonacci(n: u64) -> u64 {
//!     if n < 2 { n } else { fibonacci(n - 1) + fibonacci(n - 2) }
//! }
//!
//! fn main() {
//!     let tasks: Vec<_> = (0..4).map(|_| fibonacci(35)).collect();
//!     for result in decor::join_all(tasks) {
//!         assert_eq!(result.unwrap(), 9_227_465);
//!     }
//! }
//! ```

mod bulk;
mod exit;
pub(crate) mod forward;
#[cfg(target_os = "linux")]
mod mailbox;
#[cfg(not(target_os = "linux"))]
#[path = "mailbox_none.rs"]
mod mailbox;
pub(crate) mod outgoing;
pub(crate) mod pool;
pub(crate) mod registry;
pub(crate) mod wire;
mod worker;

pub use pool::ConfigureError;
pub use registry::Crossing;

/// Sets how many worker processes the shared process pool `name` (the
/// `pool = "name"` of `processes`) will run. Must come before the pool's
/// first use; asking again for the size it already has is fine. Without
/// it, the pool takes the size given by the first function that uses it.
/// The thread pools' counterpart is [`pools::configure`](crate::pools::configure).
///
/// ```no_run
/// #[decor::spawn(processes = 2, pool = "cpu")]
/// fn square(n: u64) -> u64 { n * n }
///
/// #[decor::spawn(processes = 2, pool = "cpu")]
/// fn cube(n: u64) -> u64 { n * n * n }
///
/// // Both functions share 8 worker processes.
/// decor::process::configure("cpu", 8).unwrap();
/// assert_eq!(square(3).join().unwrap() + cube(2).join().unwrap(), 17);
/// assert!(decor::process::configure("cpu", 4).is_err()); // started
/// ```
pub fn configure(name: &str, processes: usize) -> Result<(), ConfigureError> {
    pool::configure(name, processes)
}

/// Makes this process a worker if decor started it as one; does nothing
/// otherwise. Call it first in `main` on a platform where decor's
/// constructor does not run before `main` (it does on Linux, macOS and
/// Windows); `#[decor::main]` calls it for you.
///
/// ```
/// // The first line of `main`:
/// decor::process::init();
/// // ... the program
/// ```
#[allow(clippy::needless_doctest_main)] // `main` is the point of the example
pub fn init() {
    worker::enter_if_worker();
}
