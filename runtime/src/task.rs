//! [`Task`]: the handle `#[spawn]` returns, its [`TaskError`], and the
//! [`as_completed`] / [`join_all`] helpers — Python's `Future`,
//! `as_completed` and `[f.result() for f in futures]`.
//!
//! A task's result travels through one small shared slot. The side that runs
//! the work holds a [`Completer`]; whatever runs it (a pool thread, a
//! dedicated thread, later a worker process) only has to call
//! [`Completer::complete`] once, so the handle knows nothing of where the
//! work ran.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

/// Why a task produced no value.
#[derive(Clone, Debug)]
pub struct TaskError {
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Panic(String),
    Crash(String),
    Timeout(Duration),
    #[cfg_attr(not(feature = "processes"), allow(dead_code))]
    Transport(String),
    Lost,
}

impl TaskError {
    /// The task panicked; its message is kept.
    pub fn panic(payload: &(dyn Any + Send)) -> TaskError {
        TaskError {
            kind: Kind::Panic(panic_message(payload)),
        }
    }

    /// The task panicked in a worker process, which sent back `message`.
    #[cfg_attr(not(feature = "processes"), allow(dead_code))]
    pub(crate) fn panicked(message: String) -> TaskError {
        TaskError {
            kind: Kind::Panic(message),
        }
    }

    /// The task's arguments or result could not cross to or from a worker
    /// process; `why` says what failed.
    #[cfg_attr(not(feature = "processes"), allow(dead_code))]
    pub(crate) fn transport(why: String) -> TaskError {
        TaskError {
            kind: Kind::Transport(why),
        }
    }

    /// The process running the task died; `status` says how.
    pub fn crash(status: impl Into<String>) -> TaskError {
        TaskError {
            kind: Kind::Crash(status.into()),
        }
    }

    /// The task ran past its time limit.
    pub fn timeout(limit: Duration) -> TaskError {
        TaskError {
            kind: Kind::Timeout(limit),
        }
    }

    fn lost() -> TaskError {
        TaskError { kind: Kind::Lost }
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, Kind::Panic(_))
    }

    /// The worker process running the task crashed.
    pub fn is_crash(&self) -> bool {
        matches!(self.kind, Kind::Crash(_))
    }

    /// The task ran past its `timeout`.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, Kind::Timeout(_))
    }

    /// The panic's message, if the task panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            Kind::Panic(message) => Some(message),
            _ => None,
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Panic(message) => write!(f, "task panicked: {message}"),
            Kind::Crash(status) => write!(f, "worker crashed: {status}"),
            Kind::Timeout(limit) => write!(f, "task timed out after {limit:?}"),
            Kind::Transport(why) => write!(f, "task could not cross the process boundary: {why}"),
            Kind::Lost => f.write_str("task was dropped before it produced a result"),
        }
    }
}

impl std::error::Error for TaskError {}

/// A panic payload's message: the `&str` or `String` that `panic!` carries.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_owned())
}

enum ResultState<T> {
    Pending,
    Ready(Result<T, TaskError>),
    Taken,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    /// Set once the result is in, for [`Task::join`]'s spin before it sleeps.
    filled: AtomicBool,
    /// Whether [`shutdown`](crate::shutdown) waits for this task. Kept here,
    /// in padding, rather than in the `Completer` a queued job carries.
    counted: bool,
}

struct State<T> {
    slot: ResultState<T>,
    waker: Option<Waker>,
    /// Told the task's index when it completes (`as_completed`).
    notify: Option<(Arc<Completions>, usize)>,
}

/// The result of work submitted to a pool, a thread or a process: wait for
/// it with [`join`](Task::join), poll it with
/// [`is_finished`](Task::is_finished), or `.await` it.
///
/// Dropping a `Task` (or calling [`detach`](Task::detach)) detaches it: the
/// work still runs, its result is dropped.
///
/// ```
/// #[decor::spawn(threads = 2)]
/// fn square(x: u64) -> u64 { x * x }
///
/// let task = square(7);
/// assert_eq!(task.join().unwrap(), 49);
/// ```
#[must_use = "join the task to see its result or its panic, or `.detach()` it; un-joined it still runs, but at exit only `#[decor::main]` or `decor::shutdown()` waits for it"]
pub struct Task<T> {
    shared: Arc<Shared<T>>,
}

/// The sending half of a [`Task`]: whoever runs the work completes it.
/// Dropped without completing, the task fails (it was lost).
pub struct Completer<T> {
    shared: Option<Arc<Shared<T>>>,
}

