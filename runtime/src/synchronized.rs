//! Runtime support for `#[synchronized]`: the locks, one per function or one
//! per `lock = "name"`, made on first use and kept for the program's life.
//!
//! Blocking locks are re-entrant (a synchronized function may call itself or
//! another one sharing its lock on the same thread) and a panic does not
//! poison them (parking_lot). `async fn` get an async mutex, held across
//! `.await` without blocking the executor's thread; it is not re-entrant.

use std::collections::HashMap;
use std::sync::OnceLock;

use std::cell::Cell;

use parking_lot::{Mutex, ReentrantMutex, ReentrantMutexGuard};

thread_local! {
    /// How many `#[synchronized]` locks this thread holds.
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// Whether this thread holds a `#[synchronized]` lock.
pub(crate) fn holding_a_lock() -> bool {
    HELD.with(Cell::get) > 0
}

/// A held `#[synchronized]` lock; released when dropped.
#[doc(hidden)]
pub struct Held {
    _guard: ReentrantMutexGuard<'static, ()>,
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

type Registry<L> = Mutex<HashMap<&'static str, &'static L>>;

/// The lock of one synchronized function, or of a shared name: found or
/// made on first use, then kept beside the function.
#[doc(hidden)]
pub struct Site<L: 'static> {
    name: Option<&'static str>,
    lock: OnceLock<&'static L>,
}

/// A blocking function's lock.
#[doc(hidden)]
pub type BlockingSite = Site<ReentrantMutex<()>>;

/// An `async fn`'s lock.
#[doc(hidden)]
pub type AsyncSite = Site<async_lock::Mutex<()>>;

impl<L: Default + Sync> Site<L> {
    /// A lock of the function's own.
    pub const fn own() -> Site<L> {
        Site {
            name: None,
            lock: OnceLock::new(),
        }
    }

    /// `lock = "name"`.
    pub const fn named(name: &'static str) -> Site<L> {
        Site {
            name: Some(name),
            lock: OnceLock::new(),
        }
    }

    /// The lock; named ones come from `registry`, one per name.
    fn get(&self, registry: &'static OnceLock<Registry<L>>) -> &'static L {
        self.lock.get_or_init(|| match self.name {
            Some(name) => registry
                .get_or_init(Default::default)
                .lock()
                .entry(name)
                .or_insert_with(|| Box::leak(Box::default())),
            None => Box::leak(Box::default()),
        })
    }
}

impl BlockingSite {
    /// Waits for the lock; held until the guard drops.
    #[inline]
    pub fn lock(&self) -> Held {
        static NAMED: OnceLock<Registry<ReentrantMutex<()>>> = OnceLock::new();
        let guard = self.get(&NAMED).lock();
        HELD.with(|held| held.set(held.get() + 1));
        Held { _guard: guard }
    }
}

impl AsyncSite {
    /// Waits for the lock without blocking the thread.
    pub async fn lock(&self) -> async_lock::MutexGuard<'static, ()> {
        static NAMED: OnceLock<Registry<async_lock::Mutex<()>>> = OnceLock::new();
        self.get(&NAMED).lock().await
    }
}
