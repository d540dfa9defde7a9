//! `#[cache]`'s runtime: one `Site` per decorated function, holding one
//! moka store per instantiation (and, with `scope = thread`, per thread),
//! the hit and miss counters, and the registration that
//! [`caches::get`](crate::caches::get) finds.
//!
//! The expansion builds the key from the arguments, picks what is kept of
//! the return value (`Keep`: the whole value, or only an `Ok`), and hands
//! the body over as a closure or a future; everything else is here.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, OnceLock, RwLock, Weak};
use std::time::Duration;

use crate::timers::{note, Noted};

/// What a key must be: hashed and compared to find the entry, cloned into
/// the store, shared between threads.
pub trait CacheKey: Hash + Eq + Clone + Send + Sync + 'static {}
impl<T: Hash + Eq + Clone + Send + Sync + 'static> CacheKey for T {}

// ---- key parts ---------------------------------------------------------
//
// Each part of the key is built by a probe at its parameter's span:
// autoref picks the impl that builds it when the type can be a key, and
// otherwise one whose return type projects through a trait that no type
// implements. That reports one error, at the parameter, in the words of the
// trait's `on_unimplemented`; and the return type, an error type, keeps the
// key tuple made of it from reporting the same thing again.

/// No type is one; its `on_unimplemented` is the error for a parameter that
/// cannot be part of the key.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a `#[cache]` key: it is not `Hash + Eq + Clone + Send + Sync + 'static`",
    label = "this parameter is part of the cache key",
    note = "give the cache a key of your own with `#[cache(key = ...)]`, made of the parameters that are keys"
)]
pub trait NotAKey {
    /// Never named successfully.
    type Never;
}

/// No type is one; its `on_unimplemented` is the error for a `&self`
/// method whose `Self` cannot be the key.
#[diagnostic::on_unimplemented(
    message = "`#[cache]` on a `&self` method keys on `self`, but `{Self}` is not `Hash + Eq + Clone + Send + Sync + 'static`",
    label = "keyed on `self`",
    note = "write the key yourself, `#[cache(key = (self.id, arg))]`, or derive `Hash, PartialEq, Eq, Clone` on `{Self}`"
)]
pub trait NotASelfKey {
    /// Never named successfully.
    type Never;
}

/// A parameter (or `self`, or a `key = ...` value) asked to be a key part.
pub struct Part<'a, T: ?Sized>(pub &'a T);

/// The impls for types that are keys.
pub trait PartOk {
    /// The key part.
    type Key;
    /// A clone of a by-value parameter.
    fn __decor_owned(&self) -> Self::Key;
}
impl<T: CacheKey> PartOk for &Part<'_, T> {
    type Key = T;
    #[inline(always)]
    fn __decor_owned(&self) -> T {
        self.0.clone()
    }
}
/// The fallback: an error.
pub trait PartBad<T: ?Sized> {
    /// Reports the error: no type is `NotAKey`.
    fn __decor_owned(&self) -> <T as NotAKey>::Never
    where
        T: NotAKey;
}
impl<T: ?Sized> PartBad<T> for Part<'_, T> {
    fn __decor_owned(&self) -> <T as NotAKey>::Never
    where
        T: NotAKey,
    {
        unreachable!("no type implements `NotAKey`")
    }
}

/// The impls for borrowed parameters whose owned form is a key.
pub trait BorrowedOk {
    /// The key part.
    type Key;
    /// The owned form of a borrowed parameter (`&str` → `String`).
    fn __decor_borrowed(&self) -> Self::Key;
}
impl<T: ?Sized + ToOwned> BorrowedOk for &Part<'_, T>
where
    T::Owned: CacheKey,
{
    type Key = T::Owned;
    #[inline(always)]
    fn __decor_borrowed(&self) -> T::Owned {
        self.0.to_owned()
    }
}
/// The fallback: an error.
pub trait BorrowedBad<T: ?Sized> {
    /// Reports the error: no type is `NotAKey`.
    fn __decor_borrowed(&self) -> <T as NotAKey>::Never
    where
        T: NotAKey;
}
impl<T: ?Sized> BorrowedBad<T> for Part<'_, T> {
    fn __decor_borrowed(&self) -> <T as NotAKey>::Never
    where
        T: NotAKey,
    {
        unreachable!("no type implements `NotAKey`")
    }
}

