//! [`Task`]: the handle `#[spawn]` returns, its [`TaskError`], and the
//! [`as_completed`] / [`join_all`] helpers — Python's `Future`,
//! `as_completed` and `[f.result() for f in futures]`.
//!
//! A task's result travels through one small shared slot. The side that runs
//! the work holds a [`Completer`]; whatever runs it (a pool thread, a
//! dedicated thread, later a worker process) only has to call
//! [`Completer::complete`] once, so the handle knows nothing of where the
//! work ran.
//!
//! Cancellation: a task's `claim` says whether it is still queued or has
//! been claimed (by its runner, or by a cancel), its `phase` whether it has
//! finished. A runner that queues work makes its tasks with
//! [`queued_channel`] and claims each one with [`Completer::start`] before
//! running it; [`Task::cancel`] wins only against a task not yet claimed,
//! finishes it at once, and the runner, finding the claim refused, drops the
//! work unrun. A runner that can stop work in flight (a worker process it can
//! kill) installs a hook with [`Completer::on_cancel`].

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
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
    Cancelled,
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

    pub(crate) fn cancelled() -> TaskError {
        TaskError {
            kind: Kind::Cancelled,
        }
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

    /// The task was cancelled by [`Task::cancel`] before it ran.
    ///
    /// ```
    /// # use std::sync::mpsc;
    /// #[decor::spawn(threads = 1)]
    /// fn step(gate: Option<mpsc::Receiver<()>>) {
    ///     if let Some(gate) = gate { let _ = gate.recv(); }
    /// }
    ///
    /// let (open, gate) = mpsc::channel();
    /// let busy = step(Some(gate)); // holds the pool's one thread
    /// let queued = step(None);
    /// assert!(queued.cancel());
    /// assert!(queued.join().unwrap_err().is_cancelled());
    /// open.send(()).unwrap();
    /// busy.join().unwrap();
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.kind, Kind::Cancelled)
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
            Kind::Cancelled => f.write_str("task was cancelled"),
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
    /// Out of the slot for an [`Task::on_done`] callback on the caller's
    /// thread, put back when it returns.
    Lent,
    Taken,
}

/// `Shared::claim`: who has the task: still queued (cancellable), claimed
/// by its runner ([`Completer::start`]) or by [`Task::cancel`].
const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
/// `Shared::phase`: not finished, or finished as done or cancelled, in the
/// low bits ([`STEP`]). Set first, under the state lock, by whoever
/// finishes the task, so that no one else can; the result lands in the
/// slot after the callbacks have run, and then [`FILLED`] is added.
const UNFINISHED: u8 = 0;
const DONE: u8 = 2;
/// In both `claim` (cancel claimed it) and `phase` (it finished so).
const CANCELLED: u8 = 3;
const STEP: u8 = 3;
/// Added to `phase` once the result is in the slot: what [`Task::join`]'s
/// spin watches for. Not [`DONE`] itself, which comes before the callbacks
/// run: a joiner seeing it would go to sleep just before the result comes.
const FILLED: u8 = 4;

/// `repr(C)`, to keep `claim` and `phase` on different cache lines (the
/// state between them is 72 bytes or more): the runner claims the task
/// while the caller spins on `phase` in [`Task::join`], and on one line the
/// claim would take the line from the spinning caller and back, a round
/// trip's worth of time (measured: +15% on a tiny task's round trip).
#[repr(C)]
struct Shared<T> {
    /// [`QUEUED`], [`RUNNING`] or [`CANCELLED`]. Atomic so that a runner's
    /// claim takes no lock; `cancel` changes it under the state lock.
    claim: AtomicU8,
    /// Whether [`shutdown`](crate::shutdown) waits for this task. Kept here,
    /// in padding, rather than in the `Completer` a queued job carries.
    counted: bool,
    state: Mutex<State<T>>,
    ready: Condvar,
    /// [`UNFINISHED`], [`DONE`] or [`CANCELLED`], plus [`FILLED`] once the
    /// result is in. Changed only under the state lock; atomic for
    /// `join`'s spin and `is_cancelled`, which take none.
    phase: AtomicU8,
}

