//! [`Task`]: the handle `#[spawn]` returns, its [`TaskError`], and the
//! [`as_completed`] / [`join_all`] helpers — Python's `Future`,
//! `as_completed` and `[f.result() for f in futures]`.
//!
//! A task lives in one allocation, its cell: its state, and a slot that
//! holds first the work (for a pool task) and then the result. A pool's
//! queue holds the cell as a [`Job`] to run; the caller's [`Task`] holds the
//! same cell. Work that runs elsewhere (a dedicated thread, a worker
//! process) gets a cell without work and a [`Completer`]: whatever runs it
//! only has to call [`Completer::complete`] once, so the handle knows
//! nothing of where the work ran.
//!
//! Cancellation: a task's `claim` says whether it is still queued or has
//! been claimed (by its runner, or by a cancel), its `phase` whether it has
//! finished. A pool's worker claims a queued task before running it;
//! [`Task::cancel`] wins only against a task not yet claimed, drops its
//! work, and finishes it at once; the worker, finding the claim refused,
//! does nothing. A runner that can stop work in flight (a worker process it
//! can kill) installs a hook with [`Completer::on_cancel`].
//!
//! Waiting: `join` spins briefly on the slot's state, then parks on the
//! task's address (`parking_lot_core`), so a cell needs no condition
//! variable of its own.

use std::any::Any;
use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use parking_lot::{Mutex, MutexGuard};

/// Why a task produced no value.
#[derive(Clone, Debug)]
pub struct TaskError {
    /// Boxed: a task's slot is as large as its result, and a `Result<T,
    /// TaskError>` is then as large as `T` plus a word; the box is made
    /// only when a task fails.
    kind: Box<Kind>,
}

#[derive(Clone, Debug)]
enum Kind {
    Panic(String),
    Crash(String),
    Timeout(Duration),
    #[cfg_attr(not(feature = "processes"), allow(dead_code))]
    Transport(String),
    Lost,
    Cancelled,
}

impl TaskError {
    /// The task panicked; its message is kept.
    pub fn panic(payload: &(dyn Any + Send)) -> TaskError {
        TaskError {
            kind: Box::new(Kind::Panic(panic_message(payload))),
        }
    }

    /// The task panicked in a worker process, which sent back `message`.
    #[cfg_attr(not(feature = "processes"), allow(dead_code))]
    pub(crate) fn panicked(message: String) -> TaskError {
        TaskError {
            kind: Box::new(Kind::Panic(message)),
        }
    }

    /// The task's arguments or result could not cross to or from a worker
    /// process; `why` says what failed.
    #[cfg_attr(not(feature = "processes"), allow(dead_code))]
    pub(crate) fn transport(why: String) -> TaskError {
        TaskError {
            kind: Box::new(Kind::Transport(why)),
        }
    }

    /// The process running the task died; `status` says how.
    pub fn crash(status: impl Into<String>) -> TaskError {
        TaskError {
            kind: Box::new(Kind::Crash(status.into())),
        }
    }

    /// The task ran past its time limit.
    pub fn timeout(limit: Duration) -> TaskError {
        TaskError {
            kind: Box::new(Kind::Timeout(limit)),
        }
    }

    fn lost() -> TaskError {
        TaskError {
            kind: Box::new(Kind::Lost),
        }
    }

    pub(crate) fn cancelled() -> TaskError {
        TaskError {
            kind: Box::new(Kind::Cancelled),
        }
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(*self.kind, Kind::Panic(_))
    }

    /// The worker process running the task crashed.
    pub fn is_crash(&self) -> bool {
        matches!(*self.kind, Kind::Crash(_))
    }

    /// The task ran past its `timeout`.
    pub fn is_timeout(&self) -> bool {
        matches!(*self.kind, Kind::Timeout(_))
    }

    /// The task was cancelled by [`Task::cancel`] before it ran.
    ///
    /// ```
    /// # use std::sync::{mpsc, Arc};
    /// #[decor::spawn(threads = 1)]
    /// fn step(gate: Option<mpsc::Receiver<()>>) {
    ///     if let Some(gate) = gate { let _ = gate.recv(); }
    /// }
    ///
    /// let (open, gate) = mpsc::channel();
    /// let busy = step(Some(gate)); // holds the pool's one thread
    /// let queued = step(None);
    /// assert!(queued.cancel());
    /// assert!(queued.join().unwrap_err().is_cancelled());
    /// open.send(()).unwrap();
    /// busy.join().unwrap();
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(*self.kind, Kind::Cancelled)
    }

    /// The panic's message, if the task panicked with a string.
    pub fn panic_message(&self) -> Option<&str> {
        match &*self.kind {
            Kind::Panic(message) => Some(message),
            _ => None,
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.kind {
            Kind::Panic(message) => write!(f, "task panicked: {message}"),
            Kind::Crash(status) => write!(f, "worker crashed: {status}"),
            Kind::Timeout(limit) => write!(f, "task timed out after {limit:?}"),
            Kind::Transport(why) => write!(f, "task could not cross the process boundary: {why}"),
            Kind::Lost => f.write_str("task was dropped before it produced a result"),
            Kind::Cancelled => f.write_str("task was cancelled"),
        }
    }
}

impl std::error::Error for TaskError {}

/// A panic payload's message: the `&str` or `String` that `panic!` carries.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "Box<dyn Any>".to_owned())
}

/// `Header::claim`: who has the task: still queued (cancellable), claimed
/// by its runner or by [`Task::cancel`].
const QUEUED: u8 = 0;
const RUNNING: u8 = 1;
/// `Header::phase`: not finished, or finished as done or cancelled. Set
/// once, under the task's lock, by whoever finishes the task, so that no
/// one else can; the result lands in the slot after the callbacks have run.
const UNFINISHED: u8 = 0;
const DONE: u8 = 2;
/// In both `claim` (cancel claimed it) and `phase` (it finished so).
const CANCELLED: u8 = 3;
/// Added to `phase` by a thread about to park on the task, so that whoever
/// changes what it waits for knows to wake it. Never taken away: a task
/// finishes once, so it costs at most a needless wake-up call or two.
const PARKED: u8 = 0x80;

/// `Header::slot`: what the cell's slot holds. `EMPTY` and `WORK` both
/// mean the task has not finished.
const EMPTY: u8 = 0;
/// The work, until the claim's winner takes it out.
const WORK: u8 = 1;
/// The result, ready to take: what [`Task::join`]'s spin watches for.
const READY: u8 = 2;
/// Out of the slot for an [`Task::on_done`] callback on the caller's
/// thread, put back when it returns.
const LENT: u8 = 3;
/// Taken by `join` or `poll`.
const TAKEN: u8 = 4;

/// The start of every task's cell, whatever its work and result: what a
/// pool's queue, which knows neither, needs to run or drop it. Two words.
///
/// Who may touch what in a cell:
/// - the work in the slot: whoever wins the `claim` (the runner, or a
///   cancel while the task is queued), which takes it out and sets `slot`
///   to `EMPTY`;
/// - the result in the slot: written once by whoever sets `phase` to
///   finished (under `lock`), then moved out by whoever moves `slot` from
///   `READY` (a compare-and-swap: one thread);
/// - the extras: under `lock`.
#[repr(C)]
struct Header {
    /// The functions that know the cell's types.
    vtable: &'static VTable,
    /// The task's handle, and its queue entry or completer: at most two.
    refs: AtomicU32,
    /// [`QUEUED`], [`RUNNING`] or [`CANCELLED`].
    claim: AtomicU8,
    /// [`UNFINISHED`], [`DONE`] or [`CANCELLED`], plus [`PARKED`].
    phase: AtomicU8,
    /// [`EMPTY`], [`WORK`], [`READY`], [`LENT`] or [`TAKEN`].
    slot: AtomicU8,
    /// Guards the extras and the finishing (`phase`). One byte.
    lock: Mutex<()>,
}