/// A key looked up by its borrowed form (`&str` for a `String` key), made
/// owned only on a miss: the key of a function whose one key part is a
/// borrowed parameter.
pub struct Borrowed<'a, T: ?Sized>(&'a T);

/// What the site is given as the key: looked up as it is, made into the
/// stored key only when it is stored.
pub trait KeySource {
    /// The key stored.
    type Key: CacheKey + std::borrow::Borrow<Self::Lookup>;
    /// What a lookup hashes and compares.
    type Lookup: ?Sized + Hash + Eq;
    /// The form to look up by.
    fn lookup(&self) -> &Self::Lookup;
    /// The key to store.
    fn into_key(self) -> Self::Key;
}

impl<K: CacheKey> KeySource for K {
    type Key = K;
    type Lookup = K;
    #[inline(always)]
    fn lookup(&self) -> &K {
        self
    }
    #[inline(always)]
    fn into_key(self) -> K {
        self
    }
}

impl<T: ?Sized + Hash + Eq + ToOwned> KeySource for Borrowed<'_, T>
where
    T::Owned: CacheKey,
{
    type Key = T::Owned;
    type Lookup = T;
    #[inline(always)]
    fn lookup(&self) -> &T {
        self.0
    }
    #[inline(always)]
    fn into_key(self) -> T::Owned {
        self.0.to_owned()
    }
}

/// The impls for a lone borrowed parameter whose owned form is a key.
pub trait LookupOk<'a, T: ?Sized> {
    /// The parameter, to look up by.
    fn __decor_lookup(&self) -> Borrowed<'a, T>;
}
impl<'a, T: ?Sized + Hash + Eq + ToOwned> LookupOk<'a, T> for &Part<'a, T>
where
    T::Owned: CacheKey,
{
    #[inline(always)]
    fn __decor_lookup(&self) -> Borrowed<'a, T> {
        Borrowed(self.0)
    }
}
/// The fallback: an error.
pub trait LookupBad<T: ?Sized> {
    /// Reports the error: no type is `NotAKey`.
    fn __decor_lookup(&self) -> <T as NotAKey>::Never
    where
        T: NotAKey;
}
impl<T: ?Sized> LookupBad<T> for Part<'_, T> {
    fn __decor_lookup(&self) -> <T as NotAKey>::Never
    where
        T: NotAKey,
    {
        unreachable!("no type implements `NotAKey`")
    }
}

/// The impls for `self`.
pub trait SelfOk {
    /// The key part.
    type Key;
    /// A clone of `self`.
    fn __decor_self(&self) -> Self::Key;
}
impl<T: CacheKey> SelfOk for &Part<'_, T> {
    type Key = T;
    #[inline(always)]
    fn __decor_self(&self) -> T {
        self.0.clone()
    }
}
/// The fallback: an error.
pub trait SelfBad<T: ?Sized> {
    /// Reports the error: no type is `NotASelfKey`.
    fn __decor_self(&self) -> <T as NotASelfKey>::Never
    where
        T: NotASelfKey;
}
impl<T: ?Sized> SelfBad<T> for Part<'_, T> {
    fn __decor_self(&self) -> <T as NotASelfKey>::Never
    where
        T: NotASelfKey,
    {
        unreachable!("no type implements `NotASelfKey`")
    }
}

/// A `key = expr` value, which is the key as it is.
#[inline(always)]
pub fn key<T: CacheKey>(value: T) -> T {
    value
}

/// What is kept of a return value `R` and how a kept value becomes `R`
/// again. Returned values are clones of the kept one.
pub trait Keep<R> {
    /// The type stored.
    type Stored: Clone + Send + Sync + 'static;
    /// The value to store, or `None` when this one is not cached.
    fn keep(&self, value: &R) -> Option<Self::Stored>;
    /// The return value made from a stored one.
    fn give(&self, stored: Self::Stored) -> R;
}

