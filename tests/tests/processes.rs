//! What `processes = N` does on `#[spawn]` and `#[parallel]`, run inside an
//! ordinary `cargo test` binary (so this file also proves worker processes
//! start from a libtest harness): values of many types cross and come back,
//! calls run in at most N other processes, and panics, crashes and timeouts
//! fail only the call they hit while the pool stays whole.
//!
//! Each test has functions of its own, so each has pools of its own: tests
//! running at once never share (or crash) each other's workers. Orders are
//! made deterministic by what a pool guarantees (one worker runs its calls in
//! order), never by sleeps; the only deadlines are fail-safes.

mod common;
mod procfs;

use std::collections::BTreeSet;
use std::ops::Range;
use std::panic::catch_unwind;

use common::{quiet_panics, EXPECTED};
use decor::{as_completed, join_all, parallel, spawn, Task, TaskError};
use serde::{Deserialize, Serialize};

/// The parent of the process `pid`, from `/proc`.
fn parent_of(pid: u32) -> u32 {
    procfs::stat(pid)
        .unwrap_or_else(|| panic!("no process {pid}"))
        .ppid
}

// --- Values of many types cross and come back -------------------------------

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Point {
    x: i32,
    y: i32,
    label: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
enum Shape {
    Circle { center: Point, radius: f64 },
    Polygon(Vec<Point>),
    Empty,
}

#[spawn(processes = 1)]
fn add(a: u64, b: u64) -> u64 {
    a + b
}

#[spawn(processes = 1)]
fn shout(text: String) -> String {
    format!("{}!", text.to_uppercase())
}

#[spawn(processes = 1)]
fn reversed(bytes: Vec<u8>) -> Vec<u8> {
    bytes.into_iter().rev().collect()
}

#[spawn(processes = 1)]
fn moved(point: Point, by: (i32, i32)) -> Point {
    Point {
        x: point.x + by.0,
        y: point.y + by.1,
        label: format!("{} moved", point.label),
    }
}

#[spawn(processes = 1)]
fn transformed(shape: Shape) -> Shape {
    match shape {
        Shape::Circle { center, radius } => Shape::Circle {
            center,
            radius: radius * 2.0,
        },
        Shape::Polygon(points) if points.is_empty() => Shape::Empty,
        Shape::Polygon(mut points) => {
            points.reverse();
            Shape::Polygon(points)
        }
        Shape::Empty => Shape::Polygon(Vec::new()),
    }
}

#[spawn(processes = 1)]
fn first_even(values: Option<Vec<i64>>) -> Option<i64> {
    values?.into_iter().find(|v| v % 2 == 0)
}

#[spawn(processes = 1)]
fn unpacked(pair: (String, u8), flag: bool) -> (u8, String, bool, ()) {
    (pair.1.wrapping_mul(2), pair.0.repeat(2), !flag, ())
}

#[spawn(processes = 1)]
fn require_positive(x: i64) {
    if x <= 0 {
        quiet_panics();
        panic!("{x} is not positive {EXPECTED}");
    }
}

#[spawn(processes = 1)]
fn no_arguments() -> String {
    "nothing in, something out".to_owned()
}

#[test]
fn values_of_many_types_cross_and_come_back() {
    assert_eq!(add(40, 2).join().unwrap(), 42);
    assert_eq!(add(u64::MAX - 1, 1).join().unwrap(), u64::MAX);
    assert_eq!(shout("héllo wörld".into()).join().unwrap(), "HÉLLO WÖRLD!");
    assert_eq!(shout(String::new()).join().unwrap(), "!");
    assert_eq!(
        reversed(vec![1, 2, 3, 0, 255]).join().unwrap(),
        [255, 0, 3, 2, 1]
    );
    assert_eq!(reversed(Vec::new()).join().unwrap(), Vec::<u8>::new());

    let point = Point {
        x: -3,
        y: 7,
        label: "p".into(),
    };
    assert_eq!(
        moved(point.clone(), (10, -10)).join().unwrap(),
        Point {
            x: 7,
            y: -3,
            label: "p moved".into()
        }
    );

    let circle = Shape::Circle {
        center: point.clone(),
        radius: 1.25,
    };
    assert_eq!(
        transformed(circle).join().unwrap(),
        Shape::Circle {
            center: point.clone(),
            radius: 2.5
        }
    );
    let other = Point {
        x: 0,
        y: 0,
        label: String::new(),
    };
    assert_eq!(
        transformed(Shape::Polygon(vec![point.clone(), other.clone()]))
            .join()
            .unwrap(),
        Shape::Polygon(vec![other, point])
    );
    assert_eq!(
        transformed(Shape::Polygon(Vec::new())).join().unwrap(),
        Shape::Empty
    );
    assert_eq!(
        transformed(Shape::Empty).join().unwrap(),
        Shape::Polygon(Vec::new())
    );

    assert_eq!(
        first_even(Some(vec![1, 3, -4, 6])).join().unwrap(),
        Some(-4)
    );
    assert_eq!(first_even(Some(vec![1, 3])).join().unwrap(), None);
    assert_eq!(first_even(None).join().unwrap(), None);

    assert_eq!(
        unpacked(("ab".into(), 200), true).join().unwrap(),
        (144, "abab".to_owned(), false, ())
    );

    let unit: Task<()> = require_positive(5);
    unit.join().unwrap();
    // The unit function really ran in the worker: it can fail there.
    let error = require_positive(-1).join().unwrap_err();
    assert_eq!(
        error.panic_message(),
        Some(format!("-1 is not positive {EXPECTED}").as_str())
    );

    assert_eq!(no_arguments().join().unwrap(), "nothing in, something out");
}

#[spawn(processes = 1)]
fn read_stdin() -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).unwrap();
    text
}

#[test]
fn a_worker_reads_end_of_file_on_stdin() {
    assert_eq!(read_stdin().join().unwrap(), "");
}

// --- Where calls run --------------------------------------------------------

#[spawn(processes = 2)]
fn whose(i: u32) -> (u32, u32) {
    (i, std::process::id())
}

#[test]
fn calls_run_in_at_most_n_child_processes_kept_warm() {
    let me = std::process::id();
    let mut pids = BTreeSet::new();
    // Many calls in flight: the least busy worker takes each, so both serve.
    for (i, result) in join_all((0..200).map(whose)).into_iter().enumerate() {
        let (echo, pid) = result.unwrap();
        assert_eq!(echo as usize, i);
        pids.insert(pid);
    }
    // One at a time: the same warm workers, no new ones.
    for i in 0..50 {
        pids.insert(whose(i).join().unwrap().1);
    }
    assert_eq!(pids.len(), 2, "processes = 2 served by {pids:?}");
    for &pid in &pids {
        assert_ne!(pid, me, "a call ran in the calling process");
        assert_eq!(parent_of(pid), me, "worker {pid} is not our child");
    }
}

