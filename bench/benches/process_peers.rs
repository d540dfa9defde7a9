//! `#[decor::spawn(processes = 2)]` beside its peer: what a warm pool of
//! worker processes costs per tiny call with decor and with procspawn, the
//! process-pool crate a user would otherwise reach for (its `Pool` and
//! `spawn`, serde data over `ipc-channel`), in one binary and one run.
//!
//! Every call sends a `u64` and gets it back plus one ([`add_one`]).
//!
//! - `decor_round_trip`, `decor_pipelined`: the same two scenarios on
//!   decor's pool ([`decor_add_one`]).
//! - `procspawn_pool_round_trip`: `pool.spawn(i, add_one).join()` on a
//!   `procspawn::Pool` of 2 processes, warmed with [`WARM_UP_CALLS`] calls
//!   first; each of [`ROUND_TRIPS`] calls timed on its own.
//! - `procspawn_pool_pipelined`: submit [`PIPELINED_CALLS`] calls to the same
//!   kind of pool, then join every handle in order; [`PIPELINED_REPEATS`]
//!   repeats after one unmeasured, each reported as its time per call.
//!   procspawn gives each worker one call at a time (a monitor thread per
//!   worker sends the call, waits for its result and hands it to the joiner
//!   through a rendezvous channel), so this is at most 2 calls in flight.
//!   Each queued call holds about three file descriptors until it runs, so
//!   1,000 need a `ulimit -n` above 3,000.
//! - `procspawn_spawn_round_trip`: `procspawn::spawn(i, add_one).join()`, a
//!   new process per call (the binary re-executed, like decor's workers);
//!   [`SPAWN_ROUND_TRIPS`] calls after a few unmeasured.
//!
//! - `bulk` (only when named): a `Vec<u8>` echo of 64 KiB, 1 MiB and 64 MiB
//!   on decor's pool ([`decor_echo`]), a raw pipe between this process and a
//!   child ([`PipeEcho`]; with Linux's default 64 KiB pipe buffers, and with
//!   the 1 MiB decor's pipes ask for) and a procspawn pool, interleaved round by round
//!   and reported in MB/s each way; then the seed experiment, 8M ones
//!   summed by `#[parallel(processes = 2)]` ([`decor_sum`]) beside the
//!   serial loop and `#[parallel]` on threads ([`threads_sum`]),
//!   interleaved. `bench/bulk_echo.py` is Python's peer.
//! - `seed` (only when named): the seed experiment alone;
//!   `DECOR_BENCH_SEED_ROUNDS` rounds (20 unless set).
//!
//! Each prints `name: median X µs, p90 Y µs (N samples)` as it finishes,
//! then a table. Targets for decor (warm pool, 2 workers): round trip median
//! <= 40 µs, pipelined <= 15 µs per call.
//!
//! ```sh
//! cargo bench -p decor-bench --bench process_peers              # all, a few seconds
//! cargo bench -p decor-bench --bench process_peers -- pipelined # names containing a word
//! cargo bench -p decor-bench --bench process_peers -- bulk      # large payloads, about a minute
//! cargo bench -p decor-bench --bench process_peers -- seed      # the seed sum alone, seconds
//! ```
//!
//! Not criterion: a round trip is a median and a p90 over individually timed
//! calls, and procspawn needs `procspawn::init()` as the first line of
//! `main`, which criterion's `criterion_main!` does not allow.

use std::hint::black_box;
use std::time::{Duration, Instant};

use procspawn::Pool;

/// Worker processes in every pool, as in the targets.
const WORKERS: usize = 2;
/// Calls through a new pool before anything is timed.
const WARM_UP_CALLS: u64 = 200;
/// Timed round trips on a warm pool.
const ROUND_TRIPS: u64 = 2_000;
/// Calls submitted before the first join, per pipelined repeat.
const PIPELINED_CALLS: u64 = 1_000;
/// Timed pipelined repeats.
const PIPELINED_REPEATS: usize = 20;
/// Timed round trips with a new process each (milliseconds apiece).
const SPAWN_ROUND_TRIPS: u64 = 200;
/// Unmeasured new-process round trips first.
const SPAWN_WARM_UP: u64 = 5;

/// The call every variant makes: a `u64` there, the `u64` plus one back.
fn add_one(x: u64) -> u64 {
    x + 1
}