/// Keeps every value.
pub struct Whole<R>(PhantomData<fn() -> R>);

#[diagnostic::on_unimplemented(
    message = "`#[cache]` returns clones of the stored value, but `{Self}` is not `Clone + Send + Sync + 'static`",
    label = "the cached return type"
)]
/// What a cached return value must be.
pub trait CacheValue: Clone + Send + Sync + 'static {}
impl<T: Clone + Send + Sync + 'static> CacheValue for T {}

impl<R: CacheValue> Keep<R> for Whole<R> {
    type Stored = R;
    #[inline(always)]
    fn keep(&self, value: &R) -> Option<R> {
        Some(value.clone())
    }
    #[inline(always)]
    fn give(&self, stored: R) -> R {
        stored
    }
}

/// Keeps the `Ok` values of a `Result`; an `Err` is returned to the caller
/// that computed it and not stored, so the error type need not be `Clone`.
pub struct OkOnly<T, E>(PhantomData<fn() -> (T, E)>);

impl<T: CacheValue, E> Keep<Result<T, E>> for OkOnly<T, E> {
    type Stored = T;
    #[inline(always)]
    fn keep(&self, value: &Result<T, E>) -> Option<T> {
        value.as_ref().ok().cloned()
    }
    #[inline(always)]
    fn give(&self, stored: T) -> Result<T, E> {
        Ok(stored)
    }
}

/// The return type asked about: `(&&KeepProbe::<R>::NEW).__decor_keep()`
/// picks `OkOnly` for a `Result` (under any alias), `Whole` otherwise.
pub struct KeepProbe<R>(PhantomData<fn() -> R>);

impl<R> KeepProbe<R> {
    /// The probe for `R`.
    pub const NEW: Self = KeepProbe(PhantomData);
}

/// Picks `OkOnly` for a `Result`.
pub trait KeepOk<T, E> {
    /// The keeper.
    fn __decor_keep(&self) -> OkOnly<T, E>;
}
impl<T, E> KeepOk<T, E> for &KeepProbe<Result<T, E>> {
    #[inline(always)]
    fn __decor_keep(&self) -> OkOnly<T, E> {
        OkOnly(PhantomData)
    }
}

/// Picks `Whole` for anything else.
pub trait KeepAll<R> {
    /// The keeper.
    fn __decor_keep(&self) -> Whole<R>;
}
impl<R> KeepAll<R> for KeepProbe<R> {
    #[inline(always)]
    fn __decor_keep(&self) -> Whole<R> {
        Whole(PhantomData)
    }
}

/// `Whole`, for `errors = true`.
pub fn whole<R>() -> Whole<R> {
    Whole(PhantomData)
}

/// One store seen without its types: what a [`Cache`] handle does to it.
trait Erased: Send + Sync {
    fn entries(&self) -> u64;
    fn clear(&self);
    /// Whether `key` was cached; `false` too when it is not this store's key type.
    fn invalidate(&self, key: &dyn Any) -> bool;
}

type SyncStore<K, V> = moka::sync::Cache<K, V>;
type AsyncStore<K, V> = moka::future::Cache<K, V>;

impl<K: CacheKey, V: CacheValue> Erased for SyncStore<K, V> {
    fn entries(&self) -> u64 {
        self.run_pending_tasks();
        self.entry_count()
    }
    fn clear(&self) {
        self.invalidate_all();
    }
    fn invalidate(&self, key: &dyn Any) -> bool {
        key.downcast_ref::<K>()
            .is_some_and(|key| self.remove(key).is_some())
    }
}

impl<K: CacheKey, V: CacheValue> Erased for AsyncStore<K, V> {
    fn entries(&self) -> u64 {
        block_on(self.run_pending_tasks());
        self.entry_count()
    }
    fn clear(&self) {
        self.invalidate_all();
    }
    fn invalidate(&self, key: &dyn Any) -> bool {
        key.downcast_ref::<K>()
            .is_some_and(|key| block_on(self.remove(key)).is_some())
    }
}

