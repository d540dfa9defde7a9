//! The parent's side: a pool of worker processes for one function.
//!
//! Each worker has a request pipe the callers write to, a response pipe one
//! reader thread drains, and a queue of the calls written to it, in the order
//! it will run them. A worker runs one call at a time, so the oldest call in
//! its queue is the running one: that is the call to blame when the worker
//! dies, and the one whose clock a `timeout` watches. Calls queued behind it
//! never started, so they move to a fresh worker instead of failing.

use std::collections::{HashMap, VecDeque};
use std::io::{self, BufReader, PipeReader, PipeWriter, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Once, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::forward::{self, Context};
use super::mailbox::{self, Mailbox, Posted};
use super::outgoing::OutgoingRequest;
use super::registry::{Entry, Init};
use super::wire::{self, Status};
use super::{exit, worker};
use crate::task::TaskError;

/// How many times a call moves on from a worker that died running nothing
/// (as one that cannot start would); after that it fails.
const MOST_MOVES: u8 = 8;

/// How a call ended, as the pool sees it.
pub enum CallOutcome<'a> {
    /// The worker sent back an encoded result.
    Returned(&'a [u8]),
    /// No result: the error says why.
    Failed(TaskError),
}

/// What hears how a call ended.
type Done = Box<dyn FnOnce(CallOutcome<'_>) + Send>;

/// A call's id in its pool, to [`cancel`](ProcessPool::cancel) it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CallId(u64);

/// A call written (or about to be written) to a worker.
pub struct Call {
    id: u64,
    /// The request as written to the pipe: whole, or (with `posted`) its
    /// header, the arguments being in the worker's inbox.
    frame: Arc<Vec<u8>>,
    /// The arguments, when they went to the worker's inbox: the request is
    /// made whole again from them if the call moves to another worker.
    posted: Option<Posted>,
    /// Taken when the call is cancelled while the worker has its request:
    /// it stays queued, so what the worker runs still matches the queue,
    /// and its answer is dropped.
    done: Option<Done>,
    /// Cleared when writing the request failed (or was held back for a
    /// recycled worker's replacement): the worker never saw it, so its
    /// death is not this call's doing.
    delivered: bool,
    /// The whole request has been written: the worker has the call, and
    /// its clock may start.
    written: bool,
    /// The calling function's `timeout`.
    timeout: Option<Duration>,
    /// How many workers died, with no call running, while this call was
    /// queued on them.
    moves: u8,
    /// The caller's dispatcher and span, for the events the call logs in
    /// the worker; `None` when no subscriber wanted any event at the call.
    context: Option<Arc<Context>>,
}

/// A call encoded and ready to send (see [`ProcessPool::prepare`]); it
/// borrows its large arguments for `'a`.
pub(crate) struct PreparedCall<'a> {
    call: Call,
    fresh: Option<OutgoingRequest<'a>>,
}

/// The parent's way to one worker process's requests: its pipe and, where
/// they could be made, its inbox (see `process::mailbox`).
struct Sender {
    pipe: PipeWriter,
    inbox: Option<Mailbox>,
}

impl Sender {
    /// Writes a sealed request frame; a large one's arguments go through
    /// the inbox when it is free, and the pipe carries their length.
    fn send(&mut self, frame: &[u8]) -> io::Result<()> {
        let Some(inbox) = &mut self.inbox else {
            return (&self.pipe).write_all(frame);
        };
        inbox.after_send(frame.len());
        if frame.len() >= mailbox::FROM {
            if let Some((head, arguments)) = wire::for_inbox(frame) {
                if inbox.put(arguments) {
                    return (&self.pipe).write_all(&head);
                }
            }
        }
        (&self.pipe).write_all(frame)
    }

    /// Puts a new request's arguments straight into the inbox, if it has
    /// one, they are large and it is free: their one copy. The caller then
    /// writes the request's [`inbox_head`](OutgoingRequest::inbox_head).
    fn post(&mut self, request: &OutgoingRequest<'_>) -> Option<Posted> {
        let inbox = self.inbox.as_mut()?;
        let len = request.arguments_len();
        if len < mailbox::FROM {
            return None;
        }
        inbox.after_send(len);
        inbox.put_pieces(len, request.argument_pieces(), request.one_thread)
    }
}

/// A `processes = N` function's pool in a `static`, started on first use;
/// built by `const fn`s, so every option is checked at compile time.
pub struct ProcessPoolSite {
    name: &'static str,
    /// 0: one per core.
    processes: usize,
    shared: Option<&'static str>,
    timeout: Option<Duration>,
    init: Option<&'static Init>,
    recycle: Option<u32>,
    pool: OnceLock<&'static ProcessPool>,
}

impl ProcessPoolSite {
    /// `processes = N`; `name` is the function's. `N` may be any `const`
    /// expression; zero fails to compile.
    pub const fn new(name: &'static str, processes: usize) -> Self {
        assert!(processes > 0, "`processes` must be at least 1");
        ProcessPoolSite {
            name,
            processes,
            shared: None,
            timeout: None,
            init: None,
            recycle: None,
            pool: OnceLock::new(),
        }
    }

    /// `processes` alone: one worker per core.
    pub const fn per_core(name: &'static str) -> Self {
        let mut site = Self::new(name, 1);
        site.processes = 0;
        site
    }

    /// `pool = "name"`: the process pool shared under that name.
    pub const fn shared(mut self, pool: &'static str) -> Self {
        self.shared = Some(pool);
        self
    }

    /// `timeout = "2s"`: this function's calls are killed past `limit`.
    pub const fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// `init = path`: each worker runs it before its first call.
    pub const fn init(mut self, init: &'static Init) -> Self {
        self.init = Some(init);
        self
    }

    /// `recycle = N`: a worker is replaced after N calls.
    pub const fn recycle(mut self, calls: u32) -> Self {
        self.recycle = Some(calls);
        self
    }

    /// The pool; its workers all start on first use and stay warm.
    #[inline]
    pub fn get(&self) -> &'static ProcessPool {
        let pool = *self.pool.get_or_init(|| self.start());
        pool.warm.call_once(|| pool.warm_up());
        pool
    }

    fn start(&self) -> &'static ProcessPool {
        let size = match self.processes {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let Some(shared) = self.shared else {
            return Box::leak(Box::new(ProcessPool::new(
                self.name,
                size,
                self.init,
                self.recycle,
            )));
        };
        let mut registry = registry().lock();
        let size = match registry.get(shared) {
            Some(Named::Started(pool)) => {
                let init = |init: Option<&'static Init>| init.map(Init::written);
                if init(pool.init) != init(self.init) || pool.recycle != self.recycle {
                    // Decided by whichever function called first: say so.
                    eprintln!(
                        "decor: {} asks the process pool {shared:?} for init = {:?} and recycle = {:?}, \
                         but the pool started with init = {:?} and recycle = {:?}; it keeps those",
                        self.name,
                        init(self.init),
                        self.recycle,
                        init(pool.init),
                        pool.recycle
                    );
                }
                return pool;
            }
            Some(Named::Planned(size)) => *size,
            None => size,
        };
        let pool: &'static ProcessPool = Box::leak(Box::new(ProcessPool::new(
            shared,
            size,
            self.init,
            self.recycle,
        )));
        registry.insert(shared.to_owned(), Named::Started(pool));
        pool
    }

    /// This function's `timeout`, if any.
    pub(crate) fn call_timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

