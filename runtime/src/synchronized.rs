//! Runtime support for `#[synchronized]`: the locks, one per function or one
//! per `lock = "name"`, made on first use and kept for the program's life,
//! and the locks a value owns ([`Lock`], [`AsyncLock`]) for
//! `#[synchronized(self.lock)]`.
//!
//! Blocking locks are re-entrant (a synchronized function may call itself or
//! another one sharing its lock on the same thread) and a panic does not
//! poison them (parking_lot). `async fn` get an async mutex, held across
//! `.await` without blocking the executor's thread; it is not re-entrant.
//! An async call that needs a lock its own awaiting caller holds would wait
//! forever; it panics instead, naming the lock (see [`Locked`]).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use parking_lot::{Mutex, ReentrantMutex, ReentrantMutexGuard};

thread_local! {
    /// How many `#[synchronized]` locks this thread holds.
    static HELD: Cell<usize> = const { Cell::new(0) };
    /// The async locks held by the `#[synchronized]` async calls being
    /// polled on this thread, outermost first: one entry per call, the
    /// lock's address, 0 while it has not taken its lock yet.
    static POLLING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Whether this thread holds a `#[synchronized]` lock.
pub(crate) fn holding_a_lock() -> bool {
    HELD.with(Cell::get) > 0
}

/// A lock a value owns, for `#[synchronized(self.lock)]` on its methods:
/// Python's `self._lock = threading.RLock()` and `with self._lock:`.
///
/// Each value has its own, so calls on two values run at once while calls
/// on one value take turns. Re-entrant: a method holding it may call
/// another method locking the same field on the same thread. A panic
/// inside does not poison it. An `async fn` takes an [`AsyncLock`] instead.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// #[derive(Default)]
/// struct Account {
///     lock: decor::Lock,
///     balance: AtomicU64,
/// }
///
/// impl Account {
///     #[decor::synchronized(self.lock)]
///     fn deposit(&self, amount: u64) -> u64 {
///         // Read, then write: correct because calls on one account take turns.
///         let now = self.balance.load(Ordering::Relaxed) + amount;
///         self.balance.store(now, Ordering::Relaxed);
///         now
///     }
///
///     #[decor::synchronized(self.lock)]
///     fn deposit_twice(&self, amount: u64) -> u64 {
///         self.deposit(amount); // re-entrant: the same thread holds the lock
///         self.deposit(amount)
///     }
/// }
///
/// let account = Account::default();
/// assert_eq!(account.deposit_twice(5), 10);
/// ```
///
/// A field of type `Arc<Lock>` (or `&Lock`, `Box<Lock>`) works too, for
/// values that share one lock.
pub struct Lock {
    raw: ReentrantMutex<()>,
}

impl Lock {
    /// An unlocked lock.
    pub const fn new() -> Lock {
        Lock {
            raw: ReentrantMutex::new(()),
        }
    }
}

// It guards no data, so a panic while it is held leaves nothing broken;
// that is also why it is not poisoned.
impl std::panic::UnwindSafe for Lock {}
impl std::panic::RefUnwindSafe for Lock {}

impl Default for Lock {
    fn default() -> Lock {
        Lock::new()
    }
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.raw.is_locked())
            .finish()
    }
}

/// A lock a value owns, for `#[synchronized(self.lock)]` on its `async fn`
/// methods: Python's `self._lock = asyncio.Lock()` and `async with
/// self._lock:`.
///
/// Held across `.await` without blocking the executor's thread; works on
/// any executor. Like Python's `asyncio.Lock` it is not re-entrant: an
/// async method holding it that awaits another method locking the same
/// field would wait forever, so that call panics instead, with a message
/// naming the lock and the function. Move the shared part into a method
/// without the attribute. (A call spawned as a separate task and awaited
/// is not detected: like a thread waiting for another that waits for its
/// lock, it deadlocks.)
///
/// ```
/// #[derive(Default)]
/// struct Cache {
///     lock: decor::AsyncLock,
///     hits: std::sync::atomic::AtomicU32,
/// }
///
/// impl Cache {
///     #[decor::synchronized(self.lock)]
///     async fn hit(&self) -> u32 {
///         use std::sync::atomic::Ordering::Relaxed;
///         self.hits.fetch_add(1, Relaxed) + 1
///     }
/// }
///
/// let cache = Cache::default();
/// assert_eq!(futures_executor::block_on(cache.hit()), 1);
/// ```
pub struct AsyncLock {
    raw: async_lock::Mutex<()>,
}

