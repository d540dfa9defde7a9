//! `#[synchronized(self.lock)]`: a lock the value owns, on every receiver
//! (`&self`, `&mut self`, `self`, `self: Arc<Self>`, `self: Box<Self>`),
//! nested and tuple fields, a shared `Arc<decor::Lock>`, generic and trait
//! impls, `async fn` with a `decor::AsyncLock` (also under
//! `#[async_trait]`), and stacked with `#[timed]` and `#[logged]` in each
//! order and under a spawned method's call.

#![deny(warnings)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use futures_executor::block_on;

#[derive(Default, Debug)]
struct Account {
    lock: decor::Lock,
    balance: AtomicU32,
    history: Vec<u32>,
}

impl Account {
    #[decor::synchronized(self.lock)]
    fn deposit(&self, amount: u32) -> u32 {
        self.balance.fetch_add(amount, Ordering::SeqCst) + amount
    }

    // `&mut self`: other fields can be used while the lock is held.
    #[decor::synchronized(self.lock)]
    fn record(&mut self, amount: u32) -> &mut Vec<u32> {
        self.history.push(amount);
        &mut self.history
    }

    #[decor::synchronized(self.lock)]
    fn total(self) -> u32 {
        self.balance.load(Ordering::SeqCst)
    }

    #[decor::synchronized(self.lock)]
    fn shared(self: Arc<Self>, amount: u32) -> u32 {
        self.deposit(amount)
    }

    #[decor::synchronized(self.lock)]
    fn boxed(self: Box<Self>) -> usize {
        self.history.len()
    }

    #[decor::synchronized(self.lock)]
    fn fallible(&self, text: &str) -> Result<u32, std::num::ParseIntError> {
        let amount: u32 = text.parse()?;
        Ok(self.deposit(amount))
    }

    #[decor::timed]
    #[decor::synchronized(self.lock)]
    fn timed_outside(&self) -> u32 {
        self.deposit(1)
    }

    #[decor::synchronized(self.lock)]
    #[decor::timed]
    fn timed_inside(&self) -> u32 {
        self.deposit(1)
    }

    #[decor::logged]
    #[decor::synchronized(self.lock)]
    fn logged_outside(&self, amount: u32) -> u32 {
        self.deposit(amount)
    }

    #[decor::synchronized(self.lock)]
    #[decor::logged(skip(self))]
    fn logged_inside(&self, amount: u32) -> u32 {
        self.deposit(amount)
    }

    // A spawned method takes the lock by calling a synchronized one.
    #[decor::spawn(threads = 2)]
    fn deposit_later(self: Arc<Self>, amount: u32) -> u32 {
        self.deposit(amount)
    }
}

struct Inner {
    lock: decor::Lock,
}

struct Outer {
    inner: Inner,
}

impl Outer {
    #[decor::synchronized(self.inner.lock)]
    fn nested(&self) -> u8 {
        1
    }
}

struct Tuple(decor::Lock, u8);

impl Tuple {
    #[decor::synchronized(self.0)]
    fn get(&self) -> u8 {
        self.1
    }
}

// Two values sharing one lock.
struct Branch {
    lock: Arc<decor::Lock>,
}

impl Branch {
    #[decor::synchronized(self.lock)]
    fn open(&self) -> bool {
        true
    }
}

struct Generic<T> {
    lock: decor::Lock,
    value: T,
}

impl<T: Clone> Generic<T>
where
    T: Send,
{
    #[decor::synchronized(self.lock)]
    fn get(&self) -> T {
        self.value.clone()
    }
}

trait Get {
    fn get(&self) -> u8;
}

impl Get for Tuple {
    #[decor::synchronized(self.0)]
    fn get(&self) -> u8 {
        self.1
    }
}

#[derive(Default)]
struct Store {
    lock: decor::AsyncLock,
    items: std::sync::Mutex<Vec<u32>>,
}

impl Store {
    #[decor::synchronized(self.lock)]
    async fn push(&self, item: u32) -> usize {
        let mut items = self.items.lock().unwrap();
        items.push(item);
        items.len()
    }

    #[decor::synchronized(self.lock)]
    async fn push_owned(self: Arc<Self>, item: u32) -> usize {
        let mut items = self.items.lock().unwrap();
        items.push(item);
        items.len()
    }

    #[decor::synchronized(self.lock)]
    async fn fallible(&self, text: &str) -> Result<usize, std::num::ParseIntError> {
        let item: u32 = text.parse()?;
        let mut items = self.items.lock().unwrap();
        items.push(item);
        Ok(items.len())
    }

    #[decor::timed]
    #[decor::logged]
    #[decor::synchronized(self.lock)]
    async fn stacked(&self) -> usize {
        self.items.lock().unwrap().len()
    }
}

#[async_trait::async_trait]
trait Count {
    async fn count(&self) -> usize;
}

#[async_trait::async_trait]
impl Count for Store {
    #[decor::synchronized(self.lock)]
    async fn count(&self) -> usize {
        self.items.lock().unwrap().len()
    }
}

fn assert_send<T: Send>(value: T) -> T {
    value
}

fn main() {
    let mut account = Account::default();
    assert_eq!(account.deposit(2), 2);
    assert_eq!(account.record(2), &[2]);
    assert_eq!(account.fallible("3"), Ok(5));
    assert!(account.fallible("x").is_err());
    assert_eq!(account.timed_outside(), 6);
    assert_eq!(account.timed_inside(), 7);
    assert_eq!(account.logged_outside(1), 8);
    assert_eq!(account.logged_inside(1), 9);
    let account = Arc::new(account);
    assert_eq!(account.clone().shared(1), 10);
    assert_eq!(account.clone().deposit_later(1).join().unwrap(), 11);
    let account = Arc::into_inner(account).unwrap();
    assert_eq!(Box::new(Account::default()).boxed(), 0);
    assert_eq!(account.total(), 11);

    assert_eq!(Outer { inner: Inner { lock: decor::Lock::new() } }.nested(), 1);
    let tuple = Tuple(decor::Lock::default(), 4);
    assert_eq!(Tuple::get(&tuple), 4);
    assert_eq!(Get::get(&tuple), 4);
    let lock = Arc::new(decor::Lock::new());
    let (a, b) = (Branch { lock: lock.clone() }, Branch { lock });
    assert!(a.open() && b.open());
    assert_eq!(Generic { lock: decor::Lock::new(), value: "v" }.get(), "v");

    let store = Store::default();
    assert_eq!(block_on(assert_send(store.push(1))), 1);
    assert_eq!(block_on(store.fallible("2")), Ok(2));
    assert!(block_on(store.fallible("x")).is_err());
    assert_eq!(block_on(store.stacked()), 2);
    assert_eq!(block_on(store.count()), 2);
    let store = Arc::new(store);
    assert_eq!(block_on(assert_send(store.push_owned(3))), 3);

    // Send + Sync + Debug.
    fn shareable<T: Send + Sync + std::fmt::Debug>() {}
    shareable::<decor::Lock>();
    shareable::<decor::AsyncLock>();
    assert_eq!(format!("{:?}", decor::Lock::new()), "Lock { locked: false }");
}