/// decor's side of every scenario: the same call on a warm pool of
/// [`WORKERS`] processes; it returns a `decor::Task<u64>`.
#[decor::spawn(processes = 2)]
fn decor_add_one(x: u64) -> u64 {
    x + 1
}

/// Warms decor's pool as [`warm_pool`] warms procspawn's.
fn decor_warm_up() {
    for i in 0..WARM_UP_CALLS {
        assert_eq!(decor_add_one(i).join().expect("a warm-up call"), i + 1);
    }
}

/// One tiny call on decor's warm pool, submit to result.
fn decor_round_trip() -> Stats {
    decor_warm_up();
    time_each(ROUND_TRIPS, |i| {
        decor_add_one(i).join().expect("add_one returns")
    })
}

/// [`PIPELINED_CALLS`] tasks from decor's warm pool, then every `join` in
/// order: the time of a repeat divided by its calls.
fn decor_pipelined() -> Stats {
    decor_warm_up();
    let batch = || {
        let start = Instant::now();
        let tasks: Vec<_> = (0..PIPELINED_CALLS)
            .map(|i| decor_add_one(black_box(i)))
            .collect();
        let results: Vec<u64> = tasks
            .into_iter()
            .map(|task| task.join().expect("add_one returns"))
            .collect();
        let per_call = start.elapsed() / PIPELINED_CALLS as u32;
        assert!(results.iter().zip(1..).all(|(&value, want)| value == want));
        per_call
    };
    batch();
    Stats::of((0..PIPELINED_REPEATS).map(|_| batch()).collect())
}

/// Median and p90 of a set of timings.
#[derive(Clone, Copy, Debug)]
struct Stats {
    median: Duration,
    p90: Duration,
    samples: usize,
}

impl Stats {
    /// The median (the mean of the middle two for an even count) and the
    /// nearest-rank p90 of `samples`, which must not be empty.
    fn of(mut samples: Vec<Duration>) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        samples.sort_unstable();
        let n = samples.len();
        let median = if n % 2 == 1 {
            samples[n / 2]
        } else {
            (samples[n / 2 - 1] + samples[n / 2]) / 2
        };
        let p90 = samples[(n * 9).div_ceil(10) - 1];
        Stats {
            median,
            p90,
            samples: n,
        }
    }
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// A procspawn pool of [`WORKERS`] processes that has already served
/// [`WARM_UP_CALLS`] calls.
fn warm_pool() -> Pool {
    let pool = Pool::new(WORKERS).expect("procspawn starts its pool");
    for i in 0..WARM_UP_CALLS {
        let value = pool.spawn(i, add_one).join().expect("a warm-up call");
        assert_eq!(value, i + 1);
    }
    pool
}

/// Time each of `calls` calls of `call` on its own (`call(i)` returns
/// `i + 1`, checked outside the timing).
fn time_each(calls: u64, mut call: impl FnMut(u64) -> u64) -> Stats {
    let mut samples = Vec::with_capacity(calls as usize);
    for i in 0..calls {
        let start = Instant::now();
        let value = call(black_box(i));
        samples.push(start.elapsed());
        assert_eq!(value, i + 1);
    }
    Stats::of(samples)
}

/// One tiny call on a warm `procspawn::Pool`, submit to result.
fn procspawn_round_trip() -> Stats {
    let pool = warm_pool();
    let stats = time_each(ROUND_TRIPS, |i| {
        pool.spawn(i, add_one).join().expect("add_one returns")
    });
    pool.shutdown();
    stats
}

/// [`PIPELINED_CALLS`] handles from a warm `procspawn::Pool`, then every
/// `join` in order: the time of a repeat divided by its calls.
fn procspawn_pipelined() -> Stats {
    let pool = warm_pool();
    let batch = |pool: &Pool| {
        let start = Instant::now();
        let handles: Vec<_> = (0..PIPELINED_CALLS)
            .map(|i| pool.spawn(black_box(i), add_one))
            .collect();
        let results: Vec<u64> = handles
            .into_iter()
            .map(|handle| handle.join().expect("add_one returns"))
            .collect();
        let per_call = start.elapsed() / PIPELINED_CALLS as u32;
        assert!(results.iter().zip(1..).all(|(&value, want)| value == want));
        per_call
    };
    batch(&pool);
    let samples = (0..PIPELINED_REPEATS).map(|_| batch(&pool)).collect();
    pool.shutdown();
    Stats::of(samples)
}

