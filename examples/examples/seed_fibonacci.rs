//! The note's CPU-bound experiment: fibonacci(35), four times.
//! `cargo run --release --example seed_fibonacci [n]` (n defaults to 35; try
//! 30 for a quick run).
//!
//! In Python the note measured 8.93 s on one thread, 9.89 s on a
//! `ThreadPoolExecutor(max_workers=4)` (the GIL runs one thread at a time, so
//! threads only add overhead), and 3.81 s / 3.67 s with four processes: a
//! `multiprocessing.Process` per call, and a `ProcessPoolExecutor`.
//!
//! Rust threads run Python's "processes" case without the processes: the same
//! four calls submitted with `#[decor::spawn(threads = 4)]` and collected with
//! `decor::as_completed` (the note's `executor.submit` + `as_completed`), and
//! once more as one blocking data-parallel call with `#[decor::parallel]`.
//! The speedup is bounded by the machine's cores, not by a lock.
//!
//! The note's two process modes run here too. "A process per call" is
//! written by hand, as `multiprocessing.Process` is: this program starts
//! itself again as `seed_fibonacci --fib N` once per call and reads the
//! number the child prints. "A warm pool" is `#[decor::spawn(processes = 4)]`:
//! four worker processes started on the first call and kept, like
//! `ProcessPoolExecutor(max_workers=4)`. Its first call (the pool start) is
//! timed apart from the rounds on the warm pool.

use std::hint::black_box;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ROUNDS: u32 = 3;

/// The note's function, unchanged.
fn fibonacci(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        fibonacci(n - 1) + fibonacci(n - 2)
    }
}

/// The same function submitted to a pool of 4 threads: each call returns a
/// `decor::Task<u64>` at once. The recursive calls inside the body run the
/// plain function on the same thread; only the outer call is submitted.
#[decor::spawn(threads = 4)]
fn fibonacci_task(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        fibonacci_task(n - 1) + fibonacci_task(n - 2)
    }
}

/// All of `ns` at once: the slice is cut into one chunk per pool thread and
/// the `Vec`s come back concatenated in input order.
#[decor::parallel(threads = 4)]
fn fibonacci_all(ns: &[u64]) -> Vec<u64> {
    ns.iter().map(|&n| fibonacci(black_box(n))).collect()
}

/// The same function in a pool of 4 worker processes, Python's
/// `ProcessPoolExecutor(max_workers=4)`: each call returns a
/// `decor::Task<u64>` at once, `n` and the result cross pipes to and from a
/// worker. The pool starts (all 4 workers) on the first call and stays warm.
#[decor::spawn(processes = 4)]
fn fib_in_process(n: u64) -> u64 {
    fibonacci(n)
}

/// `seed_fibonacci --fib N`: this program started as the child of "a process
/// per call"; `None` when it was started as itself.
fn child_fib_arg() -> Option<u64> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("--fib") {
        return None;
    }
    match args.next().map(|n| n.parse()) {
        Some(Ok(n)) if n <= 45 => Some(n),
        _ => {
            eprintln!("usage: seed_fibonacci --fib N   (N a whole number up to 45)");
            std::process::exit(2);
        }
    }
}

