//! What the `concurrent.futures` side of `Task` costs (issue 10, item 8),
//! side by side with the same done by hand on std threads, rayon and
//! channels. Every task runs the same tiny body, `decor_bench::work`.
//!
//! Group `cancel_queued`: submit a task behind a busy thread and cancel it
//! at once (the thread is held by a gated task, so every task is still
//! queued when cancelled; the skipped jobs drain, untimed, after each run).
//!
//! - `std_flag_channel`: the peer. One std worker thread fed boxed jobs
//!   through an `mpsc` channel; each job carries an `Arc<AtomicBool>`
//!   cancel flag and a `sync_channel(1)` for its result (one handle per
//!   task, like `Task`); cancelling sets the flag, and the worker skips a
//!   job whose flag is set.
//! - `decor_cancel`: `tiny(x)` on a one-thread pool, then `task.cancel()`.
//!
//! Group `on_done`: a round trip with a callback: submit, have a callback
//! count the result, wait for the result.
//!
//! - `rayon_spawn_channel`: the peer. `pool.spawn` running the body, then
//!   the callback, then sending the value through an `mpsc` channel.
//! - `decor_join`: `tiny(x).join()`, no callback (for the overhead).
//! - `decor_on_done_join`: `tiny(x)`, `on_done(callback)`, `join()`.
//!
//! Group `wait_first_completed`: one task finishes, one stays pending (held
//! by a gate, reused from one call to the next through `pending`).
//!
//! - `rayon_spawn_channel`: the peer. `pool.spawn` sending its index into
//!   a channel shared with the pending one; `recv` for the first.
//! - `decor_wait`: `wait(vec![pending, tiny(x)], Wait::FirstCompleted,
//!   None)`.
//!
//! Besides criterion, the bench prints to stderr (with or without
//! `DECOR_BENCH_INTERLEAVE`):
//! - the wake-up latency of `wait(FirstCompleted)` and of the peer's
//!   `recv`: the time from a task's last instruction to the waiter's
//!   return, the task having first spun 200 µs so that the waiter sleeps;
//!   median and p90 of 2,000;
//! - the CPU time of a caller waiting 1 s in `wait(.., FirstCompleted,
//!   Some(1 s))` and in `as_completed(..).timeout(1 s)` on 1,000 tasks
//!   that cannot finish (`CLOCK_THREAD_CPUTIME_ID`).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use decor::{Task, Wait};
use decor_bench::{interleaved, work, MEASUREMENT, WARM_UP};

/// The one-thread pool of `cancel_queued` and the CPU-time measurement.
const ONE: &str = "bench-futures-one";

#[decor::spawn(pool = "bench-futures-one")]
fn tiny_on_one(x: u64) -> u64 {
    work(x)
}

#[decor::spawn(pool = "bench-futures-one")]
fn hold_one(gate: mpsc::Receiver<()>) {
    let _ = gate.recv();
}

#[decor::spawn]
fn tiny(x: u64) -> u64 {
    work(x)
}

/// Holds a thread until its sender is dropped or sends; `dedicated`, so
/// it takes no pool thread.
#[decor::spawn(dedicated)]
fn pending_forever(gate: mpsc::Receiver<()>) -> u64 {
    let _ = gate.recv();
    0
}

/// The same, returning when `latest` has been stamped: spins `SPIN`, so
/// that its waiter is asleep, then stamps and returns.
#[decor::spawn]
fn spin_then_stamp(stamp: Arc<Mutex<Option<Instant>>>) -> u64 {
    spin(SPIN);
    *stamp.lock().unwrap() = Some(Instant::now());
    1
}

const SPIN: Duration = Duration::from_micros(200);

