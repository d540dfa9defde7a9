//! Runtime support for `#[spawn]`: submit work to a pool or a new thread and
//! hand back its [`Task`](crate::Task).

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::caller_span::CallerSpan;
use crate::pools::PoolSite;
use crate::task::{daemon_channel, queued, Task, TaskError};

/// Runs `work` on the pool, inside the caller's current span; a panic
/// becomes the task's error and the worker thread lives on. A task
/// cancelled while queued is dropped unrun when a worker reaches it.
#[inline]
pub fn on_pool<T, F>(pool: &PoolSite, work: F) -> Task<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let span = CallerSpan::current();
    // One allocation: the task's state, this closure, then its result.
    let (job, task) = queued(move || span.run(|| run(work)));
    pool.get().submit(job);
    task
}

/// Runs `work` on a new OS thread named `name` (`dedicated`), inside the
/// caller's current span, for long loops that would otherwise hold a pool
/// thread.
pub fn on_new_thread<T, F>(name: &str, work: F) -> Task<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (completer, task) = daemon_channel();
    let span = CallerSpan::current();
    let started = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || completer.complete(span.run(|| run(work))));
    if let Err(error) = started {
        // The closure, and with it the completer, is dropped: the task
        // reports itself lost. Say why on stderr, as the task cannot.
        eprintln!("decor: cannot start thread {name:?}: {error}");
    }
    task
}

/// An argument of a `#[spawn]` function moves to another thread, so its
/// type must be `Send + 'static`. `Name` is a marker type named after the
/// parameter, so that the error names it.
#[diagnostic::on_unimplemented(
    message = "the argument `{Name}` cannot move to another thread: `{Self}` is not `Send`",
    label = "`{Name}` moves to the thread that runs the task, so its type must be `Send + 'static`",
    note = "pass a thread-safe value instead: `Arc` for `Rc`, `Mutex` or `RwLock` for `RefCell`, `AtomicU64` for `Cell<u64>`"
)]
pub trait SendArgument<Name> {
    /// The argument's own type.
    type Sent;
}

impl<T: Send + 'static, Name> SendArgument<Name> for T {
    type Sent = T;
}

/// Passes an argument through unchanged, checking it can move to another
/// thread. Spanned at the parameter by the expansion, so a non-`Send`
/// argument is reported there, by name. When the bound fails, `Sent = T`
/// leaves the value's type unknown to the compiler, so the closure that
/// captures it is not reported a second time.
#[inline(always)]
pub fn send_argument<Name, T: SendArgument<Name, Sent = T>>(value: T) -> T {
    value
}

fn run<T>(work: impl FnOnce() -> T) -> Result<T, TaskError> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| TaskError::panic(&*payload))
}

/// Sends one call of `entry` to the function's worker processes
/// (`processes = N`); `arguments` appends the encoded arguments.
#[cfg(feature = "processes")]
pub fn in_processes<'a, R>(
    pool: &crate::process::pool::ProcessPoolSite,
    entry: &'static crate::process::registry::Entry,
    result: &'static crate::process::registry::ResultWire<R>,
    arguments: impl FnOnce(&mut crate::process::outgoing::OutgoingRequest<'a>) -> Result<(), String>,
) -> Task<R>
where
    R: Send + 'static,
{
    let timeout = pool.call_timeout();
    let pool = pool.get();
    let (id, task, done) = process_task(pool, result);
    pool.call(id, entry, timeout, arguments, done);
    task
}

/// A process call's id, its task, and what completes the task when the
/// pool hears how the call ended (the result decoded by `result`).
#[cfg(feature = "processes")]
pub(crate) fn process_task<R>(
    pool: &'static crate::process::pool::ProcessPool,
    result: &'static crate::process::registry::ResultWire<R>,
) -> (
    crate::process::pool::CallId,
    Task<R>,
    impl FnOnce(crate::process::pool::CallOutcome<'_>) + Send + 'static,
)
where
    R: Send + 'static,
{
    use crate::process::pool::CallOutcome;

    let (completer, task) = crate::task::channel();
    // `Task::cancel` stops the call through the pool.
    let id = pool.reserve();
    completer.on_cancel(Box::new(move || pool.cancel(id, TaskError::cancelled())));
    let done = move |outcome: CallOutcome<'_>| {
        completer.complete(match outcome {
            CallOutcome::Returned(bytes) => result.decode(bytes).map_err(TaskError::transport),
            CallOutcome::Failed(error) => Err(error),
        })
    };
    (id, task, done)
}