/// `multiprocessing.Process(target=fibonacci, args=(n,)).start()`, by hand:
/// a new process running this same program, told to compute one number.
fn start_child(n: u64) -> Child {
    let program = std::env::current_exe().expect("the path of this program");
    Command::new(program)
        .args(["--fib", &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start a child process")
}

/// `process.join()`, plus what the note's Python left out: the result, read
/// from what the child printed.
fn join_child(child: Child) -> u64 {
    let output = child.wait_with_output().expect("wait for a child process");
    assert!(output.status.success(), "the child {}", output.status);
    let printed = String::from_utf8_lossy(&output.stdout);
    printed
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("the child printed {printed:?}, not a number"))
}

/// Four calls on the pool, results in submission order (the note's
/// `[future.result() for future in futures]`).
fn four_in_pool(n: u64) -> Vec<u64> {
    let tasks: Vec<_> = (0..4).map(|_| fib_in_process(n)).collect();
    decor::join_all(tasks)
        .into_iter()
        .map(|result| result.expect("fibonacci does not panic"))
        .collect()
}

#[decor::timed]
fn single_thread(n: u64) -> Vec<u64> {
    // black_box: the four calls are identical and the compiler would
    // otherwise compute one and reuse it.
    (0..4).map(|_| fibonacci(black_box(n))).collect()
}

#[decor::timed]
fn spawn_as_completed(n: u64) -> Vec<u64> {
    let tasks: Vec<_> = (0..4).map(|_| fibonacci_task(black_box(n))).collect();
    let mut order = Vec::new();
    let mut results = vec![0; 4];
    for (index, result) in decor::as_completed(tasks) {
        results[index] = result.expect("fibonacci does not panic");
        order.push(index);
    }
    println!("  spawn: tasks finished in the order {order:?}");
    results
}

#[decor::timed]
fn parallel_call(n: u64) -> Vec<u64> {
    fibonacci_all(&[n; 4])
}

/// Four children started at once, then waited for: each pays for a whole
/// program start on every call.
#[decor::timed]
fn process_per_call(n: u64) -> Vec<u64> {
    let children: Vec<Child> = (0..4).map(|_| start_child(n)).collect();
    children.into_iter().map(join_child).collect()
}

#[decor::timed]
fn process_pool(n: u64) -> Vec<u64> {
    four_in_pool(n)
}

fn timed_mean(name: &str) -> Duration {
    decor::timers::get(&format!("seed_fibonacci::{name}"))
        .unwrap_or_else(|| panic!("{name} was timed"))
        .mean()
}

#[decor::main(report)]
fn main() {
    // The child of "a process per call" (see `start_child`): compute, print,
    // leave before the rest of main. `exit` also skips the timer report that
    // `#[decor::main(report)]` prints when main returns.
    if let Some(n) = child_fib_arg() {
        println!("{}", fibonacci(n));
        std::process::exit(0);
    }

    let n: u64 = match std::env::args().nth(1) {
        Some(arg) => match arg.parse() {
            Ok(n) if n <= 45 => n,
            _ => {
                eprintln!("usage: seed_fibonacci [n]   (n a whole number up to 45, default 35)");
                std::process::exit(2);
            }
        },
        None => 35,
    };
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!("seed_fibonacci: the note ran fibonacci(35) four times on one thread, a thread");
    println!("pool and processes; here fibonacci({n}) four times: one thread, #[decor::spawn]");
    println!("+ as_completed, #[decor::parallel], a process per call, and a warm pool of");
    println!("4 processes. This machine has {cores} core(s).\n");

    // Start both thread pools first, so the times below are the work, not
    // thread start-up.
    fibonacci_task(1).join().expect("fibonacci does not panic");
    fibonacci_all(&[1; 4]);

    // The process pool's first calls start its 4 workers: four at once, so
    // each worker answers one and all four are up before the rounds. This
    // is the start-up a `with ProcessPoolExecutor(...)` block pays each time.
    let started = Instant::now();
    assert_eq!(four_in_pool(1), [1; 4]);
    let pool_start = started.elapsed();

    // Each way three times, alternating; the table shows the means.
    let mut results = Vec::new();
    for _ in 0..ROUNDS {
        results = vec![
            single_thread(n),
            spawn_as_completed(n),
            parallel_call(n),
            process_per_call(n),
            process_pool(n),
        ];
    }
    let expected = fibonacci(n);
    for (how, results) in ["one thread", "spawn", "parallel", "per call", "pool"]
        .into_iter()
        .zip(&results)
    {
        assert_eq!(results, &vec![expected; 4], "{how} got a wrong result");
    }
    println!("  all five computed fibonacci({n}) = {expected}, four times\n");

    let base = timed_mean("single_thread");
    println!(
        "{:<40} {:>14} {:>9}",
        "4 x fibonacci",
        format!("mean of {ROUNDS}"),
        "speedup"
    );
    for (label, name) in [
        ("one thread (the note's loop)", "single_thread"),
        (
            "#[decor::spawn(threads = 4)] + as_completed",
            "spawn_as_completed",
        ),
        ("#[decor::parallel(threads = 4)]", "parallel_call"),
        (
            "a process per call (multiprocessing.Process)",
            "process_per_call",
        ),
        ("#[decor::spawn(processes = 4)], warm pool", "process_pool"),
    ] {
        let time = timed_mean(name);
        let speedup = base.as_secs_f64() / time.as_secs_f64();
        println!("{label:<44} {time:>10.2?} {speedup:>8.2}x");
    }
    println!(
        "{:<44} {pool_start:>10.2?}   (once)",
        "  + the pool's start: 4 workers, fib(1) each"
    );
    let started = Instant::now();
    black_box(fibonacci(black_box(n)));
    println!(
        "\n(one fibonacci({n}) alone: {:.2?}; with {cores} core(s) the best possible is ~{}x)",
        started.elapsed(),
        cores.min(4)
    );
    println!("The timer table follows on stderr (#[decor::main(report)]):");
}
