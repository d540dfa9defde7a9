//! The rest of `concurrent.futures` on `Task`: `cancel`, `on_done`
//! (`add_done_callback`), `join_flat` (`result()`), `decor::wait` in each
//! mode, and `as_completed(..).timeout(..)` / `.into_pending()`.
//!
//! Orders are made deterministic with gates: a pool's threads are held busy
//! by gated tasks (and the test waits until they have started) before the
//! task under test is queued. Each test has pools of its own (`threads = N`
//! functions declared inside it), as tests run concurrently. Timeouts given
//! to `wait` and `as_completed` are ones that must pass (nothing can finish
//! while its gate is shut); no time is asserted.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{quiet_panics, thread_name, wait_until, within, Gate, EXPECTED, HANG};
use decor::{as_completed, spawn, wait, AsCompleted, Task, TaskError, Wait, Waited};

/// A short limit for a `wait` or `as_completed` that must time out: every
/// task it waits for is gated shut.
const SHORT: Duration = Duration::from_millis(30);

/// Counts starts and runs of a gated body.
#[derive(Clone, Default)]
struct Seen {
    started: Arc<AtomicUsize>,
    ran: Arc<AtomicUsize>,
}

impl Seen {
    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
    fn ran(&self) -> usize {
        self.ran.load(Ordering::SeqCst)
    }
    /// The body of the tasks below: counts its start, waits at `gate`,
    /// counts its run, returns `value`.
    fn body(&self, gate: Option<Gate>, value: u32) -> u32 {
        self.started.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = gate {
            gate.wait();
        }
        self.ran.fetch_add(1, Ordering::SeqCst);
        value
    }
}

fn error_of<T: std::fmt::Debug>(result: Result<T, TaskError>) -> TaskError {
    result.expect_err("the task failed")
}

#[test]
fn cancelling_a_queued_task_means_it_never_runs_and_the_pool_goes_on() {
    #[spawn(threads = 2)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    // Both threads busy, so the next task waits in the queue.
    let busy: Vec<Task<u32>> = (0..2)
        .map(|i| job(seen.clone(), Some(gate.clone()), i))
        .collect();
    wait_until("both threads busy", || seen.started() == 2);

    let queued = job(seen.clone(), None, 99);
    assert!(!queued.is_cancelled());
    assert!(queued.cancel(), "a queued task can be cancelled");
    assert!(queued.is_cancelled());
    assert!(queued.is_finished(), "a cancelled task is finished at once");
    assert!(!queued.cancel(), "cancelled once only");
    let error = error_of(queued.join());
    assert!(error.is_cancelled());
    assert!(!error.is_panic() && !error.is_crash() && !error.is_timeout());
    assert_eq!(error.to_string(), "task was cancelled");

    gate.open();
    for (i, task) in busy.into_iter().enumerate() {
        assert_eq!(task.join().unwrap(), i as u32);
    }
    // The pool runs what comes after the cancelled task, which it skipped.
    let after: Vec<u32> = (10..14)
        .map(|i| job(seen.clone(), None, i))
        .map(|task| task.join().unwrap())
        .collect();
    assert_eq!(after, [10, 11, 12, 13]);
    assert_eq!(seen.started(), 6, "the cancelled body never started");
    assert_eq!(seen.ran(), 6);
    // A cancelled task counts as finished for `shutdown`, which would
    // otherwise wait for ever.
    within("shutdown after a cancel", decor::shutdown);
}

#[test]
fn a_running_task_cannot_be_cancelled_nor_a_finished_one() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let running = job(seen.clone(), Some(gate.clone()), 1);
    wait_until("the task runs", || seen.started() == 1);
    assert!(!running.cancel(), "running: too late");
    assert!(!running.is_cancelled());
    gate.open();
    assert_eq!(running.join().unwrap(), 1);

    let finished = job(seen.clone(), None, 2);
    wait_until("the task finishes", || finished.is_finished());
    assert!(!finished.cancel(), "finished: too late");
    assert!(!finished.is_cancelled());
    assert_eq!(finished.join().unwrap(), 2);
    assert_eq!(seen.ran(), 2);
}