/// An [`Task::on_done`] callback.
type Callback<T> = Box<dyn FnOnce(&Result<T, TaskError>) + Send>;

/// A runner's way to stop work in flight ([`Completer::on_cancel`]).
type Canceller = Box<dyn FnOnce() -> bool + Send>;

struct State<T> {
    slot: ResultState<T>,
    waker: Option<Waker>,
    /// Told the task's index when it completes (`as_completed`, `wait`).
    notify: Option<(Arc<Completions>, usize)>,
    /// Callbacks and a canceller, boxed: most tasks have neither, and every
    /// task allocates its state, so they cost an idle task one word.
    extras: Option<Box<Extras<T>>>,
}

struct Extras<T> {
    callbacks: Vec<Callback<T>>,
    canceller: Option<Canceller>,
}

impl<T> State<T> {
    fn extras(&mut self) -> &mut Extras<T> {
        self.extras.get_or_insert_with(|| {
            Box::new(Extras {
                callbacks: Vec::new(),
                canceller: None,
            })
        })
    }

    fn take_callbacks(&mut self) -> Vec<Callback<T>> {
        self.extras
            .as_mut()
            .map(|extras| std::mem::take(&mut extras.callbacks))
            .unwrap_or_default()
    }
}

/// The result of work submitted to a pool, a thread or a process: wait for
/// it with [`join`](Task::join), poll it with
/// [`is_finished`](Task::is_finished), or `.await` it; [`cancel`](Task::cancel)
/// it while it is queued; have [`on_done`](Task::on_done) callbacks run when
/// it finishes.
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
/// [`shutdown`](crate::shutdown) waits for. The task counts as running from
/// the start: [`Task::cancel`] refuses unless the runner installs
/// [`Completer::on_cancel`].
#[cfg_attr(not(feature = "processes"), allow(dead_code))]
pub fn channel<T>() -> (Completer<T>, Task<T>) {
    crate::shutdown::submitted();
    connected(true, RUNNING)
}

/// As [`channel`], for a runner that queues the work: the task can be
/// cancelled until the runner claims it with [`Completer::start`].
pub fn queued_channel<T>() -> (Completer<T>, Task<T>) {
    crate::shutdown::submitted();
    connected(true, QUEUED)
}

/// A connected completer and task that [`shutdown`](crate::shutdown) does
/// not wait for: a `dedicated` thread's, a daemon. Running from the start,
/// as the thread is.
pub fn daemon_channel<T>() -> (Completer<T>, Task<T>) {
    connected(false, RUNNING)
}

fn connected<T>(counted: bool, claim: u8) -> (Completer<T>, Task<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            slot: ResultState::Pending,
            waker: None,
            notify: None,
            extras: None,
        }),
        ready: Condvar::new(),
        claim: AtomicU8::new(claim),
        counted,
        phase: AtomicU8::new(UNFINISHED),
    });
    (
        Completer {
            shared: Some(shared.clone()),
        },
        Task { shared },
    )
}