fn spin(d: Duration) {
    let start = Instant::now();
    while start.elapsed() < d {
        std::hint::spin_loop();
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// decor's default pool and the rayon peer's, both one thread per core.
fn pools() -> rayon::ThreadPool {
    let _ = decor::pools::configure("default", cores());
    let _ = decor::pools::configure(ONE, 1);
    rayon::ThreadPoolBuilder::new()
        .num_threads(cores())
        .thread_name(|i| format!("rayon-peer-{i}"))
        .build()
        .expect("a rayon pool")
}

// --- cancel_queued ------------------------------------------------------

type PeerJob = (Arc<AtomicBool>, Box<dyn FnOnce() + Send>);

/// The peer's one worker thread: skips a job whose flag is set.
struct HandPool {
    jobs: mpsc::Sender<PeerJob>,
}

impl HandPool {
    fn new() -> HandPool {
        let (jobs, queue) = mpsc::channel::<PeerJob>();
        std::thread::Builder::new()
            .name("hand-pool".into())
            .spawn(move || {
                for (cancelled, job) in queue {
                    if !cancelled.load(Ordering::Acquire) {
                        job();
                    }
                }
            })
            .expect("a thread");
        HandPool { jobs }
    }

    /// Submits `work(x)`; returns its cancel flag and result receiver.
    fn submit(&self, x: u64) -> (Arc<AtomicBool>, mpsc::Receiver<u64>) {
        let cancelled = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::sync_channel(1);
        let job = Box::new(move || {
            let _ = tx.send(work(x));
        });
        self.jobs
            .send((cancelled.clone(), job))
            .expect("the worker lives");
        (cancelled, rx)
    }

    /// Holds the worker until the returned sender sends or drops.
    fn hold(&self) -> mpsc::Sender<()> {
        let (open, gate) = mpsc::channel::<()>();
        let job = Box::new(move || {
            let _ = gate.recv();
        });
        self.jobs
            .send((Arc::new(AtomicBool::new(false)), job))
            .expect("the worker lives");
        open
    }

    /// Waits until every job queued so far has been taken.
    fn drain(&self) {
        let (_, rx) = self.submit(0);
        rx.recv().expect("the last job runs");
    }
}

fn hand_cancel(pool: &HandPool, x: u64) {
    let (cancelled, rx) = pool.submit(x);
    cancelled.store(true, Ordering::Release);
    black_box(rx);
}

fn decor_cancel(x: u64) {
    let task = tiny_on_one(x);
    assert!(task.cancel());
    black_box(task).detach();
}

/// Holds the one-thread pool; returns what releases it.
fn hold_decor() -> (mpsc::Sender<()>, Task<()>) {
    let (open, gate) = mpsc::channel();
    let held = hold_one(gate);
    (open, held)
}

fn release_decor((open, held): (mpsc::Sender<()>, Task<()>)) {
    drop(open);
    held.join().expect("hold_one returns");
    // FIFO: when this runs, every cancelled job before it was skipped.
    tiny_on_one(0).join().expect("tiny runs");
}

fn cancel_queued(c: &mut Criterion) {
    let _ = pools();
    let hand = HandPool::new();
    {
        let held = hand.hold();
        let decor_held = hold_decor();
        interleaved(
            "cancel_queued",
            "std_flag_channel",
            100,
            &[
                ("std_flag_channel", &|| hand_cancel(&hand, black_box(7))),
                ("decor_cancel", &|| decor_cancel(black_box(7))),
            ],
        );
        drop(held);
        hand.drain();
        release_decor(decor_held);
    }

    let mut group = c.benchmark_group("cancel_queued");
    group.bench_function("std_flag_channel", |b| {
        b.iter_custom(|iters| {
            let held = hand.hold();
            let start = Instant::now();
            for _ in 0..iters {
                hand_cancel(&hand, black_box(7));
            }
            let elapsed = start.elapsed();
            drop(held);
            hand.drain();
            elapsed
        })
    });
    group.bench_function("decor_cancel", |b| {
        b.iter_custom(|iters| {
            let held = hold_decor();
            let start = Instant::now();
            for _ in 0..iters {
                decor_cancel(black_box(7));
            }
            let elapsed = start.elapsed();
            release_decor(held);
            elapsed
        })
    });
    group.finish();
}

// --- on_done ------------------------------------------------------------

static CALLED: AtomicUsize = AtomicUsize::new(0);

fn callback(result: &u64) {
    CALLED.fetch_add(black_box(*result as usize) & 1, Ordering::Relaxed);
}

fn rayon_callback_round_trip(pool: &rayon::ThreadPool, x: u64) -> u64 {
    let (tx, rx) = mpsc::channel();
    pool.spawn(move || {
        let value = work(x);
        callback(&value);
        let _ = tx.send(value);
    });
    rx.recv().expect("the task sends")
}

fn decor_on_done_round_trip(x: u64) -> u64 {
    let task = tiny(x);
    task.on_done(|result| callback(result.as_ref().expect("tiny returns")));
    task.join().expect("tiny returns")
}

fn on_done(c: &mut Criterion) {
    let pool = pools();
    assert_eq!(rayon_callback_round_trip(&pool, 42), work(42));
    assert_eq!(decor_on_done_round_trip(42), work(42));
    interleaved(
        "on_done",
        "rayon_spawn_channel",
        100,
        &[
            ("rayon_spawn_channel", &|| {
                black_box(rayon_callback_round_trip(&pool, black_box(42)));
            }),
            ("decor_join", &|| {
                let _ = black_box(tiny(black_box(42)).join());
            }),
            ("decor_on_done_join", &|| {
                black_box(decor_on_done_round_trip(black_box(42)));
            }),
        ],
    );

    let mut group = c.benchmark_group("on_done");
    group.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| rayon_callback_round_trip(&pool, black_box(42)))
    });
    group.bench_function("decor_join", |b| b.iter(|| tiny(black_box(42)).join()));
    group.bench_function("decor_on_done_join", |b| {
        b.iter(|| decor_on_done_round_trip(black_box(42)))
    });
    group.finish();
}