/// A connected completer and task, outstanding until completed: what
/// [`shutdown`](crate::shutdown) waits for.
pub fn channel<T>() -> (Completer<T>, Task<T>) {
    crate::shutdown::submitted();
    connected(true)
}

/// A connected completer and task that [`shutdown`](crate::shutdown) does
/// not wait for: a `dedicated` thread's, a daemon.
pub fn daemon_channel<T>() -> (Completer<T>, Task<T>) {
    connected(false)
}

fn connected<T>(counted: bool) -> (Completer<T>, Task<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            slot: ResultState::Pending,
            waker: None,
            notify: None,
        }),
        ready: Condvar::new(),
        filled: AtomicBool::new(false),
        counted,
    });
    (
        Completer {
            shared: Some(shared.clone()),
        },
        Task { shared },
    )
}

impl<T> Completer<T> {
    /// Hands the task its result and wakes whoever waits for it.
    pub fn complete(mut self, result: Result<T, TaskError>) {
        if let Some(shared) = self.shared.take() {
            fill(&shared, result);
            // After the result is in: a `shutdown` that returns has every
            // result in place.
            if shared.counted {
                crate::shutdown::finished();
            }
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            fill(&shared, Err(TaskError::lost()));
            if shared.counted {
                crate::shutdown::finished();
            }
        }
    }
}

fn fill<T>(shared: &Shared<T>, result: Result<T, TaskError>) {
    let (waker, notify) = {
        let mut state = shared.state.lock();
        state.slot = ResultState::Ready(result);
        shared.filled.store(true, Ordering::Release);
        (state.waker.take(), state.notify.take())
    };
    shared.ready.notify_all();
    if let Some(waker) = waker {
        waker.wake();
    }
    if let Some((completions, index)) = notify {
        completions.push(index);
    }
}

impl<T> Task<T> {
    /// Waits for the result.
    ///
    /// Called on a `#[spawn]` worker thread that holds no `#[synchronized]`
    /// lock, it runs other queued tasks of its pool while it waits, so a task
    /// that joins another task of its own pool cannot starve it of threads.
    /// (Holding a lock it only waits: a task run meanwhile could enter the
    /// re-entrant lock on this thread beside its holder.)
    pub fn join(self) -> Result<T, TaskError> {
        let helps = crate::pools::on_worker_thread();
        if !helps {
            self.spin_briefly();
        }
        let mut state = self.shared.state.lock();
        loop {
            match std::mem::replace(&mut state.slot, ResultState::Taken) {
                ResultState::Ready(result) => return result,
                ResultState::Pending => {
                    state.slot = ResultState::Pending;
                    if helps && !crate::synchronized::holding_a_lock() {
                        drop(state);
                        if !crate::pools::run_one_queued_job() {
                            // Nothing to help with: nap briefly, then look again.
                            let mut again = self.shared.state.lock();
                            if matches!(again.slot, ResultState::Pending) {
                                self.shared
                                    .ready
                                    .wait_for(&mut again, Duration::from_millis(1));
                            }
                        }
                        state = self.shared.state.lock();
                    } else {
                        self.shared.ready.wait(&mut state);
                    }
                }
                ResultState::Taken => unreachable!("only join and poll take the result"),
            }
        }
    }