impl<T> Completer<T> {
    /// Claims a queued task for running: `false` if it was cancelled, and
    /// then the runner must drop the work without running it (dropping the
    /// completer is then harmless). Call it just before running the work.
    #[inline]
    pub fn start(&self) -> bool {
        let shared = self.shared.as_ref().expect("a completer completes once");
        match shared
            .claim
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => true,
            Err(claim) => claim == RUNNING,
        }
    }

    /// Installs how [`Task::cancel`] stops this task's work once it runs:
    /// `stop` is called at most once, on the cancelling thread, without any
    /// lock of the task held, and returns whether the work was stopped (for
    /// a worker process: whether it was killed, or the call taken off its
    /// queue, before it returned). If it returns `true` the task finishes
    /// at once as cancelled and whatever the runner completes it with later
    /// is dropped; if `false`, `cancel` returns `false` and the task runs
    /// on. A later hook replaces an earlier one. Nothing calls `stop` once
    /// the task has finished.
    ///
    /// A process call installs one that takes the call off its worker's
    /// queue, or kills and replaces the worker running it.
    #[cfg_attr(not(feature = "processes"), allow(dead_code))] // process calls only
    pub fn on_cancel(&self, stop: Box<dyn FnOnce() -> bool + Send>) {
        if let Some(shared) = &self.shared {
            shared.state.lock().extras().canceller = Some(stop);
        }
    }

    /// Hands the task its result and wakes whoever waits for it.
    pub fn complete(mut self, result: Result<T, TaskError>) {
        if let Some(shared) = self.shared.take() {
            // A runner that stopped the work for `cancel` (see `on_cancel`)
            // completes it with a cancelled error: the task is cancelled.
            let phase = match &result {
                Err(error) if error.is_cancelled() => CANCELLED,
                _ => DONE,
            };
            finish(&shared, result, phase);
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            finish(&shared, Err(TaskError::lost()), DONE);
        }
    }
}

/// Finishes the task with `result` as `phase` ([`DONE`] or [`CANCELLED`]),
/// unless it has finished already (a cancelled task whose runner completes
/// it anyway): then `result` is dropped and this returns `false`.
fn finish<T>(shared: &Shared<T>, result: Result<T, TaskError>, phase: u8) -> bool {
    let state = shared.state.lock();
    if shared.phase.load(Ordering::Acquire) & STEP >= DONE {
        return false;
    }
    shared.phase.store(phase, Ordering::Release);
    hand_over(shared, state, result);
    true
}

/// Gives a task whose phase its caller has just set to finished (under
/// `state`'s lock) its result.
///
/// Callbacks run first, without the lock, on this thread; the result goes
/// into the slot only when no callback is left (one added meanwhile runs
/// here too), so a `join` returns after every callback has run.
fn hand_over<'a, T>(
    shared: &'a Shared<T>,
    mut state: parking_lot::MutexGuard<'a, State<T>>,
    result: Result<T, TaskError>,
) {
    loop {
        let callbacks = state.take_callbacks();
        if callbacks.is_empty() {
            break;
        }
        drop(state);
        for callback in callbacks {
            run_callback(callback, &result);
        }
        state = shared.state.lock();
    }
    state.slot = ResultState::Ready(result);
    // Only finishing writes `phase` now, and under this lock: a plain store.
    let phase = shared.phase.load(Ordering::Relaxed);
    shared.phase.store(phase | FILLED, Ordering::Release);
    let extras = state.extras.take(); // a canceller must not outlive the work
    let waker = state.waker.take();
    let notify = state.notify.take();
    drop(state);
    drop(extras);
    shared.ready.notify_all();
    if let Some(waker) = waker {
        waker.wake();
    }
    if let Some((completions, index)) = notify {
        completions.push(index);
    }
    // After the result is in: a `shutdown` that returns has every result in
    // place.
    if shared.counted {
        crate::shutdown::finished();
    }
}

