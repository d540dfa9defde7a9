//! What `#[spawn]` does: the call returns a `Task` at once, the body runs on
//! a pool (or a dedicated thread), results and panics come back through the
//! task, and `as_completed` / `join_all` collect many tasks. Orders are made
//! deterministic with gates and channels, never with sleeps.

mod common;

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use common::{block_on, quiet_panics, thread_name, wait_until, within, Gate, EXPECTED, HANG};
use decor::{as_completed, join_all, spawn, Task, TaskError};

/// The `<i>` of a `decor-<pool>-<i>` thread name, checked against the pool.
fn worker_index(name: &str, pool: &str) -> usize {
    let index = name
        .strip_prefix(&format!("decor-{pool}-"))
        .unwrap_or_else(|| panic!("{name:?} is not a thread of pool {pool:?}"));
    index
        .parse()
        .unwrap_or_else(|_| panic!("{name:?} does not end in a worker index"))
}

#[spawn(threads = 2)]
fn square(x: u64) -> u64 {
    x * x
}

#[test]
fn results_come_back_through_join() {
    let tasks: Vec<Task<u64>> = (0..20).map(square).collect();
    let values: Vec<u64> = tasks.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(values, (0..20).map(|x| x * x).collect::<Vec<_>>());
}

#[spawn(threads = 2)]
fn unit_work(counter: Arc<AtomicUsize>) {
    counter.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn unit_functions_return_a_unit_task() {
    let counter = Arc::new(AtomicUsize::new(0));
    let task: Task<()> = unit_work(counter.clone());
    task.join().unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[spawn(threads = 2)]
fn checked_half(x: u32) -> u32 {
    if x % 2 == 1 {
        panic!("odd input {x} {EXPECTED}");
    }
    x / 2
}

#[test]
fn a_panic_becomes_a_task_error_and_the_pool_keeps_working() {
    quiet_panics();
    let error: TaskError = checked_half(7).join().unwrap_err();
    assert!(error.is_panic());
    assert!(!error.is_crash());
    assert!(!error.is_timeout());
    let message = format!("odd input 7 {EXPECTED}");
    assert_eq!(error.panic_message(), Some(message.as_str()));
    let shown = error.to_string();
    assert!(shown.contains(&message), "{shown}");
    // The error is a proper error type: boxed, sent, shared.
    let boxed: Box<dyn std::error::Error + Send + Sync + 'static> = Box::new(error.clone());
    assert_eq!(boxed.to_string(), shown);

    // Every worker is still there.
    let values: Vec<u32> = (0..10u32)
        .map(|x| checked_half(x * 2))
        .map(|t| t.join().unwrap())
        .collect();
    assert_eq!(values, (0..10).collect::<Vec<_>>());
}

#[spawn(threads = 2)]
fn panics_with_a_non_string() -> u8 {
    std::panic::panic_any(42_u32)
}

#[test]
fn a_non_string_panic_is_still_a_panic() {
    quiet_panics();
    let error = panics_with_a_non_string().join().unwrap_err();
    assert!(error.is_panic());
    assert_eq!(error.panic_message(), Some("Box<dyn Any>"));
}

#[spawn(threads = 2)]
fn stress(i: u64, fail: bool) -> u64 {
    if fail {
        panic!("task {i} {EXPECTED}");
    }
    i * 3 + 1
}

#[test]
fn a_thousand_panics_then_ten_thousand_tasks_all_succeed() {
    quiet_panics();
    let failed = join_all((0..1_000).map(|i| stress(i, true)));
    assert_eq!(failed.len(), 1_000);
    for (i, result) in failed.into_iter().enumerate() {
        let error = result.unwrap_err();
        assert!(error.is_panic());
        assert_eq!(
            error.panic_message(),
            Some(format!("task {i} {EXPECTED}").as_str())
        );
    }
    let done = join_all((0..10_000).map(|i| stress(i, false)));
    let values: Vec<u64> = done.into_iter().map(Result::unwrap).collect();
    assert_eq!(values, (0..10_000).map(|i| i * 3 + 1).collect::<Vec<_>>());
}

// --- Where the body runs -------------------------------------------------

#[spawn(threads = 3)]
fn own_pool_thread() -> String {
    thread_name()
}

#[spawn(pool = "spawn-named")]
fn named_pool_thread() -> String {
    thread_name()
}

#[spawn]
fn default_pool_thread() -> String {
    thread_name()
}

#[spawn(threads = 1)]
fn r#raw_named() -> String {
    thread_name()
}

#[test]
fn pool_threads_are_named_decor_pool_index() {
    for _ in 0..10 {
        let own = own_pool_thread().join().unwrap();
        assert!(worker_index(&own, "own_pool_thread") < 3, "{own}");
    }
    let named = named_pool_thread().join().unwrap();
    worker_index(&named, "spawn-named");
    let default = default_pool_thread().join().unwrap();
    worker_index(&default, "default");
    assert_eq!(raw_named().join().unwrap(), "decor-raw_named-0");
}

#[test]
fn a_threads_pool_runs_its_n_threads_at_once() {
    // Three tasks that each wait until all three have started: this only
    // finishes if the pool really has three threads.
    #[spawn(threads = 3)]
    fn rendezvous(arrived: Arc<AtomicUsize>) -> String {
        arrived.fetch_add(1, Ordering::SeqCst);
        wait_until("three tasks at once", || {
            arrived.load(Ordering::SeqCst) >= 3
        });
        thread_name()
    }
    let arrived = Arc::new(AtomicUsize::new(0));
    let names: BTreeSet<String> = join_all((0..3).map(|_| rendezvous(arrived.clone())))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let expected: BTreeSet<String> = (0..3).map(|i| format!("decor-rendezvous-{i}")).collect();
    assert_eq!(names, expected);
}

#[spawn(dedicated, name = "capture-loop")]
fn dedicated_named() -> String {
    thread_name()
}

#[spawn(dedicated)]
fn dedicated_unnamed() -> String {
    thread_name()
}

#[test]
fn dedicated_runs_on_a_new_thread_named_by_name() {
    assert_eq!(dedicated_named().join().unwrap(), "capture-loop");
    assert_eq!(
        dedicated_unnamed().join().unwrap(),
        "dedicated_unnamed",
        "without `name`, the thread is named after the function"
    );
    let here = std::thread::current().id();
    #[spawn(dedicated)]
    fn which() -> std::thread::ThreadId {
        std::thread::current().id()
    }
    let first = which().join().unwrap();
    let second = which().join().unwrap();
    assert_ne!(first, here);
    assert_ne!(first, second, "a new thread per call");
}

// --- The Task handle -------------------------------------------------------

#[spawn(threads = 4)]
fn gated(gate: Gate, value: u32) -> u32 {
    gate.wait();
    value
}

#[test]
fn a_task_is_a_future() {
    let gate = Gate::new();
    gate.open();
    assert_eq!(block_on(gated(gate.clone(), 5)).unwrap(), 5);

    // Several tasks awaited from one async block.
    let tasks: Vec<Task<u32>> = (0..4).map(|v| gated(gate.clone(), v)).collect();
    let sum = block_on(async move {
        let mut sum = 0;
        for task in tasks {
            sum += task.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, 6);
}

/// A waker that reports each wake on a channel.
struct ChannelWaker(Mutex<Sender<()>>);

impl Wake for ChannelWaker {
    fn wake(self: Arc<Self>) {
        let _ = self.0.lock().unwrap().send(());
    }
}

fn assert_unpin<T: Unpin>(_: &T) {}

#[test]
fn a_pending_task_wakes_its_waker_when_it_completes() {
    let (sender, woken): (Sender<()>, Receiver<()>) = channel();
    let waker = Waker::from(Arc::new(ChannelWaker(Mutex::new(sender))));
    let mut cx = Context::from_waker(&waker);

    let gate = Gate::new();
    let mut task = gated(gate.clone(), 9);
    assert_unpin(&task);
    assert!(Pin::new(&mut task).poll(&mut cx).is_pending());
    assert!(woken.try_recv().is_err(), "no wake before completion");
    gate.open();
    woken
        .recv_timeout(HANG)
        .expect("completion wakes the waker");
    match Pin::new(&mut task).poll(&mut cx) {
        Poll::Ready(result) => assert_eq!(result.unwrap(), 9),
        Poll::Pending => panic!("woken, yet still pending"),
    }
}

#[test]
fn a_task_error_also_comes_through_await() {
    quiet_panics();
    let error = block_on(checked_half(3)).unwrap_err();
    assert!(error.is_panic());
}

#[test]
fn join_timeout_gives_the_task_back_then_join_works() {
    let gate = Gate::new();
    let task = gated(gate.clone(), 11);
    let task = match task.join_timeout(Duration::from_millis(5)) {
        Ok(result) => panic!("the gate is closed, yet the task finished: {result:?}"),
        Err(task) => task,
    };
    assert!(!task.is_finished());
    gate.open();
    assert_eq!(task.join().unwrap(), 11);

    // A finished task is returned at once, whatever the limit.
    let done = gated(gate.clone(), 12);
    wait_until("task finished", || done.is_finished());
    match done.join_timeout(Duration::ZERO) {
        Ok(result) => assert_eq!(result.unwrap(), 12),
        Err(_) => panic!("a finished task is not given back"),
    }
}

#[test]
fn join_timeout_with_an_unbounded_limit_waits_like_join() {
    let gate = Gate::new();
    gate.open();
    match gated(gate, 13).join_timeout(Duration::MAX) {
        Ok(result) => assert_eq!(result.unwrap(), 13),
        Err(_) => panic!("an unbounded wait gave the task back"),
    }
}

#[test]
fn is_finished_turns_true_without_joining() {
    let gate = Gate::new();
    let task = gated(gate.clone(), 1);
    assert!(!task.is_finished());
    assert!(format!("{task:?}").contains("false"), "{task:?}");
    gate.open();
    wait_until("task finished", || task.is_finished());
    assert!(task.is_finished(), "stays finished");
    assert_eq!(task.join().unwrap(), 1);
}

#[spawn(threads = 2)]
fn reports(gate: Gate, done: Sender<&'static str>) -> u8 {
    gate.wait();
    done.send("ran").unwrap();
    7
}

#[test]
fn dropping_a_task_detaches_it_and_the_work_still_runs() {
    let gate = Gate::new();
    let (sender, receiver) = channel();
    drop(reports(gate.clone(), sender));
    // The task is gone before the work can start.
    gate.open();
    assert_eq!(receiver.recv_timeout(HANG), Ok("ran"));
}

// --- as_completed and join_all --------------------------------------------

/// `gated`, on a pool of its own: the ordering test holds all four threads.
#[spawn(threads = 4)]
fn gated_in_order(gate: Gate, value: u32) -> u32 {
    gate.wait();
    value
}

#[test]
fn as_completed_yields_in_completion_order_with_input_positions() {
    let gates: Vec<Gate> = (0..4).map(|_| Gate::new()).collect();
    let tasks: Vec<Task<u32>> = gates
        .iter()
        .enumerate()
        .map(|(i, gate)| gated_in_order(gate.clone(), 100 + i as u32))
        .collect();
    let mut completed = as_completed(tasks);
    assert_eq!(completed.len(), 4);
    let mut seen = Vec::new();
    for index in [2, 0, 3, 1] {
        gates[index].open();
        let (i, result) = completed.next().unwrap();
        seen.push(i);
        assert_eq!(result.unwrap(), 100 + i as u32);
    }
    assert_eq!(seen, [2, 0, 3, 1]);
    assert!(completed.next().is_none());
}

#[test]
fn as_completed_counts_tasks_finished_before_it_was_called() {
    let open = Gate::new();
    open.open();
    let first = gated(open.clone(), 1);
    wait_until("task finished", || first.is_finished());
    let closed = Gate::new();
    let second = gated(closed.clone(), 2);
    let mut completed = as_completed(vec![second, first]);
    let (index, result) = completed.next().unwrap();
    assert_eq!((index, result.unwrap()), (1, 1), "already done: first");
    closed.open();
    let (index, result) = completed.next().unwrap();
    assert_eq!((index, result.unwrap()), (0, 2));
    assert!(completed.next().is_none());
}

#[spawn(threads = 3)]
fn busy(i: usize) -> usize {
    // Uneven amounts of work, so completion order differs from input order.
    let mut x = i as u64;
    for _ in 0..(i % 7) * 1_000 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
    }
    std::hint::black_box(x);
    if i % 10 == 3 {
        panic!("task {i} {EXPECTED}");
    }
    i * 2
}

#[test]
fn as_completed_yields_every_index_exactly_once() {
    quiet_panics();
    let mut indexes = Vec::new();
    for (i, result) in as_completed((0..300).map(busy)) {
        indexes.push(i);
        match result {
            Ok(value) => assert_eq!(value, i * 2),
            Err(error) => {
                assert_eq!(i % 10, 3, "only these panic");
                assert_eq!(
                    error.panic_message(),
                    Some(format!("task {i} {EXPECTED}").as_str())
                );
            }
        }
    }
    indexes.sort_unstable();
    assert_eq!(indexes, (0..300).collect::<Vec<_>>());
}

#[test]
fn as_completed_of_nothing_is_empty() {
    assert_eq!(as_completed(Vec::<Task<u8>>::new()).count(), 0);
    assert!(join_all(Vec::<Task<u8>>::new()).is_empty());
}

#[spawn(threads = 4)]
fn gated_then_reports(gate: Gate, index: usize, done: Sender<usize>) -> usize {
    gate.wait();
    done.send(index).unwrap();
    index * 10
}

#[test]
fn join_all_keeps_input_order_whatever_the_completion_order() {
    let gates: Vec<Gate> = (0..4).map(|_| Gate::new()).collect();
    let (done, finished) = channel();
    let tasks: Vec<Task<usize>> = gates
        .iter()
        .enumerate()
        .map(|(i, gate)| gated_then_reports(gate.clone(), i, done.clone()))
        .collect();
    // Open the gates last to first, each after the previous task finished.
    let opener = std::thread::spawn(move || {
        let mut order = Vec::new();
        for gate in gates.iter().rev() {
            gate.open();
            order.push(finished.recv_timeout(HANG).unwrap());
        }
        order
    });
    let results = within("join_all", move || join_all(tasks));
    assert_eq!(opener.join().unwrap(), [3, 2, 1, 0], "completion order");
    let values: Vec<usize> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(values, [0, 10, 20, 30], "input order");
}

// --- Recursion inside the body ---------------------------------------------

static FIB_CALLS: AtomicUsize = AtomicUsize::new(0);

#[spawn(threads = 2)]
fn fib(n: u64) -> u64 {
    FIB_CALLS.fetch_add(1, Ordering::SeqCst);
    // `fib` here is the undecorated function: it returns `u64`, not a
    // `Task`, or this would not compile.
    if n < 2 {
        n
    } else {
        fib(n - 1) + fib(n - 2)
    }
}

#[test]
fn a_recursive_call_in_the_body_calls_the_undecorated_function() {
    assert_eq!(fib(15).join().unwrap(), 610);
    // fib(n) makes 2·fib(n+1) − 1 calls: 2·987 − 1.
    assert_eq!(FIB_CALLS.load(Ordering::SeqCst), 1_973);
}

#[spawn(threads = 2)]
fn threads_down(depth: u32) -> Vec<String> {
    let mut names = vec![thread_name()];
    if depth > 0 {
        names.extend(threads_down(depth - 1));
    }
    names
}

#[test]
fn recursion_stays_on_the_worker_that_started_it() {
    let names = threads_down(20).join().unwrap();
    assert_eq!(names.len(), 21);
    worker_index(&names[0], "threads_down");
    assert!(
        names.iter().all(|name| name == &names[0]),
        "no pool hop per level: {names:?}"
    );
}

// --- Signatures ------------------------------------------------------------

struct Counter {
    hits: AtomicUsize,
}

impl Counter {
    #[spawn(threads = 2)]
    fn hit(self: Arc<Self>, by: usize) -> usize {
        self.hits.fetch_add(by, Ordering::SeqCst) + by
    }

    #[spawn(threads = 2)]
    fn into_hits(self) -> usize {
        self.hits.into_inner()
    }
}

#[test]
fn methods_taking_an_arc_or_self_by_value() {
    let counter = Arc::new(Counter {
        hits: AtomicUsize::new(0),
    });
    let results = join_all((1..=4).map(|by| counter.clone().hit(by)));
    assert_eq!(results.len(), 4);
    assert_eq!(counter.hits.load(Ordering::SeqCst), 10);
    let owned = Counter {
        hits: AtomicUsize::new(5),
    };
    assert_eq!(owned.into_hits().join().unwrap(), 5);
}

#[spawn]
fn generic_pair<A: Send + 'static, B: Send + 'static>((a, b): (A, B)) -> (B, A) {
    (b, a)
}

#[test]
fn generic_functions_and_patterns_in_parameters() {
    assert_eq!(generic_pair((1u8, "x")).join().unwrap(), ("x", 1u8));
    assert_eq!(
        generic_pair((String::from("a"), vec![2])).join().unwrap(),
        (vec![2], String::from("a"))
    );
}

#[spawn(threads = 2)]
fn fallible(x: i32) -> Result<i32, String> {
    if x < 0 {
        return Err(format!("negative: {x}"));
    }
    Ok(x)
}

#[test]
fn an_err_return_is_a_value_not_a_task_error() {
    assert_eq!(fallible(3).join().unwrap(), Ok(3));
    assert_eq!(fallible(-1).join().unwrap(), Err("negative: -1".to_owned()));
}