#[test]
fn a_dedicated_task_starts_at_once_so_cannot_be_cancelled() {
    #[spawn(dedicated)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let task = job(seen.clone(), Some(gate.clone()), 5);
    assert!(!task.cancel());
    gate.open();
    assert_eq!(task.join().unwrap(), 5);
    assert_eq!(seen.ran(), 1);
}

#[test]
fn on_done_runs_on_the_finishing_thread_when_added_before() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let task = job(seen, Some(gate.clone()), 7);
    let (tx, rx) = mpsc::channel();
    task.on_done(move |result| {
        tx.send((*result.as_ref().unwrap(), thread_name())).unwrap();
    });
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "not before it finishes"
    );
    gate.open();
    assert_eq!(task.join().unwrap(), 7);
    // `join` returns after the callbacks have run.
    assert_eq!(rx.try_recv(), Ok((7, "decor-job-0".to_owned())));
}

#[test]
fn on_done_runs_at_once_on_the_caller_when_added_after() {
    #[spawn(threads = 1)]
    fn job(value: u32) -> u32 {
        value
    }

    let task = job(8);
    wait_until("the task finishes", || task.is_finished());
    let seen = Arc::new(Mutex::new(None));
    let into = seen.clone();
    task.on_done(move |result| {
        *into.lock().unwrap() = Some((*result.as_ref().unwrap(), std::thread::current().id()));
    });
    assert_eq!(
        *seen.lock().unwrap(),
        Some((8, std::thread::current().id())),
        "ran before on_done returned, on this thread"
    );
    assert_eq!(task.join().unwrap(), 8, "the result is still there");
}

#[test]
fn several_callbacks_run_once_each_in_order_added() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let task = job(seen, Some(gate.clone()), 3);
    let order = Arc::new(Mutex::new(Vec::new()));
    for i in 0..3 {
        let order = order.clone();
        task.on_done(move |result| order.lock().unwrap().push((i, result.is_ok())));
    }
    gate.open();
    wait_until("the task finishes", || task.is_finished());
    // One more, added after: at once.
    let late = order.clone();
    task.on_done(move |_| late.lock().unwrap().push((3, true)));
    assert_eq!(task.join().unwrap(), 3);
    assert_eq!(
        *order.lock().unwrap(),
        [(0, true), (1, true), (2, true), (3, true)]
    );
}

#[test]
fn callbacks_run_even_if_the_task_was_dropped() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let task = job(seen.clone(), Some(gate.clone()), 4);
    let (tx, rx) = mpsc::channel();
    task.on_done(move |result| tx.send(*result.as_ref().unwrap()).unwrap());
    drop(task);
    gate.open();
    assert_eq!(rx.recv_timeout(HANG), Ok(4));
    assert_eq!(seen.ran(), 1);
}

#[test]
fn a_cancelled_task_runs_its_callbacks_on_the_cancelling_thread() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let busy = job(seen.clone(), Some(gate.clone()), 1);
    wait_until("the thread is busy", || seen.started() == 1);
    let queued = job(seen.clone(), None, 2);
    let (tx, rx) = mpsc::channel();
    queued.on_done(move |result| {
        let cancelled = result.as_ref().is_err_and(TaskError::is_cancelled);
        tx.send((cancelled, std::thread::current().id())).unwrap();
    });
    assert!(queued.cancel());
    assert_eq!(rx.try_recv(), Ok((true, std::thread::current().id())));
    gate.open();
    assert_eq!(busy.join().unwrap(), 1);
    assert_eq!(seen.ran(), 1);
}

#[test]
fn a_panicking_callback_neither_kills_the_worker_nor_loses_the_result() {
    quiet_panics();
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let task = job(seen.clone(), Some(gate.clone()), 6);
    task.on_done(|_| panic!("callback {EXPECTED}"));
    let (tx, rx) = mpsc::channel();
    task.on_done(move |result| tx.send(*result.as_ref().unwrap()).unwrap());
    gate.open();
    assert_eq!(task.join().unwrap(), 6);
    assert_eq!(rx.try_recv(), Ok(6), "the next callback still ran");
    assert_eq!(job(seen, None, 9).join().unwrap(), 9, "the worker lives on");
}

#[derive(Debug)]
enum AppError {
    Invalid(String),
    Task(TaskError),
}