// --- wait_first_completed -----------------------------------------------

/// The peer: a channel shared by the pending task and the one that
/// finishes; the first index received is the first completed.
fn rayon_first_completed(
    pool: &rayon::ThreadPool,
    shared: &mpsc::Sender<usize>,
    rx: &mpsc::Receiver<usize>,
    x: u64,
) -> usize {
    let tx = shared.clone();
    pool.spawn(move || {
        black_box(work(x));
        let _ = tx.send(1);
    });
    rx.recv().expect("the task sends")
}

/// `wait` on the pending task and a tiny one; gives the pending one back.
fn decor_first_completed(pending: Task<u64>, x: u64) -> Task<u64> {
    let mut waited = decor::wait(vec![pending, tiny(x)], Wait::FirstCompleted, None);
    debug_assert_eq!(waited.done.len(), 1);
    waited.pending.pop().expect("the gated task is pending").1
}

fn wait_first_completed(c: &mut Criterion) {
    let pool = pools();
    let (_open, gate) = mpsc::channel::<()>();
    let pending = Mutex::new(Some(pending_forever(gate)));
    let step = || {
        let mut slot = pending.lock().unwrap();
        let task = slot.take().expect("put back each time");
        *slot = Some(decor_first_completed(task, black_box(7)));
    };
    let (shared, rx) = mpsc::channel::<usize>();
    interleaved(
        "wait_first_completed",
        "rayon_spawn_channel",
        100,
        &[
            ("rayon_spawn_channel", &|| {
                black_box(rayon_first_completed(&pool, &shared, &rx, black_box(7)));
            }),
            ("decor_wait", &step),
        ],
    );
    wake_up_latency(&pool, &pending);
    waiting_costs_no_cpu();

    let mut group = c.benchmark_group("wait_first_completed");
    group.bench_function("rayon_spawn_channel", |b| {
        b.iter(|| rayon_first_completed(&pool, &shared, &rx, black_box(7)))
    });
    group.bench_function("decor_wait", |b| b.iter(step));
    group.finish();
}

/// Median and p90 of `samples`, in µs.
fn median_p90(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    (at(0.5), at(0.9))
}