/// What a cell's header points to: its functions, made for its types.
struct VTable {
    /// Runs the work (the queue entry's reference is handed over).
    run: unsafe fn(NonNull<Header>),
    /// Finishes the task as lost without running it (likewise).
    abandon: unsafe fn(NonNull<Header>),
    /// Drops the work unrun, for a cancel that has won the claim.
    drop_work: unsafe fn(NonNull<Header>),
    /// Drops what the cell holds and frees it (the last reference's).
    destroy: unsafe fn(NonNull<Header>),
    /// Where the slot is, from the cell's start.
    slot_offset: usize,
    /// Whether [`shutdown`](crate::shutdown) waits for this task.
    counted: bool,
}

/// A task's state, the part of its cell that knows the result's type but
/// not the work's: the header and one pointer to what few tasks need.
#[repr(C)]
struct Core<T> {
    header: Header,
    /// Callbacks, a canceller, a waker, an `as_completed` notice: boxed,
    /// as most tasks have none of them and every task has a cell.
    extras: UnsafeCell<Option<Box<Extras<T>>>>,
}

/// The one allocation a task lives in: its state, and a slot holding first
/// the work (for a pool task) and then the result. `repr(C)`: a pointer to
/// it is a pointer to its `Core` and its `Header`.
#[repr(C)]
struct Cell<F, T> {
    core: Core<T>,
    slot: UnsafeCell<Slot<F, T>>,
}

/// The work, then the result, in one place: a task needs one at a time.
/// Which one is in is `Header::slot`. `repr(C)`: both at its start.
#[repr(C)]
union Slot<F, T> {
    work: ManuallyDrop<F>,
    result: ManuallyDrop<Result<T, TaskError>>,
    empty: (),
}

/// An [`Task::on_done`] callback.
type Callback<T> = Box<dyn FnOnce(&Result<T, TaskError>) + Send>;

/// A runner's way to stop work in flight ([`Completer::on_cancel`]).
type Canceller = Box<dyn FnOnce() -> bool + Send>;

struct Extras<T> {
    callbacks: Vec<Callback<T>>,
    canceller: Option<Canceller>,
    waker: Option<Waker>,
    /// Told the task's index when it completes (`as_completed`, `wait`):
    /// the `AsCompleted`'s notifier, borrowed rather than counted (a count
    /// per pending task would pass the count's line between the caller and
    /// the workers). See [`Notifier`] for why it outlives every use.
    notify: Option<(NonNull<Notifier>, usize)>,
}

/// A task's lock held, and with it its extras.
struct Locked<'a, T> {
    extras: &'a mut Option<Box<Extras<T>>>,
    _guard: MutexGuard<'a, ()>,
}

impl<T> Locked<'_, T> {
    fn extras(&mut self) -> &mut Extras<T> {
        self.extras.get_or_insert_with(|| {
            Box::new(Extras {
                callbacks: Vec::new(),
                canceller: None,
                waker: None,
                notify: None,
            })
        })
    }

    fn take_callbacks(&mut self) -> Vec<Callback<T>> {
        self.extras
            .as_mut()
            .map(|extras| std::mem::take(&mut extras.callbacks))
            .unwrap_or_default()
    }
}

impl<T> Core<T> {
    fn lock(&self) -> Locked<'_, T> {
        let guard = self.header.lock.lock();
        Locked {
            // SAFETY: `extras` is only reached through a `Locked`, made
            // here with `lock` held for as long as the reference lives; so
            // no other reference to it exists meanwhile.
            extras: unsafe { &mut *self.extras.get() },
            _guard: guard,
        }
    }

    fn phase(&self) -> u8 {
        self.header.phase.load(Ordering::Acquire) & !PARKED
    }

    /// Marks the task finished as `phase`; under the lock, once.
    fn set_phase(&self, phase: u8) {
        // An or, not a store: a parking thread may be adding `PARKED`.
        self.header.phase.fetch_or(phase, Ordering::Release);
    }

    fn slot(&self) -> u8 {
        self.header.slot.load(Ordering::SeqCst)
    }

    fn is_ready(&self) -> bool {
        self.slot() == READY
    }

    /// The key a thread parks on: the `phase` byte's address, which no
    /// other lock parks on (the task's `lock` parks on its own byte).
    fn key(&self) -> usize {
        std::ptr::from_ref(&self.header.phase) as usize
    }

    /// Sleeps until `done()` or `deadline`; returns `done()`. The
    /// condition must read atomics only (it runs inside the parking lot's
    /// queue lock); whoever makes it true calls [`Core::wake_parked`] after.
    fn park_until(&self, done: impl Fn() -> bool, deadline: Option<Instant>) -> bool {
        loop {
            if done() {
                return true;
            }
            // SeqCst here and in `wake_parked`'s load, as the condition's
            // stores are: either the waker sees `PARKED` and wakes us, or
            // the condition read in `validate` sees its store.
            self.header.phase.fetch_or(PARKED, Ordering::SeqCst);
            // SAFETY: the key is this task's own (see `key`); `validate`
            // only reads atomics and cannot panic, and the other callbacks
            // do nothing.
            let parked = unsafe {
                parking_lot_core::park(
                    self.key(),
                    || !done(),
                    || {},
                    |_, _| {},
                    parking_lot_core::DEFAULT_PARK_TOKEN,
                    deadline,
                )
            };
            if parked == parking_lot_core::ParkResult::TimedOut {
                return done();
            }
        }
    }

    /// Wakes every thread parked on this task, after a change of what
    /// they wait for.
    fn wake_parked(&self) {
        if self.header.phase.load(Ordering::SeqCst) & PARKED != 0 {
            // SAFETY: the same key as `park_until`'s.
            unsafe {
                parking_lot_core::unpark_all(self.key(), parking_lot_core::DEFAULT_UNPARK_TOKEN);
            }
        }
    }

    /// Marks the result put in the slot.
    fn publish(&self) {
        self.header.slot.store(READY, Ordering::SeqCst);
    }
}

/// One counted reference to a task's cell, typed by its result: what a
/// [`Task`] and a [`Completer`] hold. Dropping the last frees the cell.
struct CellRef<T> {
    /// From `Box::into_raw` of the whole cell, so good for all of it.
    ptr: NonNull<Core<T>>,
    /// Dropping the cell may drop a `T`.
    _result: PhantomData<T>,
}

// SAFETY: a cell is shared by its handle, its queue entry or completer and
// whoever cancels it, but every part of it is atomic, under its lock, or
// owned by one thread at a time as `Header` describes: it only ever moves a
// `T` (and the work, `Send` by `queued`'s bounds) between threads, never
// shares one. So `T: Send` is enough for both, as for a `Mutex<T>`.
unsafe impl<T: Send> Send for CellRef<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for CellRef<T> {}

