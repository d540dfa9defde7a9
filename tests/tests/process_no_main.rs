//! Zero set-up: a program with a plain `fn main()` (no `#[decor::main]`, no
//! `decor::process::init()`) uses a `processes = 2` function, and its `main`
//! never runs in a worker. Run without `DECOR_TEST_CHILD` this test re-runs
//! itself with it set, as the program, and checks what that run printed:
//! `main` once, every result, and the lines the workers printed.
//! (`harness = false`: this is about the real `main`.)

mod procfs;

use std::collections::BTreeSet;
use std::io::Write;

const CHILD: &str = "DECOR_TEST_CHILD";
const CALLS: u64 = 8;

#[decor::spawn(processes = 2)]
fn square_aloud(n: u64) -> (u64, u32) {
    println!("FROM WORKER {n}");
    (n * n, std::process::id())
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        // The program: a worker running this would print a second MAIN.
        println!("MAIN {}", std::process::id());
        let results = decor::join_all((0..CALLS).map(square_aloud));
        for (n, result) in results.into_iter().enumerate() {
            let (square, pid) = result.unwrap();
            println!("RESULT {n} {square} {pid}");
        }
        std::io::stdout().flush().unwrap();
        return;
    }
    let mut passed = 0;
    let run = procfs::run_self(CHILD);
    procfs::check(&mut passed, "main_runs_once_and_results_come_back", || {
        check_run(&run)
    });
    procfs::check(&mut passed, "worker_stdout_reaches_the_parent", || {
        check_worker_lines(&run)
    });
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
}

fn check_run(run: &procfs::Run) {
    let context = format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.success, "the child failed\n{context}");
    let mains: Vec<&str> = run.lines_after("MAIN ").collect();
    assert_eq!(mains.len(), 1, "main ran {} times\n{context}", mains.len());
    let main_pid: u32 = mains[0].parse().unwrap();
    let mut workers = BTreeSet::new();
    let results: Vec<&str> = run.lines_after("RESULT ").collect();
    assert_eq!(results.len(), CALLS as usize, "{context}");
    for (n, line) in results.into_iter().enumerate() {
        let fields: Vec<u64> = line.split(' ').map(|f| f.parse().unwrap()).collect();
        let n = n as u64;
        assert_eq!(fields[..2], [n, n * n], "{context}");
        assert_ne!(fields[2], u64::from(main_pid), "ran in main's process");
        workers.insert(fields[2]);
    }
    assert!(
        (1..=2).contains(&workers.len()),
        "processes = 2 ran on {workers:?}"
    );
}

fn check_worker_lines(run: &procfs::Run) {
    for n in 0..CALLS {
        let line = format!("FROM WORKER {n}");
        let count = run.stdout.lines().filter(|l| *l == line).count();
        assert_eq!(count, 1, "{line:?} printed {count} times:\n{}", run.stdout);
    }
}
