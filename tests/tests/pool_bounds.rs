//! Pools at the system's limits: `DECOR_THREADS` above
//! `decor::pools::MAX_THREADS` is reported in one line and bounded, and a
//! pool whose threads cannot all start runs on those that did, for
//! `#[spawn]` and `#[parallel]` alike, instead of panicking.
//!
//! Each scenario needs a fresh process (the default pool's size is fixed
//! on first use; an address-space limit would starve the other tests), so
//! each test re-runs this binary on itself with `DECOR_POOL_BOUNDS_CHILD`
//! naming the test, and checks what the child printed.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Output};

use common::thread_name;
use decor::pools::{self, MAX_THREADS};
use decor::{join_all, parallel, spawn};

const CHILD: &str = "DECOR_POOL_BOUNDS_CHILD";

fn in_child(test: &str) -> bool {
    std::env::var(CHILD).as_deref() == Ok(test)
}

/// Re-runs `test` alone in a fresh process with `envs`.
fn rerun(test: &str, envs: &[(&str, &str)]) -> (Output, String, String) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .envs(envs.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "{test} failed in its own process:\n{stdout}\n{stderr}"
    );
    (output, stdout, stderr)
}

/// The lines of `text` that start with `prefix`.
fn lines_starting<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|line| line.starts_with(prefix))
        .collect()
}

#[spawn]
fn on_default() -> String {
    thread_name()
}

#[test]
fn decor_threads_above_the_bound_is_reported_once_and_bounded() {
    const TEST: &str = "decor_threads_above_the_bound_is_reported_once_and_bounded";
    if in_child(TEST) {
        let threads = pools::default_threads();
        println!("default_threads: {threads}");
        if threads > MAX_THREADS {
            return; // not worth starting them to fail
        }
        let names: BTreeSet<String> = join_all((0..8).map(|_| on_default()))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        assert!(names.iter().all(|name| name.starts_with("decor-default-")));
        println!("pool threads: {}", pools::threads("default").unwrap());
        return;
    }
    let (_, stdout, stderr) = rerun(TEST, &[("DECOR_THREADS", "100000")]);
    assert_eq!(
        lines_starting(&stderr, "decor:"),
        ["decor: DECOR_THREADS=100000 is above the bound of 1024 threads per pool; using 1024"],
        "{stderr}"
    );
    assert!(stdout.contains("default_threads: 1024\n"), "{stdout}");
    assert!(stdout.contains("pool threads: 1024\n"), "{stdout}");
}

#[test]
fn a_bad_decor_threads_is_reported_and_one_per_core_used() {
    const TEST: &str = "a_bad_decor_threads_is_reported_and_one_per_core_used";
    if in_child(TEST) {
        println!("default_threads: {}", pools::default_threads());
        return;
    }
    let (_, stdout, stderr) = rerun(TEST, &[("DECOR_THREADS", "lots")]);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(
        lines_starting(&stderr, "decor:"),
        [format!(
            "decor: ignoring DECOR_THREADS=\"lots\": expected a positive whole number; using {cores} (one per core)"
        )],
    );
    assert!(
        stdout.contains(&format!("default_threads: {cores}\n")),
        "{stdout}"
    );
}

/// How many pool threads fit in the address space left: some, not all.
const CAPPED: usize = 200;

#[spawn(pool = "capped")]
fn on_capped() -> String {
    thread_name()
}

#[parallel(pool = "capped", chunks = 8, reduce = |a, b| a + b)]
fn chunk_sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

/// Limits the process's address space to what it uses now plus `spare`
/// bytes: each thread's stack (2 MiB) takes some, so only a few more
/// threads can start.
fn limit_address_space(spare: u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmSize:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    let limit = kib * 1024 + spare;
    let rlimit = libc::rlimit {
        rlim_cur: limit,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: setrlimit with a valid, initialised struct.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &rlimit) }, 0);
}

#[test]
fn a_pool_that_cannot_start_all_its_threads_runs_on_those_it_has() {
    const TEST: &str = "a_pool_that_cannot_start_all_its_threads_runs_on_those_it_has";
    if in_child(TEST) {
        pools::configure("capped", CAPPED).unwrap();
        // Everything the child needs later, allocated before the limit.
        let numbers: Vec<u64> = (1..=1_000).collect();
        let mut report = String::with_capacity(4096);
        limit_address_space(64 << 20);
        let names: BTreeSet<String> = join_all((0..400).map(|_| on_capped()))
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let sum = chunk_sum(&numbers);
        use std::fmt::Write;
        writeln!(
            report,
            "\nthreads: {}\nnames: {}\nall named: {}\nsum: {sum}",
            pools::threads("capped").unwrap(),
            names.len(),
            names.iter().all(|name| name.starts_with("decor-capped-")),
        )
        .unwrap();
        print!("{report}");
        return;
    }
    // One malloc arena: a thread that started once the address space was
    // full can get no arena of its own (glibc reserves 64 MiB for one), and
    // its first allocation would fail; with one arena every thread
    // allocates from the main heap.
    let (_, stdout, stderr) = rerun(TEST, &[("MALLOC_ARENA_MAX", "1")]);
    let field = |name: &str| -> String {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name:?} in\n{stdout}\n{stderr}"))
            .to_owned()
    };
    let threads: usize = field("threads").parse().unwrap();
    assert!(
        (1..CAPPED).contains(&threads),
        "some threads start, not all: {threads}\n{stderr}"
    );
    assert_eq!(field("all named"), "true");
    let names: usize = field("names").parse().unwrap();
    assert!(names <= threads, "{names} names on {threads} threads");
    assert_eq!(field("sum"), "500500", "#[parallel] ran on the capped pool");
    let reported = lines_starting(&stderr, "decor: pool \"capped\" started");
    assert_eq!(
        reported.len(),
        1,
        "one line for the task threads:\n{stderr}"
    );
    assert!(
        reported[0].starts_with(&format!(
            "decor: pool \"capped\" started {threads} of its {CAPPED} threads ("
        )) && reported[0].ends_with("); it runs on those"),
        "{}",
        reported[0]
    );
}
