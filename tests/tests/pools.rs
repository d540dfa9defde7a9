//! The pools behind `#[spawn]` and `#[parallel]`: `decor::pools::configure`
//! before first use, `AlreadyStarted` after, thread names, shared named
//! pools, and workers that survive panics.
//!
//! Only `configures_the_default_pool_before_its_first_use` may touch the
//! default pool in this binary: tests run concurrently, and the default
//! pool's size is fixed by whoever uses it first.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;

use common::{quiet_panics, thread_name, wait_until, EXPECTED};
use decor::pools::{self, ConfigureError};
use decor::{join_all, parallel, spawn};

/// The `<i>` of `decor-<pool>-<i>`.
fn worker_index(name: &str, pool: &str) -> usize {
    name.strip_prefix(&format!("decor-{pool}-"))
        .and_then(|i| i.parse().ok())
        .unwrap_or_else(|| panic!("{name:?} is not a thread of pool {pool:?}"))
}

#[spawn(pool = "configured")]
fn on_configured(arrived: Arc<AtomicUsize>, wait_for: usize) -> String {
    arrived.fetch_add(1, Ordering::SeqCst);
    wait_until("all tasks at once", || {
        arrived.load(Ordering::SeqCst) >= wait_for
    });
    thread_name()
}

#[test]
fn configure_before_first_use_sets_the_size() {
    assert_eq!(pools::threads("configured"), None, "not started yet");
    pools::configure("configured", 3).unwrap();
    assert_eq!(
        pools::threads("configured"),
        None,
        "configuring starts nothing"
    );
    // Three tasks that wait for each other: only three threads finish them.
    let arrived = Arc::new(AtomicUsize::new(0));
    let names: BTreeSet<String> = join_all((0..3).map(|_| on_configured(arrived.clone(), 3)))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let expected: BTreeSet<String> = (0..3).map(|i| format!("decor-configured-{i}")).collect();
    assert_eq!(names, expected);
    assert_eq!(pools::threads("configured"), Some(3));
    assert_eq!(pools::named("configured").threads(), 3);
    assert_eq!(pools::named("configured").name(), "configured");

    // Asking again for the same size is fine; another size is refused.
    assert_eq!(pools::configure("configured", 3), Ok(()));
    let error = pools::configure("configured", 5).unwrap_err();
    assert_eq!(
        error,
        ConfigureError::AlreadyStarted {
            name: "configured".to_owned(),
            threads: 3,
        }
    );
    assert_eq!(
        error.to_string(),
        "pool \"configured\" has already started with 3 threads; configure it before its first use"
    );
    let as_error: &dyn std::error::Error = &error;
    assert!(as_error.source().is_none());
    assert_eq!(pools::threads("configured"), Some(3), "size unchanged");
}

#[test]
fn configure_can_change_its_mind_before_first_use() {
    pools::configure("reconfigured", 4).unwrap();
    pools::configure("reconfigured", 2).unwrap();
    let pool = pools::named("reconfigured");
    assert_eq!(pool.threads(), 2, "the last size before first use wins");
    assert!(
        std::ptr::eq(pool, pools::named("reconfigured")),
        "one pool per name"
    );
}

#[test]
fn zero_threads_are_refused() {
    let error = pools::configure("zero", 0).unwrap_err();
    assert_eq!(error, ConfigureError::ZeroThreads);
    assert_eq!(error.to_string(), "a pool needs at least one thread");
    assert_eq!(pools::threads("zero"), None);
}

#[spawn]
fn on_default() -> String {
    thread_name()
}

#[parallel(reduce = |a, b| a + b)]
fn default_chunks(chunk: &[u8]) -> usize {
    let _ = chunk;
    1
}

#[test]
fn configures_the_default_pool_before_its_first_use() {
    pools::configure("default", 3).unwrap();
    worker_index(&on_default().join().unwrap(), "default");
    assert_eq!(pools::threads("default"), Some(3));
    assert_eq!(pools::default_pool().threads(), 3);
    assert_eq!(pools::default_pool().name(), "default");
    // #[parallel] without `chunks` cuts one chunk per thread.
    assert_eq!(default_chunks(&[0; 30]), 3);
    assert!(matches!(
        pools::configure("default", 4),
        Err(ConfigureError::AlreadyStarted { threads: 3, .. })
    ));
}

// --- Named pools are shared --------------------------------------------------

#[spawn(pool = "shared-by-two")]
fn first_user() -> ThreadId {
    std::thread::current().id()
}

#[parallel(pool = "shared-by-two", chunks = 4)]
fn second_user(chunk: &[u8]) -> Vec<String> {
    let _ = chunk;
    vec![thread_name()]
}

