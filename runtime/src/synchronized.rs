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

fn shared<L: Default + Sync>(registry: &'static Registry<L>, name: &'static str) -> &'static L {
    registry
        .lock()
        .entry(name)
        .or_insert_with(|| Box::leak(Box::default()))
}

/// The lock of one synchronized function, or of a shared name.
#[doc(hidden)]
pub struct LockSlot {
    name: Option<&'static str>,
    lock: OnceLock<&'static ReentrantMutex<()>>,
}

impl LockSlot {
    /// A lock of the function's own.
    pub const fn own() -> LockSlot {
        LockSlot {
            name: None,
            lock: OnceLock::new(),
        }
    }

    /// `lock = "name"`.
    pub const fn named(name: &'static str) -> LockSlot {
        LockSlot {
            name: Some(name),
            lock: OnceLock::new(),
        }
    }

    /// Waits for the lock; held until the guard drops.
    #[inline]
    pub fn lock(&self) -> Held {
        static NAMED: OnceLock<Registry<ReentrantMutex<()>>> = OnceLock::new();
        let lock = *self.lock.get_or_init(|| match self.name {
            Some(name) => shared(NAMED.get_or_init(Default::default), name),
            None => Box::leak(Box::default()),
        });
        let guard = lock.lock();
        HELD.with(|held| held.set(held.get() + 1));
        Held { _guard: guard }
    }
}

/// The lock of one synchronized `async fn`, or of a shared name.
#[doc(hidden)]
pub struct AsyncLockSlot {
    name: Option<&'static str>,
    lock: OnceLock<&'static async_lock::Mutex<()>>,
}

impl AsyncLockSlot {
    /// A lock of the function's own.
    pub const fn own() -> AsyncLockSlot {
        AsyncLockSlot {
            name: None,
            lock: OnceLock::new(),
        }
    }

    /// `lock = "name"`.
    pub const fn named(name: &'static str) -> AsyncLockSlot {
        AsyncLockSlot {
            name: Some(name),
            lock: OnceLock::new(),
        }
    }

    /// Waits for the lock without blocking the thread.
    pub async fn lock(&self) -> async_lock::MutexGuard<'static, ()> {
        static NAMED: OnceLock<Registry<async_lock::Mutex<()>>> = OnceLock::new();
        let lock = *self.lock.get_or_init(|| match self.name {
            Some(name) => shared(NAMED.get_or_init(Default::default), name),
            None => Box::leak(Box::default()),
        });
        lock.lock().await
    }
}
