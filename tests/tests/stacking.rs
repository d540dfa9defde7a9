//! What each order of decorators means when one of them moves the body to
//! another thread (`#[spawn]`, `#[parallel]`). As in Python, the topmost
//! attribute is outermost:
//!
//! - `#[spawn] #[timed]`: `timed` is carried onto the body, so it times the
//!   *work*, on the pool thread; a panic in the work counts as a panic.
//! - `#[timed] #[spawn]`: `timed` wraps the decorated function, which only
//!   *submits* the work and returns a `Task`: one call per submission,
//!   counted before the work has even started.
//! - `#[spawn] #[logged]`: the span and the entry/exit events happen on the
//!   pool thread, around the work, with the real return value.
//! - `#[logged] #[spawn]`: they happen on the caller, around the submission;
//!   the logged return value is the `Task`.
//! - `#[parallel] #[timed]` / `#[parallel] #[logged]`: once per *chunk*, on
//!   the pool threads, seeing each chunk.
//! - `#[timed] #[parallel]` / `#[logged] #[parallel]`: once per *call*, on
//!   the caller, seeing the whole input and the combined result.
//! - `#[spawn] #[synchronized]`: the lock is taken around the work on the
//!   pool; `#[synchronized] #[spawn]` only around the submission.
//!
//! Log lines are captured by a global subscriber (pool threads do not see a
//! thread-local one), installed by every test before it logs; each test
//! looks only at the lines of its own functions.

mod common;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use common::{quiet_panics, thread_name, wait_until, Buffer, Gate, EXPECTED};
use decor::timers::{self, TimerStats};
use decor::{join_all, logged, parallel, spawn, synchronized, timed, Task};

/// The global capture, installed on first use.
fn logs() -> &'static Buffer {
    static BUFFER: OnceLock<Buffer> = OnceLock::new();
    BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(buffer.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_thread_names(true)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("only this binary's tests set the global subscriber");
        buffer
    })
}

/// Captured lines containing every needle.
fn lines_with(needles: &[&str]) -> Vec<String> {
    logs()
        .text()
        .lines()
        .filter(|line| needles.iter().all(|needle| line.contains(needle)))
        .map(str::to_owned)
        .collect()
}

/// How this thread appears in a log line: by its name (libtest names each
/// test's thread after the test).
fn this_thread() -> String {
    let name = thread_name();
    assert!(!name.is_empty(), "the test thread has a name");
    format!(" {name} ")
}

fn stats(function: &str) -> Option<TimerStats> {
    timers::get(&format!("stacking::{function}"))
}

fn calls(function: &str) -> u64 {
    stats(function).map_or(0, |s| s.calls())
}

// --- spawn × timed ------------------------------------------------------------

#[spawn(threads = 2)]
#[timed]
fn timed_work(gate: Gate, fail: bool) -> u32 {
    gate.wait();
    if fail {
        panic!("timed work {EXPECTED}");
    }
    1
}

#[test]
fn spawn_over_timed_times_the_work_on_the_pool() {
    logs();
    quiet_panics();
    let gate = Gate::new();
    let tasks: Vec<Task<u32>> = (0..3).map(|_| timed_work(gate.clone(), false)).collect();
    assert_eq!(calls("timed_work"), 0, "submitted, not yet worked");
    gate.open();
    let values: Vec<u32> = join_all(tasks).into_iter().map(Result::unwrap).collect();
    assert_eq!(values, [1, 1, 1]);
    let s = stats("timed_work").expect("named module::function");
    assert_eq!((s.calls(), s.panics()), (3, 0));

    let error = timed_work(gate, true).join().unwrap_err();
    assert!(error.is_panic());
    let s = stats("timed_work").unwrap();
    assert_eq!((s.calls(), s.panics()), (4, 1), "the panic is the work's");

    // #[timed]'s per-call event comes from the pool thread.
    let events = lines_with(&["stacking::timed_work", "elapsed"]);
    assert_eq!(events.len(), 4, "{events:#?}");
    assert!(
        events.iter().all(|line| line.contains("decor-timed_work-")),
        "{events:#?}"
    );
}