impl<T> CellRef<T> {
    /// Takes over one reference counted in the cell at `header`, whose
    /// result type is `T`.
    ///
    /// # Safety
    ///
    /// `header` starts a live cell of result type `T`, and the caller
    /// owns one of its counted references, which this takes.
    unsafe fn from_raw(header: NonNull<Header>) -> CellRef<T> {
        CellRef {
            ptr: header.cast(),
            _result: PhantomData,
        }
    }

    fn core(&self) -> &Core<T> {
        // SAFETY: a counted reference keeps the cell alive, and a cell
        // starts with its `Core` (`repr(C)`).
        unsafe { self.ptr.as_ref() }
    }

    /// The slot, where the work and then the result are. Read or write
    /// them only as `Header` allows.
    fn slot_ptr(&self) -> *mut u8 {
        let offset = self.core().header.vtable.slot_offset;
        // SAFETY: the slot's offset in this very cell, which `ptr` covers.
        unsafe { self.ptr.as_ptr().cast::<u8>().add(offset) }
    }

    fn result(&self) -> *mut Result<T, TaskError> {
        // Both union fields are at its start, and `ManuallyDrop` is
        // `repr(transparent)`.
        self.slot_ptr().cast()
    }

    /// Drops the work unrun.
    ///
    /// # Safety
    ///
    /// The caller has won the claim (`QUEUED` to `CANCELLED`).
    unsafe fn drop_work(&self) {
        let header = self.ptr.cast::<Header>();
        // SAFETY: the caller's promise, passed on; the vtable's function
        // was made for this cell's types.
        unsafe { (self.core().header.vtable.drop_work)(header) }
    }
}

impl<T> Drop for CellRef<T> {
    fn drop(&mut self) {
        // SAFETY: this reference is counted and given up here.
        unsafe { release(self.ptr.cast()) }
    }
}

/// Gives up one counted reference to the cell at `header`, freeing it if
/// it was the last.
///
/// # Safety
///
/// The caller owns one counted reference to the live cell at `header`, and
/// does not use it again.
unsafe fn release(header: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the cell alive until this
    // decrement; nothing below reads it through `header_ref` after it.
    let header_ref = unsafe { header.as_ref() };
    let destroy = header_ref.vtable.destroy;
    // Release, then Acquire by the last: every use of the cell by any
    // reference happens before it is freed (as `std::sync::Arc` does).
    if header_ref.refs.fetch_sub(1, Ordering::Release) == 1 {
        std::sync::atomic::fence(Ordering::Acquire);
        // SAFETY: that was the last reference: no one else reaches it.
        unsafe { destroy(header) };
    }
}

impl<F, T> Drop for Cell<F, T> {
    fn drop(&mut self) {
        let slot = self.slot.get_mut();
        match *self.core.header.slot.get_mut() {
            // SAFETY: the slot holds what `Header::slot` says, and this is
            // the last reference to it.
            WORK => unsafe { ManuallyDrop::drop(&mut slot.work) },
            // SAFETY: as above.
            READY => unsafe { ManuallyDrop::drop(&mut slot.result) },
            _ => {}
        }
    }
}

impl<F, T> Cell<F, T> {
    /// Puts a cell with two counted references on the heap.
    fn allocate(
        vtable: &'static VTable,
        claim: u8,
        slot: u8,
        contents: Slot<F, T>,
    ) -> NonNull<Header> {
        let cell = Box::new(Cell {
            core: Core {
                header: Header {
                    vtable,
                    refs: AtomicU32::new(2),
                    claim: AtomicU8::new(claim),
                    phase: AtomicU8::new(UNFINISHED),
                    slot: AtomicU8::new(slot),
                    lock: Mutex::new(()),
                },
                extras: UnsafeCell::new(None),
            },
            slot: UnsafeCell::new(contents),
        });
        NonNull::from(Box::leak(cell)).cast()
    }

    /// `VTable::destroy`.
    ///
    /// # Safety
    ///
    /// `header` is a `Cell<F, T>` from `allocate`, and the caller gave up
    /// its last reference.
    unsafe fn destroy(header: NonNull<Header>) {
        // SAFETY: made by `Box::leak` of a `Box<Cell<F, T>>` (the caller's
        // promise), and no one else reaches it any more.
        drop(unsafe { Box::from_raw(header.cast::<Cell<F, T>>().as_ptr()) });
    }
}

impl<F, T> Cell<F, T>
where
    F: FnOnce() -> Result<T, TaskError> + Send + 'static,
    T: Send + 'static,
{
    /// The functions of a pool task's cell.
    const POOL: VTable = VTable {
        run: Self::run,
        abandon: Self::abandon,
        drop_work: Self::drop_work,
        destroy: Self::destroy,
        slot_offset: std::mem::offset_of!(Self, slot),
        counted: true,
    };

    /// Takes the work out, if this thread wins the claim.
    ///
    /// # Safety
    ///
    /// `cell` is a `Cell<F, T>`.
    unsafe fn claim(cell: &CellRef<T>) -> Option<F> {
        cell.core()
            .header
            .claim
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .ok()?;
        // SAFETY: winning the claim makes the work this thread's alone; a
        // queued cell holds its work until then (the slot is `WORK`).
        let work = unsafe { cell.slot_ptr().cast::<F>().read() };
        cell.core().header.slot.store(EMPTY, Ordering::Release);
        Some(work)
    }

    /// `VTable::run`.
    ///
    /// # Safety
    ///
    /// `header` is a `Cell<F, T>`, and the caller hands over one of its
    /// counted references (its queue entry's).
    unsafe fn run(header: NonNull<Header>) {
        // SAFETY: the caller's promises.
        let cell = unsafe { CellRef::<T>::from_raw(header) };
        // SAFETY: `cell` is a `Cell<F, T>`.
        let Some(work) = (unsafe { Self::claim(&cell) }) else {
            return; // cancelled: the cancel dropped the work
        };
        // The work catches its panics; were one to escape, the task would
        // still finish, as lost.
        let unfinished = Unfinished(&cell);
        let result = work();
        std::mem::forget(unfinished);
        finish(&cell, result, DONE);
    }

    /// `VTable::abandon`.
    ///
    /// # Safety
    ///
    /// As [`Cell::run`].
    unsafe fn abandon(header: NonNull<Header>) {
        // SAFETY: the caller's promises.
        let cell = unsafe { CellRef::<T>::from_raw(header) };
        // SAFETY: `cell` is a `Cell<F, T>`.
        if let Some(work) = unsafe { Self::claim(&cell) } {
            drop_quietly(work);
            finish(&cell, Err(TaskError::lost()), DONE);
        }
    }

    /// `VTable::drop_work`.
    ///
    /// # Safety
    ///
    /// `header` is a live `Cell<F, T>` whose claim the caller has won.
    unsafe fn drop_work(header: NonNull<Header>) {
        // SAFETY: live, and of these types (the caller's promise).
        let cell = unsafe { header.cast::<Cell<F, T>>().as_ref() };
        if cell.core.header.slot.load(Ordering::Acquire) == WORK {
            // SAFETY: the claim's winner alone reaches the work, and
            // `WORK` says it is there.
            let work = unsafe { ManuallyDrop::take(&mut (*cell.slot.get()).work) };
            cell.core.header.slot.store(EMPTY, Ordering::Release);
            drop_quietly(work);
        }
    }
}

/// Stands for the work of a cell that has none: a [`channel`]'s, whose
/// runner holds its work itself.
struct NoWork;

