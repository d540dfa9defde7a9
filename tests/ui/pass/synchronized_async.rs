//! `#[synchronized]` on `async fn`: an async lock held across `.await`,
//! so concurrent calls on one thread take turns without blocking it;
//! `lock = "name"` is shared between async functions too.

use std::cell::Cell;
use std::rc::Rc;

use futures_executor::block_on;

thread_local! {
    static INSIDE: Cell<bool> = const { Cell::new(false) };
    static ENTRIES: Cell<u32> = const { Cell::new(0) };
}

fn enter() {
    assert!(!INSIDE.replace(true), "two calls inside at once");
    ENTRIES.set(ENTRIES.get() + 1);
}

fn leave() {
    INSIDE.set(false);
}

#[decor::synchronized]
async fn one_at_a_time(n: u32) -> u32 {
    enter();
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
    leave();
    n
}

#[decor::synchronized(lock = "async shared")]
async fn shared_a(log: Rc<std::cell::RefCell<Vec<&'static str>>>) {
    enter();
    log.borrow_mut().push("a in");
    tokio::task::yield_now().await;
    log.borrow_mut().push("a out");
    leave();
}

#[decor::synchronized(lock = "async shared")]
async fn shared_b(log: Rc<std::cell::RefCell<Vec<&'static str>>>) {
    enter();
    log.borrow_mut().push("b in");
    tokio::task::yield_now().await;
    log.borrow_mut().push("b out");
    leave();
}

#[decor::synchronized]
async fn fallible(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

struct Store {
    items: std::sync::Mutex<Vec<u32>>,
}

impl Store {
    #[decor::synchronized]
    async fn push(&self, item: u32) -> usize {
        let mut items = self.items.lock().unwrap();
        items.push(item);
        items.len()
    }
}

#[async_trait::async_trait]
trait Counter {
    async fn bump(&self, by: u32) -> u32;
}

struct Shared(std::sync::atomic::AtomicU32);

#[async_trait::async_trait]
impl Counter for Shared {
    #[decor::synchronized]
    async fn bump(&self, by: u32) -> u32 {
        let now = self.0.load(std::sync::atomic::Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.0.store(now + by, std::sync::atomic::Ordering::SeqCst);
        now + by
    }
}

async fn concurrently() {
    let (a, b, c) = tokio::join!(one_at_a_time(1), one_at_a_time(2), one_at_a_time(3));
    assert_eq!((a, b, c), (1, 2, 3));
    assert_eq!(ENTRIES.get(), 3);

    let log = Rc::new(std::cell::RefCell::new(Vec::new()));
    tokio::join!(shared_a(log.clone()), shared_b(log.clone()));
    assert_eq!(*log.borrow(), ["a in", "a out", "b in", "b out"]);

    // Read, yield, write: only correct one at a time.
    let shared = Shared(std::sync::atomic::AtomicU32::new(0));
    let (a, b, c) = tokio::join!(shared.bump(1), shared.bump(2), shared.bump(3));
    assert_eq!((a, b, c), (1, 3, 6));
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(concurrently());

    assert_eq!(block_on(fallible("7")), Ok(7));
    assert_eq!(block_on(fallible("")), Ok(0));
    assert!(block_on(fallible("x")).is_err());

    let store = Store {
        items: std::sync::Mutex::new(Vec::new()),
    };
    assert_eq!(block_on(store.push(1)), 1);
    assert_eq!(block_on(store.push(2)), 2);
}