#[timed]
#[spawn(threads = 2)]
fn timed_submit(gate: Gate, fail: bool) -> u32 {
    gate.wait();
    if fail {
        panic!("timed submit {EXPECTED}");
    }
    2
}

#[test]
fn timed_over_spawn_times_the_submission() {
    logs();
    quiet_panics();
    let gate = Gate::new();
    let tasks: Vec<Task<u32>> = (0..3).map(|_| timed_submit(gate.clone(), false)).collect();
    // Counted on submission, while every task is still held at the gate.
    assert_eq!(calls("timed_submit"), 3);
    assert!(tasks.iter().all(|task| !task.is_finished()));
    let s = stats("timed_submit").unwrap();
    assert_eq!((s.errors(), s.panics()), (0, 0));
    gate.open();
    for task in tasks {
        assert_eq!(task.join().unwrap(), 2);
    }
    assert_eq!(calls("timed_submit"), 3, "joining is not a call");

    // A panic in the work is not a panic of the submission.
    let open = Gate::new();
    open.open();
    let error = timed_submit(open, true).join().unwrap_err();
    assert!(error.is_panic());
    let s = stats("timed_submit").unwrap();
    assert_eq!((s.calls(), s.panics()), (4, 0));

    let here = this_thread();
    let events = lines_with(&["stacking::timed_submit", "elapsed"]);
    assert_eq!(events.len(), 4, "{events:#?}");
    assert!(
        events.iter().all(|line| line.contains(&here)),
        "{events:#?}"
    );
}

// --- spawn × logged -----------------------------------------------------------

#[spawn(threads = 2)]
#[logged]
fn logged_work(x: u32) -> u32 {
    tracing::info!(marker = "inside logged_work");
    x * 2
}

#[test]
fn spawn_over_logged_logs_inside_the_pool_thread() {
    logs();
    assert_eq!(logged_work(21).join().unwrap(), 42);
    let call = lines_with(&["logged_work: stacking: call x=21"]);
    assert_eq!(call.len(), 1, "{call:#?}");
    assert!(call[0].contains("decor-logged_work-"), "{}", call[0]);
    let exit = lines_with(&["logged_work: stacking: return return=42"]);
    assert_eq!(exit.len(), 1, "{exit:#?}");
    assert!(exit[0].contains("decor-logged_work-"), "{}", exit[0]);
    // The body's own event is inside the span.
    let inside = lines_with(&["inside logged_work"]);
    assert_eq!(inside.len(), 1);
    assert!(inside[0].contains("logged_work:"), "{}", inside[0]);
    assert!(inside[0].contains("decor-logged_work-"), "{}", inside[0]);
}

#[logged]
#[spawn(threads = 2)]
fn logged_submit(gate: Gate, x: u32) -> u32 {
    tracing::info!(marker = "inside logged_submit");
    gate.wait();
    x + 1
}

#[test]
fn logged_over_spawn_logs_the_submission_on_the_caller() {
    logs();
    let here = this_thread();
    let gate = Gate::new();
    let task = logged_submit(gate.clone(), 7);
    // Entry and exit are both logged before the work can finish.
    let call = lines_with(&["logged_submit: stacking: call ", "x=7"]);
    assert_eq!(call.len(), 1, "{call:#?}");
    assert!(call[0].contains(&here), "{}", call[0]);
    assert!(call[0].contains("gate=Gate(open: false)"), "{}", call[0]);
    let exit = lines_with(&["logged_submit: stacking: return "]);
    assert_eq!(exit.len(), 1, "{exit:#?}");
    assert!(exit[0].contains(&here), "{}", exit[0]);
    assert!(exit[0].contains("return=Task"), "the Task: {}", exit[0]);
    gate.open();
    assert_eq!(task.join().unwrap(), 8);
    // The body's own event is on the pool, inside the span that was current
    // when it was submitted: logged's, which outlives its exit event.
    let inside = lines_with(&["inside logged_submit"]);
    assert_eq!(inside.len(), 1);
    assert!(inside[0].contains("decor-logged_submit-"), "{}", inside[0]);
    assert!(
        inside[0].contains(" logged_submit: stacking: marker="),
        "in the submission's span: {}",
        inside[0]
    );
    assert_eq!(lines_with(&["logged_submit: stacking: return "]).len(), 1);
}