impl<T: Send + 'static> Cell<NoWork, T> {
    /// A [`channel`]'s cell: no work to run or drop.
    const CHANNEL: VTable = VTable {
        run: no_work,
        abandon: no_work,
        drop_work: no_work,
        destroy: Self::destroy,
        slot_offset: std::mem::offset_of!(Self, slot),
        counted: true,
    };

    /// A [`daemon_channel`]'s: the same, not waited for at shutdown.
    const DAEMON: VTable = VTable {
        counted: false,
        ..Self::CHANNEL
    };
}

/// The work functions of a cell without work: never called (no queue
/// entry is made for it, and its claim is never `QUEUED`).
unsafe fn no_work(_: NonNull<Header>) {}

/// Drops work left unrun. Its drop is the user's code (the arguments'
/// drops): a panic in it must not keep the task from finishing.
fn drop_quietly<F>(work: F) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(work))) {
        eprintln!(
            "decor: dropping a cancelled task's arguments panicked: {}",
            panic_message(&*payload)
        );
    }
}

/// Finishes its task as lost if dropped: while work runs, only a panic
/// escaping it drops this.
struct Unfinished<'a, T>(&'a CellRef<T>);

impl<T> Drop for Unfinished<'_, T> {
    fn drop(&mut self) {
        finish(self.0, Err(TaskError::lost()), DONE);
    }
}

/// A task waiting in a pool's queue: one pointer to its cell. Dropped
/// unrun, its task finishes as lost.
pub(crate) struct Job(NonNull<Header>);

// SAFETY: `queued`, which alone makes a `Job`, requires the work and the
// result to be `Send`; the rest of the cell is shared as `CellRef` says.
unsafe impl Send for Job {}

impl Job {
    /// Runs the task (or, if it was cancelled, does nothing).
    pub(crate) fn run(self) {
        let header = self.0;
        std::mem::forget(self); // its reference goes to `run`
                                // SAFETY: the job's counted reference keeps the cell alive and is
                                // handed over; the vtable's function was made for the cell.
        unsafe { (header.as_ref().vtable.run)(header) }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        // SAFETY: as in `run`.
        unsafe { (self.0.as_ref().vtable.abandon)(self.0) }
    }
}

/// A task for a pool to run `work`, and its handle: one allocation holding
/// the task's state and `work`, then its result. Counted by
/// [`shutdown`](crate::shutdown) until it finishes; it can be cancelled
/// until a worker claims it.
pub(crate) fn queued<T, F>(work: F) -> (Job, Task<T>)
where
    F: FnOnce() -> Result<T, TaskError> + Send + 'static,
    T: Send + 'static,
{
    crate::shutdown::submitted();
    let slot = Slot::<F, T> {
        work: ManuallyDrop::new(work),
    };
    let header = Cell::allocate(&Cell::<F, T>::POOL, QUEUED, WORK, slot);
    // SAFETY: a fresh `Cell<F, T>` with two counted references: one for the
    // job, one for the task.
    let cell = unsafe { CellRef::from_raw(header) };
    (Job(header), Task { cell })
}

/// The result of work submitted to a pool, a thread or a process: wait for
/// it with [`join`](Task::join), poll it with
/// [`is_finished`](Task::is_finished), or `.await` it; [`cancel`](Task::cancel)
/// it while it is queued; have [`on_done`](Task::on_done) callbacks run when
/// it finishes.
///
/// Dropping a `Task` (or calling [`detach`](Task::detach)) detaches it: the
/// work still runs, its result is dropped.
///
/// ```
/// #[decor::spawn(threads = 2)]
/// fn square(x: u64) -> u64 { x * x }
///
/// let task = square(7);
/// assert_eq!(task.join().unwrap(), 49);
/// ```
#[must_use = "join the task to see its result or its panic, or `.detach()` it; un-joined it still runs, but at exit only `#[decor::main]` or `decor::shutdown()` waits for it"]
pub struct Task<T> {
    cell: CellRef<T>,
}

/// The sending half of a [`Task`]: whoever runs the work completes it.
/// Dropped without completing, the task fails (it was lost).
pub struct Completer<T> {
    cell: Option<CellRef<T>>,
}

/// A connected completer and task, outstanding until completed: what
/// [`shutdown`](crate::shutdown) waits for. The task counts as running from
/// the start: [`Task::cancel`] refuses unless the runner installs
/// [`Completer::on_cancel`].
#[cfg_attr(not(feature = "processes"), allow(dead_code))]
pub fn channel<T: Send + 'static>() -> (Completer<T>, Task<T>) {
    crate::shutdown::submitted();
    connected(&Cell::<NoWork, T>::CHANNEL)
}

/// A connected completer and task that [`shutdown`](crate::shutdown) does
/// not wait for: a `dedicated` thread's, a daemon. Running from the start,
/// as the thread is.
pub fn daemon_channel<T: Send + 'static>() -> (Completer<T>, Task<T>) {
    connected(&Cell::<NoWork, T>::DAEMON)
}

fn connected<T: Send + 'static>(vtable: &'static VTable) -> (Completer<T>, Task<T>) {
    let header = Cell::<NoWork, T>::allocate(vtable, RUNNING, EMPTY, Slot { empty: () });
    // SAFETY: a fresh cell of result type `T` with two counted references:
    // one for the completer, one for the task.
    let (completer, task) = unsafe { (CellRef::from_raw(header), CellRef::from_raw(header)) };
    (
        Completer {
            cell: Some(completer),
        },
        Task { cell: task },
    )
}

impl<T> Completer<T> {
    /// Installs how [`Task::cancel`] stops this task's work once it runs:
    /// `stop` is called at most once, on the cancelling thread, without any
    /// lock of the task held, and returns whether the work was stopped (for
    /// a worker process: whether it was killed, or the call taken off its
    /// queue, before it returned). If it returns `true` the task finishes
    /// at once as cancelled and whatever the runner completes it with later
    /// is dropped; if `false`, `cancel` returns `false` and the task runs
    /// on. A later hook replaces an earlier one. Nothing calls `stop` once
    /// the task has finished.
    ///
    /// A process call installs one that takes the call off its worker's
    /// queue, or kills and replaces the worker running it.
    #[cfg_attr(not(feature = "processes"), allow(dead_code))] // process calls only
    pub fn on_cancel(&self, stop: Box<dyn FnOnce() -> bool + Send>) {
        if let Some(cell) = &self.cell {
            cell.core().lock().extras().canceller = Some(stop);
        }
    }