/// Runs one of moka's housekeeping futures to completion on this thread.
/// They only wait for moka's own short-held locks.
fn block_on<F: Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
        std::thread::park();
    }
}

/// A store of one instantiation, found by the types of its key and value.
struct Slot {
    /// The store's type, which names the key and value types.
    ty: TypeId,
    store: &'static (dyn Any + Send + Sync),
}

/// A store as the handle sees it: a global one lives as long as the
/// program; a thread's goes with its thread.
enum Held {
    Global(&'static dyn Erased),
    Thread(Weak<dyn Erased>),
}

/// Where `#[cache]` keeps one function's stores: the expansion's `static`.
pub struct Site {
    name: &'static str,
    size: u64,
    ttl_nanos: u64,
    per_thread: bool,
    hits: AtomicU64,
    misses: AtomicU64,
    /// The first instantiation's store: the only one a non-generic
    /// function has, found with two type-id comparisons.
    first: OnceLock<Slot>,
    /// Any further instantiations.
    more: RwLock<Vec<Slot>>,
    /// Every store, of every instantiation and thread, for the handle.
    all: Mutex<Vec<Held>>,
    registered: Once,
}

thread_local! {
    /// `scope = thread` stores of this thread: by site address and store type.
    static THREAD_STORES: RefCell<HashMap<(usize, TypeId), Arc<dyn Any + Send + Sync>>> =
        RefCell::new(HashMap::new());
}

fn sites() -> &'static Mutex<Vec<&'static Site>> {
    static SITES: Mutex<Vec<&'static Site>> = Mutex::new(Vec::new());
    &SITES
}

impl Site {
    /// A site; `ttl_nanos == 0` means no time to live.
    pub const fn new(name: &'static str, size: u64, ttl_nanos: u64, per_thread: bool) -> Site {
        Site {
            name,
            size,
            ttl_nanos,
            per_thread,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            first: OnceLock::new(),
            more: RwLock::new(Vec::new()),
            all: Mutex::new(Vec::new()),
            registered: Once::new(),
        }
    }

    fn register(&'static self, store: Held) {
        self.registered
            .call_once(|| sites().lock().unwrap_or_else(|e| e.into_inner()).push(self));
        let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|store| !matches!(store, Held::Thread(weak) if weak.strong_count() == 0));
        all.push(store);
    }

    fn sync_store<K: CacheKey, V: CacheValue>(&self) -> SyncStore<K, V> {
        let mut builder = moka::sync::Cache::builder().max_capacity(self.size);
        if self.ttl_nanos > 0 {
            builder = builder.time_to_live(Duration::from_nanos(self.ttl_nanos));
        }
        builder.build()
    }

    fn async_store<K: CacheKey, V: CacheValue>(&self) -> AsyncStore<K, V> {
        let mut builder = moka::future::Cache::builder().max_capacity(self.size);
        if self.ttl_nanos > 0 {
            builder = builder.time_to_live(Duration::from_nanos(self.ttl_nanos));
        }
        builder.build()
    }