// --- parallel × timed ---------------------------------------------------------

#[parallel(threads = 2, chunks = 4)]
#[timed]
fn timed_chunks(chunk: &[u32]) -> Vec<u32> {
    chunk.to_vec()
}

#[timed]
#[parallel(threads = 2, chunks = 4)]
fn timed_whole(chunk: &[u32]) -> Vec<u32> {
    chunk.to_vec()
}

#[test]
fn parallel_over_timed_times_each_chunk() {
    logs();
    let data: Vec<u32> = (0..40).collect();
    assert_eq!(timed_chunks(&data), data);
    assert_eq!(calls("timed_chunks"), 4, "one per chunk");
    assert_eq!(timed_chunks(&data), data);
    assert_eq!(calls("timed_chunks"), 8);
    let events = lines_with(&["stacking::timed_chunks", "elapsed"]);
    assert_eq!(events.len(), 8);
    assert!(
        events
            .iter()
            .all(|line| line.contains("decor-timed_chunks-")),
        "{events:#?}"
    );
}

#[test]
fn timed_over_parallel_times_the_whole_call() {
    logs();
    let data: Vec<u32> = (0..40).collect();
    assert_eq!(timed_whole(&data), data);
    assert_eq!(timed_whole(&data), data);
    assert_eq!(calls("timed_whole"), 2, "one per call");
    let here = this_thread();
    let events = lines_with(&["stacking::timed_whole", "elapsed"]);
    assert_eq!(events.len(), 2);
    assert!(
        events.iter().all(|line| line.contains(&here)),
        "{events:#?}"
    );
}

// --- parallel × logged --------------------------------------------------------

#[parallel(threads = 2, chunks = 3, reduce = |a, b| a + b)]
#[logged]
fn logged_chunks(chunk: &[u32]) -> u32 {
    chunk.iter().sum()
}

#[logged]
#[parallel(threads = 2, chunks = 3, reduce = |a, b| a + b)]
fn logged_whole(chunk: &[u32]) -> u32 {
    chunk.iter().sum()
}

#[test]
fn parallel_over_logged_logs_each_chunk_on_the_pool() {
    logs();
    assert_eq!(logged_chunks(&[1, 2, 3, 4, 5, 6]), 21);
    let calls = lines_with(&["logged_chunks: stacking: call "]);
    assert_eq!(calls.len(), 3, "{calls:#?}");
    for line in &calls {
        assert!(line.contains("decor-logged_chunks-"), "{line}");
    }
    for chunk in ["chunk=[1, 2]", "chunk=[3, 4]", "chunk=[5, 6]"] {
        assert_eq!(lines_with(&["logged_chunks", chunk]).len(), 1, "{chunk}");
    }
    let exits = lines_with(&["logged_chunks: stacking: return "]);
    assert_eq!(exits.len(), 3);
    for sum in ["return=3 ", "return=7 ", "return=11 "] {
        assert_eq!(lines_with(&["logged_chunks", sum]).len(), 1, "{sum}");
    }
}

#[test]
fn logged_over_parallel_logs_the_whole_call_on_the_caller() {
    logs();
    let here = this_thread();
    assert_eq!(logged_whole(&[10, 20, 30, 40, 50, 60]), 210);
    let calls = lines_with(&["logged_whole: stacking: call "]);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert!(
        calls[0].contains("chunk=[10, 20, 30, 40, 50, 60]"),
        "{}",
        calls[0]
    );
    assert!(calls[0].contains(&here), "{}", calls[0]);
    let exits = lines_with(&["logged_whole: stacking: return "]);
    assert_eq!(exits.len(), 1, "{exits:#?}");
    assert!(exits[0].contains("return=210"), "{}", exits[0]);
    assert!(exits[0].contains(&here), "{}", exits[0]);
}

// --- spawn / parallel × synchronized ------------------------------------------

