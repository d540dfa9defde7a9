//! A pool that cannot start every worker still runs every call: run
//! without `DECOR_TEST_CHILD`, this test re-runs itself with it set and a
//! limit of 64 open descriptors (`RLIMIT_NOFILE`, as `ulimit -n 64`), where
//! a `processes = 40` pool can start only some of its workers. Every call
//! must then succeed on the workers that did start. (`harness = false`: the
//! limit is the whole process's.)

mod procfs;

use std::collections::BTreeSet;
use std::io::Write;

const CHILD: &str = "DECOR_TEST_CHILD";
const CALLS: u32 = 400;
const WORKERS: u32 = 40;

#[decor::spawn(processes = 40)]
fn square(n: u32) -> (u32, u32) {
    (n * n, std::process::id())
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        let limit = libc::rlimit {
            rlim_cur: 64,
            rlim_max: 64,
        };
        // SAFETY: `setrlimit` reads the struct; no other thread runs yet.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
        let results = decor::join_all((0..CALLS).map(square));
        for (n, result) in results.into_iter().enumerate() {
            match result {
                Ok((square, pid)) => println!("RESULT {n} {square} {pid}"),
                Err(error) => println!("FAILED {n} {error}"),
            }
        }
        std::io::stdout().flush().unwrap();
        return;
    }
    let mut passed = 0;
    let run = procfs::run_self(CHILD);
    procfs::check(&mut passed, "calls_go_to_the_workers_that_started", || {
        let context = format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        assert!(run.success, "the child failed\n{context}");
        let failed: Vec<&str> = run.lines_after("FAILED ").collect();
        assert!(
            failed.is_empty(),
            "{} of {CALLS} calls failed, e.g. {:?}",
            failed.len(),
            failed.first()
        );
        let mut pids = BTreeSet::new();
        let mut results = 0;
        for line in run.lines_after("RESULT ") {
            let fields: Vec<u32> = line.split(' ').map(|f| f.parse().unwrap()).collect();
            assert_eq!(fields[1], fields[0] * fields[0], "{line}");
            pids.insert(fields[2]);
            results += 1;
        }
        assert_eq!(results, CALLS, "{context}");
        // Not all 40 fit in 64 descriptors: the test tests what it says.
        assert!(
            pids.len() > 1 && pids.len() < WORKERS as usize,
            "ran in {} workers",
            pids.len()
        );
    });
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}
