//! A first run of decor: `cargo run --release --example tour`.
//!
//! It replays the timing experiment of the note decor grew from (adding up
//! 8,000,000 ones, in one loop and in 8 chunks), parses some configuration
//! lines with logging, survives a panicking call, runs the note's thread-pool
//! and lock examples as decorators, shows what a pool of worker processes
//! survives (a crash, a panic, a call over its time limit), and ends with the
//! timer table that `#[decor::main(report)]` prints on the way out.
//!
//! Try `RUST_LOG=debug` to see `#[timed]`'s per-call events too, or
//! `RUST_LOG=warn` to see only the slow-call warnings and errors.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The note's baseline: one loop over every number.
#[decor::timed]
#[decor::logged(skip(numbers))]
fn sum_loop(numbers: &[u64]) -> u64 {
    let mut total = 0;
    for &n in numbers {
        total += black_box(n);
    }
    total
}

/// The note's "split into 8 chunks", still on one thread.
#[decor::timed]
#[decor::logged(skip(numbers))]
fn sum_chunked(numbers: &[u64], chunks: usize) -> u64 {
    let size = numbers.len().div_ceil(chunks.max(1));
    numbers.chunks(size.max(1)).map(sum_chunk).sum()
}

#[decor::timed]
fn sum_chunk(chunk: &[u64]) -> u64 {
    chunk.iter().map(|&n| black_box(n)).sum()
}

#[derive(Debug)]
enum ConfigError {
    MissingEquals(usize),
    BadNumber { line: usize, value: String },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::MissingEquals(line) => write!(f, "line {line}: expected `key = value`"),
            ConfigError::BadNumber { line, value } => {
                write!(f, "line {line}: `{value}` is not a number")
            }
        }
    }
}

/// Parses `key = number` lines; errors are logged at WARN with their text.
#[decor::timed(warn_over = "5ms")]
#[decor::logged(err = warn, fields(lines = text.lines().count()))]
fn parse_config(text: &str) -> Result<BTreeMap<String, u32>, ConfigError> {
    let mut config = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let (key, value) = line
            .split_once('=')
            .ok_or(ConfigError::MissingEquals(line_no))?;
        let number = value.trim().parse().map_err(|_| ConfigError::BadNumber {
            line: line_no,
            value: value.trim().to_owned(),
        })?;
        config.insert(key.trim().to_owned(), number);
    }
    Ok(config)
}

/// A password that must never reach the log.
#[decor::logged(redact(password))]
fn login(user: &str, password: &str) -> bool {
    password.len() >= 8 && !user.is_empty()
}

/// A call that panics: the panic is logged and counted, then unwinds on.
#[decor::timed]
#[decor::logged]
fn divide(a: u32, b: u32) -> u32 {
    a / b
}

// Threads: the note's thread pool, data-parallel sum and lock.

/// The note's CPU-bound fibonacci, submitted to a pool of 4 threads: each
/// call returns a `decor::Task` at once (Python's `executor.submit`). The
/// recursive calls inside run the plain function on the same thread.
#[decor::spawn(threads = 4)]
fn fibonacci(n: u64) -> u64 {
    if n <= 1 {
        n
    } else {
        fibonacci(n - 1) + fibonacci(n - 2)
    }
}

/// The note's 8 chunks, summed on 8 threads at once; still a blocking call
/// on a borrowed slice.
#[decor::timed]
#[decor::parallel(threads = 8, reduce = |a, b| a + b)]
fn sum_parallel(chunk: &[u64]) -> u64 {
    chunk.iter().map(|&n| black_box(n)).sum()
}

/// A stand-in for the note's output file: every write to it is atomic on
/// its own (like `write(2)` on an append-mode file); a line takes three.
static OUTPUT: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn write_piece(piece: &[u8]) {
    OUTPUT.lock().unwrap().extend_from_slice(piece);
    std::thread::yield_now();
}

/// The note's `with lock:` around the write: one whole line at a time.
#[decor::synchronized]
fn write_answer(n: u64, answer: &str) {
    write_piece(format!("Thread-{n}: ").as_bytes());
    write_piece(answer.as_bytes());
    write_piece(b"\n");
}

/// A worker of the note's LLM example: "call the API", then write.
#[decor::spawn(threads = 5)]
fn answer_and_write(n: u64) {
    let answer = n.to_string().repeat(20);
    write_answer(n, &answer);
}