impl AsyncLock {
    /// An unlocked lock.
    pub const fn new() -> AsyncLock {
        AsyncLock {
            raw: async_lock::Mutex::new(()),
        }
    }
}

impl std::panic::UnwindSafe for AsyncLock {}
impl std::panic::RefUnwindSafe for AsyncLock {}

impl Default for AsyncLock {
    fn default() -> AsyncLock {
        AsyncLock::new()
    }
}

impl std::fmt::Debug for AsyncLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncLock").finish_non_exhaustive()
    }
}

/// What `#[synchronized(self.lock)]` on a blocking function can lock.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[synchronized(self.…)]` needs a `decor::Lock` field, found `{Self}`",
    label = "not a `decor::Lock`",
    note = "declare the field as `decor::Lock` (made by `decor::Lock::new()` or `Default`); \
            an `async fn` takes a `decor::AsyncLock` instead"
)]
pub trait BlockingLock {
    /// The mutex behind it.
    fn raw(&self) -> &ReentrantMutex<()>;
}

/// What `#[synchronized(self.lock)]` on an `async fn` can lock.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`#[synchronized(self.…)]` on an `async fn` needs a `decor::AsyncLock` field, found `{Self}`",
    label = "not a `decor::AsyncLock`",
    note = "declare the field as `decor::AsyncLock` (made by `decor::AsyncLock::new()` or `Default`), \
            which waits without blocking the executor's thread; a blocking fn takes a `decor::Lock`"
)]
pub trait AsyncLockable {
    /// The mutex behind it.
    fn raw(&self) -> &async_lock::Mutex<()>;
}

impl BlockingLock for Lock {
    fn raw(&self) -> &ReentrantMutex<()> {
        &self.raw
    }
}

impl AsyncLockable for AsyncLock {
    fn raw(&self) -> &async_lock::Mutex<()> {
        &self.raw
    }
}

macro_rules! through_pointers {
    ($($pointer:ty),*) => {$(
        impl<L: BlockingLock + ?Sized> BlockingLock for $pointer {
            fn raw(&self) -> &ReentrantMutex<()> {
                (**self).raw()
            }
        }
        impl<L: AsyncLockable + ?Sized> AsyncLockable for $pointer {
            fn raw(&self) -> &async_lock::Mutex<()> {
                (**self).raw()
            }
        }
    )*};
}

through_pointers!(&L, Box<L>, std::sync::Arc<L>, std::rc::Rc<L>);

/// A held `#[synchronized]` lock; released when dropped.
#[doc(hidden)]
pub struct Held<'a> {
    _guard: ReentrantMutexGuard<'a, ()>,
}

impl Held<'_> {
    fn new(guard: ReentrantMutexGuard<'_, ()>) -> Held<'_> {
        HELD.with(|held| held.set(held.get() + 1));
        Held { _guard: guard }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        HELD.with(|held| held.set(held.get().saturating_sub(1)));
    }
}

/// A held async lock; released when dropped.
#[doc(hidden)]
pub type AsyncHeld<'a> = async_lock::MutexGuard<'a, ()>;

/// Which lock a message is about.
#[derive(Clone, Copy)]
enum Which {
    Own,
    Named(&'static str),
    Field(&'static str),
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Which::Own => f.write_str("its own lock"),
            Which::Named(name) => write!(f, "lock {name:?}"),
            Which::Field(field) => write!(f, "`{field}`"),
        }
    }
}

/// Waits for `lock` inside a [`Locked`] call, first making sure that no
/// caller being polled around this call holds it already (it would never be
/// released: the caller is waiting for this call). `lock` describes it for
/// the message.
async fn lock_async<'a>(
    lock: &'a async_lock::Mutex<()>,
    function: &'static str,
    which: Which,
) -> AsyncHeld<'a> {
    let address = lock as *const async_lock::Mutex<()> as usize;
    let held_by_caller = POLLING.with(|polling| {
        let polling = polling.borrow();
        polling
            .split_last()
            .is_some_and(|(_, callers)| callers.contains(&address))
    });
    if held_by_caller {
        panic!(
            "#[synchronized] `{function}` needs {which}, which a call awaiting it already holds: \
             async locks are not re-entrant, so it would wait forever; \
             call a function without #[synchronized] from inside the lock instead"
        );
    }
    let guard = lock.lock().await;
    POLLING.with(|polling| {
        if let Some(own) = polling.borrow_mut().last_mut() {
            *own = address;
        }
    });
    guard
}