    /// Watches for the result for a few tens of microseconds before going to
    /// sleep: a short task's result then needs no wake-up, which on an idle
    /// machine (a CPU leaving its idle state) costs more than the task.
    fn spin_briefly(&self) {
        const SPIN: Duration = Duration::from_micros(50);
        let start = Instant::now();
        loop {
            for _ in 0..64 {
                if self.shared.filled.load(Ordering::Acquire) {
                    return;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= SPIN {
                return;
            }
        }
    }

    /// Waits at most `limit`; gives the task back if it is still running.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// #[decor::spawn(dedicated)]
    /// fn slow() -> u8 { std::thread::sleep(Duration::from_millis(200)); 1 }
    ///
    /// let task = match slow().join_timeout(Duration::from_millis(1)) {
    ///     Ok(_) => unreachable!("200 ms of work does not finish in 1 ms"),
    ///     Err(still_running) => still_running,
    /// };
    /// assert_eq!(task.join().unwrap(), 1);
    /// ```
    pub fn join_timeout(self, limit: Duration) -> Result<Result<T, TaskError>, Task<T>> {
        let Some(deadline) = Instant::now().checked_add(limit) else {
            // Longer than the clock can count: no limit.
            return Ok(self.join());
        };
        {
            let mut state = self.shared.state.lock();
            loop {
                match std::mem::replace(&mut state.slot, ResultState::Taken) {
                    ResultState::Ready(result) => return Ok(result),
                    ResultState::Pending => {
                        state.slot = ResultState::Pending;
                        if self
                            .shared
                            .ready
                            .wait_until(&mut state, deadline)
                            .timed_out()
                        {
                            if let ResultState::Ready(_) = state.slot {
                                continue;
                            }
                            break;
                        }
                    }
                    ResultState::Taken => unreachable!("only join and poll take the result"),
                }
            }
        }
        Err(self)
    }

    /// Lets the task run on without waiting for it: its result, or its
    /// panic, is dropped. The same as dropping the task, said out loud
    /// (`let _ = task;` on a `Task` trips clippy's `let_underscore_future`,
    /// as a `Task` is also a future). [`shutdown`](crate::shutdown()) and
    /// `#[decor::main]` still wait for it at exit.
    ///
    /// ```
    /// #[decor::spawn]
    /// fn warm_cache() {}
    ///
    /// warm_cache().detach();
    /// decor::shutdown();
    /// ```
    pub fn detach(self) {}

    /// Whether the result is in.
    pub fn is_finished(&self) -> bool {
        matches!(self.shared.state.lock().slot, ResultState::Ready(_))
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.shared.state.lock();
        match std::mem::replace(&mut state.slot, ResultState::Taken) {
            ResultState::Ready(result) => Poll::Ready(result),
            ResultState::Pending => {
                state.slot = ResultState::Pending;
                match &state.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => state.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
            ResultState::Taken => panic!("a decor::Task polled after it completed"),
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Indexes of completed tasks, in the order they completed.
struct Completions {
    queue: Mutex<VecDeque<usize>>,
    ready: Condvar,
}

impl Completions {
    fn push(&self, index: usize) {
        self.queue.lock().push_back(index);
        self.ready.notify_one();
    }

    fn pop(&self) -> usize {
        let mut queue = self.queue.lock();
        loop {
            if let Some(index) = queue.pop_front() {
                return index;
            }
            self.ready.wait(&mut queue);
        }
    }
}

/// Yields each task's result as soon as it is in, with the task's position
/// in `tasks` — Python's `concurrent.futures.as_completed`.
///
/// ```
/// use std::time::Duration;
///
/// #[decor::spawn(threads = 3)]
/// fn nap(millis: u64) -> u64 {
///     std::thread::sleep(Duration::from_millis(millis));
///     millis
/// }
///
/// let tasks = vec![nap(300), nap(1), nap(150)];
/// let order: Vec<usize> = decor::as_completed(tasks).map(|(i, _)| i).collect();
/// assert_eq!(order, [1, 2, 0]);
/// ```
pub fn as_completed<T, I>(tasks: I) -> AsCompleted<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    let completions = Arc::new(Completions {
        queue: Mutex::new(VecDeque::new()),
        ready: Condvar::new(),
    });
    let mut slots = Vec::new();
    for (index, task) in tasks.into_iter().enumerate() {
        {
            let mut state = task.shared.state.lock();
            match state.slot {
                ResultState::Pending => state.notify = Some((completions.clone(), index)),
                _ => completions.push(index),
            }
        }
        slots.push(Some(task));
    }
    AsCompleted {
        remaining: slots.len(),
        slots,
        completions,
    }
}

/// The iterator [`as_completed`] returns.
pub struct AsCompleted<T> {
    slots: Vec<Option<Task<T>>>,
    completions: Arc<Completions>,
    remaining: usize,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = (usize, Result<T, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let index = self.completions.pop();
        self.remaining -= 1;
        let task = self.slots[index].take().expect("each task completes once");
        Some((index, task.join()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> ExactSizeIterator for AsCompleted<T> {}

/// Every task's result, in the order of `tasks`.
///
/// ```
/// #[decor::spawn]
/// fn double(x: i32) -> i32 { x * 2 }
///
/// let results = decor::join_all((1..=3).map(double));
/// let values: Vec<i32> = results.into_iter().map(Result::unwrap).collect();
/// assert_eq!(values, [2, 4, 6]);
/// ```
pub fn join_all<T, I>(tasks: I) -> Vec<Result<T, TaskError>>
where
    I: IntoIterator<Item = Task<T>>,
{
    // Submit everything first: a lazy iterator would run one task at a time.
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    tasks.into_iter().map(Task::join).collect()
}