/// Runs one `on_done` callback; a panic in it is reported and goes no
/// further (as Python logs and ignores one), so it can neither kill a pool
/// thread nor keep the result from the task.
fn run_callback<T>(callback: Callback<T>, result: &Result<T, TaskError>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(result))) {
        eprintln!(
            "decor: an on_done callback panicked: {}",
            panic_message(&*payload)
        );
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
                // Lent cannot happen here (`on_done` borrows the task, `join`
                // owns it), but waiting for its return is right if it does.
                pending @ (ResultState::Pending | ResultState::Lent) => {
                    state.slot = pending;
                    if helps && !crate::synchronized::holding_a_lock() {
                        drop(state);
                        if !crate::pools::run_one_queued_job() {
                            // Nothing to help with: nap briefly, then look again.
                            let mut again = self.shared.state.lock();
                            if !matches!(again.slot, ResultState::Ready(_)) {
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
                if self.shared.phase.load(Ordering::Acquire) & FILLED != 0 {
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
                    pending @ (ResultState::Pending | ResultState::Lent) => {
                        state.slot = pending;
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

    /// Whether the result is in (a cancelled task's too).
    pub fn is_finished(&self) -> bool {
        matches!(
            self.shared.state.lock().slot,
            ResultState::Ready(_) | ResultState::Lent
        )
    }

    /// Cancels the task if it has not started: it then never runs, its
    /// pool thread is free for other work, and it finishes at once with a
    /// [`TaskError`] that [`is_cancelled`](TaskError::is_cancelled) (its
    /// [`on_done`](Task::on_done) callbacks run now, on this thread).
    /// Returns whether it did — Python's `Future.cancel()`.
    ///
    /// A thread task already running cannot be stopped, nor a `dedicated`
    /// one (its thread starts with the call), and a finished task stays as
    /// it finished: `false`. A process call can be cancelled while it runs:
    /// its worker is killed and replaced, and only this call fails. (One
    /// already sent to a worker busy with another call is cancelled for its
    /// caller, but the worker still runs it; its result is dropped.)
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// #[decor::spawn(threads = 1)]
    /// fn step(gate: Option<mpsc::Receiver<()>>) -> &'static str {
    ///     if let Some(gate) = gate { let _ = gate.recv(); }
    ///     "ran"
    /// }
    ///
    /// let (open, gate) = mpsc::channel();
    /// let busy = step(Some(gate)); // holds the pool's one thread
    /// let queued = step(None);
    /// assert!(queued.cancel());
    /// assert!(queued.is_cancelled() && queued.is_finished());
    /// assert!(queued.join().unwrap_err().is_cancelled());
    /// open.send(()).unwrap();
    /// assert_eq!(busy.join().unwrap(), "ran");
    /// ```
    pub fn cancel(&self) -> bool {
        let shared = &*self.shared;
        let stop = {
            let mut state = shared.state.lock();
            if shared.phase.load(Ordering::Acquire) & STEP != UNFINISHED {
                return false;
            }
            if shared
                .claim
                .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                // Still queued: the runner's claim now fails, and it drops
                // the work unrun.
                shared.phase.store(CANCELLED, Ordering::Release);
                hand_over(shared, state, Err(TaskError::cancelled()));
                return true;
            }
            match state
                .extras
                .as_mut()
                .and_then(|extras| extras.canceller.take())
            {
                Some(stop) => stop,
                None => return false,
            }
        };
        // Outside the lock: the hook may complete the task itself, with a
        // cancelled error (a process pool failing the call it stopped),
        // which finishes it as cancelled too.
        stop() && (finish(shared, Err(TaskError::cancelled()), CANCELLED) || self.is_cancelled())
    }

    /// Whether the task was cancelled ([`cancel`](Task::cancel) returned
    /// `true`).
    ///
    /// ```
    /// #[decor::spawn]
    /// fn one() -> u8 { 1 }
    ///
    /// let task = one();
    /// assert!(!task.is_cancelled());
    /// assert_eq!(task.join().unwrap(), 1);
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.shared.phase.load(Ordering::Acquire) & STEP == CANCELLED
    }

    /// Has `f` called with the task's result once it finishes — Python's
    /// `add_done_callback`. `f` runs on the thread that finishes the task
    /// (a pool thread, or the thread that cancels it), before the result is
    /// handed over, so a [`join`](Task::join) returns after it; on an
    /// already finished task it runs at once, on this thread. Callbacks run
    /// in the order added, and even if the task is dropped. A panic in `f`
    /// is reported on stderr and goes no further.
    ///
    /// # Panics
    ///
    /// On a task already `.await`ed to completion: its result is gone.
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// #[decor::spawn]
    /// fn answer() -> u32 { 42 }
    ///
    /// let (tx, rx) = mpsc::channel();
    /// let task = answer();
    /// task.on_done(move |result| tx.send(*result.as_ref().unwrap()).unwrap());
    /// drop(task); // the callback still runs
    /// assert_eq!(rx.recv().unwrap(), 42);
    /// ```
    pub fn on_done<F>(&self, f: F)
    where
        F: FnOnce(&Result<T, TaskError>) + Send + 'static,
    {
        let shared = &*self.shared;
        let mut state = shared.state.lock();
        loop {
            match std::mem::replace(&mut state.slot, ResultState::Lent) {
                ResultState::Ready(result) => {
                    // Finished: run `f` here, without the lock, so that `f`
                    // may use the task; the result is lent out meanwhile.
                    drop(state);
                    run_callback(Box::new(f), &result);
                    let waker = {
                        let mut state = shared.state.lock();
                        state.slot = ResultState::Ready(result);
                        state.waker.take()
                    };
                    shared.ready.notify_all();
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    return;
                }
                ResultState::Pending => {
                    state.slot = ResultState::Pending;
                    state.extras().callbacks.push(Box::new(f));
                    return;
                }
                ResultState::Lent => {
                    // Another thread's callback has it: wait for its return.
                    shared.ready.wait(&mut state);
                }
                ResultState::Taken => {
                    state.slot = ResultState::Taken;
                    panic!("decor::Task::on_done on a task already awaited: its result is gone")
                }
            }
        }
    }
}

impl<T, E: From<TaskError>> Task<Result<T, E>> {
    /// Waits for a task that returns a `Result` and flattens the two
    /// failures into the function's own error type, so one `?` handles a
    /// returned `Err` and a panic, crash, timeout or cancel alike — Python's
    /// `future.result()`, which raises either way.
    ///
    /// ```
    /// type Error = Box<dyn std::error::Error + Send + Sync>;
    ///
    /// #[decor::spawn]
    /// fn parse(text: String) -> Result<u32, Error> { Ok(text.parse()?) }
    ///
    /// fn total() -> Result<u32, Error> {
    ///     Ok(parse("40".into()).join_flat()? + parse("2".into()).join_flat()?)
    /// }
    /// assert_eq!(total().unwrap(), 42);
    /// assert!(parse("x".into()).join_flat().is_err());
    /// ```
    pub fn join_flat(self) -> Result<T, E> {
        self.join().map_err(E::from)?
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.shared.state.lock();
        match std::mem::replace(&mut state.slot, ResultState::Taken) {
            ResultState::Ready(result) => Poll::Ready(result),
            pending @ (ResultState::Pending | ResultState::Lent) => {
                state.slot = pending;
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

/// Indexes of completed tasks, in the order they completed. A finishing
/// task pushes its index; a waiter sleeps on the condvar until one arrives
/// or its deadline passes, so waiting costs no CPU.
struct Completions {
    queue: Mutex<VecDeque<usize>>,
    ready: Condvar,
}

impl Completions {
    fn push(&self, index: usize) {
        self.queue.lock().push_back(index);
        self.ready.notify_one();
    }

    /// The next index, waiting for it until `deadline` (none: for ever).
    fn pop(&self, deadline: Option<Instant>) -> Option<usize> {
        let mut queue = self.queue.lock();
        loop {
            if let Some(index) = queue.pop_front() {
                return Some(index);
            }
            match deadline {
                None => self.ready.wait(&mut queue),
                Some(deadline) => {
                    if self.ready.wait_until(&mut queue, deadline).timed_out() {
                        return queue.pop_front();
                    }
                }
            }
        }
    }
}

/// Yields each task's result as soon as it is in, with the task's position
/// in `tasks` — Python's `concurrent.futures.as_completed`. Tasks of any
/// kind (pools, `dedicated` threads, worker processes) mix freely.
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
        deadline: None,
    }
}

/// The iterator [`as_completed`] returns: `(position, result)` pairs in
/// completion order. [`timeout`](AsCompleted::timeout) bounds the wait;
/// [`into_pending`](AsCompleted::into_pending) gives back the tasks not
/// yet yielded.
pub struct AsCompleted<T> {
    slots: Vec<Option<Task<T>>>,
    completions: Arc<Completions>,
    remaining: usize,
    deadline: Option<Instant>,
}

impl<T> AsCompleted<T> {
    /// Stops yielding once `limit` has passed from now, as Python's
    /// `as_completed(fs, timeout=)` (which raises instead: here the
    /// iterator ends, and [`into_pending`](AsCompleted::into_pending) says
    /// what was left).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    ///
    /// #[decor::spawn(threads = 2)]
    /// fn step(gate: Option<mpsc::Receiver<()>>) -> u8 {
    ///     if let Some(gate) = gate { let _ = gate.recv(); }
    ///     1
    /// }
    ///
    /// let (open, gate) = mpsc::channel();
    /// let mut waiting = decor::as_completed(vec![step(Some(gate)), step(None)])
    ///     .timeout(Duration::from_millis(50));
    /// assert_eq!(waiting.next().map(|(i, _)| i), Some(1));
    /// assert!(waiting.next().is_none(), "task 0 waits for its gate");
    /// let pending = waiting.into_pending();
    /// assert_eq!(pending.len(), 1);
    /// open.send(()).unwrap();
    /// for (i, task) in pending {
    ///     assert_eq!((i, task.join().unwrap()), (0, 1));
    /// }
    /// ```
    pub fn timeout(mut self, limit: Duration) -> AsCompleted<T> {
        // Longer than the clock can count: no limit.
        self.deadline = Instant::now().checked_add(limit);
        self
    }

    /// The tasks not yet yielded, with their positions, in input order —
    /// finished or not; they can be joined, cancelled or waited for again.
    ///
    /// ```
    /// #[decor::spawn]
    /// fn one() -> u8 { 1 }
    ///
    /// let pending = decor::as_completed(vec![one(), one()]).into_pending();
    /// let positions: Vec<usize> = pending.iter().map(|(i, _)| *i).collect();
    /// assert_eq!(positions, [0, 1]);
    /// ```
    pub fn into_pending(self) -> Vec<(usize, Task<T>)> {
        self.slots
            .into_iter()
            .enumerate()
            .filter_map(|(index, task)| {
                let task = task?;
                // No longer ours to be told about.
                task.shared.state.lock().notify = None;
                Some((index, task))
            })
            .collect()
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = (usize, Result<T, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let index = self.completions.pop(self.deadline)?;
        self.remaining -= 1;
        let task = self.slots[index].take().expect("each task completes once");
        Some((index, task.join()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.deadline {
            None => (self.remaining, Some(self.remaining)),
            Some(_) => (0, Some(self.remaining)),
        }
    }
}

impl<T> ExactSizeIterator for AsCompleted<T> {
    /// The tasks not yet yielded; with a [`timeout`](AsCompleted::timeout),
    /// at most that many are still to come.
    fn len(&self) -> usize {
        self.remaining
    }
}

/// When [`wait`] returns — Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`.
///
/// ```
/// use decor::Wait;
///
/// #[decor::spawn]
/// fn check(x: i32) -> Result<i32, String> {
///     if x < 0 { Err(format!("{x} < 0")) } else { Ok(x) }
/// }
///
/// // A returned `Err` is a value: `FirstError` waits on for every task.
/// let waited = decor::wait((-1..2).map(check), Wait::FirstError, None);
/// assert_eq!(waited.done.len(), 3);
/// assert!(waited.pending.is_empty());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// As soon as any task has finished.
    FirstCompleted,
    /// As soon as a task has ended in a [`TaskError`] (panic, crash,
    /// timeout, cancel), or when all have finished. A task that returns an
    /// `Err` value has not failed: that is its value.
    FirstError,
    /// When every task has finished.
    AllCompleted,
}

/// What [`wait`] returns: the finished tasks' results and the tasks still
/// running, each with its position in the input.
///
/// ```
/// use std::time::Duration;
/// use decor::{Wait, Waited};
///
/// #[decor::spawn(dedicated)]
/// fn nap(millis: u64) -> u64 {
///     std::thread::sleep(Duration::from_millis(millis));
///     millis
/// }
///
/// let Waited { done, pending } =
///     decor::wait(vec![nap(1), nap(2_000)], Wait::AllCompleted, Some(Duration::from_millis(500)));
/// assert_eq!(done.len(), 1);
/// assert_eq!(done[0].0, 0);
/// assert_eq!(pending[0].0, 1);
/// ```
#[derive(Debug)]
pub struct Waited<T> {
    /// Finished tasks, in the order they finished.
    pub done: Vec<(usize, Result<T, TaskError>)>,
    /// Unfinished tasks, in input order.
    pub pending: Vec<(usize, Task<T>)>,
}

/// Waits for `tasks` until `until` says, or until `timeout` has passed —
/// Python's `concurrent.futures.wait`. Every task finished by then is in
/// `done`, the rest in `pending` (join them, cancel them, or wait again).
/// The caller sleeps while it waits.
///
/// ```
/// use std::sync::mpsc;
/// use decor::Wait;
///
/// #[decor::spawn(threads = 2)]
/// fn step(gate: Option<mpsc::Receiver<()>>) -> u8 {
///     if let Some(gate) = gate { let _ = gate.recv(); }
///     7
/// }
///
/// let (open, gate) = mpsc::channel();
/// let waited = decor::wait(vec![step(Some(gate)), step(None)], Wait::FirstCompleted, None);
/// assert_eq!(waited.done.len(), 1);
/// assert_eq!(waited.done[0].0, 1);
/// assert_eq!(waited.pending.len(), 1);
/// open.send(()).unwrap();
/// let tasks = waited.pending.into_iter().map(|(_, task)| task);
/// let rest = decor::wait(tasks, Wait::AllCompleted, None);
/// assert!(rest.pending.is_empty());
/// assert_eq!(rest.done[0].1.as_ref().unwrap(), &7);
/// ```
pub fn wait<T, I>(tasks: I, until: Wait, timeout: Option<Duration>) -> Waited<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    let mut waiting = as_completed(tasks);
    if let Some(limit) = timeout {
        waiting = waiting.timeout(limit);
    }
    let mut done = Vec::new();
    if until == Wait::AllCompleted {
        done.extend(&mut waiting);
    } else {
        for (index, result) in &mut waiting {
            let failed = result.is_err();
            done.push((index, result));
            if until == Wait::FirstCompleted || failed {
                break;
            }
        }
        // And every task that has finished meanwhile, as Python's `done`.
        waiting.deadline = Some(Instant::now());
        done.extend(&mut waiting);
    }
    Waited {
        done,
        pending: waiting.into_pending(),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runner_hook_lets_cancel_stop_work_in_flight() {
        let (completer, task) = channel::<u8>();
        let stopped = Arc::new(AtomicU8::new(0));
        let seen = stopped.clone();
        completer.on_cancel(Box::new(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            true
        }));
        assert!(completer.start(), "a plain channel's task is running");
        assert!(task.cancel());
        assert!(!task.cancel(), "the hook is called once");
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
        // The runner's late result is dropped.
        completer.complete(Ok(5));
        assert!(task.join().unwrap_err().is_cancelled());
    }

    #[test]
    fn a_hook_that_cannot_stop_the_work_leaves_the_task_running() {
        let (completer, task) = channel::<u8>();
        completer.on_cancel(Box::new(|| false));
        assert!(!task.cancel());
        assert!(!task.is_cancelled() && !task.is_finished());
        completer.complete(Ok(5));
        assert_eq!(task.join().unwrap(), 5);
    }

    #[test]
    fn without_a_hook_a_running_task_cannot_be_cancelled() {
        let (completer, task) = channel::<u8>();
        assert!(!task.cancel());
        drop(completer);
        let error = task.join().unwrap_err();
        assert!(!error.is_cancelled(), "{error}");
    }

    #[test]
    fn a_queued_task_cancelled_refuses_the_runners_claim() {
        let (completer, task) = queued_channel::<u8>();
        assert!(task.cancel());
        assert!(!completer.start());
        drop(completer); // not a second finish
        assert!(task.join().unwrap_err().is_cancelled());
    }
}