impl From<TaskError> for AppError {
    fn from(error: TaskError) -> AppError {
        AppError::Task(error)
    }
}

#[spawn(threads = 2)]
fn parse(text: String) -> Result<u32, AppError> {
    if text == "boom" {
        panic!("parse {EXPECTED}");
    }
    text.parse().map_err(|_| AppError::Invalid(text))
}

fn add(a: &str, b: &str) -> Result<u32, AppError> {
    let (a, b) = (parse(a.to_owned()), parse(b.to_owned()));
    Ok(a.join_flat()? + b.join_flat()?)
}

#[test]
fn join_flat_folds_a_task_error_into_the_functions_error_for_one_question_mark() {
    quiet_panics();
    assert_eq!(add("40", "2").unwrap(), 42);
    match add("40", "x") {
        Err(AppError::Invalid(text)) => assert_eq!(text, "x"),
        other => panic!("expected the returned Err, got {other:?}"),
    }
    match add("boom", "2") {
        Err(AppError::Task(error)) => assert!(error.is_panic(), "{error}"),
        other => panic!("expected the panic as a TaskError, got {other:?}"),
    }
}

/// Positions in `done`, and in `pending`.
fn positions<T>(waited: &Waited<T>) -> (Vec<usize>, Vec<usize>) {
    (
        waited.done.iter().map(|(i, _)| *i).collect(),
        waited.pending.iter().map(|(i, _)| *i).collect(),
    )
}

#[test]
fn wait_first_completed_returns_the_finished_and_the_pending() {
    #[spawn(threads = 3)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gates = [Gate::new(), Gate::new(), Gate::new()];
    let tasks: Vec<Task<u32>> = (0..3)
        .map(|i| job(seen.clone(), Some(gates[i].clone()), i as u32 * 10))
        .collect();
    gates[1].open();
    let waited = within("wait", move || wait(tasks, Wait::FirstCompleted, None));
    assert_eq!(positions(&waited), (vec![1], vec![0, 2]));
    assert_eq!(waited.done[0].1.as_ref().unwrap(), &10);

    // The pending tasks go on, and can be waited for again.
    gates[0].open();
    gates[2].open();
    let again = wait(
        waited.pending.into_iter().map(|(_, task)| task),
        Wait::AllCompleted,
        None,
    );
    assert!(again.pending.is_empty());
    let mut values: Vec<u32> = again.done.into_iter().map(|(_, r)| r.unwrap()).collect();
    values.sort_unstable();
    assert_eq!(values, [0, 20]);
}

#[test]
fn wait_first_completed_with_a_timeout_and_nothing_finished() {
    #[spawn(threads = 2)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let tasks: Vec<Task<u32>> = (0..2)
        .map(|i| job(seen.clone(), Some(gate.clone()), i))
        .collect();
    let waited = wait(tasks, Wait::FirstCompleted, Some(SHORT));
    assert_eq!(positions(&waited), (vec![], vec![0, 1]));
    gate.open();
    for (i, task) in waited.pending {
        assert_eq!(task.join().unwrap(), i as u32);
    }
}

#[test]
fn wait_first_error_stops_at_a_task_error_not_at_a_returned_err() {
    quiet_panics();
    #[spawn(threads = 3)]
    fn job(gate: Option<Gate>, what: &'static str) -> Result<u32, String> {
        if let Some(gate) = gate {
            gate.wait();
        }
        match what {
            "err" => Err("a value".to_owned()),
            "panic" => panic!("job {EXPECTED}"),
            _ => Ok(1),
        }
    }

    let gate = Gate::new();
    let returns_err = job(None, "err");
    let panics = job(None, "panic");
    let gated = job(Some(gate.clone()), "ok");
    wait_until("two finished", || {
        returns_err.is_finished() && panics.is_finished()
    });
    let waited = within("wait", move || {
        wait(vec![returns_err, panics, gated], Wait::FirstError, None)
    });
    assert_eq!(positions(&waited), (vec![0, 1], vec![2]));
    assert_eq!(
        waited.done[0].1.as_ref().unwrap(),
        &Err("a value".to_owned())
    );
    assert!(waited.done[1].1.as_ref().unwrap_err().is_panic());
    gate.open();
    let (_, gated) = waited.pending.into_iter().next().unwrap();
    assert_eq!(gated.join().unwrap(), Ok(1));
}