fn wake_up_latency(pool: &rayon::ThreadPool, pending: &Mutex<Option<Task<u64>>>) {
    const SAMPLES: usize = 2_000;
    let mut decor_samples = Vec::with_capacity(SAMPLES);
    let mut peer_samples = Vec::with_capacity(SAMPLES);
    let (shared, rx) = mpsc::channel::<usize>();
    for _ in 0..SAMPLES {
        let stamp = Arc::new(Mutex::new(None));
        let task = pending.lock().unwrap().take().expect("put back each time");
        let mut waited = decor::wait(
            vec![task, spin_then_stamp(stamp.clone())],
            Wait::FirstCompleted,
            None,
        );
        let woke = Instant::now();
        *pending.lock().unwrap() = Some(waited.pending.pop().expect("pending").1);
        let finished = stamp.lock().unwrap().expect("stamped before returning");
        decor_samples.push(woke - finished);

        let stamp = Arc::new(Mutex::new(None));
        let (tx, into) = (shared.clone(), stamp.clone());
        pool.spawn(move || {
            spin(SPIN);
            *into.lock().unwrap() = Some(Instant::now());
            let _ = tx.send(1);
        });
        rx.recv().expect("the task sends");
        let woke = Instant::now();
        let finished = stamp.lock().unwrap().expect("stamped before sending");
        peer_samples.push(woke - finished);
    }
    let (decor_median, decor_p90) = median_p90(decor_samples);
    let (peer_median, peer_p90) = median_p90(peer_samples);
    eprintln!("\nwake-up latency, the task's last instruction to the waiter's return, {SAMPLES} samples:\n");
    eprintln!("| waiter | median µs | p90 µs |\n|---|--:|--:|");
    eprintln!("| `rayon_spawn_channel` (`recv`) | {peer_median:.1} | {peer_p90:.1} |");
    eprintln!("| `decor::wait(FirstCompleted)` | {decor_median:.1} | {decor_p90:.1} |");
    eprintln!();
}

/// This thread's CPU time.
fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a pointer to a timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// A caller waiting 1 s on 1,000 tasks that cannot finish (one holds the
/// one-thread pool, 999 queue behind it), then cancelling the 999.
fn waiting_costs_no_cpu() {
    const TASKS: u64 = 1_000;
    const WAIT: Duration = Duration::from_secs(1);
    let mut lines = Vec::new();
    for how in ["wait(FirstCompleted, 1 s)", "as_completed(..).timeout(1 s)"] {
        let (open, gate) = mpsc::channel();
        let mut tasks = vec![hold_one(gate)];
        tasks.extend((1..TASKS).map(|_| hold_one(mpsc::channel().1)));
        let (cpu, wall, pending) = {
            let (cpu0, wall0) = (thread_cpu(), Instant::now());
            let pending = if how.starts_with("wait") {
                let waited = decor::wait(tasks, Wait::FirstCompleted, Some(WAIT));
                assert!(waited.done.is_empty());
                waited.pending
            } else {
                let mut completed = decor::as_completed(tasks).timeout(WAIT);
                assert!(completed.next().is_none());
                completed.into_pending()
            };
            (thread_cpu() - cpu0, wall0.elapsed(), pending)
        };
        let cancelled = pending.iter().filter(|(_, task)| task.cancel()).count();
        drop(open);
        for (_, task) in pending {
            let _ = task.join();
        }
        lines.push(format!(
            "| `{how}` | {TASKS} | {:.0} | {:.3} | {cancelled} |",
            wall.as_secs_f64() * 1e3,
            cpu.as_secs_f64() * 1e3
        ));
    }
    eprintln!(
        "\nCPU time of a caller waiting on tasks that cannot finish (CLOCK_THREAD_CPUTIME_ID):\n"
    );
    eprintln!(
        "| waiter | tasks | wall ms | caller CPU ms | then cancelled |\n|---|--:|--:|--:|--:|"
    );
    for line in lines {
        eprintln!("{line}");
    }
    eprintln!();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(WARM_UP)
        .measurement_time(MEASUREMENT);
    targets = cancel_queued, on_done, wait_first_completed
}
criterion_main!(benches);