    /// Hands the task its result and wakes whoever waits for it.
    pub fn complete(mut self, result: Result<T, TaskError>) {
        if let Some(cell) = self.cell.take() {
            // A runner that stopped the work for `cancel` (see `on_cancel`)
            // completes it with a cancelled error: the task is cancelled.
            let phase = match &result {
                Err(error) if error.is_cancelled() => CANCELLED,
                _ => DONE,
            };
            finish(&cell, result, phase);
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if let Some(cell) = self.cell.take() {
            finish(&cell, Err(TaskError::lost()), DONE);
        }
    }
}

/// Finishes the task with `result` as `phase` ([`DONE`] or [`CANCELLED`]),
/// unless it has finished already (a cancelled task whose runner completes
/// it anyway): then `result` is dropped and this returns `false`.
fn finish<T>(cell: &CellRef<T>, result: Result<T, TaskError>, phase: u8) -> bool {
    let core = cell.core();
    let locked = core.lock();
    if core.phase() != UNFINISHED {
        drop(locked);
        drop(result); // its drop is the user's code: without the lock
        return false;
    }
    core.set_phase(phase);
    hand_over(cell, locked, result);
    true
}

/// Gives a task whose phase its caller has just set to finished (under
/// `locked`) its result.
///
/// Callbacks run first, without the lock, on this thread; the result goes
/// into the slot only when no callback is left (one added meanwhile runs
/// here too), so a `join` returns after every callback has run.
fn hand_over<'a, T>(cell: &'a CellRef<T>, mut locked: Locked<'a, T>, result: Result<T, TaskError>) {
    let core = cell.core();
    loop {
        let callbacks = locked.take_callbacks();
        if callbacks.is_empty() {
            break;
        }
        drop(locked);
        for callback in callbacks {
            run_callback(callback, &result);
        }
        locked = core.lock();
    }
    // SAFETY: the slot holds neither work (the claim's winner took it out
    // before the task could finish, or the cell never had any) nor a result
    // (only the one thread that set `phase` to finished writes one, once).
    unsafe { cell.result().write(result) };
    core.publish();
    let extras = locked.extras.take(); // a canceller must not outlive the work
    let mut waker = None;
    if let Some(mut extras) = extras {
        let notify = extras.notify.take();
        if let Some((notifier, _)) = notify {
            // SAFETY: a notice still registered, under the lock, has a live
            // notifier from `Arc::into_raw` (see `Notifier`); this count is
            // the finisher's own, given back after the send.
            unsafe { Arc::increment_strong_count(notifier.as_ptr()) };
        }
        waker = extras.waker.take();
        drop(locked);
        drop(extras); // callbacks and canceller: user code, without the lock
        if let Some((notifier, index)) = notify {
            // SAFETY: the count taken above, owned here. The send is made
            // without the task's lock: the woken iterator may look at the
            // task at once, and need not wait for this thread to return.
            let notifier = unsafe { Arc::from_raw(notifier.as_ptr()) };
            // A dropped `AsCompleted` no longer listens: nothing to tell.
            let _ = notifier.sender.send(index);
        }
    } else {
        drop(locked);
    }
    core.wake_parked();
    if let Some(waker) = waker {
        waker.wake();
    }
    // After the result is in: a `shutdown` that returns has every result in
    // place.
    if core.header.vtable.counted {
        crate::shutdown::finished();
    }
}

/// Runs one `on_done` callback; a panic in it is reported and goes no
/// further (as Python logs and ignores one), so it can neither kill a pool
/// thread nor keep the result from the task.
fn run_callback<T>(callback: Callback<T>, result: &Result<T, TaskError>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| callback(result))) {
        eprintln!(
            "decor: an on_done callback panicked: {}",
            panic_message(&*payload)
        );
    }
}

impl<T> Task<T> {
    /// Takes the result if it is in; else says what the slot holds.
    fn take(&self) -> Result<Result<T, TaskError>, u8> {
        let core = self.cell.core();
        core.header
            .slot
            .compare_exchange(READY, TAKEN, Ordering::Acquire, Ordering::Acquire)?;
        // SAFETY: moving `slot` from `READY` to `TAKEN` (a compare-and-swap:
        // one thread wins) makes the result, written before `READY` was
        // stored, this thread's to move out; nothing reads it again.
        Ok(unsafe { self.cell.result().read() })
    }

    /// Waits for the result.
    ///
    /// Called on a `#[spawn]` worker thread that holds no `#[synchronized]`
    /// lock, it runs other queued tasks of its pool while it waits, so a task
    /// that joins another task of its own pool cannot starve it of threads.
    /// (Holding a lock it only waits: a task run meanwhile could enter the
    /// re-entrant lock beside its holder.)
    pub fn join(self) -> Result<T, TaskError> {
        let core = self.cell.core();
        let helps = crate::pools::on_worker_thread();
        if !helps {
            self.spin_briefly();
        }
        loop {
            match self.take() {
                Ok(result) => return result,
                Err(TAKEN) => {
                    unreachable!("only join and poll take the result, and both own the task")
                }
                // Lent cannot happen here (`on_done` borrows the task, `join`
                // owns it), but waiting for its return is right if it does.
                Err(_) => {}
            }
            if helps && !crate::synchronized::holding_a_lock() {
                if !crate::pools::run_one_queued_job() {
                    // Nothing to help with: nap briefly, then look again.
                    let nap = Instant::now().checked_add(Duration::from_millis(1));
                    core.park_until(|| core.is_ready(), nap);
                }
            } else {
                core.park_until(|| core.is_ready(), None);
            }
        }
    }

    /// Watches for the result for a few tens of microseconds before going to
    /// sleep: a short task's result then needs no wake-up, which on an idle
    /// machine (a CPU leaving its idle state) costs more than the task.
    fn spin_briefly(&self) {
        let slot = &self.cell.core().header.slot;
        spin_until(|| (slot.load(Ordering::Acquire) == READY).then_some(()));
    }

    /// Waits at most `limit`; gives the task back if it is still running.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// #[decor::spawn(dedicated)]
    /// fn slow() -> u8 { std::thread::sleep(Duration::from_millis(200)); 1 }
    ///
    /// let task = match slow().join_timeout(Duration::from_millis(1)) {
    ///     Ok(_) => unreachable!("200 ms of work does not finish in 1 ms"),
    ///     Err(still_running) => still_running,
    /// };
    /// assert_eq!(task.join().unwrap(), 1);
    /// ```
    pub fn join_timeout(self, limit: Duration) -> Result<Result<T, TaskError>, Task<T>> {
        let Some(deadline) = Instant::now().checked_add(limit) else {
            // Longer than the clock can count: no limit.
            return Ok(self.join());
        };
        let core = self.cell.core();
        core.park_until(|| core.is_ready(), Some(deadline));
        match self.take() {
            Ok(result) => Ok(result),
            Err(TAKEN) => unreachable!("only join and poll take the result, and both own the task"),
            Err(_) => Err(self),
        }
    }

    /// Lets the task run on without waiting for it: its result, or its
    /// panic, is dropped. The same as dropping the task, said out loud
    /// (`let _ = task;` on a `Task` trips clippy's `let_underscore_future`,
    /// as a `Task` is also a future). [`shutdown`](crate::shutdown()) and
    /// `#[decor::main]` still wait for it at exit.
    ///
    /// ```
    /// #[decor::spawn]
    /// fn warm_cache() {}
    ///
    /// warm_cache().detach();
    /// decor::shutdown();
    /// ```
    pub fn detach(self) {}

    /// Whether the result is in (a cancelled task's too).
    pub fn is_finished(&self) -> bool {
        matches!(self.cell.core().slot(), READY | LENT)
    }

