//! `processes = N` in a program whose `main` carries `#[decor::main]`: the
//! attribute's own worker entry and decor's constructor do not both act,
//! `main` runs once, and results and worker output come back. Run without
//! `DECOR_TEST_CHILD` this test re-runs itself with it set, as the program,
//! and checks what that run printed. (`harness = false`: the attribute must
//! sit on the real `main`.)

mod procfs;

use std::collections::BTreeSet;
use std::io::Write;

const CHILD: &str = "DECOR_TEST_CHILD";
const CALLS: u64 = 8;

#[decor::spawn(processes = 2)]
fn cube_aloud(n: u64) -> (u64, u32) {
    println!("FROM WORKER {n}");
    (n * n * n, std::process::id())
}

/// `#[logged]` below `processes` runs in the worker, which installs the
/// subscriber `#[decor::main]` installed here: its events reach stderr.
#[decor::spawn(processes = 1)]
#[decor::logged]
fn greet(name: String) -> String {
    format!("hello {name}")
}

#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::main]
fn main() {
    if std::env::var_os(CHILD).is_some() {
        // The program: a worker running this would print a second MAIN.
        println!("MAIN {}", std::process::id());
        let results = decor::join_all((0..CALLS).map(cube_aloud));
        for (n, result) in results.into_iter().enumerate() {
            let (cube, pid) = result.unwrap();
            println!("RESULT {n} {cube} {pid}");
        }
        let data: Vec<u64> = (1..=10_000).collect();
        println!("SUM {}", sum(&data));
        println!("GREETING {}", greet("Ada".to_owned()).join().unwrap());
        std::io::stdout().flush().unwrap();
        return;
    }
    let mut passed = 0;
    let run = procfs::run_self(CHILD);
    procfs::check(&mut passed, "main_runs_once_and_results_come_back", || {
        let context = format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
        assert!(run.success, "the child failed\n{context}");
        let mains: Vec<&str> = run.lines_after("MAIN ").collect();
        assert_eq!(mains.len(), 1, "main ran {} times\n{context}", mains.len());
        let main_pid: u64 = mains[0].parse().unwrap();
        let results: Vec<&str> = run.lines_after("RESULT ").collect();
        assert_eq!(results.len(), CALLS as usize, "{context}");
        let mut workers = BTreeSet::new();
        for (n, line) in results.into_iter().enumerate() {
            let fields: Vec<u64> = line.split(' ').map(|f| f.parse().unwrap()).collect();
            let n = n as u64;
            assert_eq!(fields[..2], [n, n * n * n], "{context}");
            assert_ne!(fields[2], main_pid, "ran in main's process");
            workers.insert(fields[2]);
        }
        assert!((1..=2).contains(&workers.len()), "{workers:?}");
        let sums: Vec<&str> = run.lines_after("SUM ").collect();
        assert_eq!(sums, ["50005000"], "{context}");
    });
    procfs::check(&mut passed, "worker_stdout_reaches_the_parent", || {
        for n in 0..CALLS {
            let line = format!("FROM WORKER {n}");
            let count = run.stdout.lines().filter(|l| *l == line).count();
            assert_eq!(count, 1, "{line:?} printed {count} times:\n{}", run.stdout);
        }
    });
    procfs::check(
        &mut passed,
        "decorators_in_the_worker_log_through_the_parents_filter",
        || {
            let greetings: Vec<&str> = run.lines_after("GREETING ").collect();
            assert_eq!(greetings, ["hello Ada"], "stdout:\n{}", run.stdout);
            let logged: Vec<&str> = run
                .stderr
                .lines()
                .filter(|line| line.contains("greet") && line.contains("Ada"))
                .collect();
            assert!(
                logged.len() >= 2,
                "the worker's #[logged] entry and exit events are missing from stderr:\n{}",
                run.stderr
            );
            assert!(
                logged.iter().any(|line| line.contains("hello Ada")),
                "no exit event with the return value:\n{}",
                run.stderr
            );
        },
    );
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}