/// Why [`configure`](crate::process::configure) refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigureError {
    /// The pool has already started; its size can no longer change.
    AlreadyStarted {
        /// The pool.
        name: String,
        /// The worker processes it runs.
        processes: usize,
    },
    /// Zero processes.
    ZeroProcesses,
}

impl std::fmt::Display for ConfigureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigureError::AlreadyStarted { name, processes } => write!(
                f,
                "process pool {name:?} has already started with {processes} processes; configure it before its first use"
            ),
            ConfigureError::ZeroProcesses => {
                f.write_str("a process pool needs at least one process")
            }
        }
    }
}

impl std::error::Error for ConfigureError {}

enum Named {
    Planned(usize),
    Started(&'static ProcessPool),
}

fn registry() -> &'static Mutex<HashMap<String, Named>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Named>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// See [`crate::process::configure`].
pub(crate) fn configure(name: &str, processes: usize) -> Result<(), ConfigureError> {
    if processes == 0 {
        return Err(ConfigureError::ZeroProcesses);
    }
    let mut registry = registry().lock();
    match registry.get(name) {
        Some(Named::Started(pool)) if pool.processes() != processes => {
            Err(ConfigureError::AlreadyStarted {
                name: name.to_owned(),
                processes: pool.processes(),
            })
        }
        Some(Named::Started(_)) => Ok(()),
        _ => {
            registry.insert(name.to_owned(), Named::Planned(processes));
            Ok(())
        }
    }
}

/// Worker processes running the calls of one function, or of every
/// function naming one shared pool.
pub struct ProcessPool {
    name: &'static str,
    workers: Box<[Worker]>,
    init: Option<&'static Init>,
    recycle: Option<u32>,
    next_id: AtomicU64,
    next_worker: AtomicUsize,
    in_flight: AtomicUsize,
    warm: Once,
    watchdog: OnceLock<Option<Thread>>,
    /// What `Worker::retry_at` counts from.
    epoch: Instant,
    /// Finished calls' large request buffers, for the next calls to write
    /// into (at most one per worker): a large call then pays no fresh
    /// allocation.
    spare: Mutex<(Vec<Vec<u8>>, wire::Keep)>,
    /// `spare` holds a buffer: read without the lock.
    spare_kept: AtomicBool,
}

struct Worker {
    index: usize,
    /// Calls queued on this worker, read without a lock to pick a worker.
    load: AtomicUsize,
    /// When the process could not start: not before this (nanoseconds
    /// after the pool's `epoch`) is it tried again; 0 while it is up.
    retry_at: AtomicU64,
    /// The wait after the next failed start (doubling, bounded).
    backoff: Mutex<Duration>,
    /// Held while a request is written: requests reach the worker whole and
    /// in the order of `State::calls`.
    sender: Mutex<Option<Sender>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The live process. Its reader thread takes it out to reap it, so a
    /// kill under this lock never reaches a reaped (and recycled) id.
    child: Option<Child>,
    calls: VecDeque<Call>,
    /// When the oldest call started running: when it was written whole to
    /// a ready worker that had finished the calls before it.
    front_since: Option<Instant>,
    /// The worker has said it is ready: a call's clock starts only then,
    /// so a new worker's start-up (and its `init`) never counts against a
    /// `timeout`.
    ready: bool,
    /// The watchdog killed the process: nothing still queued is to blame.
    timed_out: bool,
    /// Calls written to this process (for `recycle`).
    sent: u32,
    /// `recycle`: the process has had its calls and its request pipe is
    /// closed; it answers those and exits, and calls that land here
    /// meanwhile wait, unwritten, for its replacement.
    retiring: bool,
    /// What the worker said when it could not start.
    start_error: Option<String>,
}

impl State {
    /// Starts the running call's clock if it has a timeout and can run
    /// now: written whole, to a ready worker. `true` if it started (or
    /// runs): the watchdog has a call to watch.
    fn clock_front(&mut self) -> bool {
        match self.calls.front() {
            Some(call) if self.ready && call.written && call.timeout.is_some() => {
                if self.front_since.is_none() {
                    self.front_since = Some(Instant::now());
                }
                true
            }
            _ => {
                self.front_since = None;
                false
            }
        }
    }
}

impl ProcessPool {
    fn new(
        name: &'static str,
        processes: usize,
        init: Option<&'static Init>,
        recycle: Option<u32>,
    ) -> Self {
        ProcessPool {
            name,
            workers: (0..processes.max(1))
                .map(|index| Worker {
                    index,
                    load: AtomicUsize::new(0),
                    retry_at: AtomicU64::new(0),
                    backoff: Mutex::new(FIRST_BACKOFF),
                    sender: Mutex::new(None),
                    state: Mutex::new(State::default()),
                })
                .collect(),
            init,
            recycle,
            next_id: AtomicU64::new(0),
            next_worker: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            warm: Once::new(),
            watchdog: OnceLock::new(),
            epoch: Instant::now(),
            spare: Mutex::new((Vec::new(), wire::Keep::default())),
            spare_kept: AtomicBool::new(false),
        }
    }