// --- Panics, crashes, timeouts ----------------------------------------------

/// What a call is asked to do in its worker.
#[derive(Serialize, Deserialize, Clone, Copy, Debug)]
enum Fate {
    Live,
    Panic,
    PanicAny,
    Abort,
    Exit(i32),
    Segfault,
    Sleep(u64),
    /// Sleeps this many milliseconds, then aborts: calls queue behind it
    /// meanwhile.
    AbortAfter(u64),
}

/// Meets `fate` and, if it lives, returns the worker's pid.
fn meet(fate: Fate) -> u32 {
    match fate {
        Fate::Live => {}
        Fate::Panic => {
            quiet_panics();
            panic!("asked to panic {EXPECTED}");
        }
        Fate::PanicAny => {
            quiet_panics_any();
            std::panic::panic_any(42_u32);
        }
        Fate::Abort => {
            no_core_dump();
            std::process::abort();
        }
        Fate::Exit(code) => std::process::exit(code),
        Fate::Segfault => {
            no_core_dump();
            // SAFETY: setting a signal's default action and raising it have
            // no memory-safety preconditions. The default action, so that
            // no handler (Rust's stack-overflow one) can catch it.
            unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::raise(libc::SIGSEGV);
            }
        }
        Fate::Sleep(millis) => std::thread::sleep(std::time::Duration::from_millis(millis)),
        Fate::AbortAfter(millis) => {
            std::thread::sleep(std::time::Duration::from_millis(millis));
            meet(Fate::Abort);
        }
    }
    std::process::id()
}

/// Keeps every panic of this worker off stderr (for payloads that carry no
/// [`EXPECTED`] message).
fn quiet_panics_any() {
    std::panic::set_hook(Box::new(|_| {}));
}

/// A worker about to crash leaves no core file behind.
fn no_core_dump() {
    let none = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `setrlimit` reads the struct it is given and nothing else.
    unsafe {
        libc::setrlimit(libc::RLIMIT_CORE, &none);
    }
}

#[spawn(processes = 1)]
fn panicking(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn a_panic_fails_the_call_and_the_same_worker_serves_the_next() {
    let worker = panicking(Fate::Live).join().unwrap();
    let error: TaskError = panicking(Fate::Panic).join().unwrap_err();
    assert!(error.is_panic());
    assert!(!error.is_crash());
    assert!(!error.is_timeout());
    let message = format!("asked to panic {EXPECTED}");
    assert_eq!(error.panic_message(), Some(message.as_str()));
    assert_eq!(error.to_string(), format!("task panicked: {message}"));
    assert_eq!(panicking(Fate::Live).join().unwrap(), worker);
    let error = panicking(Fate::PanicAny).join().unwrap_err();
    assert!(error.is_panic());
    assert_eq!(error.panic_message(), Some("Box<dyn Any>"));
    assert_eq!(panicking(Fate::Live).join().unwrap(), worker);
    // Many panics in a row do not wear the worker out.
    let results =
        join_all((0..50).map(|i| panicking(if i % 2 == 0 { Fate::Panic } else { Fate::Live })));
    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(pid) => assert_eq!((i % 2, pid), (1, worker)),
            Err(error) => assert_eq!((i % 2, error.panic_message()), (0, Some(message.as_str()))),
        }
    }
}