/// An `async fn`'s body under `#[synchronized]`: while it is polled, the
/// async lock it holds is on this thread's list, so a nested call polled
/// inside it that needs the same lock panics instead of waiting forever.
#[doc(hidden)]
pub struct Locked<F> {
    inner: F,
    /// The lock's address once taken.
    held: usize,
}

impl<F: Future> Locked<F> {
    /// Wraps the body, which takes the lock first.
    #[inline]
    pub fn new(inner: F) -> Self {
        Locked { inner, held: 0 }
    }
}

impl<F: Future> Future for Locked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        /// Takes this call's entry off the list, also when the body unwinds.
        struct Pop<'a>(&'a mut usize);
        impl Drop for Pop<'_> {
            fn drop(&mut self) {
                *self.0 = POLLING.with(|polling| polling.borrow_mut().pop().unwrap_or(0));
            }
        }
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self` and `Locked` has no `Unpin` impl of its own; `held` is plain
        // data, never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        POLLING.with(|polling| polling.borrow_mut().push(this.held));
        let _pop = Pop(&mut this.held);
        // SAFETY: see above.
        unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx)
    }
}

type Registry<L> = Mutex<HashMap<&'static str, &'static L>>;

/// The lock of one synchronized function, or of a shared name: found or
/// made on first use, then kept beside the function.
#[doc(hidden)]
pub struct Site<L: 'static> {
    name: Option<&'static str>,
    /// The function's path, for messages.
    function: &'static str,
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
    pub const fn own(function: &'static str) -> Site<L> {
        Site {
            name: None,
            function,
            lock: OnceLock::new(),
        }
    }

    /// `lock = "name"`.
    pub const fn named(name: &'static str, function: &'static str) -> Site<L> {
        Site {
            name: Some(name),
            function,
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
    pub fn lock(&self) -> Held<'static> {
        static NAMED: OnceLock<Registry<ReentrantMutex<()>>> = OnceLock::new();
        Held::new(self.get(&NAMED).lock())
    }
}

impl AsyncSite {
    /// Waits for the lock without blocking the thread (inside [`Locked`]).
    pub async fn lock(&self) -> AsyncHeld<'static> {
        static NAMED: OnceLock<Registry<async_lock::Mutex<()>>> = OnceLock::new();
        let lock = self.get(&NAMED);
        let which = match self.name {
            Some(name) => Which::Named(name),
            None => Which::Own,
        };
        lock_async(lock, self.function, which).await
    }
}

/// `#[synchronized(self.lock)]`: the field as written, and the function.
#[doc(hidden)]
pub struct Field {
    field: &'static str,
    function: &'static str,
}

impl Field {
    /// `field` is the expression as written (`self.lock`).
    pub const fn new(field: &'static str, function: &'static str) -> Field {
        Field { field, function }
    }

    /// Waits for the value's [`Lock`]; held until the guard drops.
    #[inline]
    pub fn lock<'a, L: BlockingLock + ?Sized>(&self, lock: &'a L) -> Held<'a> {
        Held::new(lock.raw().lock())
    }

    /// The mutex behind the value's [`AsyncLock`]: a step of its own, so
    /// that a field of the wrong type is reported once, here, and not again
    /// where the lock is awaited.
    #[inline]
    pub fn async_lock<'a, L: AsyncLockable + ?Sized>(
        &self,
        lock: &'a L,
    ) -> &'a async_lock::Mutex<()> {
        lock.raw()
    }

    /// Waits for the value's [`AsyncLock`] (its [`Field::async_lock`])
    /// without blocking the thread (inside [`Locked`]).
    pub async fn lock_async<'a>(&self, lock: &'a async_lock::Mutex<()>) -> AsyncHeld<'a> {
        lock_async(lock, self.function, Which::Field(self.field)).await
    }
}
