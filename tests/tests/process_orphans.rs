//! No orphans: when the program is killed outright (SIGKILL: no destructor,
//! no exit handler runs), its worker processes exit too, even one stuck in
//! the middle of a long call. Run without `DECOR_TEST_CHILD` this test
//! re-runs itself with it set; that child starts a `processes = 2` pool,
//! leaves one call sleeping, prints its workers' pids and blocks. The test
//! kills it and waits (a deadline, not a timing assertion) for every worker
//! to be gone. (`harness = false`: the child is a whole program.)

mod procfs;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

const CHILD: &str = "DECOR_TEST_CHILD";

#[decor::spawn(processes = 2)]
fn worker_pid(stuck: bool) -> u32 {
    let pid = std::process::id();
    if stuck {
        println!("STUCK {pid}");
        std::io::stdout().flush().unwrap();
        std::thread::sleep(Duration::from_secs(600));
    }
    pid
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
    }
    let mut passed = 0;
    procfs::check(
        &mut passed,
        "workers_exit_when_the_parent_is_killed",
        workers_exit_when_the_parent_is_killed,
    );
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

/// The program that gets killed: a warm pool, a call stuck in a worker, and
/// a main thread that waits forever.
fn child() -> ! {
    // Idle workers take calls in turn, so two calls in a row meet both.
    for _ in 0..2 {
        println!("WORKER {}", worker_pid(false).join().unwrap());
    }
    let _stuck = worker_pid(true);
    println!("CHILD {}", std::process::id());
    println!("READY");
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::park();
    }
}

fn workers_exit_when_the_parent_is_killed() {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = procfs::lines_of(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    let (mut ready, mut stuck) = (false, false);
    while !(ready && stuck) {
        match lines.recv_timeout(procfs::CHILD_HANG) {
            Ok(line) => {
                ready |= line == "READY";
                stuck |= line.starts_with("STUCK ");
                seen.push(line);
            }
            Err(error) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the child stopped short ({error:?}); it printed {seen:?}");
            }
        }
    }
    let child_pid = child.id();
    let reported: Vec<u32> = seen
        .iter()
        .filter_map(|line| {
            line.strip_prefix("WORKER ")
                .or_else(|| line.strip_prefix("STUCK "))
        })
        .map(|pid| pid.parse().unwrap())
        .collect();
    assert!(
        seen.contains(&format!("CHILD {child_pid}")),
        "the child printed {seen:?}"
    );
    // Every worker, as the child reported them and as /proc sees its
    // children; the start time tells a reused pid apart.
    let mut workers: BTreeMap<u32, procfs::Stat> = BTreeMap::new();
    for stat in procfs::children(child_pid) {
        workers.insert(stat.pid, stat);
    }
    for pid in reported {
        let stat = procfs::stat(pid).unwrap_or_else(|| panic!("worker {pid} already gone"));
        assert_eq!(stat.ppid, child_pid, "worker {pid} is not the child's");
        workers.insert(pid, stat);
    }
    assert_eq!(
        workers.len(),
        2,
        "processes = 2, yet the child has {workers:?} ({seen:?})"
    );
    assert!(workers.values().all(procfs::is_alive), "{workers:?}");

    child.kill().unwrap();
    child.wait().unwrap();

    let survivors = || -> Vec<procfs::Stat> {
        workers
            .values()
            .filter(|known| procfs::is_alive(known))
            .filter_map(|known| procfs::stat(known.pid))
            .collect()
    };
    assert!(
        procfs::eventually(|| survivors().is_empty()),
        "workers outlived their killed parent {child_pid}: {:?}",
        survivors()
    );
    // With every worker gone, nothing holds the child's stdout any more.
    loop {
        match lines.recv_timeout(procfs::CHILD_HANG) {
            Ok(_) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => panic!("the child's stdout is still open"),
        }
    }
}
