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
//!   not). What the function prints goes to the parent's stdout and stderr:
//!   the pipes are separate descriptors. If decor installed the parent's log
//!   subscriber (`#[decor::main]`, [`init`](crate::init())), each worker
//!   installs one with the same filter, so `#[logged]` below `processes`
//!   logs from the worker. Several calls may queue on a worker;
//!   each goes to the least busy one.
//! - **Faults.** A panic comes back as [`TaskError::is_panic`](crate::TaskError::is_panic)
//!   and the worker carries on. If the worker dies (abort, signal, `exit`),
//!   the call it was running fails with
//!   [`is_crash`](crate::TaskError::is_crash) and the exit status or signal,
//!   calls queued behind it move to a new worker, and the pool stays whole.
//!   `timeout = "2s"` on `#[spawn]` kills a worker whose call runs longer
//!   and fails the call with [`is_timeout`](crate::TaskError::is_timeout).
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

mod exit;
pub(crate) mod forward;
pub(crate) mod pool;
pub(crate) mod registry;
pub(crate) mod wire;
mod worker;

/// Makes this process a worker if decor started it as one; does nothing
/// otherwise. Call it first in `main` on a platform where decor's
/// constructor does not run before `main` (it does on Linux, macOS and
/// Windows); `#[decor::main]` calls it for you.
///
/// ```
/// fn main() {
///     decor::process::init();
///     // ... the program
/// }
/// # main();
/// ```
pub fn init() {
    worker::enter_if_worker();
}