fn threads_section(numbers: &[u64]) {
    println!("Threads: the note's pools and lock, as decorators");

    let tasks: Vec<_> = [27, 26, 25, 24].into_iter().map(fibonacci).collect();
    let done: Vec<String> = decor::as_completed(tasks)
        .map(|(i, result)| format!("#{i} = {}", result.expect("fibonacci does not panic")))
        .collect();
    println!(
        "#[spawn] fibonacci(27, 26, 25, 24), as completed: {}",
        done.join(", ")
    );

    for _ in 0..3 {
        assert_eq!(sum_parallel(numbers), 8_000_000);
    }
    let parallel_mean = decor::timers::get("tour::sum_parallel").unwrap().mean();
    println!(
        "#[parallel] 8 chunks on 8 threads: 8,000,000 in {parallel_mean:.2?} per call (mean of 3)"
    );

    for result in decor::join_all((0..10).map(answer_and_write)) {
        result.expect("the writer does not panic");
    }
    let text = String::from_utf8(std::mem::take(&mut *OUTPUT.lock().unwrap())).unwrap();
    let intact = text
        .lines()
        .filter(|line| {
            line.split_once(": ").is_some_and(|(head, answer)| {
                head.strip_prefix("Thread-")
                    .is_some_and(|n| answer == n.repeat(20))
            })
        })
        .count();
    assert_eq!((intact, text.lines().count()), (10, 10));
    println!(
        "#[synchronized] 10 writers on 5 threads, one shared buffer: {intact} of 10 lines intact"
    );
    println!("  first line: {}\n", text.lines().next().unwrap_or(""));
}

// Processes: the note's ProcessPoolExecutor, and what a process buys: a
// crash takes down one worker, not the program.

/// Squares `n` in one of 2 worker processes (this program, started again;
/// its `main` never runs there). 13 aborts, killing its worker as a
/// segfault in C code would; 0 panics, which the worker catches.
#[decor::spawn(processes = 2)]
fn risky(n: u32) -> u32 {
    match n {
        0 => panic!("risky(0): zero is not allowed"),
        13 => std::process::abort(),
        n => n * n,
    }
}

/// Sleeps `ms` milliseconds in a worker process. A call that runs past
/// 500 ms fails, and its worker is killed and replaced.
#[decor::spawn(processes = 1, timeout = "500ms")]
fn nap(ms: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(ms));
    ms
}

fn processes_section() {
    println!("Processes: worker processes, and what they survive");

    let inputs = [2, 3, 13, 4, 5];
    println!("#[spawn(processes = 2)] risky({inputs:?}), as completed:");
    let tasks: Vec<_> = inputs.into_iter().map(risky).collect();
    let mut crashes = 0;
    for (i, result) in decor::as_completed(tasks) {
        match result {
            Ok(square) => println!("  #{i} risky({}) = {square}", inputs[i]),
            Err(error) => {
                assert!(error.is_crash(), "only 13 fails, by crashing: {error}");
                crashes += 1;
                println!("  #{i} risky({}) failed: {error}", inputs[i]);
            }
        }
    }
    assert_eq!(crashes, 1);
    let after = risky(7)
        .join()
        .expect("a new worker took the dead one's place");
    println!("  the pool still answers: risky(7) = {after}");

    // The worker's stderr is the program's: its panic message shows below.
    println!("risky(0) panics in its worker (the worker's panic message follows):");
    let error = risky(0).join().unwrap_err();
    assert!(error.is_panic());
    println!(
        "  back as a TaskError: is_panic() = {}, message {:?}",
        error.is_panic(),
        error.panic_message().unwrap_or_default()
    );

    let started = Instant::now();
    let error = nap(2_000).join().unwrap_err();
    assert!(error.is_timeout());
    println!(
        "#[spawn(processes = 1, timeout = \"500ms\")] nap(2000), back after {:.2?}:",
        started.elapsed()
    );
    println!("  {error}");
    let quick = nap(10).join().expect("the replacement worker naps");
    println!("  the next call runs on a fresh worker: nap(10) = {quick}\n");
}

#[decor::main(report)]
fn main() {
    println!("decor tour: the note's experiment, adding up 8,000,000 ones\n");
    let numbers = vec![1u64; 8_000_000];
    for _ in 0..3 {
        assert_eq!(sum_loop(&numbers), 8_000_000);
        assert_eq!(sum_chunked(&numbers, 8), 8_000_000);
    }
    let loop_mean = decor::timers::get("tour::sum_loop").unwrap().mean();
    let chunked_mean = decor::timers::get("tour::sum_chunked").unwrap().mean();
    println!("one loop:    {loop_mean:>10.2?} per call (mean of 3)");
    println!("8 chunks:    {chunked_mean:>10.2?} per call (mean of 3)\n");

    let good = "threads = 8\nchunks = 8\nretries = 3";
    let config = parse_config(good).expect("valid config");
    println!("parsed {} settings: {config:?}", config.len());
    for bad in ["threads = eight", "threads 8"] {
        let error = parse_config(bad).unwrap_err();
        println!("rejected {bad:?}: {error}");
    }

    println!("login accepted: {}", login("ada", "correct horse battery"));

    let caught = std::panic::catch_unwind(|| divide(1, black_box(0)));
    println!("divide(1, 0) panicked and was caught: {}", caught.is_err());
    println!("divide(6, 3) = {}\n", divide(6, 3));

    threads_section(&numbers);
    processes_section();
    println!(
        "The timer table follows, printed to stderr by #[decor::main(report)] as main returns:"
    );
}