/// One tiny call in a new process: `procspawn::spawn`, then `join`.
fn procspawn_spawn_round_trip() -> Stats {
    let call = |i| {
        procspawn::spawn(i, add_one)
            .join()
            .expect("add_one returns")
    };
    for i in 0..SPAWN_WARM_UP {
        assert_eq!(call(i), i + 1);
    }
    time_each(SPAWN_ROUND_TRIPS, call)
}

/// A measured variant: its name, the scenario it belongs to, what its
/// samples are, and the function that measures it.
struct Variant {
    name: &'static str,
    scenario: &'static str,
    unit: &'static str,
    measure: fn() -> Stats,
}

const VARIANTS: &[Variant] = &[
    Variant {
        name: "decor_round_trip",
        scenario: "round trip, warm pool of 2",
        unit: "calls",
        measure: decor_round_trip,
    },
    Variant {
        name: "procspawn_pool_round_trip",
        scenario: "round trip, warm pool of 2",
        unit: "calls",
        measure: procspawn_round_trip,
    },
    Variant {
        name: "decor_pipelined",
        scenario: "1,000 submitted, then joined, warm pool of 2",
        unit: "repeats (time per call)",
        measure: decor_pipelined,
    },
    Variant {
        name: "procspawn_pool_pipelined",
        scenario: "1,000 submitted, then joined, warm pool of 2",
        unit: "repeats (time per call)",
        measure: procspawn_pipelined,
    },
    Variant {
        name: "procspawn_spawn_round_trip",
        scenario: "round trip, a new process per call",
        unit: "calls",
        measure: procspawn_spawn_round_trip,
    },
];

/// Payload sizes of the `bulk` echo, with the echoes timed per peer and
/// round at each (fewer for larger payloads, so each size takes seconds).
const BULK_SIZES: &[(usize, usize)] = &[(64 << 10, 200), (1 << 20, 40), (64 << 20, 2)];
/// Rounds of the `bulk` echo: each round times every peer in turn.
const BULK_ROUNDS: usize = 5;
/// Set in the environment of the raw pipe peer's child process.
const PIPE_ECHO_ENV: &str = "DECOR_BENCH_PIPE_ECHO";

/// decor's bulk echo: a `Vec<u8>` there and back on a warm pool of 2.
#[decor::spawn(processes = 2)]
fn decor_echo(bytes: Vec<u8>) -> Vec<u8> {
    bytes
}

/// The seed experiment on decor's worker processes: 8M ones summed in 2.
#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn decor_sum(data: &[u64]) -> u64 {
    data.iter().sum()
}

/// The raw pipe peer's child: reads a length (`u64`) and that many bytes
/// from stdin into one buffer, writes them back to stdout, until stdin ends.
fn pipe_echo_child() -> ! {
    use std::io::{Read, Write};
    let mut input = std::io::stdin().lock();
    let mut output = std::io::stdout().lock();
    let mut buffer = Vec::new();
    let mut len = [0u8; 8];
    while input.read_exact(&mut len).is_ok() {
        buffer.resize(u64::from_le_bytes(len) as usize, 0);
        input.read_exact(&mut buffer).expect("the whole payload");
        output.write_all(&buffer).expect("echoed");
        output.flush().expect("flushed");
    }
    std::process::exit(0)
}

/// The raw pipe peer: this binary again as a child that echoes what it is
/// sent over its stdin and stdout pipes, with nothing but `read` and
/// `write` on either side.
struct PipeEcho {
    child: std::process::Child,
}

impl PipeEcho {
    /// With `buffer`, both pipes ask the kernel for a buffer of that many
    /// bytes (as decor's own pipes do, 1 MiB) instead of Linux's 64 KiB.
    fn start(buffer: Option<i32>) -> PipeEcho {
        use std::os::fd::AsRawFd;
        let child = std::process::Command::new(std::env::current_exe().expect("this bench"))
            .env(PIPE_ECHO_ENV, "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the echo child starts");
        if let Some(buffer) = buffer {
            let fds = [
                child.stdin.as_ref().expect("piped").as_raw_fd(),
                child.stdout.as_ref().expect("piped").as_raw_fd(),
            ];
            for fd in fds {
                // SAFETY: `F_SETPIPE_SZ` on a pipe this process owns.
                let set = unsafe { libc::fcntl(fd, libc::F_SETPIPE_SZ, buffer) };
                assert!(set >= buffer, "the pipe buffer was not widened");
            }
        }
        PipeEcho { child }
    }

