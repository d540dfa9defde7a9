//! The thread pools `#[spawn]` and `#[parallel]` run on, created on first
//! use: worker threads named `decor-<pool>-<i>` for tasks, and a rayon pool
//! of as many threads named `decor-<pool>-par-<i>` for chunks.
//!
//! Three kinds, chosen by the attribute:
//! - the **default** pool (no option): one thread per core, or
//!   `DECOR_THREADS`;
//! - a **named** pool (`pool = "io"`), shared by every function naming it,
//!   sized by [`configure`] before its first use (default: as the default
//!   pool);
//! - a function's **own** pool (`threads = 8`), private to that function.
//!
//! No pool runs more than [`MAX_THREADS`] threads. A pool whose threads
//! cannot all start (the system's thread or memory limit) runs on those
//! that did, and says so once on stderr; one that starts none runs its
//! tasks on the caller's thread.
//!
//! ```
//! decor::pools::configure("io", 4).unwrap();
//!
//! #[decor::spawn(pool = "io")]
//! fn fetch(id: u32) -> String {
//!     std::thread::current().name().unwrap_or("").to_owned()
//! }
//!
//! assert!(fetch(1).join().unwrap().starts_with("decor-io-"));
//! assert_eq!(decor::pools::threads("io"), Some(4));
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;

use crate::task::Job;

/// A pool a decorated function runs on: `threads` worker threads for
/// `#[spawn]` tasks, and a rayon pool of as many threads for `#[parallel]`
/// chunks, each started on first use.
///
/// The two are kept apart on purpose. A rayon thread waiting for chunks runs
/// other rayon jobs meanwhile; were spawned tasks rayon jobs too, a task
/// holding a `#[synchronized]` lock and waiting for its chunks could run
/// another task on the same thread, which would either enter the re-entrant
/// lock beside it or block the thread the chunks wait for.
pub struct Pool {
    name: String,
    /// The size asked for, then, once started, the threads that did start.
    threads: AtomicUsize,
    workers: OnceLock<Workers>,
    rayon: OnceLock<Option<rayon::ThreadPool>>,
}

/// The threads running `#[spawn]` tasks, fed through one channel; `None`
/// if not one of them could start, and then jobs run on the caller.
struct Workers {
    queue: Option<crossbeam_channel::Sender<Job>>,
}

/// The most threads one pool runs, whatever `DECOR_THREADS`,
/// [`configure`] or `#[spawn(threads = N)]` ask for.
///
/// 1,024: far more than CPU-bound work can use (one per core is best), and
/// enough for a pool of blocking I/O calls; beyond it a pool is rather a
/// mistake (a typo, a count meant for something else) than a plan.
/// 1,024 threads reserve 2 GiB of address space for their stacks and
/// stay far below the usual limits on threads (`ulimit -u`,
/// `kernel.threads-max`, a container's `pids.max`), which a tenfold
/// number would not. A fixed number rather than a multiple of the cores,
/// as threads that wait on I/O do not need cores.
///
/// ```
/// assert_eq!(decor::pools::MAX_THREADS, 1024);
/// assert!(decor::pools::configure("huge", 100_000).is_err());
/// ```
pub const MAX_THREADS: usize = 1024;

/// `threads`, or [`MAX_THREADS`] if more, reported once per pool.
fn bounded(name: &str, threads: usize) -> usize {
    if threads > MAX_THREADS {
        eprintln!(
            "decor: pool {name:?} asks for {threads} threads, above the bound of {MAX_THREADS} threads per pool; using {MAX_THREADS}"
        );
        MAX_THREADS
    } else {
        threads
    }
}