/// `counter += 1` as a separate load and store, which loses updates unless
/// calls are excluded from each other.
fn unguarded_increment(counter: &AtomicU64) {
    let seen = counter.load(Ordering::Relaxed);
    std::thread::yield_now();
    counter.store(seen + 1, Ordering::Relaxed);
}

static SPAWNED_LOCKED: AtomicU64 = AtomicU64::new(0);

#[spawn(threads = 4)]
#[synchronized]
fn locked_work() {
    unguarded_increment(&SPAWNED_LOCKED);
}

#[test]
fn spawn_over_synchronized_locks_the_work() {
    for result in join_all((0..2_000).map(|_| locked_work())) {
        result.unwrap();
    }
    assert_eq!(SPAWNED_LOCKED.load(Ordering::SeqCst), 2_000);
}

#[synchronized]
#[spawn(threads = 2)]
fn locked_submit(inside: Arc<AtomicUsize>, gate: Gate) {
    inside.fetch_add(1, Ordering::SeqCst);
    gate.wait();
}

#[test]
fn synchronized_over_spawn_locks_only_the_submission() {
    let inside = Arc::new(AtomicUsize::new(0));
    let gate = Gate::new();
    let first = locked_submit(inside.clone(), gate.clone());
    let second = locked_submit(inside.clone(), gate.clone());
    // Both bodies run at once: the lock was released on submission.
    wait_until("both bodies inside", || inside.load(Ordering::SeqCst) == 2);
    gate.open();
    first.join().unwrap();
    second.join().unwrap();
}

static CHUNKS_LOCKED: AtomicU64 = AtomicU64::new(0);

#[parallel(threads = 4, chunks = 8)]
#[synchronized]
fn locked_chunks(chunk: &[u8]) {
    for _ in chunk {
        unguarded_increment(&CHUNKS_LOCKED);
    }
}

#[test]
fn parallel_over_synchronized_locks_each_chunk() {
    for _ in 0..10 {
        locked_chunks(&[0; 200]);
    }
    assert_eq!(CHUNKS_LOCKED.load(Ordering::SeqCst), 2_000);
}

#[test]
fn the_thread_names_used_above_are_pool_threads() {
    // A sanity check of the helper the assertions above rely on.
    #[spawn(threads = 1)]
    fn probe() -> String {
        thread_name()
    }
    assert_eq!(probe().join().unwrap(), "decor-probe-0");
}

// --- the pipeline: a whole stack in one expansion ------------------------------

/// Three decorators, with inert attributes between them, expand as one
/// stack in the order written: the timer sees the logging and the lock.
#[timed]
/// A doc comment between decor attributes does not end the stack.
#[logged(name = "stacking.three_deep")]
#[inline]
#[synchronized]
fn three_deep(x: u32) -> Result<u32, String> {
    if x == 0 {
        return Err("zero".into());
    }
    Ok(x * 2)
}

#[test]
fn a_stack_of_three_with_inert_attributes_between_them() {
    logs();
    assert_eq!(three_deep(4), Ok(8));
    assert!(three_deep(0).is_err());
    let stats = stats("three_deep").expect("timed");
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
    assert_eq!(
        lines_with(&["stacking.three_deep", "return return=Ok(8)"]).len(),
        1
    );
    assert_eq!(lines_with(&["stacking.three_deep", "error=zero"]).len(), 1);
}

/// A foreign attribute macro between decor attributes ends the stack: the
/// decor attribute below it expands later, on its own, on the code the
/// foreign macro wrote (so it ends up around that code, not inside it), and
/// every decorator still does its work.
#[timed]
#[tracing::instrument(name = "stacking.foreign_between", skip_all)]
#[logged(name = "stacking.below_foreign")]
fn foreign_between(x: u32) -> u32 {
    x + 1
}

#[test]
fn a_foreign_attribute_between_decor_attributes() {
    logs();
    assert_eq!(foreign_between(1), 2);
    assert_eq!(calls("foreign_between"), 1);
    let returns = lines_with(&["stacking.below_foreign", "return return=2"]);
    assert_eq!(returns.len(), 1, "{returns:#?}");
}