#[test]
fn wait_first_error_counts_a_cancel_and_without_errors_waits_for_all() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let busy = job(seen.clone(), Some(gate.clone()), 1);
    wait_until("the thread is busy", || seen.started() == 1);
    let queued = job(seen.clone(), None, 2);
    assert!(queued.cancel());
    let waited = within("wait", move || {
        wait(vec![busy, queued], Wait::FirstError, None)
    });
    assert_eq!(positions(&waited), (vec![1], vec![0]));
    assert!(waited.done[0].1.as_ref().unwrap_err().is_cancelled());

    gate.open();
    let tasks = waited.pending.into_iter().map(|(_, task)| task);
    let all = wait(
        tasks.chain([job(seen.clone(), None, 3)]),
        Wait::FirstError,
        None,
    );
    assert!(all.pending.is_empty(), "no error: every task waited for");
    let mut values: Vec<u32> = all.done.into_iter().map(|(_, r)| r.unwrap()).collect();
    values.sort_unstable();
    assert_eq!(values, [1, 3]);
    assert_eq!(seen.ran(), 2, "the cancelled task never ran");
}

#[test]
fn wait_all_completed_with_and_without_a_timeout() {
    #[spawn(threads = 3)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let all = wait(
        (0..5).map(|i| job(seen.clone(), None, i)),
        Wait::AllCompleted,
        None,
    );
    assert!(all.pending.is_empty());
    let mut done: Vec<(usize, u32)> = all.done.into_iter().map(|(i, r)| (i, r.unwrap())).collect();
    done.sort_unstable();
    assert_eq!(done, [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4)]);

    let gate = Gate::new();
    let tasks = vec![
        job(seen.clone(), None, 10),
        job(seen.clone(), Some(gate.clone()), 11),
        job(seen.clone(), None, 12),
    ];
    wait_until("the ungated two finish", || seen.ran() == 7);
    let timed = wait(tasks, Wait::AllCompleted, Some(SHORT));
    let (mut done, pending) = positions(&timed);
    done.sort_unstable();
    assert_eq!((done, pending), (vec![0, 2], vec![1]));
    gate.open();
    let (_, gated) = timed.pending.into_iter().next().unwrap();
    assert_eq!(gated.join().unwrap(), 11);
}

#[test]
fn wait_on_nothing_returns_at_once() {
    for until in [Wait::FirstCompleted, Wait::FirstError, Wait::AllCompleted] {
        let waited = wait(Vec::<Task<u8>>::new(), until, None);
        assert!(waited.done.is_empty() && waited.pending.is_empty());
    }
}

#[test]
fn as_completed_stops_at_its_timeout_and_gives_back_the_pending_to_cancel() {
    #[spawn(threads = 1)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let busy = job(seen.clone(), Some(gate.clone()), 0);
    wait_until("the thread is busy", || seen.started() == 1);
    let tasks = vec![busy, job(seen.clone(), None, 1), job(seen.clone(), None, 2)];
    let mut completed: AsCompleted<u32> = as_completed(tasks).timeout(SHORT);
    assert_eq!(completed.len(), 3);
    assert!(
        completed.next().is_none(),
        "nothing can finish: the gate is shut"
    );
    assert!(completed.next().is_none(), "and stays ended");
    let pending = completed.into_pending();
    assert_eq!(
        pending.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [0, 1, 2]
    );
    // The queued two are cancelled; the running one is not.
    let cancelled: Vec<bool> = pending.iter().map(|(_, task)| task.cancel()).collect();
    assert_eq!(cancelled, [false, true, true]);
    gate.open();
    let results: Vec<Result<u32, TaskError>> =
        pending.into_iter().map(|(_, task)| task.join()).collect();
    assert_eq!(results[0].as_ref().unwrap(), &0);
    assert!(results[1].as_ref().unwrap_err().is_cancelled());
    assert!(results[2].as_ref().unwrap_err().is_cancelled());
    assert_eq!(seen.ran(), 1, "the cancelled two never ran");
}