thread_local! {
    /// On a worker thread: its pool's queue, so a task waiting on another
    /// task of the same pool can run queued work instead of idling.
    static OWN_QUEUE: std::cell::RefCell<Option<crossbeam_channel::Receiver<Job>>> =
        const { std::cell::RefCell::new(None) };
    /// Set on the threads of decor's `#[parallel]` (rayon) pools.
    static CHUNK_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Pool {
    fn new(name: &str, threads: usize) -> Pool {
        Pool {
            name: name.to_owned(),
            threads: AtomicUsize::new(bounded(name, threads)),
            workers: OnceLock::new(),
            rayon: OnceLock::new(),
        }
    }

    /// The pool's name (`default`, the `pool = "..."` name, or the function's
    /// name for `threads = N`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How many threads it runs (for each of `#[spawn]` and `#[parallel]`):
    /// the size asked for, at most [`MAX_THREADS`]; fewer if not all of
    /// them could start.
    pub fn threads(&self) -> usize {
        self.threads.load(Ordering::Relaxed)
    }

    /// Queues `job` for a worker thread.
    pub(crate) fn submit(&self, job: Job) {
        let workers = self.workers.get_or_init(|| self.start_workers());
        let job = match &workers.queue {
            Some(queue) => match queue.send(job) {
                Ok(()) => return,
                // Workers never exit, so this cannot happen.
                Err(crossbeam_channel::SendError(job)) => job,
            },
            None => job,
        };
        // No worker to run it: run it here rather than lose it.
        job.run();
    }

    /// Starts the pool's threads, stopping at the first that cannot start
    /// (the rest would fail alike), and runs on those that did.
    fn start_workers(&self) -> Workers {
        let wanted = self.threads();
        let (queue, jobs) = crossbeam_channel::unbounded::<Job>();
        let mut started = 0;
        for i in 0..wanted {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("decor-{}-{i}", self.name))
                .spawn(move || {
                    OWN_QUEUE.with(|own| *own.borrow_mut() = Some(jobs.clone()));
                    // Jobs catch their own panics, so a worker never dies.
                    for job in jobs {
                        job.run();
                    }
                });
            if let Err(error) = spawned {
                let name = &self.name;
                if started == 0 {
                    eprintln!("decor: pool {name:?} could start none of its {wanted} threads ({error}); its tasks run on the calling thread");
                } else {
                    eprintln!("decor: pool {name:?} started {started} of its {wanted} threads ({error}); it runs on those");
                }
                break;
            }
            started += 1;
        }
        if started < wanted {
            self.threads.store(started.max(1), Ordering::Relaxed);
        }
        Workers {
            queue: (started > 0).then_some(queue),
        }
    }

    /// The rayon pool for `#[parallel]` chunks. If not all its threads
    /// can start, it is built again with half as many, down to one; if not
    /// even one can, `None` (said once on stderr), and the chunks run on the
    /// caller.
    pub(crate) fn rayon(&self) -> Option<&rayon::ThreadPool> {
        self.rayon
            .get_or_init(|| {
                let wanted = self.threads();
                let mut threads = wanted;
                loop {
                    let prefix = format!("decor-{}-par-", self.name);
                    let built = rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .thread_name(move |i| format!("{prefix}{i}"))
                        .start_handler(|_| CHUNK_THREAD.set(true))
                        // Chunks' panics are carried to the caller by rayon
                        // itself; this only keeps a stray one from aborting
                        // the process.
                        .panic_handler(|_| {})
                        .build();
                    match built {
                        Ok(pool) => {
                            if threads < wanted {
                                eprintln!(
                                    "decor: pool {:?} started {threads} of its {wanted} threads for #[parallel]; it runs on those",
                                    self.name
                                );
                            }
                            return Some(pool);
                        }
                        Err(_) if threads > 1 => threads /= 2,
                        Err(error) => {
                            eprintln!(
                                "decor: pool {:?} could start none of its {wanted} threads for #[parallel] ({error}); its chunks run on the calling thread",
                                self.name
                            );
                            return None;
                        }
                    }
                }
            })
            .as_ref()
    }
}