    /// Sends `bytes` and reads them back into `back`.
    fn echo(&mut self, bytes: &[u8], back: &mut [u8]) {
        use std::io::{Read, Write};
        let input = self.child.stdin.as_mut().expect("piped");
        input
            .write_all(&(bytes.len() as u64).to_le_bytes())
            .expect("sent");
        input.write_all(bytes).expect("sent");
        let output = self.child.stdout.as_mut().expect("piped");
        output.read_exact(back).expect("echoed back");
    }
}

impl Drop for PipeEcho {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Megabytes (10^6 bytes) per second of `bytes` each way in `time`.
fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / time.as_secs_f64() / 1e6
}

/// The `bulk` section: a `Vec<u8>` echo of 64 KiB, 1 MiB and 64 MiB through
/// decor, a raw pipe and procspawn, interleaved round by round; then the
/// seed experiment (8M ones summed by `#[parallel(processes = 2)]`) beside
/// the serial loop, interleaved too. Prints medians and ratios.
fn bulk() {
    let pool = warm_pool();
    decor_warm_up();
    let mut pipes = [PipeEcho::start(None), PipeEcho::start(Some(1 << 20))];
    println!("| payload | peer | median MB/s each way | min MB/s | max MB/s |");
    println!("|--:|---|--:|--:|--:|");
    for &(size, echoes) in BULK_SIZES {
        let payload: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        let mut samples: [Vec<f64>; 4] = Default::default();
        // One echo of each first, unmeasured: buffers grow to the size.
        let mut back = vec![0u8; size];
        for pipe in &mut pipes {
            pipe.echo(&payload, &mut back);
        }
        let mut owned = decor_echo(payload.clone()).join().expect("decor echoes");
        let _ = pool.spawn(payload.clone(), |bytes: Vec<u8>| bytes).join();
        for _ in 0..BULK_ROUNDS {
            let start = Instant::now();
            for _ in 0..echoes {
                owned = decor_echo(owned).join().expect("decor echoes");
            }
            samples[0].push(mb_per_s(size * echoes, start.elapsed()));
            assert!(owned == payload, "decor echoed other bytes");
            for (pipe, samples) in pipes.iter_mut().zip(&mut samples[1..3]) {
                back.fill(0);
                let start = Instant::now();
                for _ in 0..echoes {
                    pipe.echo(&payload, &mut back);
                }
                samples.push(mb_per_s(size * echoes, start.elapsed()));
                assert!(back == payload, "the pipe echoed other bytes");
            }
            let mut sent = payload.clone();
            let start = Instant::now();
            for _ in 0..echoes {
                sent = pool
                    .spawn(sent, |bytes: Vec<u8>| bytes)
                    .join()
                    .expect("procspawn echoes");
            }
            samples[3].push(mb_per_s(size * echoes, start.elapsed()));
            assert!(sent == payload, "procspawn echoed other bytes");
        }
        let mut medians = [0.0; 4];
        for (peer, (name, samples)) in ["decor", "raw pipe", "raw pipe, 1 MiB buffers", "procspawn"]
            .into_iter()
            .zip(&mut samples)
            .enumerate()
        {
            samples.sort_by(f64::total_cmp);
            medians[peer] = samples[samples.len() / 2];
            println!(
                "| {} KiB | {name} | {:.0} | {:.0} | {:.0} |",
                size >> 10,
                medians[peer],
                samples[0],
                samples[samples.len() - 1]
            );
        }
        println!(
            "| {} KiB | decor / raw pipe {:.2} (/ 1 MiB buffers {:.2}), decor time / procspawn time {:.2} | | | |",
            size >> 10,
            medians[0] / medians[1],
            medians[0] / medians[2],
            medians[3] / medians[0]
        );
    }
    drop(pipes);
    pool.shutdown();

    seed(20);
}

