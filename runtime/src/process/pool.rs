//! The parent's side: a pool of worker processes for one function.
//!
//! Each worker has a request pipe the callers write to, a response pipe one
//! reader thread drains, and a queue of the calls written to it, in the order
//! it will run them. A worker runs one call at a time, so the oldest call in
//! its queue is the running one: that is the call to blame when the worker
//! dies, and the one whose clock a `timeout` watches. Calls queued behind it
//! never started, so they move to a fresh worker instead of failing.

use std::collections::VecDeque;
use std::io::{self, BufReader, PipeReader, PipeWriter, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Once, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::forward::{self, Context};
use super::registry::Entry;
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

/// A call written (or about to be written) to a worker.
pub struct Call {
    id: u64,
    frame: Arc<Vec<u8>>,
    done: Box<dyn FnOnce(CallOutcome<'_>) + Send>,
    /// Cleared when writing the request failed: the worker never saw it,
    /// so its death is not this call's doing.
    delivered: bool,
    /// How many workers died, with no call running, while this call was
    /// queued on them.
    moves: u8,
    /// The caller's dispatcher and span, for the events the call logs in
    /// the worker; `None` when no subscriber wanted any event at the call.
    context: Option<Arc<Context>>,
}

/// A `processes = N` function's pool in a `static`, started on first use.
pub struct ProcessPoolSite {
    name: &'static str,
    processes: usize,
    timeout: Option<Duration>,
    pool: OnceLock<&'static ProcessPool>,
}

impl ProcessPoolSite {
    /// `processes = N`, with `timeout` if given; `name` is the function's.
    pub const fn new(name: &'static str, processes: usize, timeout: Option<Duration>) -> Self {
        ProcessPoolSite {
            name,
            processes,
            timeout,
            pool: OnceLock::new(),
        }
    }

    /// The pool; its workers all start on first use and stay warm.
    #[inline]
    pub fn get(&self) -> &'static ProcessPool {
        let pool = *self.pool.get_or_init(|| {
            Box::leak(Box::new(ProcessPool::new(
                self.name,
                self.processes,
                self.timeout,
            )))
        });
        pool.warm.call_once(|| pool.warm_up());
        pool
    }
}

/// Worker processes running one function's calls.
pub struct ProcessPool {
    name: &'static str,
    workers: Box<[Worker]>,
    timeout: Option<Duration>,
    next_id: AtomicU64,
    next_worker: AtomicUsize,
    in_flight: AtomicUsize,
    warm: Once,
    watchdog: OnceLock<Thread>,
}

struct Worker {
    index: usize,
    /// Calls queued on this worker, read without a lock to pick a worker.
    load: AtomicUsize,
    /// Held while a request is written: requests reach the worker whole and
    /// in the order of `State::calls`.
    sender: Mutex<Option<PipeWriter>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The live process. Its reader thread takes it out to reap it, so a
    /// kill under this lock never reaches a reaped (and recycled) id.
    child: Option<Child>,
    calls: VecDeque<Call>,
    /// When the oldest call started running.
    front_since: Option<Instant>,
    /// The worker has said it is ready: a call's clock starts only then,
    /// so a new worker's start-up never counts against a `timeout`.
    ready: bool,
    /// The watchdog killed the process: nothing still queued is to blame.
    timed_out: bool,
}

impl ProcessPool {
    fn new(name: &'static str, processes: usize, timeout: Option<Duration>) -> Self {
        ProcessPool {
            name,
            workers: (0..processes.max(1))
                .map(|index| Worker {
                    index,
                    load: AtomicUsize::new(0),
                    sender: Mutex::new(None),
                    state: Mutex::new(State::default()),
                })
                .collect(),
            timeout,
            next_id: AtomicU64::new(0),
            next_worker: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            warm: Once::new(),
            watchdog: OnceLock::new(),
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
                // A worker that cannot start now is tried again, and its
                // error reported, by the first call that lands on it.
                *sender = self.start(worker).ok();
            }
        }
        if let Some(limit) = self.timeout {
            let watchdog = std::thread::Builder::new()
                .name(format!("decor-{}-watchdog", self.name))
                .spawn(move || self.watch(limit));
            match watchdog {
                Ok(handle) => {
                    let _ = self.watchdog.set(handle.thread().clone());
                }
                Err(error) => eprintln!(
                    "decor: cannot start the timeout watchdog of {}: {error}; calls will not time out",
                    self.name
                ),
            }
        }
    }

    /// Sends one call of `entry` to a worker, its arguments appended to the
    /// request by `encode`; `done` hears how it ended, also when the
    /// arguments cannot be encoded.
    pub fn call(
        &'static self,
        entry: &Entry,
        encode: impl FnOnce(&mut Vec<u8>) -> Result<(), String>,
        done: impl FnOnce(CallOutcome<'_>) + Send + 'static,
    ) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // One load when nothing logs: then the worker forwards nothing and
        // no context is kept.
        let level = tracing::level_filters::LevelFilter::current();
        let context = (level != tracing::level_filters::LevelFilter::OFF)
            .then(|| Arc::new(Context::current()));
        let mut frame = wire::request(id, wire::log_level(level), entry.name());
        match encode(&mut frame) {
            Ok(()) => {
                wire::seal(&mut frame);
                self.submit(Call {
                    id,
                    frame: Arc::new(frame),
                    done: Box::new(done),
                    delivered: true,
                    moves: 0,
                    context,
                });
            }
            Err(why) => done(CallOutcome::Failed(TaskError::transport(why))),
        }
    }

    /// Sends a call to the least busy worker, starting one if needed.
    fn submit(&'static self, mut call: Call) {
        // Until a write to this worker fails (a call moved from a dead
        // worker may carry the mark of its failed write there).
        call.delivered = true;
        let worker = self.pick();
        worker.load.fetch_add(1, Ordering::Relaxed);
        if self.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            if let Some(watchdog) = self.watchdog.get() {
                watchdog.unpark();
            }
        }
        let mut sender = worker.sender.lock();
        if sender.is_none() {
            match self.start(worker) {
                Ok(pipe) => *sender = Some(pipe),
                Err(error) => {
                    drop(sender);
                    let error = TaskError::crash(format!(
                        "cannot start a worker process for {}: {error}",
                        self.name
                    ));
                    return self.finish(worker, call, CallOutcome::Failed(error));
                }
            }
        }
        let (id, frame) = (call.id, Arc::clone(&call.frame));
        {
            let mut state = worker.state.lock();
            if state.calls.is_empty() && state.ready {
                state.front_since = Some(Instant::now());
            }
            state.calls.push_back(call);
        }
        if let Some(mut pipe) = sender.as_ref() {
            // A failed write means the worker is gone: its reader thread
            // settles every queued call, this one included, and must know
            // this one never arrived. It cannot have settled them yet: it
            // takes the sender's lock first, which this thread holds.
            if pipe.write_all(&frame).is_err() {
                let mut state = worker.state.lock();
                if let Some(call) = state.calls.iter_mut().find(|call| call.id == id) {
                    call.delivered = false;
                }
            }
        }
    }

    /// The worker with the fewest queued calls, ties taken in turn.
    fn pick(&'static self) -> &'static Worker {
        let count = self.workers.len();
        let start = self.next_worker.fetch_add(1, Ordering::Relaxed) % count;
        let mut best = start;
        let mut best_load = usize::MAX;
        for step in 0..count {
            let index = (start + step) % count;
            let load = self.workers[index].load.load(Ordering::Relaxed);
            if load < best_load {
                (best, best_load) = (index, load);
                if load == 0 {
                    break;
                }
            }
        }
        &self.workers[best]
    }

    fn finish(&self, worker: &Worker, call: Call, outcome: CallOutcome<'_>) {
        self.release(worker);
        (call.done)(outcome);
    }

    /// A call leaves `worker`: finished, or moved to another.
    fn release(&self, worker: &Worker) {
        worker.load.fetch_sub(1, Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// Starts a worker process and its reader thread; returns the request
    /// pipe. Called with the worker's sender locked.
    fn start(&'static self, worker: &'static Worker) -> io::Result<PipeWriter> {
        if std::env::var_os(worker::ENV).is_some() {
            return Err(io::Error::other(
                "this process was started as a decor worker but its worker entry did not run; \
                 call decor::process::init() first in main",
            ));
        }
        let (worker_reads, parent_writes) = io::pipe()?;
        let (parent_reads, worker_writes) = io::pipe()?;
        // The worker's ends close here once it has its copies.
        worker.state.lock().child = Some(spawn_worker(worker_reads, worker_writes)?);
        // The reader thread reaps the child when its pipe closes, so no
        // zombie outlives a worker.
        let reader = std::thread::Builder::new()
            .name(format!("decor-{}-proc-{}", self.name, worker.index))
            .spawn(move || self.read_responses(worker, parent_reads));
        if let Err(error) = reader {
            if let Some(child) = worker.state.lock().child.take() {
                reap(child);
            }
            return Err(error);
        }
        Ok(parent_writes)
    }

    /// The reader thread: completes calls as their results arrive; when the
    /// worker is gone, blames the running call and moves the others.
    fn read_responses(&'static self, worker: &'static Worker, pipe: PipeReader) {
        let mut input = BufReader::with_capacity(1 << 16, pipe);
        let mut body = Vec::new();
        let pid = worker.state.lock().child.as_ref().map_or(0, Child::id);
        while let Ok(true) = wire::read_frame(&mut input, &mut body) {
            let Some(response) = wire::parse_response(&body) else {
                break;
            };
            match response.status {
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
                Status::Returned | Status::Panicked | Status::Failed => {}
            }
            if response.id == wire::READY {
                let mut state = worker.state.lock();
                state.ready = true;
                if !state.calls.is_empty() {
                    state.front_since = Some(Instant::now());
                }
                continue;
            }
            let call = {
                let mut state = worker.state.lock();
                let position = state.calls.iter().position(|call| call.id == response.id);
                // Not found: the watchdog already failed it.
                let call = position.and_then(|position| state.calls.remove(position));
                state.front_since = (!state.calls.is_empty()).then(Instant::now);
                call
            };
            if let Some(call) = call {
                let outcome = match response.status {
                    Status::Returned => CallOutcome::Returned(response.payload),
                    Status::Panicked => CallOutcome::Failed(TaskError::panicked(
                        String::from_utf8_lossy(response.payload).into_owned(),
                    )),
                    Status::Failed | Status::Timers | Status::Event => {
                        CallOutcome::Failed(TaskError::transport(
                            String::from_utf8_lossy(response.payload).into_owned(),
                        ))
                    }
                };
                self.finish(worker, call, outcome);
            }
        }
        // The worker closed its pipe: it exited, crashed, was killed, or
        // broke the protocol. New calls go to a new process from here on.
        let mut sender = worker.sender.lock();
        *sender = None;
        let (calls, timed_out, child) = {
            let mut state = worker.state.lock();
            state.front_since = None;
            state.ready = false;
            (
                std::mem::take(&mut state.calls),
                std::mem::take(&mut state.timed_out),
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
                let how = match status {
                    Some(status) => exit::describe(status),
                    None => "closed its pipe".to_owned(),
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
        // cannot start; calls moved from such deaths are counted.
        let unexplained = !timed_out && !blamed;
        for mut call in calls {
            call.moves += u8::from(unexplained);
            if call.moves > MOST_MOVES {
                // Workers keep dying before this call runs (one that exits
                // as it starts, say): fail it rather than start them forever.
                let error = TaskError::crash(format!(
                    "worker processes of {} kept exiting before the call could run ({} tried)",
                    self.name, call.moves
                ));
                self.finish(worker, call, CallOutcome::Failed(error));
                continue;
            }
            self.release(worker);
            self.submit(call);
        }
    }

    /// The watchdog thread of a pool with a `timeout`: kills a worker whose
    /// running call is over time and fails that call.
    fn watch(&'static self, limit: Duration) {
        loop {
            if self.in_flight.load(Ordering::Acquire) == 0 {
                std::thread::park();
                continue;
            }
            let now = Instant::now();
            let mut next = now + limit;
            for worker in self.workers.iter() {
                let mut state = worker.state.lock();
                let Some(since) = state.front_since else {
                    continue;
                };
                let deadline = since + limit;
                if deadline > now {
                    next = next.min(deadline);
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
            std::thread::park_timeout(next.saturating_duration_since(Instant::now()));
        }
    }
}

/// Waits for a worker that closed its pipe, killing it first in case it
/// lives on (it is of no further use).
fn reap(mut child: Child) -> Option<ExitStatus> {
    let _ = child.kill();
    child.wait().ok()
}

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
fn spawn_worker(requests: PipeReader, responses: PipeWriter) -> io::Result<Child> {
    use std::os::fd::{AsRawFd, RawFd};
    use std::os::unix::process::CommandExt;

    let lifeline = lifeline()?;
    let fds: [RawFd; 3] = [
        requests.as_raw_fd(),
        responses.as_raw_fd(),
        lifeline.as_raw_fd(),
    ];
    let mut command = Command::new(executable()?);
    if let Ok(exe) = std::env::current_exe() {
        command.arg0(exe);
    }
    command
        .arg("--decor-process-worker")
        .env(worker::ENV, format!("{},{},{}", fds[0], fds[1], fds[2]))
        .stdin(Stdio::null());
    if let Some(directives) = crate::init::installed_directives() {
        command.env(worker::LOG_ENV, directives);
    }
    // SAFETY: between fork and exec the closure only calls `fcntl`, which is
    // async-signal-safe, on descriptors this process owns.
    unsafe {
        command.pre_exec(move || {
            // Our pipes are close-on-exec, so no other child inherits them;
            // this child keeps its three.
            for fd in fds {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    command.spawn()
}

#[cfg(not(unix))]
fn spawn_worker(_requests: PipeReader, _responses: PipeWriter) -> io::Result<Child> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "decor's worker processes run on Unix (Linux and macOS) only",
    ))
}
