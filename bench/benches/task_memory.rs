//! Bytes per queued task: `#[decor::spawn]` against `rayon::ThreadPool::spawn`
//! of a closure sending on an `mpsc` channel (issue 11, item 3).
//!
//! A counting global allocator wraps `System` and keeps the live bytes: the
//! sizes asked for, and what glibc's malloc takes for them (the usable size
//! it reports plus its 8-byte chunk header, so rounding up included). Each
//! measurement submits 1,000,000 tiny tasks and reads the live bytes before
//! and after; the difference over the task count is the bytes per task.
//! Everything the caller must hold to get the results back is counted: for
//! decor the `Task` handles (in a `Vec` reserved up front), for rayon the
//! channel's messages.
//!
//! - `queued`: every worker of both pools is held busy by a gate task, so all
//!   1,000,000 tasks sit in the queue when the bytes are read.
//! - `drained`: the workers run while the caller submits; the bytes are read
//!   once every task has finished (decor: `decor::shutdown()`, rayon: a
//!   counter each task bumps), so they hold results rather than work.
//!
//! Rounds alternate decor and rayon (`DECOR_BENCH_ROUNDS`, default 3), and
//! the table on stdout has each side's median and the ratio of the medians.
//!
//! `cargo bench -p decor-bench --bench task_memory`

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use decor_bench::work;

/// `System`, counting the bytes live.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static TAKEN: AtomicIsize = AtomicIsize::new(0);

/// What malloc takes for the block at `ptr`: its usable size and header.
fn taken(ptr: *mut u8) -> isize {
    if ptr.is_null() {
        return 0;
    }
    // SAFETY: `ptr` is a live block from `System`, which is glibc's malloc
    // for the layouts these benches allocate (alignment at most 16).
    unsafe { libc::malloc_usable_size(ptr.cast()) as isize + 8 }
}

// SAFETY: every call is forwarded to `System` unchanged; the counter only
// records the sizes asked for.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        TAKEN.fetch_add(taken(ptr), Ordering::Relaxed);
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        TAKEN.fetch_sub(taken(ptr), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this layout (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: as `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        TAKEN.fetch_add(taken(ptr), Ordering::Relaxed);
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        let old = taken(ptr);
        // SAFETY: as `alloc`; `ptr` and `layout` are the caller's, unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            TAKEN.fetch_add(taken(new) - old, Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const TASKS: usize = 1_000_000;

#[decor::spawn]
fn tiny(x: u64) -> u64 {
    work(x)
}

/// Holds a worker until the gate opens; says when it has started.
#[decor::spawn]
fn hold(started: mpsc::Sender<()>, gate: Arc<std::sync::Barrier>) {
    let _ = started.send(());
    gate.wait();
}

/// Bytes asked for and bytes malloc took, live now.
type Bytes = [f64; 2];

fn live() -> Bytes {
    [
        LIVE.load(Ordering::SeqCst) as f64,
        TAKEN.load(Ordering::SeqCst) as f64,
    ]
}

/// Per task from `before` to `after`, plus `extra` bytes per task counted
/// apart (the handles' `Vec`, reserved before `before`).
fn per_task(before: Bytes, after: Bytes, extra: usize) -> Bytes {
    [0, 1].map(|i| (after[i] - before[i]) / TASKS as f64 + extra as f64)
}

/// decor: bytes per task with `threads` workers held busy (`queued`) or not.
fn decor_bytes(threads: usize, queued: bool) -> Bytes {
    let gate = Arc::new(std::sync::Barrier::new(threads + 1));
    let mut holders = Vec::new();
    if queued {
        let (started, running) = mpsc::channel();
        for _ in 0..threads {
            holders.push(hold(started.clone(), gate.clone()));
        }
        for _ in 0..threads {
            running.recv().expect("a holder starts");
        }
    }
    let mut tasks = Vec::with_capacity(TASKS);
    let before = live();
    for i in 0..TASKS as u64 {
        tasks.push(tiny(i));
    }
    if !queued {
        decor::shutdown();
    }
    let bytes = per_task(before, live(), size_of_val(&tasks[0]));
    if queued {
        gate.wait();
        for holder in holders {
            holder.join().expect("a holder returns");
        }
    }
    let mut sum = 0u64;
    for (i, task) in tasks.into_iter().enumerate() {
        let value = task.join().expect("tiny does not panic");
        assert_eq!(value, work(i as u64));
        sum = sum.wrapping_add(value);
    }
    std::hint::black_box(sum);
    bytes
}

/// rayon: the same, tasks sending `(index, value)` on one channel.
fn rayon_bytes(pool: &rayon::ThreadPool, threads: usize, queued: bool) -> Bytes {
    let gate = Arc::new(std::sync::Barrier::new(threads + 1));
    if queued {
        let (started, running) = mpsc::channel();
        for _ in 0..threads {
            let (started, gate) = (started.clone(), gate.clone());
            pool.spawn(move || {
                let _ = started.send(());
                gate.wait();
            });
        }
        for _ in 0..threads {
            running.recv().expect("a holder starts");
        }
    }
    let done = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    let before = live();
    for i in 0..TASKS as u64 {
        let tx = tx.clone();
        if queued {
            // The plain peer: a closure sending its result.
            pool.spawn(move || {
                let _ = tx.send((i, work(i)));
            });
        } else {
            // Counting too, so that the caller knows when all have run.
            let done = done.clone();
            pool.spawn(move || {
                let _ = tx.send((i, work(i)));
                done.fetch_add(1, Ordering::Release);
            });
        }
    }
    if !queued {
        while done.load(Ordering::Acquire) < TASKS {
            std::thread::yield_now();
        }
    }
    let bytes = per_task(before, live(), 0);
    if queued {
        gate.wait();
    }
    drop(tx);
    let mut sum = 0u64;
    for (i, value) in rx {
        assert_eq!(value, work(i));
        sum = sum.wrapping_add(value);
    }
    std::hint::black_box(sum);
    bytes
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("DECOR_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .filter(|&r| r > 0)
        .unwrap_or(3);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    decor::pools::configure("default", threads).expect("the default pool is not started yet");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    println!("task_memory: {TASKS} tasks, {threads} workers per pool, {rounds} rounds\n");
    println!("| case | bytes | decor B/task | rayon + channel B/task | ratio |");
    println!("|---|---|--:|--:|--:|");
    for queued in [true, false] {
        let (mut decor, mut rayon) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Alternate which goes first.
            if round % 2 == 0 {
                decor.push(decor_bytes(threads, queued));
                rayon.push(rayon_bytes(&pool, threads, queued));
            } else {
                rayon.push(rayon_bytes(&pool, threads, queued));
                decor.push(decor_bytes(threads, queued));
            }
        }
        let case = if queued { "queued" } else { "drained" };
        for (i, bytes) in ["asked for", "malloc took"].iter().enumerate() {
            let decor = median(decor.iter().map(|b: &Bytes| b[i]).collect());
            let rayon = median(rayon.iter().map(|b: &Bytes| b[i]).collect());
            println!(
                "| {case} | {bytes} | {decor:.1} | {rayon:.1} | {:.2}x |",
                decor / rayon
            );
        }
    }
}