    /// The global store of the instantiation `S` (a sync or async store of
    /// some key and value types), made by `make` the first time.
    fn global<S: Erased + Any + Send + Sync>(
        &'static self,
        make: impl FnOnce() -> S,
    ) -> &'static S {
        let wanted = TypeId::of::<S>();
        if let Some(slot) = self.first.get() {
            if slot.ty == wanted {
                return downcast(slot.store);
            }
        }
        self.global_slow(wanted, make)
    }

    #[cold]
    fn global_slow<S: Erased + Any + Send + Sync>(
        &'static self,
        wanted: TypeId,
        make: impl FnOnce() -> S,
    ) -> &'static S {
        let mut make = Some(make);
        let mut made = |site: &'static Site| {
            // One store per instantiation, kept for the program's life,
            // as a `static` would be.
            let store: &'static S = Box::leak(Box::new((make.take().expect("made once"))()));
            site.register(Held::Global(store));
            Slot { ty: wanted, store }
        };
        let first = self.first.get_or_init(|| made(self));
        if first.ty == wanted {
            return downcast(first.store);
        }
        let found = read(&self.more)
            .iter()
            .find(|slot| slot.ty == wanted)
            .map(|slot| slot.store);
        if let Some(store) = found {
            return downcast(store);
        }
        let mut more = self.more.write().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = more.iter().find(|slot| slot.ty == wanted) {
            return downcast(slot.store);
        }
        let slot = made(self);
        let store = slot.store;
        more.push(slot);
        downcast(store)
    }

    /// This thread's store of the instantiation `S`.
    fn local<S: Erased + Any + Send + Sync + 'static, T>(
        &'static self,
        make: impl FnOnce() -> S,
        with: impl FnOnce(&S) -> T,
    ) -> T {
        let id = (self as *const Site as usize, TypeId::of::<S>());
        let store: Arc<S> = THREAD_STORES.with(|stores| {
            let mut stores = stores.borrow_mut();
            let any = stores.entry(id).or_insert_with(|| {
                let store = Arc::new(make());
                let erased: Arc<dyn Erased> = store.clone();
                self.register(Held::Thread(Arc::downgrade(&erased)));
                store
            });
            Arc::clone(any).downcast::<S>().expect("keyed by its type")
        });
        with(&store)
    }

    fn hit(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
    }

    fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
        note(Noted::CacheMiss);
        tracing::debug!(target: "decor::cache", function = self.name, "cache miss");
    }

    /// A call of a sync function: the stored value for `key`, or `compute`'s,
    /// computed once however many callers ask for the key at the same time.
    #[inline]
    pub fn call<S: KeySource, R, P: Keep<R>>(
        &'static self,
        key: S,
        keep: P,
        compute: impl FnOnce() -> R,
    ) -> R {
        if self.per_thread {
            self.local(
                || self.sync_store::<S::Key, P::Stored>(),
                |store| self.call_in(store, key, keep, compute),
            )
        } else {
            let store = self.global(|| self.sync_store::<S::Key, P::Stored>());
            self.call_in(store, key, keep, compute)
        }
    }

    #[inline]
    fn call_in<S: KeySource, R, P: Keep<R>>(
        &self,
        store: &SyncStore<S::Key, P::Stored>,
        key: S,
        keep: P,
        compute: impl FnOnce() -> R,
    ) -> R {
        if let Some(stored) = store.get(key.lookup()) {
            self.hit();
            return keep.give(stored);
        }
        self.compute_in(store, key.into_key(), keep, compute)
    }

    #[cold]
    fn compute_in<K: CacheKey, R, P: Keep<R>>(
        &self,
        store: &SyncStore<K, P::Stored>,
        key: K,
        keep: P,
        compute: impl FnOnce() -> R,
    ) -> R {
        let mut compute = Some(compute);
        loop {
            let mut own: Option<R> = None;
            // moka runs one caller's closure per key; the others wait for
            // it and get its value, or, if it panics, one of them runs its
            // own.
            let stored = store.optionally_get_with(key.clone(), || {
                self.miss();
                let value = (compute.take().expect("computed once"))();
                let kept = keep.keep(&value);
                own = Some(value);
                kept
            });
            if let Some(value) = own {
                return value;
            }
            if let Some(stored) = stored {
                self.hit();
                return keep.give(stored);
            }
            // The caller we waited for got a value that is not cached (an
            // `Err`): compute our own, again one at a time.
        }
    }

    /// A call of an `async fn`: as [`call`](Self::call); waiters await.
    pub async fn call_async<S: KeySource, R, P: Keep<R>>(
        &'static self,
        key: S,
        keep: P,
        compute: impl Future<Output = R>,
    ) -> R {
        let store = self.global(|| self.async_store::<S::Key, P::Stored>());
        if let Some(stored) = store.get(key.lookup()).await {
            self.hit();
            return keep.give(stored);
        }
        let key = key.into_key();
        let mut compute = Some(compute);
        loop {
            let mut own: Option<R> = None;
            let stored = store
                .optionally_get_with(key.clone(), async {
                    self.miss();
                    let value = compute.take().expect("computed once").await;
                    let kept = keep.keep(&value);
                    own = Some(value);
                    kept
                })
                .await;
            if let Some(value) = own {
                return value;
            }
            if let Some(stored) = stored {
                self.hit();
                return keep.give(stored);
            }
        }
    }
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn downcast<S: Any>(store: &'static (dyn Any + Send + Sync)) -> &'static S {
    store.downcast_ref::<S>().expect("slot keyed by its type")
}

/// A cached function's statistics, summed over its instantiations (and
/// threads, for `scope = thread`).
///
/// ```
/// #[decor::cache(name = "stats_doc")]
/// fn square(x: u64) -> u64 { x * x }
///
/// square(3);
/// square(3);
/// let stats = decor::caches::get("stats_doc").unwrap().stats();
/// assert_eq!((stats.hits(), stats.misses(), stats.entries()), (1, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    hits: u64,
    misses: u64,
    entries: u64,
}

