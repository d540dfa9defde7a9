//! Process pools beyond one function's own: `pool = "name"` shared by
//! several functions, `decor::process::configure`, `processes` alone (one
//! worker per core), sizes written as `const` expressions, `init = path`
//! (once per worker, before its first call) and `recycle = N`; and what a
//! worker looks like from outside (its name in `ps`), and when a call's
//! `timeout` clock starts.
//!
//! Workers are counted by the pids the calls report, never by timing; each
//! test has pools of its own, so tests running at once never share workers.

mod common;
mod procfs;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU32, Ordering};

use common::{quiet_panics, EXPECTED};
use decor::{join_all, parallel, spawn, Task};
use serde::{Deserialize, Serialize};

/// A call that holds its worker for a while, so that calls submitted
/// together land on distinct workers (each goes to the least busy one).
fn hold() {
    std::thread::sleep(std::time::Duration::from_millis(300));
}

// --- pool = "name": one pool for several functions ----------------------------

#[spawn(processes = 4, pool = "process_pools_shared")]
fn shared_a(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[spawn(processes = 4, pool = "process_pools_shared")]
fn shared_b(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[spawn(processes = 4, pool = "process_pools_shared")]
fn shared_c(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[spawn(pool = "process_pools_shared", processes = 4)]
fn shared_d(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[parallel(processes = 4, pool = "process_pools_shared", chunks = 4)]
fn shared_e(items: &[u32]) -> Vec<u32> {
    hold();
    items.iter().map(|_| std::process::id()).collect()
}

#[test]
fn five_functions_on_one_pool_of_4_start_4_workers() {
    let functions: [fn(u32) -> Task<u32>; 4] = [shared_a, shared_b, shared_c, shared_d];
    let mut pids = BTreeSet::new();
    for round in 0..2 {
        let tasks: Vec<Task<u32>> = (0..8).map(|i| functions[i % 4](round)).collect();
        pids.extend(join_all(tasks).into_iter().map(Result::unwrap));
        pids.extend(shared_e(&[1, 2, 3, 4, 5, 6, 7, 8]));
    }
    assert_eq!(
        pids.len(),
        4,
        "five functions on one 4-worker pool ran in {pids:?}"
    );
    for pid in &pids {
        assert_eq!(procfs::stat(*pid).unwrap().ppid, std::process::id());
    }
}

// --- decor::process::configure ------------------------------------------------

#[spawn(processes = 1, pool = "process_pools_configured")]
fn configured(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[test]
fn configure_sizes_a_shared_pool_before_its_first_use() {
    decor::process::configure("process_pools_configured", 3).unwrap();
    // Asking again for the same size is fine.
    decor::process::configure("process_pools_configured", 3).unwrap();
    let pids: BTreeSet<u32> = join_all((0..6).map(configured))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pids.len(), 3, "configured for 3, ran in {pids:?}");
    let error = decor::process::configure("process_pools_configured", 5).unwrap_err();
    assert!(
        matches!(
            error,
            decor::process::ConfigureError::AlreadyStarted { processes: 3, .. }
        ),
        "{error:?}"
    );
    assert!(error
        .to_string()
        .contains("already started with 3 processes"));
    assert_eq!(
        decor::process::configure("process_pools_never_used", 0),
        Err(decor::process::ConfigureError::ZeroProcesses)
    );
}

// --- processes alone, and sizes as const expressions -------------------------------

#[spawn(processes)]
fn per_core(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[test]
fn processes_alone_starts_one_worker_per_core() {
    let cores = std::thread::available_parallelism().unwrap().get();
    let pids: BTreeSet<u32> = join_all((0..2 * cores as u32).map(per_core))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pids.len(), cores, "{cores} cores, ran in {pids:?}");
}

const WORKERS: usize = 3;
const K: usize = 1;

#[spawn(processes = WORKERS)]
fn sized_by_const(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[spawn(processes = 2 * K)]
fn sized_by_expression(_n: u32) -> u32 {
    hold();
    std::process::id()
}

#[test]
fn pool_sizes_may_be_const_expressions() {
    let pids: BTreeSet<u32> = join_all((0..6).map(sized_by_const))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pids.len(), WORKERS, "{pids:?}");
    let pids: BTreeSet<u32> = join_all((0..4).map(sized_by_expression))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(pids.len(), 2 * K, "{pids:?}");
}

// --- init = path ------------------------------------------------------------------

static INIT_RUNS: AtomicU32 = AtomicU32::new(0);
static CALLS_BEFORE_INIT: AtomicU32 = AtomicU32::new(0);
static CALLS: AtomicU32 = AtomicU32::new(0);

fn count_init() {
    INIT_RUNS.fetch_add(1, Ordering::SeqCst);
    CALLS_BEFORE_INIT.store(CALLS.load(Ordering::SeqCst), Ordering::SeqCst);
}

/// (worker pid, init runs in that worker, calls it had seen when init ran)
#[spawn(processes = 2, init = count_init)]
fn after_init(_n: u32) -> (u32, u32, u32) {
    CALLS.fetch_add(1, Ordering::SeqCst);
    hold();
    (
        std::process::id(),
        INIT_RUNS.load(Ordering::SeqCst),
        CALLS_BEFORE_INIT.load(Ordering::SeqCst),
    )
}

#[test]
fn init_runs_once_in_each_worker_before_its_first_call() {
    let results: Vec<(u32, u32, u32)> = join_all((0..6).map(after_init))
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let pids: BTreeSet<u32> = results.iter().map(|r| r.0).collect();
    assert_eq!(pids.len(), 2, "{results:?}");
    for (pid, runs, calls_before) in &results {
        assert_eq!(*runs, 1, "init ran {runs} times in worker {pid}");
        assert_eq!(*calls_before, 0, "init ran after a call in worker {pid}");
    }
    assert_eq!(
        INIT_RUNS.load(Ordering::SeqCst),
        0,
        "init ran in the parent"
    );
}

fn failing_init() {
    quiet_panics();
    panic!("no database {EXPECTED}");
}

#[spawn(processes = 1, init = failing_init)]
fn needs_init(n: u32) -> u32 {
    n
}

#[test]
fn a_panicking_init_fails_the_calls_with_why_and_is_not_restarted() {
    quiet_panics();
    let errors: Vec<String> = join_all((0..5).map(needs_init))
        .into_iter()
        .map(|result| {
            let error = result.unwrap_err();
            assert!(error.is_crash(), "{error}");
            error.to_string()
        })
        .collect();
    let workers: BTreeSet<&str> = errors
        .iter()
        .map(|error| {
            assert!(
                error.contains("init function `failing_init` panicked")
                    && error.contains("no database"),
                "{error}"
            );
            error
                .split("in worker process ")
                .nth(1)
                .unwrap()
                .split(':')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(workers.len(), 1, "workers restarted: {errors:?}");
}

// --- recycle = N ------------------------------------------------------------------

#[spawn(processes = 1, recycle = 3)]
fn recycled(n: u32) -> (u32, u32) {
    (n, std::process::id())
}

#[test]
fn recycle_replaces_a_worker_after_n_calls_without_failing_calls_in_flight() {
    // One at a time, then 12 submitted at once: every call succeeds, and
    // no worker runs more than 3.
    let mut per_worker: BTreeMap<u32, u32> = BTreeMap::new();
    for n in 0..6 {
        let (m, pid) = recycled(n).join().unwrap();
        assert_eq!(m, n);
        *per_worker.entry(pid).or_default() += 1;
    }
    assert_eq!(per_worker.len(), 2, "{per_worker:?}");
    let results = join_all((0..12).map(recycled));
    for (n, result) in results.into_iter().enumerate() {
        let (m, pid) = result.unwrap_or_else(|error| panic!("call {n} failed: {error}"));
        assert_eq!(m, n as u32);
        *per_worker.entry(pid).or_default() += 1;
    }
    assert_eq!(per_worker.len(), 6, "{per_worker:?}");
    assert!(
        per_worker.values().all(|calls| *calls == 3),
        "{per_worker:?}"
    );
    procfs::assert_no_zombie_children();
}

// --- Workers have the program's name ---------------------------------------------

#[spawn(processes = 1)]
fn worker_pid() -> u32 {
    std::process::id()
}

#[test]
fn workers_are_named_after_the_program_and_marked() {
    let pid = worker_pid().join().unwrap();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let arg0 = String::from_utf8_lossy(cmdline.split(|b| *b == 0).next().unwrap()).into_owned();
    let program = std::env::args().next().unwrap();
    assert_eq!(arg0, format!("{program} [decor worker]"));
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap();
    let base = program.rsplit('/').next().unwrap();
    assert_eq!(comm.trim_end(), &base[..base.len().min(15)]);
}

// --- timeout counts from when the worker has the call ------------------------------

/// An argument of `len` bytes that the worker takes without copying or
/// checking it: the call costs the worker next to nothing once it has the
/// request, however long writing the request took.
#[derive(Debug)]
struct Blob(usize);

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&vec![7; self.0])
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Length;
        impl serde::de::Visitor<'_> for Length {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Blob, E> {
                Ok(Blob(bytes.len()))
            }
        }
        deserializer.deserialize_bytes(Length)
    }
}

#[spawn(processes = 1, timeout = "100ms")]
fn blob_len(blob: Blob) -> usize {
    blob.0
}

#[test]
fn timeout_does_not_count_writing_the_arguments() {
    // Writing 256 MiB through a pipe takes longer than the timeout; the
    // call itself, once the worker has it, takes next to nothing.
    let len = 256 << 20;
    assert_eq!(blob_len(Blob(len)).join().unwrap(), len);
}

// --- A worker that leaves on its own is not killed on the way out ------------------

/// Closes this worker's response pipe (the write end of a pipe among its
/// descriptors above stderr), as a worker that cannot start does before it
/// has written why, then takes a moment to exit with status 7.
#[spawn(processes = 1)]
fn close_pipe_then_exit() {
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let fd: i32 = entry
            .unwrap()
            .file_name()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let link = std::fs::read_link(format!("/proc/self/fd/{fd}")).unwrap_or_default();
        let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).unwrap_or_default();
        let write_only = info
            .lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|flags| u32::from_str_radix(flags.trim(), 8).ok())
            .is_some_and(|flags| flags & 3 == 1);
        if fd > 2 && write_only && link.to_string_lossy().starts_with("pipe:") {
            // SAFETY: the worker exits below without writing again.
            unsafe { libc::close(fd) };
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    std::process::exit(7);
}

#[test]
fn a_worker_exiting_after_closing_its_pipe_reports_its_own_exit() {
    let error = close_pipe_then_exit().join().unwrap_err();
    assert!(error.is_crash(), "{error}");
    assert!(
        error.to_string().contains("exited with status 7"),
        "{error}"
    );
}