/// Runs one job queued on the current worker thread's pool, if this is a
/// worker thread and a job is waiting. For `Task::join` while it waits.
pub(crate) fn run_one_queued_job() -> bool {
    let job = OWN_QUEUE.with(|own| own.borrow().as_ref().and_then(|jobs| jobs.try_recv().ok()));
    match job {
        Some(job) => {
            job.run();
            true
        }
        None => false,
    }
}

/// Whether this thread is a `#[spawn]` worker.
pub(crate) fn on_worker_thread() -> bool {
    OWN_QUEUE.with(|own| own.borrow().is_some())
}

/// Whether this thread is one of decor's pool threads: a `#[spawn]` worker
/// or a `#[parallel]` chunk thread (not some other rayon pool's).
pub(crate) fn on_pool_thread() -> bool {
    on_worker_thread() || CHUNK_THREAD.get()
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.name)
            .field("threads", &self.threads())
            .finish()
    }
}

/// Why [`configure`] refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigureError {
    /// The pool has already started; its size can no longer change.
    AlreadyStarted {
        /// The pool.
        name: String,
        /// The threads it runs.
        threads: usize,
    },
    /// Zero threads.
    ZeroThreads,
    /// More than [`MAX_THREADS`] threads.
    TooManyThreads {
        /// The threads asked for.
        threads: usize,
    },
}

impl fmt::Display for ConfigureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigureError::AlreadyStarted { name, threads } => write!(
                f,
                "pool {name:?} has already started with {threads} threads; configure it before its first use"
            ),
            ConfigureError::ZeroThreads => f.write_str("a pool needs at least one thread"),
            ConfigureError::TooManyThreads { threads } => write!(
                f,
                "{threads} threads is above the bound of {MAX_THREADS} threads per pool"
            ),
        }
    }
}

impl std::error::Error for ConfigureError {}

enum Entry {
    Planned(usize),
    Started(&'static Pool),
}

fn registry() -> &'static Mutex<HashMap<String, Entry>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Entry>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

/// Sets how many threads the pool `name` will run (`"default"` for the
/// default pool), from 1 to [`MAX_THREADS`]. Must come before the pool's
/// first use; asking again for the size it already has is fine.
pub fn configure(name: &str, threads: usize) -> Result<(), ConfigureError> {
    if threads == 0 {
        return Err(ConfigureError::ZeroThreads);
    }
    if threads > MAX_THREADS {
        return Err(ConfigureError::TooManyThreads { threads });
    }
    let mut registry = registry().lock();
    match registry.get(name) {
        Some(Entry::Started(pool)) if pool.threads() != threads => {
            Err(ConfigureError::AlreadyStarted {
                name: name.to_owned(),
                threads: pool.threads(),
            })
        }
        Some(Entry::Started(_)) => Ok(()),
        _ => {
            registry.insert(name.to_owned(), Entry::Planned(threads));
            Ok(())
        }
    }
}

/// The threads of the pool `name`, if it has started.
pub fn threads(name: &str) -> Option<usize> {
    match registry().lock().get(name) {
        Some(Entry::Started(pool)) => Some(pool.threads()),
        _ => None,
    }
}

/// The pool `name`, started now if need be.
pub fn named(name: &str) -> &'static Pool {
    let mut registry = registry().lock();
    let threads = match registry.get(name) {
        Some(Entry::Started(pool)) => return pool,
        Some(Entry::Planned(threads)) => *threads,
        None => default_threads(),
    };
    let pool: &'static Pool = Box::leak(Box::new(Pool::new(name, threads)));
    registry.insert(name.to_owned(), Entry::Started(pool));
    pool
}

/// The default pool.
pub fn default_pool() -> &'static Pool {
    static DEFAULT: OnceLock<&'static Pool> = OnceLock::new();
    DEFAULT.get_or_init(|| named("default"))
}