impl CacheStats {
    /// Calls answered from the cache, including callers that waited for
    /// another caller's computation.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Calls that ran the body.
    pub fn misses(&self) -> u64 {
        self.misses
    }

    /// Values held now.
    pub fn entries(&self) -> u64 {
        self.entries
    }
}

/// The cache of one function name: every instantiation of a generic
/// function, every thread's store for `scope = thread`, and every function
/// given the same `name = "..."`.
///
/// ```
/// #[decor::cache(name = "handle_doc")]
/// fn length(text: &str) -> usize { text.len() }
///
/// length("abc");
/// let cache = decor::caches::get("handle_doc").unwrap();
/// assert!(cache.invalidate(&"abc".to_string()));
/// assert_eq!(cache.stats().entries(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    sites: Vec<&'static Site>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site").field("name", &self.name).finish()
    }
}

impl Cache {
    fn stores(&self) -> Vec<Store> {
        self.sites
            .iter()
            .flat_map(|site| {
                let all = site.all.lock().unwrap_or_else(|e| e.into_inner());
                all.iter()
                    .filter_map(|held| match held {
                        Held::Global(store) => Some(Store::Global(*store)),
                        Held::Thread(weak) => weak.upgrade().map(Store::Thread),
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Hits, misses and entries, summed.
    pub fn stats(&self) -> CacheStats {
        let mut stats = CacheStats::default();
        for site in &self.sites {
            stats.hits += site.hits.load(Ordering::Relaxed);
            stats.misses += site.misses.load(Ordering::Relaxed);
        }
        stats.entries = self.stores().iter().map(|store| store.entries()).sum();
        stats
    }

    /// Drops every value held (the counters keep counting).
    pub fn clear(&self) {
        for store in self.stores() {
            store.clear();
        }
    }

    /// Drops the value held for `key`, in the instantiation whose key type
    /// is `K`, and says whether there was one. The key is what the function
    /// keys on: the argument's owned form (`String` for a `&str`), the tuple
    /// of them for several, or the `key = ...` value.
    pub fn invalidate<K: Any>(&self, key: &K) -> bool {
        let mut found = false;
        for store in self.stores() {
            found |= store.invalidate(key);
        }
        found
    }
}

/// A store the handle is working on.
enum Store {
    Global(&'static dyn Erased),
    Thread(Arc<dyn Erased>),
}

impl std::ops::Deref for Store {
    type Target = dyn Erased;
    fn deref(&self) -> &(dyn Erased + 'static) {
        match self {
            Store::Global(store) => *store,
            Store::Thread(store) => &**store,
        }
    }
}

/// The handle of the cache registered as `name`, once its function has been
/// called.
pub(crate) fn get(name: &str) -> Option<Cache> {
    let sites: Vec<&'static Site> = sites()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .copied()
        .filter(|site| site.name == name)
        .collect();
    (!sites.is_empty()).then_some(Cache { sites })
}