    /// How many worker processes the pool keeps.
    pub fn processes(&self) -> usize {
        self.workers.len()
    }

    fn warm_up(&'static self) {
        for worker in self.workers.iter() {
            let mut sender = worker.sender.lock();
            if sender.is_none() {
                // A worker that cannot start now (out of descriptors, say)
                // is tried again later, and calls go to those that run.
                *sender = self.start_or_back_off(worker).ok();
            }
        }
    }

    /// Wakes the watchdog, started on the first call with a `timeout`.
    fn wake_watchdog(&'static self) {
        let watchdog = self.watchdog.get_or_init(|| {
            let watchdog = std::thread::Builder::new()
                .name(format!("decor-{}-watchdog", self.name))
                .spawn(move || self.watch());
            match watchdog {
                Ok(handle) => Some(handle.thread().clone()),
                Err(error) => {
                    eprintln!(
                        "decor: cannot start the timeout watchdog of {}: {error}; calls will not time out",
                        self.name
                    );
                    None
                }
            }
        });
        if let Some(watchdog) = watchdog {
            watchdog.unpark();
        }
    }

    /// A fresh call id, for a [`call`](ProcessPool::call) to come: known
    /// before the call is sent, so that whoever may [`cancel`](ProcessPool::cancel)
    /// it can be told first.
    pub fn reserve(&self) -> CallId {
        CallId(self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Sends call `id` (from [`reserve`](ProcessPool::reserve)) of `entry`
    /// to a worker, its arguments appended to the request by `encode`;
    /// `done` hears how it ended, also when the arguments cannot be
    /// encoded. `timeout` limits the time it runs once the worker has it.
    pub fn call<'a>(
        &'static self,
        id: CallId,
        entry: &Entry,
        timeout: Option<Duration>,
        encode: impl FnOnce(&mut OutgoingRequest<'a>) -> Result<(), String>,
        done: impl FnOnce(CallOutcome<'_>) + Send + 'static,
    ) {
        if let Some(call) = self.prepare(id, entry, timeout, encode, done) {
            self.send_prepared(call);
        }
    }

    /// [`call`](ProcessPool::call) up to sending: the request is encoded
    /// (its large arguments lent, see `outgoing`) on this thread, with this
    /// thread's tracing context; [`send_prepared`](ProcessPool::send_prepared),
    /// which copies the arguments to the worker, may run on another.
    /// `None` when the arguments cannot be encoded (`done` has heard why).
    pub(crate) fn prepare<'a>(
        &'static self,
        CallId(id): CallId,
        entry: &Entry,
        timeout: Option<Duration>,
        encode: impl FnOnce(&mut OutgoingRequest<'a>) -> Result<(), String>,
        done: impl FnOnce(CallOutcome<'_>) + Send + 'static,
    ) -> Option<PreparedCall<'a>> {
        // One load when nothing logs: then the worker forwards nothing and
        // no context is kept.
        let level = tracing::level_filters::LevelFilter::current();
        let context = (level != tracing::level_filters::LevelFilter::OFF)
            .then(|| Arc::new(Context::current()));
        let mut request = OutgoingRequest::new(
            self.spare_or_new(),
            id,
            wire::log_level(level),
            entry.name(),
        );
        if let Err(why) = encode(&mut request) {
            self.keep_spare(request.into_buffer());
            done(CallOutcome::Failed(TaskError::transport(why)));
            return None;
        }
        // A small request can only take the pipe: it is sealed now, as
        // before requests lent anything.
        let (frame, fresh) = if request.arguments_len() < mailbox::FROM {
            (self.whole(request), None)
        } else {
            (Vec::new(), Some(request))
        };
        let call = Call {
            id,
            frame: Arc::new(frame),
            posted: None,
            done: Some(Box::new(done)),
            delivered: true,
            written: false,
            timeout,
            moves: 0,
            context,
        };
        Some(PreparedCall { call, fresh })
    }

    /// Sends a [`prepare`](ProcessPool::prepare)d call to a worker.
    pub(crate) fn send_prepared(&'static self, prepared: PreparedCall<'_>) {
        self.submit(prepared.call, prepared.fresh);
    }

    /// Sends `calls` (in their order, each to the least busy worker), their
    /// copies to the workers running at once: this thread and one more per
    /// further call take them in turn (a thread that cannot start leaves
    /// its share to the others).
    pub(crate) fn send_all(&'static self, mut calls: Vec<PreparedCall<'_>>) {
        if calls.len() < 2 {
            calls.into_iter().for_each(|call| self.send_prepared(call));
            return;
        }
        // The copies run side by side already: splitting each over two
        // threads too would only add threads (1.6-1.7x the serial loop on
        // the seed sum unsplit, 1.9-2.1x split, on 2 vCPUs).
        for call in &mut calls {
            if let Some(request) = &mut call.fresh {
                request.one_thread = true;
            }
        }
        let helpers = calls.len() - 1;
        let queue = Mutex::new(calls.into_iter());
        let take_and_send = || loop {
            let Some(call) = queue.lock().next() else {
                return;
            };
            self.send_prepared(call);
        };
        std::thread::scope(|scope| {
            for _ in 0..helpers {
                let _ = std::thread::Builder::new().spawn_scoped(scope, take_and_send);
            }
            take_and_send();
        });
    }

    /// A kept request buffer, or a new one: one load while none is kept.
    fn spare_or_new(&self) -> Vec<u8> {
        if self.spare_kept.load(Ordering::Relaxed) {
            self.take_spare()
        } else {
            Vec::new()
        }
    }

    /// `request` made whole, for the pipe (in a kept buffer if there is
    /// one); the buffer it was built in is kept for a later call.
    fn whole(&self, request: OutgoingRequest<'_>) -> Vec<u8> {
        let (frame, unused) = request.into_frame(|| self.spare_or_new());
        if let Some(unused) = unused {
            self.keep_spare(unused);
        }
        frame
    }

    /// A kept request buffer, if one is left.
    fn take_spare(&self) -> Vec<u8> {
        let mut spare = self.spare.lock();
        let frame = spare.0.pop().unwrap_or_default();
        self.spare_kept
            .store(!spare.0.is_empty(), Ordering::Relaxed);
        frame
    }

    /// Keeps a finished call's request buffer for a later call if it is
    /// large (see [`wire::Keep`]): as many as the pool has workers, the
    /// largest ones. Small requests allocate cheaply and never take the
    /// lock.
    fn keep_spare(&self, mut frame: Vec<u8>) {
        if frame.capacity() < KEEP_SPARE_FROM {
            return;
        }
        let used = frame.len();
        let mut spare = self.spare.lock();
        let (kept, keep) = &mut *spare;
        keep.after_use(&mut frame, used);
        if frame.capacity() == 0 {
            // Let go: calls have long been much smaller.
        } else if kept.len() < self.workers.len() {
            kept.push(frame);
        } else if let Some(smallest) = kept.iter_mut().min_by_key(|kept| kept.capacity()) {
            if smallest.capacity() < frame.capacity() {
                *smallest = frame;
            }
        }
        self.spare_kept.store(!kept.is_empty(), Ordering::Relaxed);
    }

    /// Sends a call to the least busy worker, starting one if needed. A
    /// worker that cannot start is left to rest (its start is tried again
    /// after a growing wait) and the call goes to another; it fails only
    /// when no worker can be started.
    /// A new call comes with its `fresh` request, whose arguments are
    /// copied once, to where the call goes; a call moved from a dead worker
    /// has its frame (made whole again here if its arguments were in that
    /// worker's inbox).
    fn submit(&'static self, mut call: Call, mut fresh: Option<OutgoingRequest<'_>>) {
        if let Some(posted) = call.posted.take() {
            match posted.arguments() {
                Some(arguments) => {
                    call.frame = Arc::new(wire::inline_again(&call.frame, arguments));
                }
                None => {
                    // Cannot happen: a moved call's worker never took its
                    // arguments, so its inbox still holds them.
                    if let Some(done) = call.done {
                        done(CallOutcome::Failed(TaskError::transport(
                            "the call's arguments were lost with its worker's inbox".to_owned(),
                        )));
                    }
                    return;
                }
            }
        }
        // Until a write to this worker fails (a call moved from a dead
        // worker may carry the mark of its failed write there).
        call.delivered = true;
        call.written = false;
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let mut last_error = None;
        let (worker, mut sender) = loop {
            let Some(worker) = self.pick(last_error.is_some()) else {
                let error = last_error.map_or_else(
                    || "no worker process is running".to_owned(),
                    |error: io::Error| error.to_string(),
                );
                let error = TaskError::crash(format!(
                    "cannot start a worker process for {}: {error}",
                    self.name
                ));
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
                if let Some(done) = call.done {
                    done(CallOutcome::Failed(error));
                }
                return;
            };
            worker.load.fetch_add(1, Ordering::Relaxed);
            let mut sender = worker.sender.lock();
            // A retiring worker's pipe is closed: only then is it checked.
            if sender.is_none() && worker.state.lock().retiring {
                // Recycled: the old process answers its own calls and
                // exits; its reader thread then sends this one to the
                // replacement.
                if let Some(request) = fresh.take() {
                    call.frame = Arc::new(self.whole(request));
                }
                call.delivered = false;
                worker.state.lock().calls.push_back(call);
                return;
            }
            if sender.is_none() {
                match self.start_or_back_off(worker) {
                    Ok(pipe) => *sender = Some(pipe),
                    Err(error) => {
                        drop(sender);
                        worker.load.fetch_sub(1, Ordering::Relaxed);
                        last_error = Some(error);
                        continue;
                    }
                }
            }
            break (worker, sender);
        };
        // A new call's arguments go to the inbox when they can (one copy),
        // else into the frame for the pipe (one copy).
        let mut posted = false;
        if let Some(request) = fresh.take() {
            match sender.as_mut().and_then(|sender| sender.post(&request)) {
                Some(arguments) => {
                    call.frame = Arc::new(request.inbox_head());
                    call.posted = Some(arguments);
                    self.keep_spare(request.into_buffer());
                    posted = true;
                }
                None => call.frame = Arc::new(self.whole(request)),
            }
        }
        let (id, frame) = (call.id, Arc::clone(&call.frame));
        // Only a call with a timeout has a clock to start, and only a
        // recycled pool counts calls: others need no second look.
        let watched = call.timeout.is_some() || self.recycle.is_some();
        worker.state.lock().calls.push_back(call);
        // A failed write means the worker is gone: its reader thread
        // settles every queued call, this one included, and must know this
        // one never arrived. It cannot have settled them yet: it takes the
        // sender's lock first, which this thread holds.
        let wrote = sender.as_mut().is_some_and(|sender| {
            if posted {
                (&sender.pipe).write_all(&frame).is_ok()
            } else {
                sender.send(&frame).is_ok()
            }
        });
        drop(frame);
        if wrote && !watched {
            return;
        }
        let mut state = worker.state.lock();
        if wrote {
            state.sent += 1;
            if self.recycle.is_some_and(|most| state.sent >= most) {
                // Closing the request pipe lets the worker answer what it
                // has, then exit; its reader thread starts no call of its
                // own there.
                state.retiring = true;
                *sender = None;
            }
        }
        drop(sender);
        // Not found: already answered (or failed by the watchdog).
        let mut watch = false;
        if let Some(call) = state.calls.iter_mut().rev().find(|call| call.id == id) {
            if wrote {
                call.written = true;
                watch = state.clock_front();
            } else {
                call.delivered = false;
            }
        }
        drop(state);
        if watch {
            self.wake_watchdog();
        }
    }

    /// The worker with the fewest queued calls, ties taken in turn,
    /// skipping those resting after a failed start; `None` if all rest.
    /// With `only_up`, only a worker whose process runs (a start just
    /// failed: the call goes where it can run now).
    fn pick(&'static self, only_up: bool) -> Option<&'static Worker> {
        let count = self.workers.len();
        let start = self.next_worker.fetch_add(1, Ordering::Relaxed) % count;
        // Read only when some worker rests.
        let mut now = None;
        let mut best = None;
        let mut best_load = usize::MAX;
        for step in 0..count {
            let index = (start + step) % count;
            let worker = &self.workers[index];
            let retry_at = worker.retry_at.load(Ordering::Relaxed);
            if retry_at != 0
                && (only_up
                    || *now.get_or_insert_with(|| self.epoch.elapsed().as_nanos() as u64)
                        < retry_at)
            {
                continue;
            }
            let load = worker.load.load(Ordering::Relaxed);
            if load < best_load {
                (best, best_load) = (Some(worker), load);
                if load == 0 {
                    break;
                }
            }
        }
        best
    }

    /// Starts `worker`'s process; if it cannot start, the worker rests for
    /// a growing while before it is tried again.
    fn start_or_back_off(&'static self, worker: &'static Worker) -> io::Result<Sender> {
        match self.start(worker) {
            Ok(pipe) => {
                worker.retry_at.store(0, Ordering::Relaxed);
                *worker.backoff.lock() = FIRST_BACKOFF;
                Ok(pipe)
            }
            Err(error) => {
                let mut backoff = worker.backoff.lock();
                let retry_at = self.epoch.elapsed() + *backoff;
                worker
                    .retry_at
                    .store((retry_at.as_nanos() as u64).max(1), Ordering::Relaxed);
                *backoff = (*backoff * 2).min(LAST_BACKOFF);
                Err(error)
            }
        }
    }

    fn finish(&self, worker: &Worker, call: Call, outcome: CallOutcome<'_>) {
        // Not shared: the writer is done with it.
        if let Ok(frame) = Arc::try_unwrap(call.frame) {
            self.keep_spare(frame);
        }
        // A cancelled call was settled (and released) when cancelled.
        if let Some(done) = call.done {
            self.release(worker);
            done(outcome);
        }
    }

    /// Cancels the call `id` (as [`call`](Self::call) returned it), failing
    /// it with `error`; `false` if it has already ended. A call still
    /// waiting to be written (for a recycled worker's replacement) is
    /// removed and never runs. A running call's worker is killed and
    /// replaced: only that call fails, and the calls queued behind it,
    /// which had not started, move to the new worker. A call queued behind
    /// a running one ends now for its caller; its request is already in
    /// the worker's pipe, so the worker still reaches it, and its result
    /// is dropped.
    pub fn cancel(&'static self, id: CallId, error: TaskError) -> bool {
        for worker in self.workers.iter() {
            let mut state = worker.state.lock();
            let Some(position) = state.calls.iter().position(|call| call.id == id.0) else {
                continue;
            };
            let call = &mut state.calls[position];
            if call.done.is_none() {
                return false;
            }
            if !call.delivered {
                // Never written: it simply leaves.
                let call = state.calls.remove(position).expect("found above");
                drop(state);
                self.finish(worker, call, CallOutcome::Failed(error));
                return true;
            }
            if position == 0 {
                // Running (or being written to a worker that may start it
                // at once): the worker goes; nothing else on it is to blame.
                let call = state.calls.pop_front().expect("found above");
                state.front_since = None;
                state.timed_out = true;
                if let Some(child) = &mut state.child {
                    let _ = child.kill();
                }
                drop(state);
                self.finish(worker, call, CallOutcome::Failed(error));
                return true;
            }
            let done = call.done.take().expect("checked above");
            drop(state);
            self.release(worker);
            done(CallOutcome::Failed(error));
            return true;
        }
        false
    }

    /// A call leaves `worker`: finished, or moved to another.
    fn release(&self, worker: &Worker) {
        worker.load.fetch_sub(1, Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// Starts a worker process and its reader thread; returns the way to
    /// its requests. Called with the worker's sender locked.
    fn start(&'static self, worker: &'static Worker) -> io::Result<Sender> {
        if std::env::var_os(worker::ENV).is_some() {
            return Err(io::Error::other(
                "this process was started as a decor worker but its worker entry did not run; \
                 call decor::process::init() first in main",
            ));
        }
        let (worker_reads, parent_writes) = io::pipe()?;
        let (parent_reads, worker_writes) = io::pipe()?;
        widen_pipe(&parent_writes);
        widen_pipe(&parent_reads);
        // New ones for each process: one that died holding a slot leaves
        // nothing behind. Without them, large payloads take the pipes.
        let (inbox, outbox) = match (
            Mailbox::create(c"decor-inbox"),
            Mailbox::create(c"decor-outbox"),
        ) {
            (Ok(inbox), Ok(outbox)) => (Some(inbox), Some(outbox)),
            _ => (None, None),
        };
        let mailboxes = inbox.as_ref().zip(outbox.as_ref());
        let mailboxes = mailboxes.map(|(inbox, outbox)| [inbox.fd(), outbox.fd()]);
        // The worker's ends close here once it has its copies.
        let child = spawn_worker(worker_reads, worker_writes, mailboxes, self.init)?;
        {
            let mut state = worker.state.lock();
            state.child = Some(child);
            state.sent = 0;
            state.start_error = None;
        }
        // The reader thread reaps the child when its pipe closes, so no
        // zombie outlives a worker.
        let reader = std::thread::Builder::new()
            .name(format!("decor-{}-proc-{}", self.name, worker.index))
            .spawn(move || self.read_responses(worker, parent_reads, outbox));
        if let Err(error) = reader {
            if let Some(child) = worker.state.lock().child.take() {
                reap(child);
            }
            return Err(error);
        }
        Ok(Sender {
            pipe: parent_writes,
            inbox,
        })
    }

    /// The reader thread: completes calls as their results arrive; when the
    /// worker is gone, blames the running call and moves the others.
    fn read_responses(
        &'static self,
        worker: &'static Worker,
        pipe: PipeReader,
        mut outbox: Option<Mailbox>,
    ) {
        let mut input = BufReader::with_capacity(1 << 16, pipe);
        let mut body = Vec::new();
        let pid = worker.state.lock().child.as_ref().map_or(0, Child::id);
        let mut keep = wire::Keep::default();
        loop {
            // A large result's buffer stays for the next, within a bound.
            let used = body.len();
            keep.after_use(&mut body, used);
            let Ok(true) = wire::read_frame(&mut input, &mut body) else {
                break;
            };
            let Some(response) = wire::parse_response(&body) else {
                break;
            };
            match response.status {
                Status::ReturnedInOutbox => {}
                Status::Timers => {
                    // Counted even if the call has timed out meanwhile: the
                    // calls were made.
                    let _ = crate::timers::transfer::add_from_worker(response.payload);
                    continue;
                }
                Status::Event => {
                    // A call the watchdog already failed has no context
                    // left: its late events go to this thread's dispatcher.
                    let context = worker
                        .state
                        .lock()
                        .calls
                        .iter()
                        .find(|call| call.id == response.id)
                        .and_then(|call| call.context.clone());
                    let _ = forward::emit(context.as_deref(), pid, response.payload);
                    continue;
                }
                Status::Returned | Status::Panicked | Status::Failed | Status::Unusable => {}
            }
            if response.id == wire::READY {
                let mut state = worker.state.lock();
                if response.status == Status::Failed {
                    // The worker could not start; it exits next.
                    state.start_error =
                        Some(String::from_utf8_lossy(response.payload).into_owned());
                    continue;
                }
                state.ready = true;
                let watch = state.clock_front();
                drop(state);
                if watch {
                    self.wake_watchdog();
                }
                continue;
            }
            let in_outbox = response.status == Status::ReturnedInOutbox;
            let payload = if in_outbox {
                // A length the outbox does not hold breaks the protocol,
                // as a malformed frame does.
                let len = wire::outbox_len(response.payload);
                let Some(payload) = outbox.as_mut().zip(len).and_then(|(o, len)| o.get(len)) else {
                    break;
                };
                payload
            } else {
                response.payload
            };
            let (call, watch) = {
                let mut state = worker.state.lock();
                let position = state.calls.iter().position(|call| call.id == response.id);
                // Not found: the watchdog already failed it.
                let call = position.and_then(|position| state.calls.remove(position));
                state.front_since = None;
                (call, state.clock_front())
            };
            if watch {
                self.wake_watchdog();
            }
            if let Some(call) = call {
                let outcome = match response.status {
                    Status::Returned | Status::ReturnedInOutbox => CallOutcome::Returned(payload),
                    Status::Panicked => CallOutcome::Failed(TaskError::panicked(
                        String::from_utf8_lossy(response.payload).into_owned(),
                    )),
                    Status::Unusable => CallOutcome::Failed(TaskError::crash(format!(
                        "worker process {pid} of {}: {}",
                        self.name,
                        String::from_utf8_lossy(response.payload)
                    ))),
                    Status::Failed | Status::Timers | Status::Event => {
                        CallOutcome::Failed(TaskError::transport(
                            String::from_utf8_lossy(response.payload).into_owned(),
                        ))
                    }
                };
                self.finish(worker, call, outcome);
            }
            // Read (or dropped with its call): the worker may fill it again.
            if in_outbox {
                if let Some(outbox) = &outbox {
                    outbox.release();
                }
            }
        }
        drop(body);
        // The worker closed its pipe: it exited, crashed, was killed, or
        // broke the protocol. New calls go to a new process from here on.
        let mut sender = worker.sender.lock();
        *sender = None;
        let (calls, timed_out, recycled, start_error, child) = {
            let mut state = worker.state.lock();
            state.front_since = None;
            state.ready = false;
            (
                std::mem::take(&mut state.calls),
                std::mem::take(&mut state.timed_out),
                std::mem::take(&mut state.retiring),
                state.start_error.take(),
                state.child.take(),
            )
        };
        drop(sender);
        let pid = child.as_ref().map(Child::id);
        let status = child.and_then(reap);
        let mut calls = calls.into_iter().peekable();
        let blamed = !timed_out && calls.peek().is_some_and(|call| call.delivered);
        if blamed {
            if let Some(running) = calls.next() {
                let how = match (&start_error, status) {
                    (Some(error), _) => format!("could not start: {error}"),
                    (None, Some(status)) => exit::describe(status),
                    (None, None) => "closed its pipe".to_owned(),
                };
                let error = TaskError::crash(format!(
                    "worker process {} of {} {how}",
                    pid.unwrap_or_default(),
                    self.name
                ));
                self.finish(worker, running, CallOutcome::Failed(error));
            }
        }
        // A worker that died with no call of ours running may be one that
        // cannot start; calls moved from such deaths are counted. A
        // recycled worker's leaving is no such death.
        let unexplained = !timed_out && !blamed && !recycled;
        for mut call in calls {
            if call.done.is_none() {
                // Cancelled: already settled.
                continue;
            }
            call.moves += u8::from(unexplained);
            if call.moves > MOST_MOVES {
                // Workers keep dying before this call runs (one that exits
                // as it starts, say): fail it rather than start them forever.
                let why = match &start_error {
                    Some(error) => format!(": {error}"),
                    None => String::new(),
                };
                let error = TaskError::crash(format!(
                    "worker processes of {} kept exiting before the call could run ({} tried){why}",
                    self.name, call.moves
                ));
                self.finish(worker, call, CallOutcome::Failed(error));
                continue;
            }
            self.release(worker);
            self.submit(call, None);
        }
    }

    /// The watchdog thread, started by the first call with a `timeout`:
    /// kills a worker whose running call is over its time and fails that
    /// call.
    fn watch(&'static self) {
        loop {
            let now = Instant::now();
            let mut next: Option<Instant> = None;
            for worker in self.workers.iter() {
                let mut state = worker.state.lock();
                let (Some(since), Some(limit)) = (
                    state.front_since,
                    state.calls.front().and_then(|call| call.timeout),
                ) else {
                    continue;
                };
                let deadline = since + limit;
                if deadline > now {
                    next = Some(next.map_or(deadline, |next| next.min(deadline)));
                    continue;
                }
                let Some(call) = state.calls.pop_front() else {
                    continue;
                };
                state.front_since = None;
                state.timed_out = true;
                if let Some(child) = &mut state.child {
                    let _ = child.kill();
                }
                drop(state);
                self.finish(worker, call, CallOutcome::Failed(TaskError::timeout(limit)));
            }
            // Woken when a call with a timeout starts its clock.
            match next {
                Some(next) => {
                    std::thread::park_timeout(next.saturating_duration_since(Instant::now()))
                }
                None => std::thread::park(),
            }
        }
    }
}

/// A worker that could not start is tried again after this, then after
/// twice as long each time, up to `LAST_BACKOFF`.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const LAST_BACKOFF: Duration = Duration::from_secs(5);

/// The buffer a worker's pipes ask the kernel for: the largest an
/// unprivileged process gets by default (`/proc/sys/fs/pipe-max-size`).
/// With Linux's default of 64 KiB, a large payload crosses in many small
/// writes and reads, each side waking the other every 64 KiB.
#[cfg(target_os = "linux")]
const PIPE_BUFFER: libc::c_int = 1 << 20;

/// Asks for a [`PIPE_BUFFER`] of `pipe`; a refusal (a lower system limit,
/// or the user's pipe quota spent) leaves the default, which still works.
#[cfg(target_os = "linux")]
fn widen_pipe(pipe: &impl std::os::fd::AsRawFd) {
    // SAFETY: `fcntl(F_SETPIPE_SZ)` on a pipe this process owns changes
    // only its buffer's size.
    unsafe {
        libc::fcntl(pipe.as_raw_fd(), libc::F_SETPIPE_SZ, PIPE_BUFFER);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_pipe<T>(_pipe: &T) {}

/// A request buffer at least this large is kept for the next call.
const KEEP_SPARE_FROM: usize = 64 << 10;

/// Waits for a worker that closed its pipe, killing it first in case it
/// lives on (it is of no further use).
fn reap(mut child: Child) -> Option<ExitStatus> {
    // A worker closes its pipe as it exits: give it a moment to finish
    // (one that could not start is writing why to stderr), then kill it.
    for _ in 0..REAP_GRACE_STEPS {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break,
        }
    }
    let _ = child.kill();
    child.wait().ok()
}

/// How many 5 ms waits a worker that closed its pipe has to exit by itself.
const REAP_GRACE_STEPS: u32 = 40;

/// The write end of the pipe every worker watches: held, never written, so
/// workers read end-of-file only when this process is gone.
fn lifeline() -> io::Result<&'static PipeReader> {
    static LIFELINE: OnceLock<(PipeReader, PipeWriter)> = OnceLock::new();
    if let Some((reader, _)) = LIFELINE.get() {
        return Ok(reader);
    }
    let pipe = io::pipe()?;
    Ok(&LIFELINE.get_or_init(|| pipe).0)
}

/// This program, to be started again as a worker.
fn executable() -> io::Result<&'static std::path::Path> {
    static EXE: OnceLock<std::path::PathBuf> = OnceLock::new();
    if let Some(exe) = EXE.get() {
        return Ok(exe);
    }
    // On Linux the kernel's link works even if the file was replaced or
    // deleted since the program started (as `cargo build` does).
    let exe = if cfg!(target_os = "linux") {
        std::path::PathBuf::from("/proc/self/exe")
    } else {
        std::env::current_exe()?
    };
    Ok(EXE.get_or_init(|| exe))
}

#[cfg(unix)]
fn spawn_worker(
    requests: PipeReader,
    responses: PipeWriter,
    mailboxes: Option<[std::os::fd::RawFd; 2]>,
    init: Option<&'static Init>,
) -> io::Result<Child> {
    use std::os::fd::{AsRawFd, RawFd};
    use std::os::unix::process::CommandExt;

    let lifeline = lifeline()?;
    let [inbox, outbox] = mailboxes.unwrap_or([-1; 2]);
    let all: [RawFd; 5] = [
        requests.as_raw_fd(),
        responses.as_raw_fd(),
        lifeline.as_raw_fd(),
        inbox,
        outbox,
    ];
    let count = if mailboxes.is_some() { 5 } else { 3 };
    let spec = all[..count]
        .iter()
        .map(RawFd::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut command = Command::new(executable()?);
    // `ps` shows the program's name and what the process is, not `exe`.
    command.arg0(worker_arg0());
    if let Some(init) = init {
        command.env(worker::INIT_ENV, init.key());
    }
    command
        .arg("--decor-process-worker")
        .env(worker::ENV, spec)
        .stdin(Stdio::null());
    if let Some(directives) = crate::init::installed_directives() {
        command.env(worker::LOG_ENV, directives);
    }
    // SAFETY: between fork and exec the closure only calls `fcntl`, which is
    // async-signal-safe, on descriptors this process owns.
    unsafe {
        command.pre_exec(move || {
            // Our pipes and mailboxes are close-on-exec, so no other child
            // inherits them; this child keeps its own.
            for &fd in &all[..count] {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    command.spawn()
}

/// A worker's `argv[0]`: the program's own, marked `[decor worker]`.
#[cfg(unix)]
fn worker_arg0() -> &'static std::ffi::OsStr {
    static ARG0: OnceLock<std::ffi::OsString> = OnceLock::new();
    ARG0.get_or_init(|| {
        let mut arg0 = std::env::args_os()
            .next()
            .or_else(|| std::env::current_exe().ok().map(Into::into))
            .unwrap_or_else(|| "decor".into());
        arg0.push(worker::ARG0_MARK);
        arg0
    })
}

#[cfg(not(unix))]
fn spawn_worker(
    _requests: PipeReader,
    _responses: PipeWriter,
    _mailboxes: Option<[i32; 2]>,
    _init: Option<&'static Init>,
) -> io::Result<Child> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "decor's worker processes run on Unix (Linux and macOS) only",
    ))
}

#[cfg(all(test, unix))]
mod tests {
    //! `ProcessPool::cancel` on real worker processes (this test binary,
    //! re-executed), running a function registered here by hand.

    use std::sync::mpsc::{channel, Receiver};

    use super::*;
    use crate::process::registry::ENTRIES;

    /// Sleeps the milliseconds it is given, then returns its pid.
    fn sleep_then_pid(arguments: &[u8], result: &mut Vec<u8>) -> Result<(), String> {
        let (millis, _) = wire::take::<u64>(arguments)?;
        std::thread::sleep(Duration::from_millis(millis));
        wire::encode_into(&std::process::id(), result)
    }

    #[linkme::distributed_slice(ENTRIES)]
    static SLEEP: Entry = Entry::new("decor::process::pool::tests::sleep", sleep_then_pid);

    /// A fail-safe against a hang, never a timing assertion.
    const HANG: Duration = Duration::from_secs(60);

    /// Starts a call sleeping `millis`; its outcome arrives on the receiver.
    fn start(pool: &'static ProcessPool, millis: u64) -> (CallId, Receiver<Result<u32, String>>) {
        let (sender, receiver) = channel();
        let id = pool.reserve();
        pool.call(
            id,
            &SLEEP,
            None,
            |request| wire::encode_into(&millis, request.frame_mut()),
            move |outcome| {
                let _ = sender.send(match outcome {
                    CallOutcome::Returned(bytes) => Ok(wire::decode::<u32>(bytes).unwrap()),
                    CallOutcome::Failed(error) => Err(error.to_string()),
                });
            },
        );
        (id, receiver)
    }

    fn outcome(receiver: &Receiver<Result<u32, String>>) -> Result<u32, String> {
        receiver.recv_timeout(HANG).expect("the call never ended")
    }

    fn cancelled() -> TaskError {
        TaskError::crash("cancelled by the test")
    }

    #[test]
    fn cancel_kills_a_running_call_and_fails_only_it() {
        static SITE: ProcessPoolSite = ProcessPoolSite::new("cancel_running", 1);
        let pool = SITE.get();
        let first = outcome(&start(pool, 0).1).unwrap();
        let (running, running_outcome) = start(pool, 60_000);
        let (_, queued_outcome) = start(pool, 0);
        assert!(pool.cancel(running, cancelled()));
        assert_eq!(
            outcome(&running_outcome),
            Err("worker crashed: cancelled by the test".to_owned())
        );
        // The call queued behind it had not started: it runs on the
        // replacement.
        let second = outcome(&queued_outcome).unwrap();
        assert_ne!(first, second, "the worker was not replaced");
        assert!(!pool.cancel(running, cancelled()), "cancelled twice");
    }

    #[test]
    fn cancel_ends_a_queued_call_at_once_and_leaves_the_running_one() {
        static SITE: ProcessPoolSite = ProcessPoolSite::new("cancel_queued", 1);
        let pool = SITE.get();
        let (_, running_outcome) = start(pool, 300);
        let (queued, queued_outcome) = start(pool, 0);
        let (_, after_outcome) = start(pool, 0);
        assert!(pool.cancel(queued, cancelled()));
        assert_eq!(
            outcome(&queued_outcome),
            Err("worker crashed: cancelled by the test".to_owned())
        );
        let running = outcome(&running_outcome).unwrap();
        // Same worker: nothing was killed.
        assert_eq!(outcome(&after_outcome).unwrap(), running);
        assert!(!pool.cancel(queued, cancelled()));
    }

    #[test]
    fn cancel_removes_a_call_waiting_for_a_recycled_workers_replacement() {
        static SITE: ProcessPoolSite = ProcessPoolSite::new("cancel_held", 1).recycle(1);
        let pool = SITE.get();
        let (_, running_outcome) = start(pool, 300);
        let (held, held_outcome) = start(pool, 0);
        assert!(pool.cancel(held, cancelled()));
        assert!(outcome(&held_outcome).is_err());
        let first = outcome(&running_outcome).unwrap();
        let (_, next_outcome) = start(pool, 0);
        assert_ne!(outcome(&next_outcome).unwrap(), first, "not recycled");
    }
}