/// One thread per core, unless `DECOR_THREADS` says otherwise; a value that
/// is not a positive whole number is reported once and ignored, and one
/// above [`MAX_THREADS`] is reported once and bounded.
pub fn default_threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match std::env::var("DECOR_THREADS") {
            Err(_) => cores.min(MAX_THREADS),
            Ok(value) => match value.trim().parse::<usize>() {
                Ok(threads) if threads > MAX_THREADS => {
                    eprintln!(
                        "decor: DECOR_THREADS={threads} is above the bound of {MAX_THREADS} threads per pool; using {MAX_THREADS}"
                    );
                    MAX_THREADS
                }
                Ok(threads) if threads > 0 => threads,
                _ => {
                    let cores = cores.min(MAX_THREADS);
                    eprintln!(
                        "decor: ignoring DECOR_THREADS={value:?}: expected a positive whole number; using {cores} (one per core)"
                    );
                    cores
                }
            },
        }
    })
}

/// Which pool a decorated function uses, resolved on its first call and then
/// kept in a `static` beside the function.
#[doc(hidden)]
pub struct PoolSite {
    choice: Choice,
    pool: OnceLock<&'static Pool>,
    /// For a `#[parallel]` function: what its body costs per item.
    pub(crate) item_cost: crate::parallel::ItemCost,
}

enum Choice {
    Default,
    Named(&'static str),
    Own { name: &'static str, threads: usize },
}

impl PoolSite {
    /// The default pool.
    pub const fn default_pool() -> PoolSite {
        PoolSite::new(Choice::Default)
    }

    /// `pool = "name"`.
    pub const fn named(name: &'static str) -> PoolSite {
        PoolSite::new(Choice::Named(name))
    }

    /// `threads = N`: the function's own pool, named after it.
    pub const fn own(name: &'static str, threads: usize) -> PoolSite {
        PoolSite::new(Choice::Own { name, threads })
    }

    const fn new(choice: Choice) -> PoolSite {
        PoolSite {
            choice,
            pool: OnceLock::new(),
            item_cost: crate::parallel::ItemCost::new(),
        }
    }

    /// The pool, started on first use.
    #[inline]
    pub fn get(&self) -> &'static Pool {
        self.pool.get_or_init(|| match self.choice {
            Choice::Default => default_pool(),
            Choice::Named(name) => named(name),
            Choice::Own { name, threads } => Box::leak(Box::new(Pool::new(name, threads))),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_before_first_use_only() {
        assert_eq!(configure("pools-test", 0), Err(ConfigureError::ZeroThreads));
        configure("pools-test", 3).unwrap();
        assert_eq!(threads("pools-test"), None, "not started yet");
        let pool = named("pools-test");
        assert_eq!((pool.name(), pool.threads()), ("pools-test", 3));
        configure("pools-test", 3).unwrap();
        let error = configure("pools-test", 5).unwrap_err();
        assert_eq!(error.to_string(), "pool \"pools-test\" has already started with 3 threads; configure it before its first use");
        assert!(std::ptr::eq(pool, named("pools-test")), "one pool per name");
    }

    #[test]
    fn configure_refuses_more_than_the_bound() {
        configure("pools-bound", MAX_THREADS).unwrap();
        let error = configure("pools-bound", MAX_THREADS + 1).unwrap_err();
        assert_eq!(
            error,
            ConfigureError::TooManyThreads {
                threads: MAX_THREADS + 1
            }
        );
        assert_eq!(
            error.to_string(),
            "1025 threads is above the bound of 1024 threads per pool"
        );
    }

    #[test]
    fn an_own_pool_over_the_bound_is_bounded() {
        let slot = PoolSite::own("pools_test_huge", 100_000);
        assert_eq!(slot.get().threads(), MAX_THREADS);
    }

    #[test]
    fn threads_are_named_after_the_pool() {
        let slot = PoolSite::own("pools_test_fn", 2);
        let name = slot
            .get()
            .rayon()
            .expect("two threads start")
            .install(|| std::thread::current().name().map(str::to_owned));
        assert!(name.unwrap().starts_with("decor-pools_test_fn-"));
    }
}