#[spawn(processes = 1)]
fn aborting(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn an_abort_is_a_crash_naming_sigabrt_and_the_pool_recovers() {
    let worker = aborting(Fate::Live).join().unwrap();
    let error = aborting(Fate::Abort).join().unwrap_err();
    assert!(error.is_crash(), "{error}");
    assert!(!error.is_panic());
    assert!(!error.is_timeout());
    assert_eq!(error.panic_message(), None);
    let shown = error.to_string();
    assert!(shown.contains("SIGABRT"), "{shown}");
    assert!(
        shown.starts_with(&format!(
            "worker crashed: worker process {worker} of aborting was killed by signal 6 (SIGABRT"
        )),
        "{shown}"
    );
    let replacement = aborting(Fate::Live).join().unwrap();
    assert_ne!(replacement, worker);
    assert_eq!(aborting(Fate::Live).join().unwrap(), replacement);
}

#[spawn(processes = 1)]
fn exiting(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn an_exit_is_a_crash_with_its_status_and_the_pool_recovers() {
    let worker = exiting(Fate::Live).join().unwrap();
    let error = exiting(Fate::Exit(3)).join().unwrap_err();
    assert!(error.is_crash(), "{error}");
    assert!(!error.is_panic());
    assert_eq!(
        error.to_string(),
        format!("worker crashed: worker process {worker} of exiting exited with status 3")
    );
    assert!(error.to_string().contains("exited with status 3"));
    // Even a clean exit is a crash: the call never answered.
    let replacement = exiting(Fate::Live).join().unwrap();
    let error = exiting(Fate::Exit(0)).join().unwrap_err();
    assert!(error.is_crash(), "{error}");
    assert!(
        error.to_string().ends_with(&format!(
            "worker process {replacement} of exiting exited with status 0"
        )),
        "{error}"
    );
    assert!(exiting(Fate::Live).join().is_ok());
}

#[spawn(processes = 2)]
fn segfaulting(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn a_fatal_signal_is_a_crash_naming_it() {
    let error = segfaulting(Fate::Segfault).join().unwrap_err();
    assert!(error.is_crash(), "{error}");
    assert!(
        error
            .to_string()
            .contains("was killed by signal 11 (SIGSEGV"),
        "{error}"
    );
    let results = join_all((0..20).map(|_| segfaulting(Fate::Live)));
    assert!(results.iter().all(Result::is_ok), "{results:?}");
}

#[spawn(processes = 1)]
fn crash_in_queue(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn a_crash_fails_only_the_running_call_and_the_queued_ones_move() {
    let worker = crash_in_queue(Fate::Live).join().unwrap();
    // One worker: the two calls queue behind the crashing one on it.
    let tasks = vec![
        crash_in_queue(Fate::Abort),
        crash_in_queue(Fate::Live),
        crash_in_queue(Fate::Live),
    ];
    let mut results = join_all(tasks).into_iter();
    let error = results.next().unwrap().unwrap_err();
    assert!(error.is_crash(), "{error}");
    assert!(
        error
            .to_string()
            .contains(&format!("worker process {worker} of crash_in_queue")),
        "{error}"
    );
    let moved: Vec<u32> = results.map(Result::unwrap).collect();
    assert_ne!(moved[0], worker);
    assert_eq!(moved[0], moved[1], "processes = 1: one replacement");

    // Crashes among many calls: each fails alone, every other call succeeds.
    let fates = (0..30).map(|i| {
        if i % 10 == 3 {
            Fate::Exit(9)
        } else {
            Fate::Live
        }
    });
    for (i, result) in join_all(fates.map(crash_in_queue)).into_iter().enumerate() {
        match result {
            Ok(_) => assert_ne!(i % 10, 3, "call {i} should have crashed"),
            Err(error) => {
                assert_eq!(i % 10, 3, "call {i} failed: {error}");
                assert!(
                    error.to_string().contains("exited with status 9"),
                    "{error}"
                );
            }
        }
    }
}

#[spawn(processes = 1)]
fn crash_after_a_dead_worker(fate: Fate) -> u32 {
    meet(fate)
}

/// A call sent just as its worker is killed from outside: if its request
/// could not be written, it moves on; either way it ends as a crash, once,
/// and the call behind it runs. (The failed-write path itself depends on
/// timing; the 30-call test above is the one that caught a call going round
/// new workers for ever after a failed write.)
#[test]
fn a_call_that_met_a_dead_worker_still_fails_when_it_crashes() {
    for _ in 0..5 {
        let worker = crash_after_a_dead_worker(Fate::Live).join().unwrap();
        // SAFETY: as in the test below: our live, unreaped child.
        unsafe {
            libc::kill(worker as libc::pid_t, libc::SIGKILL);
        }
        // Sent at once, before the pool may have noticed the death.
        let crashing = crash_after_a_dead_worker(Fate::Exit(7));
        let behind = crash_after_a_dead_worker(Fate::Live);
        // Either it reached the killed worker before it died, and that
        // death is reported as its crash (a worker killed from outside
        // cannot say whether it had started), or it moved on and crashed a
        // new worker itself. What must not happen is a call going round.
        let error = crashing.join().unwrap_err();
        assert!(error.is_crash(), "{error}");
        let message = error.to_string();
        assert!(
            message.contains("exited with status 7") || message.contains("SIGKILL"),
            "{message}"
        );
        assert_ne!(behind.join().unwrap(), worker);
    }
}

#[spawn(processes = 1)]
fn killed_while_idle(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn an_idle_worker_killed_from_outside_is_reaped_and_replaced() {
    let worker = killed_while_idle(Fate::Live).join().unwrap();
    let known = procfs::stat(worker).unwrap();
    // SAFETY: `kill` has no memory-safety preconditions; `worker` is our
    // child, alive (checked above) and unreaped until its pool sees it die.
    unsafe {
        libc::kill(worker as libc::pid_t, libc::SIGKILL);
    }
    // Its pool notices the closed pipe on its own and reaps it: no zombie
    // waits for the next call.
    assert!(
        procfs::eventually(|| procfs::is_reaped(&known)),
        "the killed idle worker {worker} was never reaped: {:?}",
        procfs::stat(worker)
    );
    let replacement = killed_while_idle(Fate::Live).join().unwrap();
    assert_ne!(replacement, worker);
    assert_eq!(parent_of(replacement), std::process::id());
}

#[spawn(processes = 2)]
fn outer(n: u64) -> (u32, Vec<(u64, u32)>) {
    let inner = join_all((0..n).map(inner));
    (
        std::process::id(),
        inner.into_iter().map(Result::unwrap).collect(),
    )
}

#[spawn(processes = 2)]
fn inner(i: u64) -> (u64, u32) {
    (i * i, std::process::id())
}

#[test]
fn a_worker_can_call_a_process_function_of_its_own() {
    let me = std::process::id();
    let (middle, results) = outer(6).join().unwrap();
    assert_ne!(middle, me);
    assert_eq!(
        results.iter().map(|r| r.0).collect::<Vec<_>>(),
        [0, 1, 4, 9, 16, 25]
    );
    for &(_, pid) in &results {
        assert!(pid != me && pid != middle, "{results:?}");
        assert_eq!(parent_of(pid), middle, "the worker's workers are its own");
    }
}

// --- What the function starts ---------------------------------------------

/// The pipes (by inode, `pipe:[N]`) process `pid` holds open.
fn pipes_of(pid: u32) -> BTreeSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.display().to_string())
        .filter(|target| target.starts_with("pipe:"))
        .collect()
}

/// Starts `sleep 600` and returns the pipes it holds, then stops it.
fn pipes_of_a_new_child() -> BTreeSet<String> {
    let mut child = std::process::Command::new("sleep")
        .arg("600")
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pipes = pipes_of(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    pipes
}

#[spawn(processes = 1)]
fn pipes_of_a_grandchild() -> BTreeSet<String> {
    pipes_of_a_new_child()
}

#[test]
fn a_process_the_function_starts_inherits_no_worker_pipe() {
    // A process started here inherits what any child of this program does
    // (stdout, stderr, descriptors cargo passed down); one started in a
    // worker should inherit no more than that.
    let ours = pipes_of_a_new_child();
    let theirs = pipes_of_a_grandchild().join().unwrap();
    let extra: Vec<&String> = theirs.difference(&ours).collect();
    assert!(
        extra.is_empty(),
        "a process started by a worker holds its pipes {extra:?} (it holds {theirs:?}, a child of ours {ours:?})"
    );
}

/// Kills the process whose pid `path` holds, if any, when dropped.
struct KillOnDrop(std::path::PathBuf);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            if let Ok(pid) = pid.trim().parse::<libc::pid_t>() {
                // SAFETY: `kill` has no memory-safety preconditions.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
        let _ = std::fs::remove_file(&self.0);
    }
}

#[spawn(processes = 1)]
fn leave_a_sleeper_and_abort(pid_file: String) -> u32 {
    let sleeper = std::process::Command::new("sleep")
        .arg("600")
        .stdin(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::fs::write(&pid_file, sleeper.id().to_string()).unwrap();
    std::mem::forget(sleeper);
    no_core_dump();
    std::process::abort()
}

#[test]
fn a_crash_is_reported_while_a_process_the_function_started_lives_on() {
    let pid_file = std::env::temp_dir().join(format!(
        "decor-tests-sleeper-{}-{}",
        std::process::id(),
        line!()
    ));
    let _cleanup = KillOnDrop(pid_file.clone());
    let task = leave_a_sleeper_and_abort(pid_file.to_str().unwrap().to_owned());
    // A fail-safe, not a timing assertion: the crash is seen at once when
    // the pipes are the worker's alone; with the bug, only when the sleeper
    // exits, ten minutes later.
    match task.join_timeout(std::time::Duration::from_secs(30)) {
        Ok(result) => {
            let error = result.unwrap_err();
            assert!(error.is_crash(), "{error}");
            assert!(error.to_string().contains("SIGABRT"), "{error}");
        }
        Err(_) => panic!("the worker aborted, yet its call is still pending"),
    }
}

#[spawn(processes = 1, timeout = "5s")]
fn napping(fate: Fate) -> u32 {
    meet(fate)
}

/// Far longer than any timeout here: a call that sleeps this long only ends
/// by being killed.
const FOREVER: u64 = 600_000;

#[test]
fn a_timeout_kills_the_worker_and_the_call_queued_behind_it_succeeds() {
    let me = std::process::id();
    let worker = napping(Fate::Live).join().unwrap();
    let known = procfs::stat(worker).unwrap();
    let slow = napping(Fate::Sleep(FOREVER));
    let quick = napping(Fate::Live);
    let error = slow.join().unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(!error.is_crash());
    assert!(!error.is_panic());
    assert_eq!(error.to_string(), "task timed out after 5s");

    let replacement = quick.join().unwrap();
    assert_ne!(replacement, worker, "the timed-out worker was not replaced");
    assert_ne!(replacement, me);
    assert_eq!(napping(Fate::Live).join().unwrap(), replacement);
    // The killed worker was reaped before its queued call moved on.
    assert!(
        procfs::is_reaped(&known),
        "the timed-out worker {worker} is still there: {:?}",
        procfs::stat(worker)
    );
}

#[spawn(processes = 2, timeout = "5s")]
fn reaped(fate: Fate) -> u32 {
    meet(fate)
}

#[test]
fn no_zombie_is_left_after_a_timeout_kill_and_a_crash() {
    reaped(Fate::Live).join().unwrap();
    let timed_out = reaped(Fate::Sleep(FOREVER)).join().unwrap_err();
    assert!(timed_out.is_timeout(), "{timed_out}");
    let crashed = reaped(Fate::Abort).join().unwrap_err();
    assert!(crashed.is_crash(), "{crashed}");
    let exited = reaped(Fate::Exit(1)).join().unwrap_err();
    assert!(exited.is_crash(), "{exited}");
    reaped(Fate::Live).join().unwrap();
    // Other tests' workers may be dying at this moment: wait (a deadline,
    // not a timing assertion) for a moment with no unreaped child at all.
    procfs::assert_no_zombie_children();
}

// --- Values that cannot cross ----------------------------------------------

/// Needs a self-describing format to decode, which postcard is not.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(untagged)]
enum Loose {
    Number(u64),
    Text(String),
}

/// Encodes as an error (postcard keeps no custom message, only that the
/// type's own `Serialize` failed).
#[derive(Deserialize, Clone, Debug)]
struct Refuses;

impl Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("Refuses will not be encoded"))
    }
}

#[spawn(processes = 1)]
fn crossing(
    loose: Option<Loose>,
    refuses: Option<Refuses>,
    answer: u8,
) -> (u32, Option<Loose>, Option<Refuses>) {
    let back = match answer {
        1 => (None, Some(Refuses)),
        2 => (Some(Loose::Number(7)), None),
        _ => (None, None),
    };
    let _ = (loose, refuses);
    (std::process::id(), back.0, back.1)
}

/// Fails with neither a panic, a crash nor a timeout, and says why.
fn assert_transport_error(error: &TaskError, needles: &[&str]) {
    assert!(
        !error.is_panic() && !error.is_crash() && !error.is_timeout(),
        "{error}"
    );
    assert_eq!(error.panic_message(), None);
    let shown = error.to_string();
    assert!(
        shown.starts_with("task could not cross the process boundary: "),
        "{shown}"
    );
    for needle in needles {
        assert!(shown.contains(needle), "{needle:?} not in {shown}");
    }
}

#[test]
fn values_that_cannot_cross_fail_the_call_and_the_worker_lives_on() {
    let (worker, _, _) = crossing(None, None, 0).join().unwrap();
    // An argument the caller cannot encode never leaves.
    let error = crossing(None, Some(Refuses), 0).join().unwrap_err();
    assert_transport_error(&error, &["cannot encode", "Refuses"]);
    // An argument the worker cannot decode.
    let error = crossing(Some(Loose::Text("x".into())), None, 0)
        .join()
        .unwrap_err();
    assert_transport_error(&error, &["cannot decode", "untagged"]);
    // A result the worker cannot encode.
    let error = crossing(None, None, 1).join().unwrap_err();
    assert_transport_error(&error, &["cannot encode", "Refuses"]);
    // A result the caller cannot decode.
    let error = crossing(None, None, 2).join().unwrap_err();
    assert_transport_error(&error, &["cannot decode", "untagged"]);
    assert_eq!(crossing(None, None, 0).join().unwrap().0, worker);
}

// --- Large values, many calls ---------------------------------------------

#[spawn(processes = 1)]
fn inverted(bytes: Vec<u8>) -> Vec<u8> {
    bytes.into_iter().map(|b| !b).collect()
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8
}

#[test]
fn a_64_mib_argument_and_result_cross_whole() {
    const LEN: usize = 64 << 20;
    let bytes: Vec<u8> = (0..LEN).map(pattern).collect();
    let back = inverted(bytes).join().unwrap();
    assert_eq!(back.len(), LEN);
    for i in [0, 1, 250, 251, 4096, LEN / 2, LEN / 2 + 1, LEN - 2, LEN - 1] {
        assert_eq!(back[i], !pattern(i), "byte {i}");
    }
    // The worker is still usable after a frame that size.
    assert_eq!(inverted(vec![0, 255]).join().unwrap(), [255, 0]);
}

#[spawn(processes = 2)]
fn triple(i: u64) -> u64 {
    i * 3 + 1
}

#[test]
fn a_thousand_calls_in_flight_all_come_back_in_order() {
    let results = join_all((0..1_000).map(triple));
    let values: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(values, (0..1_000).map(|i| i * 3 + 1).collect::<Vec<_>>());
}

#[spawn(processes = 2)]
fn tagged(i: usize) -> String {
    format!("value {i}")
}

#[test]
fn as_completed_yields_every_call_once() {
    let mut seen = BTreeSet::new();
    for (index, result) in as_completed((0..100).map(tagged)) {
        assert_eq!(result.unwrap(), format!("value {index}"));
        assert!(seen.insert(index), "index {index} twice");
    }
    assert_eq!(seen, (0..100).collect());
}

// --- Bulk payloads: bytes, plain numbers and text in one copy ---------------

#[spawn(processes = 1)]
fn bulk_mixed(
    bytes: &[u8],
    words: Vec<u64>,
    floats: &[f64],
    wide: Vec<i128>,
    text: &str,
    owned: String,
    point: Point,
) -> (usize, u64, Vec<u64>, i128, String, Point) {
    let sum = bytes.iter().map(|&b| u64::from(b)).sum::<u64>() + words.iter().sum::<u64>();
    let bits = floats.iter().map(|x| x.to_bits()).collect();
    let text = format!("{text}|{owned}");
    (bytes.len(), sum, bits, wide.iter().sum(), text, point)
}

#[spawn(processes = 1)]
fn bulk_bytes(bytes: Vec<u8>) -> Vec<u8> {
    bytes.into_iter().map(|b| b ^ 0x5a).collect()
}

#[spawn(processes = 1)]
fn bulk_slice(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().rev().copied().collect()
}

#[spawn(processes = 1)]
fn bulk_floats(floats: &[f64]) -> Vec<f64> {
    floats.to_vec()
}

#[spawn(processes = 1)]
fn bulk_wide(wide: Vec<i128>) -> Vec<i128> {
    wide.into_iter().map(|x| x.wrapping_neg()).collect()
}

#[spawn(processes = 1)]
fn bulk_text(text: &str) -> String {
    text.chars().rev().collect()
}

#[spawn(processes = 1)]
fn bulk_words(words: Vec<u64>, add: u64) -> Vec<u64> {
    words.into_iter().map(|w| w.wrapping_add(add)).collect()
}

/// Sizes on both sides of any threshold a payload's path may change at
/// (64 KiB, 256 KiB, 1 MiB), and several MiB.
const BULK_SIZES: [usize; 9] = [
    0,
    1,
    (64 << 10) - 1,
    64 << 10,
    (256 << 10) + 1,
    (1 << 20) - 8,
    1 << 20,
    (1 << 20) + 1,
    5 << 20,
];

#[test]
fn bulk_arguments_mixed_with_other_types_cross_exactly() {
    let nan = f64::from_bits(0x7ff8_0000_dead_beef);
    let floats = [1.5, -0.0, f64::INFINITY, nan, -nan, f64::MIN_POSITIVE];
    let point = Point {
        x: -3,
        y: 4,
        label: "p".into(),
    };
    let (len, sum, bits, wide, text, back) = bulk_mixed(
        &[1, 2, 250],
        vec![u64::MAX - 300, 10],
        &floats,
        vec![i128::MAX, i128::MIN, 5],
        "grüße",
        "世界 🦀".to_owned(),
        point.clone(),
    )
    .join()
    .unwrap();
    assert_eq!((len, sum), (3, u64::MAX - 300 + 10 + 253));
    assert_eq!(
        bits,
        floats.map(f64::to_bits),
        "NaN payloads and signs kept"
    );
    assert_eq!(wide, i128::MAX + i128::MIN + 5);
    assert_eq!(text, "grüße|世界 🦀");
    assert_eq!(back, point);
    let empty = bulk_mixed(&[], vec![], &[], vec![], "", String::new(), point.clone());
    assert_eq!(
        empty.join().unwrap(),
        (0, 0, vec![], 0, "|".to_owned(), point)
    );
}

#[test]
fn bulk_values_of_every_size_come_back_exactly() {
    for size in BULK_SIZES {
        let bytes: Vec<u8> = (0..size).map(pattern).collect();
        let xored: Vec<u8> = bytes.iter().map(|b| b ^ 0x5a).collect();
        assert_eq!(
            bulk_bytes(bytes.clone()).join().unwrap(),
            xored,
            "{size} bytes"
        );
        let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
        assert_eq!(bulk_slice(&bytes).join().unwrap(), reversed, "{size} bytes");
        let count = size / 8;
        let floats: Vec<f64> = (0..count)
            .map(|i| f64::from_bits((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        let back = bulk_floats(&floats).join().unwrap();
        assert!(
            back.iter()
                .map(|x| x.to_bits())
                .eq(floats.iter().map(|x| x.to_bits())),
            "{count} floats"
        );
        let wide: Vec<i128> = (0..size / 16).map(|i| (i as i128) << 70 | 7).collect();
        let negated: Vec<i128> = wide.iter().map(|x| x.wrapping_neg()).collect();
        assert_eq!(
            bulk_wide(wide).join().unwrap(),
            negated,
            "{} i128",
            size / 16
        );
        let text: String = "aé世🦀".chars().cycle().take(size / 4).collect();
        let backwards: String = text.chars().rev().collect();
        assert_eq!(bulk_text(&text).join().unwrap(), backwards, "{size} text");
    }
}

#[spawn(processes = 2)]
fn bulk_concurrent(words: Vec<u64>, add: u64) -> Vec<u64> {
    words.into_iter().map(|w| w + add).collect()
}

#[test]
fn many_big_calls_in_flight_on_two_workers_all_come_back_exactly() {
    const WORDS: usize = (3 << 20) / 8;
    let tasks: Vec<_> = (0..16u64)
        .map(|call| bulk_concurrent((0..WORDS as u64).collect(), call * 1_000_000_007))
        .collect();
    for (call, task) in (0..16u64).zip(tasks) {
        let back = task.join().unwrap();
        assert_eq!(back.len(), WORDS);
        assert!(
            back.iter()
                .zip(0..)
                .all(|(&w, i)| w == i + call * 1_000_000_007),
            "call {call}"
        );
    }
    assert_eq!(bulk_words(vec![1, 2], 1).join().unwrap(), [2, 3]);
}

#[spawn(processes = 1)]
fn bulk_fate(bytes: Vec<u8>, fate: Fate) -> Vec<u8> {
    meet(fate);
    bytes.into_iter().rev().collect()
}

#[test]
fn a_worker_dying_in_a_big_call_fails_it_and_the_next_big_call_succeeds() {
    const LEN: usize = 6 << 20;
    let bytes: Vec<u8> = (0..LEN).map(pattern).collect();
    let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
    assert_eq!(
        bulk_fate(bytes.clone(), Fate::Live).join().unwrap(),
        reversed
    );
    let queued_behind = {
        let dying = bulk_fate(bytes.clone(), Fate::Abort);
        let queued = bulk_fate(bytes.clone(), Fate::Live);
        let error = dying.join().unwrap_err();
        assert!(error.is_crash(), "{error}");
        queued
    };
    assert_eq!(
        queued_behind.join().unwrap(),
        reversed,
        "moved to the replacement"
    );
    assert_eq!(bulk_fate(bytes, Fate::Live).join().unwrap(), reversed);
}

#[spawn(processes = 1)]
fn bulk_behind(words: Vec<u64>, fate: Fate) -> u64 {
    meet(fate);
    words.iter().sum()
}

#[test]
fn a_big_call_whose_worker_dies_before_taking_it_from_the_inbox_moves_whole() {
    const WORDS: u64 = (4 << 20) / 8;
    let words: Vec<u64> = (0..WORDS).collect();
    let sum = WORDS * (WORDS - 1) / 2;
    assert_eq!(bulk_behind(words.clone(), Fate::Live).join().unwrap(), sum);
    // The small dying call holds the worker, not its inbox: the big calls
    // behind it go to the inbox (the first) and the pipe (the rest) while
    // it sleeps, and move to the replacement when it aborts.
    let dying = bulk_behind(Vec::new(), Fate::AbortAfter(300));
    let queued: Vec<_> = (0..3)
        .map(|shift| bulk_behind(words.iter().map(|w| w << shift).collect(), Fate::Live))
        .collect();
    let error = dying.join().unwrap_err();
    assert!(error.is_crash(), "{error}");
    for (shift, task) in (0..3).zip(queued) {
        assert_eq!(task.join().unwrap(), sum << shift, "call {shift} moved");
    }
    assert_eq!(bulk_behind(words, Fate::Live).join().unwrap(), sum);
}

#[spawn(processes = 1, recycle = 2)]
fn bulk_recycled(words: Vec<u64>) -> (Vec<u64>, u32) {
    (words.into_iter().rev().collect(), std::process::id())
}

#[test]
fn big_calls_in_flight_cross_a_recycled_workers_replacement_exactly() {
    const WORDS: u64 = (2 << 20) / 8;
    let tasks: Vec<_> = (0..6u64)
        .map(|call| bulk_recycled((call..call + WORDS).collect()))
        .collect();
    let mut pids = BTreeSet::new();
    for (call, task) in (0..6u64).zip(tasks) {
        let (back, pid) = task.join().unwrap();
        assert!(
            back.iter().copied().eq((call..call + WORDS).rev()),
            "call {call}"
        );
        pids.insert(pid);
    }
    assert_eq!(pids.len(), 3, "two calls per worker process");
}

#[spawn(processes = 1, timeout = "500ms")]
fn bulk_napping(bytes: Vec<u8>, fate: Fate) -> Vec<u8> {
    meet(fate);
    bytes.into_iter().map(|b| !b).collect()
}

#[test]
fn a_big_call_past_its_timeout_fails_and_the_next_big_call_succeeds() {
    const LEN: usize = 3 << 20;
    let bytes: Vec<u8> = (0..LEN).map(pattern).collect();
    let inverted: Vec<u8> = bytes.iter().map(|b| !b).collect();
    let slow = bulk_napping(bytes.clone(), Fate::Sleep(60_000));
    let queued = bulk_napping(bytes.clone(), Fate::Live);
    let error = slow.join().unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert_eq!(queued.join().unwrap(), inverted, "moved to the replacement");
    assert_eq!(bulk_napping(bytes, Fate::Live).join().unwrap(), inverted);
}

// --- #[parallel(processes = N)] ---------------------------------------------

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn sum_slice(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn sum_bytes(chunk: &[u8], scale: u64) -> u64 {
    chunk.iter().map(|&b| u64::from(b) * scale).sum()
}

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn sum_wide(chunk: &[i128]) -> i128 {
    chunk.iter().sum()
}

#[parallel(processes = 2, reduce = |a, b| a.max(b))]
fn max_float(chunk: &[f32]) -> f32 {
    chunk.iter().copied().fold(f32::MIN, f32::max)
}

#[test]
fn parallel_chunks_of_other_element_types_cross_exactly() {
    let bytes: Vec<u8> = (0..3_000_001u32).map(|i| (i % 251) as u8).collect();
    let expected: u64 = bytes.iter().map(|&b| u64::from(b)).sum();
    assert_eq!(sum_bytes(&bytes, 3), expected * 3);
    let wide: Vec<i128> = (0..400_000i128).map(|i| (i << 64) - i).collect();
    assert_eq!(sum_wide(&wide), wide.iter().sum::<i128>());
    let floats: Vec<f32> = (0..1_000_003u32)
        .map(|i| (i % 9_973) as f32 * 0.5)
        .collect();
    assert_eq!(max_float(&floats), 9_972.0 * 0.5);
}

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn sum_shared(chunk: &[u64], add: u64) -> u64 {
    chunk.iter().map(|w| w + add).sum()
}

#[test]
fn parallel_calls_from_many_threads_on_one_pool_all_come_back_exactly() {
    const WORDS: u64 = 600_000;
    let words: Vec<u64> = (0..WORDS).collect();
    let sum = WORDS * (WORDS - 1) / 2;
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..6u64)
            .map(|thread| {
                let words = &words;
                scope.spawn(move || {
                    for call in 0..5 {
                        let add = thread * 10 + call;
                        assert_eq!(
                            sum_shared(words, add),
                            sum + add * WORDS,
                            "thread {thread}, call {call}"
                        );
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
    });
}

#[test]
fn parallel_sums_a_slice_in_worker_processes() {
    let ones = vec![1u64; 8_000_000];
    assert_eq!(sum_slice(&ones), 8_000_000);
    let data: Vec<u64> = (1..=1_001).collect();
    assert_eq!(sum_slice(&data), 1_001 * 1_002 / 2);
    assert_eq!(sum_slice(&[]), 0);
    assert_eq!(sum_slice(&[7]), 7);
}

#[parallel(processes = 2, chunks = 4)]
fn chunk_owners(chunk: &[u8]) -> Vec<(usize, u32)> {
    vec![(chunk.len(), std::process::id())]
}

#[test]
fn parallel_chunks_run_in_at_most_n_other_processes() {
    let me = std::process::id();
    let owners = chunk_owners(&[0; 103]);
    assert_eq!(
        owners.iter().map(|o| o.0).collect::<Vec<_>>(),
        [26, 26, 26, 25]
    );
    let pids: BTreeSet<u32> = owners.iter().map(|o| o.1).collect();
    assert!(pids.len() <= 2, "{pids:?}");
    assert!(!pids.contains(&me), "a chunk ran on the caller: {pids:?}");
}

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn sum_range(range: Range<u64>) -> u64 {
    range.sum()
}

#[parallel(processes = 2, chunks = 3)]
fn range_bounds(range: Range<u64>) -> Vec<(u64, u64)> {
    vec![(range.start, range.end)]
}

#[parallel(processes = 2, chunks = 3)]
fn inclusive_bounds(range: std::ops::RangeInclusive<u64>) -> Vec<(u64, u64, u32)> {
    vec![(*range.start(), *range.end(), std::process::id())]
}

#[test]
fn parallel_splits_inclusive_ranges_across_processes() {
    let chunks = inclusive_bounds(1..=10);
    let bounds: Vec<(u64, u64)> = chunks.iter().map(|c| (c.0, c.1)).collect();
    assert_eq!(bounds, [(1, 4), (5, 7), (8, 10)]);
    assert!(chunks.iter().all(|c| c.2 != std::process::id()));
    let last = inclusive_bounds(0..=u64::MAX);
    assert_eq!(last.last().map(|c| c.1), Some(u64::MAX));
}

#[test]
fn parallel_splits_ranges() {
    assert_eq!(sum_range(0..1_000_000), 999_999 * 1_000_000 / 2);
    assert_eq!(sum_range(5..6), 5);
    assert_eq!(sum_range(9..9), 0);
    assert_eq!(
        range_bounds(10..20),
        [(10, 14), (14, 17), (17, 20)],
        "three contiguous chunks in order"
    );
    assert_eq!(
        range_bounds(u64::MAX - 3..u64::MAX),
        [
            (u64::MAX - 3, u64::MAX - 2),
            (u64::MAX - 2, u64::MAX - 1),
            (u64::MAX - 1, u64::MAX)
        ]
    );
}

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn total_chars(words: Vec<String>) -> usize {
    words.iter().map(|w| w.chars().count()).sum()
}

#[allow(clippy::ptr_arg)] // `&Vec<T>` is one of the splittable types under test
#[parallel(processes = 2, chunks = 3, reduce = |a: usize, b: usize| a.max(b))]
fn longest(words: &Vec<String>) -> usize {
    words.iter().map(String::len).max().unwrap_or(0)
}

#[test]
fn parallel_splits_owned_vecs_of_strings() {
    let words: Vec<String> = (0..1_000).map(|i| "é".repeat(i % 7)).collect();
    let serial: usize = words.iter().map(|w| w.chars().count()).sum();
    assert_eq!(longest(&words), 12);
    assert_eq!(total_chars(words), serial);
}

#[parallel(processes = 2, reduce = |a, b| a + b)]
fn count_containing(words: &[String], needle: &str) -> usize {
    words.iter().filter(|w| w.contains(needle)).count()
}

#[parallel(processes = 2, chunks = 3)]
fn labelled(values: &[u64], label: String, factor: u64) -> Vec<String> {
    values
        .iter()
        .map(|v| format!("{label}{}", v * factor))
        .collect()
}

#[derive(Serialize, Deserialize, Clone, Debug)]
struct Settings {
    offset: i64,
    scale: i64,
}

#[parallel(processes = 2, chunks = 4)]
fn adjusted(values: &[i64], settings: &Settings) -> Vec<i64> {
    values
        .iter()
        .map(|v| v * settings.scale + settings.offset)
        .collect()
}

#[test]
fn parallel_ships_shared_parameters_with_every_chunk() {
    let words: Vec<String> = (0..500).map(|i| format!("w{i}")).collect();
    let serial = words.iter().filter(|w| w.contains("7")).count();
    assert_eq!(count_containing(&words, "7"), serial);
    assert_eq!(count_containing(&words, "no such thing"), 0);

    let label = "x".to_owned();
    assert_eq!(
        labelled(&[1, 2, 3, 4, 5, 6, 7], label.clone(), 10),
        ["x10", "x20", "x30", "x40", "x50", "x60", "x70"]
    );
    assert_eq!(label, "x", "the caller's value is untouched");

    let settings = Settings {
        offset: -1,
        scale: 3,
    };
    let values: Vec<i64> = (0..50).collect();
    let serial: Vec<i64> = values.iter().map(|v| v * 3 - 1).collect();
    assert_eq!(adjusted(&values, &settings), serial);
}

#[parallel(processes = 2, chunks = 7)]
fn doubled(values: Vec<u32>) -> Vec<u32> {
    values.into_iter().map(|v| v * 2).collect()
}

#[parallel(processes = 2, chunks = 5)]
fn concatenated(letters: &[char]) -> String {
    letters.iter().collect()
}

#[test]
fn parallel_combine_concatenates_in_chunk_order() {
    for len in [0, 1, 2, 6, 7, 8, 13, 100, 10_007] {
        let values: Vec<u32> = (0..len).rev().collect();
        let serial: Vec<u32> = values.iter().map(|v| v * 2).collect();
        assert_eq!(doubled(values), serial, "len {len}");
    }
    let text: Vec<char> = "the quick brown fox jumps over the lazy dog"
        .chars()
        .collect();
    for _ in 0..5 {
        assert_eq!(concatenated(&text), text.iter().collect::<String>());
    }
}

#[parallel(processes = 2, chunks = 4, reduce = |a, b| a + b)]
fn strict_sum(values: &[i64]) -> i64 {
    if let Some(bad) = values.iter().find(|v| **v < 0) {
        quiet_panics();
        panic!("negative value {bad} {EXPECTED}");
    }
    values.iter().sum()
}

#[test]
fn a_chunk_panic_re_panics_in_the_caller_with_its_message() {
    let mut data: Vec<i64> = (0..100).collect();
    data[60] = -5;
    let payload = catch_unwind(|| strict_sum(&data)).unwrap_err();
    let message = payload
        .downcast::<String>()
        .expect("the payload is the message as a String");
    assert_eq!(*message, format!("negative value -5 {EXPECTED}"));
    // The workers survived the panic.
    data[60] = 60;
    assert_eq!(strict_sum(&data), 99 * 100 / 2);
}

#[parallel(processes = 2, chunks = 2, reduce = |a, b| a + b)]
fn exit_on_zero(values: &[i32]) -> i64 {
    if values.contains(&0) {
        std::process::exit(5);
    }
    values.iter().map(|&v| i64::from(v)).sum()
}

#[test]
fn a_crashed_chunk_panics_in_the_caller_naming_the_chunk() {
    let data = [1, 2, 3, 4, 0, 6];
    let payload = catch_unwind(|| exit_on_zero(&data)).unwrap_err();
    let message = payload.downcast::<String>().unwrap();
    assert!(
        message.starts_with("#[parallel] chunk 2 of 2 failed: worker crashed: worker process "),
        "{message}"
    );
    assert!(
        message.ends_with(" of exit_on_zero exited with status 5"),
        "{message}"
    );
    assert_eq!(exit_on_zero(&[1, 2, 3, 4, 5, 6]), 21);
}

#[parallel(processes = 2, min_len = 50)]
fn runs_where(values: &[u8]) -> Vec<u32> {
    vec![std::process::id(); usize::from(!values.is_empty())]
}

#[parallel(processes = 2, chunks = 1)]
fn one_chunk(values: &[u8]) -> Vec<(usize, u32)> {
    vec![(values.len(), std::process::id())]
}

#[test]
fn short_input_runs_on_the_caller() {
    let me = std::process::id();
    assert_eq!(runs_where(&[]), Vec::<u32>::new());
    assert_eq!(runs_where(&[0; 1]), [me]);
    assert_eq!(runs_where(&[0; 99]), [me], "99 < 2 * min_len");
    let pids = runs_where(&[0; 100]);
    assert_eq!(
        pids.len(),
        2,
        "at 2 * min_len the workers take over: {pids:?}"
    );
    assert!(!pids.contains(&me), "{pids:?}");
    // Without `min_len`, even one chunk of one item goes to a worker.
    let [(len, pid)] = one_chunk(&[9])[..] else {
        panic!("one chunk")
    };
    assert_eq!(len, 1);
    assert_ne!(pid, me);
    let pids = runs_where(&[0; 1_000]);
    assert_eq!(pids.len(), 2, "default chunks = processes: {pids:?}");
    assert!(!pids.contains(&me), "{pids:?}");
}

// --- What decorators below `processes` record comes home --------------------

/// Timed in the worker: 3 returns Err, 4 panics, the rest return Ok.
#[spawn(processes = 2)]
#[decor::timed]
fn timed_in_worker(x: i64) -> Result<i64, String> {
    match x {
        3 => Err("three".to_owned()),
        4 => {
            quiet_panics();
            panic!("four {EXPECTED}")
        }
        _ => Ok(x * 10),
    }
}

#[parallel(processes = 2, chunks = 3, reduce = |a, b| a + b)]
#[decor::timed]
fn timed_chunks(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

/// One test for the timers, in order: `timers::reset` is process-wide, so
/// a second test counting timers could see it happen.
#[test]
fn timers_below_processes_count_in_the_parents_registry() {
    let name = concat!(module_path!(), "::timed_in_worker");
    assert!(decor::timers::get(name).is_none());
    let results = join_all((0..5).map(timed_in_worker));
    assert_eq!(results[0].as_ref().unwrap(), &Ok(0));
    assert_eq!(results[3].as_ref().unwrap(), &Err("three".to_owned()));
    assert!(results[4].as_ref().unwrap_err().is_panic());
    let stats = decor::timers::get(name).expect("the workers' calls are counted");
    assert_eq!(
        (stats.calls(), stats.oks(), stats.errors(), stats.panics()),
        (5, 3, 1, 1)
    );
    assert!(stats.min() <= stats.percentile(50.0), "{stats:?}");
    assert!(stats.percentile(50.0) <= stats.max(), "{stats:?}");
    assert!(stats.max() <= stats.total(), "{stats:?}");
    assert!(stats.min() > std::time::Duration::ZERO, "{stats:?}");
    let report = decor::timers::report().to_string();
    assert!(report.contains(name), "{report}");
    assert!(
        decor::timers::snapshot()
            .iter()
            .any(|s| s.name() == name && s.calls() == 5),
        "{report}"
    );

    // `#[parallel]`: one call per chunk.
    let data: Vec<u64> = (1..=1_000).collect();
    assert_eq!(timed_chunks(&data), 500_500);
    let chunks = decor::timers::get(concat!(module_path!(), "::timed_chunks")).unwrap();
    assert_eq!((chunks.calls(), chunks.errors()), (3, 0));

    // A reset in the parent empties them; later calls count from zero.
    decor::timers::reset();
    assert_eq!(decor::timers::get(name).map_or(0, |s| s.calls()), 0);
    timed_in_worker(1).join().unwrap().unwrap();
    let stats = decor::timers::get(name).unwrap();
    assert_eq!((stats.calls(), stats.errors(), stats.panics()), (1, 0, 0));
}

/// Logged in the worker, with an event of its own at DEBUG.
#[spawn(processes = 2)]
#[decor::logged]
fn load(path: String, size: u32) -> u32 {
    tracing::debug!(bytes = size, ok = true, "reading");
    size * 2
}

#[test]
fn a_workers_events_are_children_of_the_callers_span() {
    let (doubled, lines) = common::capture(|| {
        let _handler = tracing::info_span!("handler", req = 7).entered();
        load("a.txt".to_owned(), 21).join().unwrap()
    });
    assert_eq!(doubled, 42);
    let call = common::line_with(&lines, &["call", "a.txt"]);
    assert!(
        call.contains(r#"INFO handler{req=7}: processes: call path="a.txt" size=21"#),
        "{call}"
    );
    assert!(call.contains("worker.spans=load"), "{call}");
    let reading = common::line_with(&lines, &["reading"]);
    assert!(
        reading.contains("DEBUG handler{req=7}: processes: reading bytes=21 ok=true"),
        "{reading}"
    );
    let exit = common::line_with(&lines, &["return"]);
    assert!(
        exit.contains("INFO handler{req=7}: processes: return return=42"),
        "{exit}"
    );
    let pid = call.rsplit("worker.pid=").next().unwrap();
    assert_ne!(pid.parse::<u32>().unwrap(), std::process::id(), "{call}");

    // The parent's filter still decides: at INFO the DEBUG event is gone.
    let (_, lines) = common::capture_at(tracing::Level::INFO, || {
        let _handler = tracing::info_span!("handler", req = 8).entered();
        load("b.txt".to_owned(), 1).join().unwrap()
    });
    assert!(
        !lines.iter().any(|line| line.contains("reading")),
        "{lines:#?}"
    );
    let call = common::line_with(&lines, &["call", "b.txt"]);
    assert!(call.contains("handler{req=8}:"), "{call}");
}