/// A named pool has one size for all its users: its `#[spawn]` tasks share
/// its worker threads, and its `#[parallel]` chunks run on a rayon pool of
/// the same size beside them (kept apart so that waiting for chunks never
/// runs a queued task on the waiting thread).
#[test]
fn every_function_naming_a_pool_shares_its_threads() {
    pools::configure("shared-by-two", 1).unwrap();
    let a = first_user().join().unwrap();
    let b = first_user().join().unwrap();
    assert_eq!(a, b, "one thread");
    let names = second_user(&[0; 8]);
    assert_eq!(names, ["decor-shared-by-two-par-0"; 4]);
    assert_eq!(pools::threads("shared-by-two"), Some(1));
}

#[spawn(threads = 2)]
fn own_pool(tag: u8) -> String {
    let _ = tag;
    thread_name()
}

#[test]
fn a_threads_pool_is_private_and_named_after_its_function() {
    for tag in 0..20 {
        let name = own_pool(tag).join().unwrap();
        assert!(worker_index(&name, "own_pool") < 2, "{name}");
    }
    assert_eq!(
        pools::threads("own_pool"),
        None,
        "not a named pool: configure cannot reach it"
    );
}

mod elsewhere {
    use super::*;

    /// Same function name as `super::own_pool`, another pool of its own.
    #[spawn(threads = 1)]
    pub fn own_pool(tag: u8) -> (String, ThreadId) {
        let _ = tag;
        (thread_name(), std::thread::current().id())
    }
}

#[test]
fn same_named_functions_get_separate_pools() {
    let (name, _) = elsewhere::own_pool(0).join().unwrap();
    assert_eq!(name, "decor-own_pool-0");
    // `elsewhere::own_pool` has one thread: every call lands on it.
    let (_, first) = elsewhere::own_pool(1).join().unwrap();
    for tag in 0..10 {
        assert_eq!(elsewhere::own_pool(tag).join().unwrap().1, first);
    }
}

// --- Panics never kill a worker ----------------------------------------------

#[spawn(pool = "survivor")]
fn survivor(fail: bool) -> ThreadId {
    if fail {
        panic!("survivor {EXPECTED}");
    }
    std::thread::current().id()
}

#[parallel(pool = "survivor", chunks = 2)]
fn survivor_chunks(chunk: &[bool]) -> Vec<ThreadId> {
    if chunk.contains(&true) {
        panic!("survivor chunk {EXPECTED}");
    }
    vec![std::thread::current().id()]
}

#[test]
fn panicking_tasks_and_chunks_never_kill_a_worker() {
    quiet_panics();
    pools::configure("survivor", 1).unwrap();
    let worker = survivor(false).join().unwrap();
    for result in join_all((0..200).map(|_| survivor(true))) {
        assert!(result.unwrap_err().is_panic());
    }
    for _ in 0..20 {
        let payload = std::panic::catch_unwind(|| survivor_chunks(&[false, true])).unwrap_err();
        assert!(payload.downcast_ref::<String>().is_some());
    }
    assert_eq!(
        survivor(false).join().unwrap(),
        worker,
        "the same thread, not a replacement"
    );
    // The chunks' own thread also survived its panics.
    let chunk_threads = survivor_chunks(&[false, false]);
    assert_eq!(chunk_threads[0], chunk_threads[1], "one chunk thread");
}

// --- DECOR_THREADS --------------------------------------------------------
//
// The variable is read once per process, so each case runs this test binary
// again as a child with one test selected and the variable set.

const CHILD: &str = "DECOR_POOLS_TEST_CHILD";

#[spawn]
fn on_default_in_child() -> String {
    thread_name()
}

/// Does nothing unless run as the child of `decor_threads_sizes_the_default_pool`.
#[test]
fn child_reports_the_default_pool() {
    let Ok(expected) = std::env::var(CHILD) else {
        return;
    };
    let expected: usize = expected.parse().unwrap();
    assert_eq!(pools::default_threads(), expected);
    worker_index(&on_default_in_child().join().unwrap(), "default");
    assert_eq!(pools::threads("default"), Some(expected));
    eprintln!("child checked {expected} threads");
}

fn run_child(decor_threads: &str, expected: usize) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_reports_the_default_pool", "--exact", "--nocapture"])
        .env("DECOR_THREADS", decor_threads)
        .env(CHILD, expected.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    assert!(
        stderr.contains(&format!("child checked {expected} threads")),
        "{stderr}"
    );
    stderr
}

#[test]
fn decor_threads_sizes_the_default_pool() {
    run_child("3", 3);
    run_child(" 5 ", 5);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for bad in ["zero", "0", "-2", ""] {
        let stderr = run_child(bad, cores);
        assert!(
            stderr.contains(&format!(
                "decor: ignoring DECOR_THREADS={bad:?}: expected a positive whole number; using {cores} (one per core)"
            )),
            "{stderr}"
        );
    }
}