    /// Cancels the task if it has not started: it then never runs, its
    /// pool thread is free for other work, and it finishes at once with a
    /// [`TaskError`] that [`is_cancelled`](TaskError::is_cancelled) (its
    /// [`on_done`](Task::on_done) callbacks run now, on this thread).
    /// Returns whether it did — Python's `Future.cancel()`.
    ///
    /// A thread task already running cannot be stopped, nor a `dedicated`
    /// one (its thread starts with the call), and a finished task stays as
    /// it finished: `false`. A process call can be cancelled while it runs:
    /// its worker is killed and replaced, and only this call fails. (One
    /// already sent to a worker busy with another call is cancelled for its
    /// caller, but the worker still runs it; its result is dropped.)
    ///
    /// ```
    /// use std::sync::{mpsc, Arc};
    ///
    /// #[decor::spawn(threads = 1)]
    /// fn step(gate: Option<mpsc::Receiver<()>>) -> &'static str {
    ///     if let Some(gate) = gate { let _ = gate.recv(); }
    ///     "ran"
    /// }
    ///
    /// let (open, gate) = mpsc::channel();
    /// let busy = step(Some(gate)); // holds the pool's one thread
    /// let queued = step(None);
    /// assert!(queued.cancel());
    /// assert!(queued.is_cancelled() && queued.is_finished());
    /// assert!(queued.join().unwrap_err().is_cancelled());
    /// open.send(()).unwrap();
    /// assert_eq!(busy.join().unwrap(), "ran");
    /// ```
    pub fn cancel(&self) -> bool {
        let cell = &self.cell;
        let core = cell.core();
        let stop = {
            let locked = core.lock();
            if core.phase() != UNFINISHED {
                return false;
            }
            if core
                .header
                .claim
                .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                // Still queued: the runner's claim now fails, and it leaves
                // the work to us. Finished as cancelled from here on (no
                // one else can finish it); the work is dropped without the
                // lock, as its drop is the user's code.
                core.set_phase(CANCELLED);
                drop(locked);
                // SAFETY: this thread has just won the claim, and no one
                // else takes the work of a claimed cell.
                unsafe { cell.drop_work() };
                hand_over(cell, core.lock(), Err(TaskError::cancelled()));
                return true;
            }
            match locked
                .extras
                .as_mut()
                .and_then(|extras| extras.canceller.take())
            {
                Some(stop) => stop,
                None => return false,
            }
        };
        // Outside the lock: the hook may complete the task itself, with a
        // cancelled error (a process pool failing the call it stopped),
        // which finishes it as cancelled too.
        stop() && (finish(cell, Err(TaskError::cancelled()), CANCELLED) || self.is_cancelled())
    }

    /// Whether the task was cancelled ([`cancel`](Task::cancel) returned
    /// `true`).
    ///
    /// ```
    /// #[decor::spawn]
    /// fn one() -> u8 { 1 }
    ///
    /// let task = one();
    /// assert!(!task.is_cancelled());
    /// assert_eq!(task.join().unwrap(), 1);
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.cell.core().phase() == CANCELLED
    }

    /// Has `f` called with the task's result once it finishes — Python's
    /// `add_done_callback`. `f` runs on the thread that finishes the task
    /// (a pool thread, or the thread that cancels it), before the result is
    /// handed over, so a [`join`](Task::join) returns after it; on an
    /// already finished task it runs at once, on this thread. Callbacks run
    /// in the order added, and even if the task is dropped. A panic in `f`
    /// is reported on stderr and goes no further.
    ///
    /// # Panics
    ///
    /// On a task already `.await`ed to completion: its result is gone.
    ///
    /// ```
    /// use std::sync::{mpsc, Arc};
    ///
    /// #[decor::spawn]
    /// fn answer() -> u32 { 42 }
    ///
    /// let (tx, rx) = mpsc::channel();
    /// let task = answer();
    /// task.on_done(move |result| tx.send(*result.as_ref().unwrap()).unwrap());
    /// drop(task); // the callback still runs
    /// assert_eq!(rx.recv().unwrap(), 42);
    /// ```
    pub fn on_done<F>(&self, f: F)
    where
        F: FnOnce(&Result<T, TaskError>) + Send + 'static,
    {
        let cell = &self.cell;
        let core = cell.core();
        let mut locked = core.lock();
        loop {
            match core.header.slot.compare_exchange(
                READY,
                LENT,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // Finished: run `f` here, without the lock, so that `f`
                    // may use the task; the result is lent out meanwhile.
                    // SAFETY: moving `slot` from `READY` to `LENT` makes the
                    // result this thread's until it puts it back.
                    let result = unsafe { cell.result().read() };
                    drop(locked);
                    run_callback(Box::new(f), &result);
                    let waker = {
                        let locked = core.lock();
                        // SAFETY: `LENT`: the slot is empty, and ours to fill.
                        unsafe { cell.result().write(result) };
                        core.publish();
                        locked
                            .extras
                            .as_mut()
                            .and_then(|extras| extras.waker.take())
                    };
                    core.wake_parked();
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                    return;
                }
                Err(LENT) => {
                    // Another thread's callback has it: wait for its return.
                    drop(locked);
                    core.park_until(|| core.slot() != LENT, None);
                    locked = core.lock();
                }
                Err(TAKEN) => {
                    panic!("decor::Task::on_done on a task already awaited: its result is gone")
                }
                Err(_) => {
                    locked.extras().callbacks.push(Box::new(f));
                    return;
                }
            }
        }
    }
}