#[test]
fn as_completed_with_a_timeout_yields_what_finishes_in_time_then_the_rest_are_pending() {
    #[spawn(threads = 2)]
    fn job(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let gate = Gate::new();
    let tasks = vec![
        job(seen.clone(), Some(gate.clone()), 0),
        job(seen.clone(), None, 1),
    ];
    let mut completed = as_completed(tasks).timeout(HANG);
    let (first, result) = completed.next().unwrap();
    assert_eq!((first, result.unwrap()), (1, 1));
    let pending = completed.into_pending();
    assert_eq!(pending.len(), 1);
    gate.open();
    // Given back, a task can go to another `as_completed`.
    let again: Vec<(usize, u32)> = as_completed(pending.into_iter().map(|(_, task)| task))
        .map(|(i, r)| (i, r.unwrap()))
        .collect();
    assert_eq!(again, [(0, 0)]);
}

#[test]
fn pool_and_dedicated_tasks_mix_in_wait_and_as_completed() {
    #[spawn(threads = 1)]
    fn on_pool(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }
    #[spawn(dedicated, name = "mixed-dedicated")]
    fn on_thread(seen: Seen, gate: Option<Gate>, value: u32) -> u32 {
        seen.body(gate, value)
    }

    let seen = Seen::default();
    let pool_gate = Gate::new();
    let thread_gate = Gate::new();
    let tasks = vec![
        on_pool(seen.clone(), Some(pool_gate.clone()), 1),
        on_thread(seen.clone(), Some(thread_gate.clone()), 2),
    ];
    thread_gate.open();
    let waited = within("wait", move || wait(tasks, Wait::FirstCompleted, None));
    assert_eq!(positions(&waited), (vec![1], vec![0]));
    assert_eq!(waited.done[0].1.as_ref().unwrap(), &2);

    let more = on_thread(seen.clone(), None, 3);
    pool_gate.open();
    let rest = waited.pending.into_iter().map(|(_, task)| task);
    let mut values: Vec<u32> = as_completed(rest.chain([more]))
        .map(|(_, r)| r.unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, [1, 3]);
}

#[test]
fn tasks_waited_and_as_completed_are_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Task<u32>>();
    assert_send::<Waited<u32>>();
    assert_send::<AsCompleted<u32>>();
    assert_send::<TaskError>();
}

// --- process calls -------------------------------------------------------------

/// Blocks in a worker process until `release` exists (bounded: about a
/// minute), then returns the worker's pid. Files are the gate across the
/// process boundary. It shares its one-worker pool with `worker_pid`.
#[decor::spawn(processes = 1, pool = "futures-cancel")]
fn held_in_a_worker(started: String, release: String) -> u32 {
    std::fs::write(&started, b"started").unwrap();
    for _ in 0..60_000 {
        if std::path::Path::new(&release).exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::process::id()
}

#[decor::spawn(processes = 1, pool = "futures-cancel")]
fn worker_pid() -> u32 {
    std::process::id()
}

#[test]
fn cancelling_a_running_process_call_kills_its_worker_and_fails_only_that_call() {
    let dir = std::env::temp_dir().join(format!("decor-futures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = dir.join("started").to_string_lossy().into_owned();
    let release = dir.join("release").to_string_lossy().into_owned();
    let before = worker_pid().join().unwrap();

    let task = held_in_a_worker(started.clone(), release.clone());
    wait_until("the call started in its worker", || {
        std::path::Path::new(&started).exists()
    });
    assert!(task.cancel(), "a running process call is stopped");
    assert!(task.is_cancelled());
    let error = error_of(task.join());
    assert!(error.is_cancelled(), "{error}");

    // The worker that ran it is gone; a new one serves the next call.
    let after = within("a call after the cancel", || worker_pid().join().unwrap());
    assert_ne!(before, after, "the worker was replaced");
    wait_until("the cancelled call's worker is gone and reaped", || {
        !std::path::Path::new(&format!("/proc/{before}")).exists()
    });

    // A process call that has finished cannot be cancelled.
    let finished = worker_pid();
    wait_until("finished", || finished.is_finished());
    assert!(!finished.cancel());
    std::fs::remove_dir_all(&dir).unwrap();
}
