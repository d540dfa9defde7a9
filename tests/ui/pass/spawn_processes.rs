//! `#[spawn(processes = N)]`: calls run in worker processes (another pid),
//! `String` and serde-struct arguments cross, results come back through
//! `Task`, `join_all` and `as_completed`; a panic is the task's error and the
//! worker carries on; `timeout` fails a call that runs too long and the pool
//! serves the next one; decorators below `#[spawn]` run in the worker.
//! Hygiene: parameters named like the expansion's internals, a crate-root
//! `type Result` and `mod core`, `#![deny(warnings)]`, `#![forbid(unsafe_code)]`.

#![deny(warnings)]
#![forbid(unsafe_code)]

use serde::{Deserialize, Serialize};
use std::time::Duration;

#[allow(dead_code)]
type Result = ();

#[allow(dead_code)]
mod core {
    pub struct Shadow;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Job {
    name: String,
    weights: Vec<u32>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Report {
    name: String,
    total: u64,
    pid: u32,
}

#[decor::spawn(processes = 2)]
fn fib(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_plain(n - 1) + fib_plain(n - 2)
    }
}

fn fib_plain(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_plain(n - 1) + fib_plain(n - 2)
    }
}

#[decor::spawn(processes = 2)]
fn run(greeting: String, job: Job, scale: u64) -> Report {
    Report {
        name: format!("{greeting} {}", job.name),
        total: job.weights.iter().map(|w| u64::from(*w) * scale).sum(),
        pid: std::process::id(),
    }
}

#[decor::spawn(processes = 2)]
fn pid() -> u32 {
    std::process::id()
}

/// In a worker: keeps the panics these tests expect off stderr (the
/// parent's panic hook does not reach the workers).
fn quiet_panics() {
    std::panic::set_hook(Box::new(|_| {}));
}

#[decor::spawn(processes = 1)]
fn unit_result(n: u8) {
    if n >= 10 {
        quiet_panics();
    }
    assert!(n < 10, "n = {n} is too big");
}

#[decor::spawn(processes = 2)]
fn explode(message: String) -> (u32, u8) {
    if !message.is_empty() {
        quiet_panics();
        panic!("{message}");
    }
    (std::process::id(), 0)
}

#[decor::spawn(processes = 1, timeout = "2s")]
fn sleepy(millis: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(millis));
    millis
}

#[decor::spawn(processes = 2)]
#[decor::timed]
fn timed_square(x: u64) -> u64 {
    x * x
}

// Parameters named like the expansion's locals.
#[decor::spawn(processes = 2)]
fn shadowing(
    frame: u64,
    request: String,
    arguments: Vec<u8>,
    result: Option<i32>,
    input: (u8, bool),
) -> String {
    format!("{frame} {request} {arguments:?} {result:?} {input:?}")
}

// Patterns in parameters are kept by the inner copy.
#[decor::spawn(processes = 1)]
fn patterns((a, b): (u32, u32), Job { name, .. }: Job, mut extra: Vec<u32>) -> String {
    extra.push(a + b);
    format!("{name}: {extra:?}")
}

// Shared references are encoded during the call, so they may be borrowed.
#[decor::spawn(processes = 1)]
fn borrowed(text: &str, items: &[u32], job: &Job) -> usize {
    text.len() + items.len() + job.name.len()
}

fn main() {
    let parent = std::process::id();
    {
        let text = String::from("abc");
        let job = Job { name: "jj".into(), weights: vec![3] };
        let task = borrowed(&text, &[1, 2], &job);
        drop((text, job));
        assert_eq!(task.join().unwrap(), 7);
    }

    // Plain values, in a worker process.
    assert_eq!(fib(20).join().unwrap(), 6765);
    let task: decor::Task<u32> = pid();
    let worker = task.join().unwrap();
    assert_ne!(worker, parent);

    // `join_all` keeps input order; the pool has two workers, both other
    // processes than this one.
    let results = decor::join_all((0..10).map(fib));
    let values: Vec<u64> = results.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(values, [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]);
    let pids: Vec<u32> = decor::join_all((0..8).map(|_| pid()))
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert!(pids.iter().all(|p| *p != parent));

    // `String` and struct arguments, a struct result.
    let job = Job {
        name: "sum".to_owned(),
        weights: vec![1, 2, 3],
    };
    let report = run("hello".to_owned(), job.clone(), 10).join().unwrap();
    assert_eq!(report.name, "hello sum");
    assert_eq!(report.total, 60);
    assert_ne!(report.pid, parent);

    // `as_completed` yields every task once, with its position.
    let tasks: Vec<_> = (0..4)
        .map(|n| run(format!("#{n}"), job.clone(), n))
        .collect();
    let mut seen: Vec<(usize, u64)> = decor::as_completed(tasks)
        .map(|(position, report)| (position, report.unwrap().total))
        .collect();
    seen.sort();
    assert_eq!(seen, [(0, 0), (1, 6), (2, 12), (3, 18)]);

    // A unit result.
    unit_result(1).join().unwrap();

    // A panic is the task's error; the worker that panicked serves on.
    let error = explode("boom".into()).join().unwrap_err();
    assert!(error.is_panic());
    assert!(!error.is_crash() && !error.is_timeout());
    assert_eq!(error.panic_message(), Some("boom"));
    assert_eq!(error.to_string(), "task panicked: boom");
    let (served_by, zero) = explode(String::new()).join().unwrap();
    assert_eq!(zero, 0);
    assert_ne!(served_by, parent);
    let error = unit_result(200).join().unwrap_err();
    assert_eq!(error.panic_message(), Some("n = 200 is too big"));
    unit_result(2).join().unwrap();

    // `timeout`: the slow call fails, its worker is replaced, the pool
    // serves the next call.
    assert_eq!(sleepy(1).join().unwrap(), 1);
    let error = sleepy(60_000).join().unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(!error.is_panic() && !error.is_crash());
    assert_eq!(sleepy(2).join().unwrap(), 2);

    // `#[timed]` below `#[spawn]` runs in the worker, and its calls count
    // here.
    let squares: Vec<u64> = decor::join_all((1..=4).map(timed_square))
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(squares, [1, 4, 9, 16]);
    let timed = decor::timers::get(concat!(module_path!(), "::timed_square")).unwrap();
    assert_eq!((timed.calls(), timed.errors()), (4, 0));

    // Hygiene.
    assert_eq!(
        shadowing(1, "req".to_owned(), vec![2, 3], Some(-4), (5, true))
            .join()
            .unwrap(),
        "1 req [2, 3] Some(-4) (5, true)"
    );
    assert_eq!(
        patterns((1, 2), job, vec![7]).join().unwrap(),
        "sum: [7, 3]"
    );

    // Awaited as a `Future`.
    assert_eq!(futures_executor::block_on(fib(10)).unwrap(), 55);
}