/// The seed experiment on threads: 8M ones summed by `#[parallel]`.
#[decor::parallel(reduce = |a, b| a + b)]
fn threads_sum(data: &[u64]) -> u64 {
    data.iter().sum()
}

/// The seed experiment: 8M ones summed by the serial loop, by
/// `#[parallel]` on threads and by `#[parallel(processes = 2)]`, `rounds`
/// interleaved triples on a warm pool. The first process call (which
/// starts the workers and grows their inboxes to 32 MB) and the second
/// (the first on grown inboxes) are timed apart and left out.
fn seed(rounds: usize) {
    let ones = vec![1u64; 8_000_000];
    let start = Instant::now();
    assert_eq!(decor_sum(&ones), 8_000_000);
    let first = start.elapsed();
    let start = Instant::now();
    assert_eq!(decor_sum(&ones), 8_000_000);
    let second = start.elapsed();
    assert_eq!(threads_sum(&ones), 8_000_000);
    let (mut serial, mut threads, mut processes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        let mut total = 0u64;
        for &one in black_box(&ones) {
            total += one;
        }
        serial.push(start.elapsed());
        assert_eq!(black_box(total), 8_000_000);
        let start = Instant::now();
        let total = threads_sum(black_box(&ones));
        threads.push(start.elapsed());
        assert_eq!(total, 8_000_000);
        let start = Instant::now();
        let total = decor_sum(black_box(&ones));
        processes.push(start.elapsed());
        assert_eq!(total, 8_000_000);
    }
    let (serial, threads, processes) =
        (Stats::of(serial), Stats::of(threads), Stats::of(processes));
    let ms = |time: Duration| micros(time) / 1e3;
    println!(
        "\nseed sum of 8M ones, {rounds} interleaved triples (first process call {:.2} ms, \
         second {:.2} ms, both left out): serial loop median {:.2} ms, \
         #[parallel] on threads median {:.2} ms ({:.2}x the loop), \
         #[parallel(processes = 2)] median {:.2} ms (p90 {:.2} ms): {:.2}x the loop, \
         {:.2}x threads",
        ms(first),
        ms(second),
        ms(serial.median),
        ms(threads.median),
        threads.median.as_secs_f64() / serial.median.as_secs_f64(),
        ms(processes.median),
        ms(processes.p90),
        processes.median.as_secs_f64() / serial.median.as_secs_f64(),
        processes.median.as_secs_f64() / threads.median.as_secs_f64()
    );
}

fn main() {
    // Must come first: in a worker process this runs the call and exits.
    procspawn::init();
    if std::env::var_os(PIPE_ECHO_ENV).is_some() {
        pipe_echo_child();
    }

    // `cargo bench` passes `--bench`; any other word selects variants by name.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    if filters.iter().any(|filter| filter == "bulk") {
        bulk();
        return;
    }
    if filters.iter().any(|filter| filter == "seed") {
        let rounds = std::env::var("DECOR_BENCH_SEED_ROUNDS")
            .ok()
            .and_then(|rounds| rounds.parse().ok())
            .unwrap_or(20);
        seed(rounds);
        return;
    }
    let selected: Vec<&Variant> = VARIANTS
        .iter()
        .filter(|v| filters.is_empty() || filters.iter().any(|f| v.name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        eprintln!("no variant matches {filters:?}");
        std::process::exit(2);
    }

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    println!("process_peers: {cpus} CPUs, load average {load}, {WORKERS} workers per pool\n");

    let mut rows = Vec::new();
    for variant in selected {
        let stats = (variant.measure)();
        println!(
            "{}: median {:.1} µs, p90 {:.1} µs ({} samples)",
            variant.name,
            micros(stats.median),
            micros(stats.p90),
            stats.samples
        );
        rows.push((variant, stats));
    }

    println!("\n| variant | scenario | median µs | p90 µs | samples |");
    println!("|---|---|--:|--:|--:|");
    for (variant, stats) in rows {
        println!(
            "| `{}` | {} | {:.1} | {:.1} | {} {} |",
            variant.name,
            variant.scenario,
            micros(stats.median),
            micros(stats.p90),
            stats.samples,
            variant.unit
        );
    }
    println!(
        "\nTargets for decor (warm pool, 2 workers): round trip median <= 40 µs, \
         pipelined <= 15 µs per call."
    );
}