impl<T, E: From<TaskError>> Task<Result<T, E>> {
    /// Waits for a task that returns a `Result` and flattens the two
    /// failures into the function's own error type, so one `?` handles a
    /// returned `Err` and a panic, crash, timeout or cancel alike — Python's
    /// `future.result()`, which raises either way.
    ///
    /// ```
    /// type Error = Box<dyn std::error::Error + Send + Sync>;
    ///
    /// #[decor::spawn]
    /// fn parse(text: String) -> Result<u32, Error> { Ok(text.parse()?) }
    ///
    /// fn total() -> Result<u32, Error> {
    ///     Ok(parse("40".into()).join_flat()? + parse("2".into()).join_flat()?)
    /// }
    /// assert_eq!(total().unwrap(), 42);
    /// assert!(parse("x".into()).join_flat().is_err());
    /// ```
    pub fn join_flat(self) -> Result<T, E> {
        self.join().map_err(E::from)?
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Ok(result) = self.take() {
            return Poll::Ready(result);
        }
        // Under the lock, so that a finish either sees the waker or has put
        // the result in before this looks again.
        let mut locked = self.cell.core().lock();
        match self.take() {
            Ok(result) => Poll::Ready(result),
            Err(TAKEN) => panic!("a decor::Task polled after it completed"),
            Err(_) => {
                let extras = locked.extras();
                match &extras.waker {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => extras.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Yields each task's result as soon as it is in, with the task's position
/// in `tasks` — Python's `concurrent.futures.as_completed`. Tasks of any
/// kind (pools, `dedicated` threads, worker processes) mix freely.
///
/// ```
/// use std::time::Duration;
///
/// #[decor::spawn(threads = 3)]
/// fn nap(millis: u64) -> u64 {
///     std::thread::sleep(Duration::from_millis(millis));
///     millis
/// }
///
/// let tasks = vec![nap(300), nap(1), nap(150)];
/// let order: Vec<usize> = decor::as_completed(tasks).map(|(i, _)| i).collect();
/// assert_eq!(order, [1, 2, 0]);
/// ```
pub fn as_completed<T, I>(tasks: I) -> AsCompleted<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    // One channel per call: a finishing task sends its position, without a
    // lock shared with the others. Boxed, so that its address, which the
    // tasks are given, stays put.
    let (sender, receiver) = mpsc::channel();
    let notifier = Arc::into_raw(Arc::new(Notifier { sender }));
    // `Arc::into_raw` never gives a null pointer.
    let notifier = NonNull::new(notifier.cast_mut()).expect("an Arc's pointer");
    let mut finished = VecDeque::new();
    let mut slots = Vec::new();
    for (index, task) in tasks.into_iter().enumerate() {
        let core = task.cell.core();
        if matches!(core.slot(), EMPTY | WORK) {
            let mut locked = core.lock();
            // Look again under the lock: a finish takes the notice under it.
            if matches!(core.slot(), EMPTY | WORK) {
                locked.extras().notify = Some((notifier, index));
            } else {
                finished.push_back(index);
            }
        } else {
            finished.push_back(index);
        }
        slots.push(Some(task));
    }
    AsCompleted {
        remaining: slots.len(),
        slots,
        finished,
        completions: receiver,
        notifier,
        deadline: None,
    }
}

/// Where an `as_completed` call's tasks send their positions, borrowed by
/// each pending task (`Extras::notify`).
///
/// Why it outlives every use: it is an `Arc`, of which the `AsCompleted`
/// holds one count, and a pending task's notice none. A finisher takes the
/// notice under the task's lock and, still under it, a count of its own,
/// which it gives up after its send. Before giving up its own count, the
/// `AsCompleted` takes every remaining task's lock and takes its notice
/// back; a task yielded has sent already. So whenever a notice is used, a
/// count is held: the `AsCompleted`'s, then the finisher's. The counts are
/// touched only once per finish, not at registration.
struct Notifier {
    sender: mpsc::Sender<usize>,
}

/// The iterator [`as_completed`] returns: `(position, result)` pairs in
/// completion order. [`timeout`](AsCompleted::timeout) bounds the wait;
/// [`into_pending`](AsCompleted::into_pending) gives back the tasks not
/// yet yielded.
pub struct AsCompleted<T> {
    slots: Vec<Option<Task<T>>>,
    /// Positions of the tasks already finished when `as_completed` looked.
    finished: VecDeque<usize>,
    /// Positions sent by the tasks as they finish.
    completions: mpsc::Receiver<usize>,
    /// What the pending tasks were given (see `Extras::notify`): one
    /// count of an `Arc<Notifier>`, from `Arc::into_raw`.
    notifier: NonNull<Notifier>,
    remaining: usize,
    deadline: Option<Instant>,
}

impl<T> AsCompleted<T> {
    /// Stops yielding once `limit` has passed from now, as Python's
    /// `as_completed(fs, timeout=)` (which raises instead: here the
    /// iterator ends, and [`into_pending`](AsCompleted::into_pending) says
    /// what was left).
    ///
    /// ```
    /// use std::sync::{mpsc, Arc};
    /// use std::time::Duration;
    ///
    /// #[decor::spawn(threads = 2)]
    /// fn step(gate: Option<mpsc::Receiver<()>>) -> u8 {
    ///     if let Some(gate) = gate { let _ = gate.recv(); }
    ///     1
    /// }
    ///
    /// let (open, gate) = mpsc::channel();
    /// let mut waiting = decor::as_completed(vec![step(Some(gate)), step(None)])
    ///     .timeout(Duration::from_millis(50));
    /// assert_eq!(waiting.next().map(|(i, _)| i), Some(1));
    /// assert!(waiting.next().is_none(), "task 0 waits for its gate");
    /// let pending = waiting.into_pending();
    /// assert_eq!(pending.len(), 1);
    /// open.send(()).unwrap();
    /// for (i, task) in pending {
    ///     assert_eq!((i, task.join().unwrap()), (0, 1));
    /// }
    /// ```
    pub fn timeout(mut self, limit: Duration) -> AsCompleted<T> {
        // Longer than the clock can count: no limit.
        self.deadline = Instant::now().checked_add(limit);
        self
    }

    /// The tasks not yet yielded, with their positions, in input order —
    /// finished or not; they can be joined, cancelled or waited for again.
    ///
    /// ```
    /// #[decor::spawn]
    /// fn one() -> u8 { 1 }
    ///
    /// let pending = decor::as_completed(vec![one(), one()]).into_pending();
    /// let positions: Vec<usize> = pending.iter().map(|(i, _)| *i).collect();
    /// assert_eq!(positions, [0, 1]);
    /// ```
    pub fn into_pending(mut self) -> Vec<(usize, Task<T>)> {
        self.forget_tasks();
        std::mem::take(&mut self.slots)
            .into_iter()
            .enumerate()
            .filter_map(|(index, task)| Some((index, task?)))
            .collect()
    }

    /// Takes back the notices given to the tasks not yet yielded: they are
    /// no longer ours to be told about, and their sender is about to go.
    fn forget_tasks(&mut self) {
        for task in self.slots.iter().flatten() {
            if let Some(extras) = task.cell.core().lock().extras.as_mut() {
                extras.notify = None;
            }
        }
    }
}

// SAFETY: the fields are `Send` for `T: Send` but for the notifier's
// pointer, which stands for an `Arc<Notifier>` count (`Notifier` is `Send +
// Sync`: an `mpsc::Sender` is).
unsafe impl<T: Send> Send for AsCompleted<T> {}
// SAFETY: as above; and the receiver, the one field not `Sync`, is used only
// through `&mut self` (`next`) or `self` (`into_pending`, drop): a shared
// `&AsCompleted` reaches only `len` and `size_hint`, which read counters.
unsafe impl<T: Send> Sync for AsCompleted<T> {}

impl<T> Drop for AsCompleted<T> {
    fn drop(&mut self) {
        // Before giving up our count of the notifier (see `Notifier`).
        self.forget_tasks();
        // SAFETY: the count this iterator holds (from `Arc::into_raw` in
        // `as_completed`), given up once, here.
        drop(unsafe { Arc::from_raw(self.notifier.as_ptr()) });
    }
}

/// Polls `ready` for up to 50 µs, with a spin hint between polls and the
/// clock read only every 64 of them; what it first gives, or `None`. How a
/// waiter ([`Task::join`], [`AsCompleted`]'s `next`) avoids a sleep and its
/// wake-up when the answer is a few microseconds away.
fn spin_until<R>(mut ready: impl FnMut() -> Option<R>) -> Option<R> {
    const SPIN: Duration = Duration::from_micros(50);
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            if let Some(value) = ready() {
                return Some(value);
            }
            std::hint::spin_loop();
        }
        if start.elapsed() >= SPIN {
            return None;
        }
    }
}

impl<T> AsCompleted<T> {
    /// Watches the channel for a few tens of microseconds before `next`
    /// sleeps on it, as [`Task::join`] does and for the same reason: a
    /// short task's completion then needs no wake-up of the caller, which
    /// on an idle machine costs more than the task (measured: one tiny
    /// task's `as_completed` took 75 µs, its `join` 1 µs). Not on a pool's
    /// worker thread, whose core the tasks may need.
    fn spin_for_next(&self) -> Option<usize> {
        if crate::pools::on_worker_thread() {
            return None;
        }
        spin_until(|| self.completions.try_recv().ok())
    }
}

impl<T> Iterator for AsCompleted<T> {
    type Item = (usize, Result<T, TaskError>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let index = match self.finished.pop_front() {
            Some(index) => index,
            None => match self.deadline {
                None => match self.spin_for_next() {
                    Some(index) => index,
                    None => self.completions.recv().ok()?,
                },
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => self.completions.recv_timeout(left).ok()?,
                    _ => self.completions.try_recv().ok()?,
                },
            },
        };
        self.remaining -= 1;
        let task = self.slots[index].take().expect("each task completes once");
        Some((index, task.join()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self.deadline {
            None => (self.remaining, Some(self.remaining)),
            Some(_) => (0, Some(self.remaining)),
        }
    }
}

impl<T> ExactSizeIterator for AsCompleted<T> {
    /// The tasks not yet yielded; with a [`timeout`](AsCompleted::timeout),
    /// at most that many are still to come.
    fn len(&self) -> usize {
        self.remaining
    }
}

/// When [`wait`] returns — Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`.
///
/// ```
/// use decor::Wait;
///
/// #[decor::spawn]
/// fn check(x: i32) -> Result<i32, String> {
///     if x < 0 { Err(format!("{x} < 0")) } else { Ok(x) }
/// }
///
/// // A returned `Err` is a value: `FirstError` waits on for every task.
/// let waited = decor::wait((-1..2).map(check), Wait::FirstError, None);
/// assert_eq!(waited.done.len(), 3);
/// assert!(waited.pending.is_empty());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// As soon as any task has finished.
    FirstCompleted,
    /// As soon as a task has ended in a [`TaskError`] (panic, crash,
    /// timeout, cancel), or when all have finished. A task that returns an
    /// `Err` value has not failed: that is its value.
    FirstError,
    /// When every task has finished.
    AllCompleted,
}

/// What [`wait`] returns: the finished tasks' results and the tasks still
/// running, each with its position in the input.
///
/// ```
/// use std::time::Duration;
/// use decor::{Wait, Waited};
///
/// #[decor::spawn(dedicated)]
/// fn nap(millis: u64) -> u64 {
///     std::thread::sleep(Duration::from_millis(millis));
///     millis
/// }
///
/// let Waited { done, pending } =
///     decor::wait(vec![nap(1), nap(2_000)], Wait::AllCompleted, Some(Duration::from_millis(500)));
/// assert_eq!(done.len(), 1);
/// assert_eq!(done[0].0, 0);
/// assert_eq!(pending[0].0, 1);
/// ```
#[derive(Debug)]
pub struct Waited<T> {
    /// Finished tasks, in the order they finished.
    pub done: Vec<(usize, Result<T, TaskError>)>,
    /// Unfinished tasks, in input order.
    pub pending: Vec<(usize, Task<T>)>,
}

/// Waits for `tasks` until `until` says, or until `timeout` has passed —
/// Python's `concurrent.futures.wait`. Every task finished by then is in
/// `done`, the rest in `pending` (join them, cancel them, or wait again).
/// The caller sleeps while it waits.
///
/// ```
/// use std::sync::{mpsc, Arc};
/// use decor::Wait;
///
/// #[decor::spawn(threads = 2)]
/// fn step(gate: Option<mpsc::Receiver<()>>) -> u8 {
///     if let Some(gate) = gate { let _ = gate.recv(); }
///     7
/// }
///
/// let (open, gate) = mpsc::channel();
/// let waited = decor::wait(vec![step(Some(gate)), step(None)], Wait::FirstCompleted, None);
/// assert_eq!(waited.done.len(), 1);
/// assert_eq!(waited.done[0].0, 1);
/// assert_eq!(waited.pending.len(), 1);
/// open.send(()).unwrap();
/// let tasks = waited.pending.into_iter().map(|(_, task)| task);
/// let rest = decor::wait(tasks, Wait::AllCompleted, None);
/// assert!(rest.pending.is_empty());
/// assert_eq!(rest.done[0].1.as_ref().unwrap(), &7);
/// ```
pub fn wait<T, I>(tasks: I, until: Wait, timeout: Option<Duration>) -> Waited<T>
where
    I: IntoIterator<Item = Task<T>>,
{
    let mut waiting = as_completed(tasks);
    if let Some(limit) = timeout {
        waiting = waiting.timeout(limit);
    }
    let mut done = Vec::new();
    if until == Wait::AllCompleted {
        done.extend(&mut waiting);
    } else {
        for (index, result) in &mut waiting {
            let failed = result.is_err();
            done.push((index, result));
            if until == Wait::FirstCompleted || failed {
                break;
            }
        }
        // And every task that has finished meanwhile, as Python's `done`.
        waiting.deadline = Some(Instant::now());
        done.extend(&mut waiting);
    }
    Waited {
        done,
        pending: waiting.into_pending(),
    }
}

/// Every task's result, in the order of `tasks`.
///
/// ```
/// #[decor::spawn]
/// fn double(x: i32) -> i32 { x * 2 }
///
/// let results = decor::join_all((1..=3).map(double));
/// let values: Vec<i32> = results.into_iter().map(Result::unwrap).collect();
/// assert_eq!(values, [2, 4, 6]);
/// ```
pub fn join_all<T, I>(tasks: I) -> Vec<Result<T, TaskError>>
where
    I: IntoIterator<Item = Task<T>>,
{
    // Submit everything first: a lazy iterator would run one task at a time.
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    tasks.into_iter().map(Task::join).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runner_hook_lets_cancel_stop_work_in_flight() {
        let (completer, task) = channel::<u8>();
        let stopped = Arc::new(AtomicU8::new(0));
        let seen = stopped.clone();
        completer.on_cancel(Box::new(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            true
        }));
        assert!(task.cancel());
        assert!(!task.cancel(), "the hook is called once");
        assert_eq!(stopped.load(Ordering::SeqCst), 1);
        // The runner's late result is dropped.
        completer.complete(Ok(5));
        assert!(task.join().unwrap_err().is_cancelled());
    }

    #[test]
    fn a_hook_that_cannot_stop_the_work_leaves_the_task_running() {
        let (completer, task) = channel::<u8>();
        completer.on_cancel(Box::new(|| false));
        assert!(!task.cancel());
        assert!(!task.is_cancelled() && !task.is_finished());
        completer.complete(Ok(5));
        assert_eq!(task.join().unwrap(), 5);
    }

    #[test]
    fn without_a_hook_a_running_task_cannot_be_cancelled() {
        let (completer, task) = channel::<u8>();
        assert!(!task.cancel());
        drop(completer);
        let error = task.join().unwrap_err();
        assert!(!error.is_cancelled(), "{error}");
    }

    #[test]
    fn a_queued_task_cancelled_refuses_the_runners_claim() {
        let ran = Arc::new(AtomicU8::new(0));
        let seen = ran.clone();
        let (job, task) = queued(move || {
            seen.fetch_add(1, Ordering::SeqCst);
            Ok(1u8)
        });
        assert!(task.cancel());
        job.run(); // refused: the work is gone
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        assert!(task.join().unwrap_err().is_cancelled());
    }

    #[test]
    fn a_queue_entry_dropped_unrun_loses_its_task() {
        let (job, task) = queued(|| Ok(1u8));
        drop(job);
        let error = task.join().unwrap_err();
        assert_eq!(
            error.to_string(),
            "task was dropped before it produced a result"
        );
    }

    #[test]
    fn a_task_cell_is_one_small_allocation() {
        // The cell of `#[spawn] fn(u64) -> u64` (a closure of 16 bytes): a
        // vtable pointer, a word of counts and state, the extras pointer,
        // and one slot for the closure and then the result.
        assert_eq!(size_of::<Header>(), 16);
        assert_eq!(size_of::<Result<u64, TaskError>>(), 16);
        assert_eq!(size_of::<Cell<[u64; 2], u64>>(), 40);
        // The handle and a queue entry: one pointer each.
        assert_eq!(size_of::<Task<u64>>(), 8);
        assert_eq!(size_of::<Job>(), 8);
    }
}
