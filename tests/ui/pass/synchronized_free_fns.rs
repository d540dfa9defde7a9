//! `#[synchronized]`: calls of one function run one at a time; `lock =
//! "name"` makes functions share a lock; the lock is re-entrant on one
//! thread, is not poisoned by a panic, and works on methods.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// Enters a critical section, checks nobody else is in it, yields, leaves.
struct Section {
    inside: AtomicBool,
    entries: AtomicUsize,
}

impl Section {
    const fn new() -> Section {
        Section {
            inside: AtomicBool::new(false),
            entries: AtomicUsize::new(0),
        }
    }

    fn visit(&self) {
        assert!(
            !self.inside.swap(true, Ordering::SeqCst),
            "two callers inside at once"
        );
        for _ in 0..20 {
            thread::yield_now();
        }
        self.entries.fetch_add(1, Ordering::SeqCst);
        self.inside.store(false, Ordering::SeqCst);
    }
}

static OWN: Section = Section::new();

#[decor::synchronized]
fn own_lock() {
    OWN.visit();
}

static SHARED: Section = Section::new();

#[decor::synchronized(lock = "shared")]
fn writer_a(n: u32) -> u32 {
    SHARED.visit();
    n
}

#[decor::synchronized(lock = "shared")]
fn writer_b(n: u32) -> u32 {
    SHARED.visit();
    n * 2
}

#[decor::synchronized]
fn factorial(n: u64) -> u64 {
    if n <= 1 {
        return 1;
    }
    n * factorial(n - 1)
}

// Re-entrant across functions sharing a lock, too.
#[decor::synchronized(lock = "reentrant")]
fn outer() -> u32 {
    inner() + 1
}

#[decor::synchronized(lock = "reentrant")]
fn inner() -> u32 {
    41
}

#[decor::synchronized]
fn may_panic(fail: bool) -> u8 {
    if fail {
        panic!("inside the lock");
    }
    1
}

#[decor::synchronized]
fn fallible(text: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::synchronized]
fn borrowed<'a>(items: &'a mut Vec<u8>, value: u8) -> &'a mut u8 {
    items.push(value);
    items.last_mut().unwrap()
}

#[decor::synchronized]
fn generic<T: Clone>((a, _b): (T, T)) -> Vec<T> {
    vec![a.clone(), a]
}

#[decor::synchronized]
unsafe fn unchecked(items: &[u8], at: usize) -> u8 {
    *items.get_unchecked(at)
}

struct Account {
    balance: AtomicU32,
    section: Section,
}

impl Account {
    #[decor::synchronized]
    fn deposit(&self, amount: u32) -> u32 {
        self.section.visit();
        // Read, then write: only correct one at a time.
        let now = self.balance.load(Ordering::SeqCst);
        thread::yield_now();
        self.balance.store(now + amount, Ordering::SeqCst);
        now + amount
    }

    #[decor::synchronized]
    fn rename(&mut self) -> &mut Self {
        self
    }

    #[decor::synchronized]
    fn into_balance(self) -> u32 {
        self.balance.into_inner()
    }
}

fn main() {
    let threads: Vec<_> = (0..4)
        .map(|_| thread::spawn(|| (0..25).for_each(|_| own_lock())))
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(OWN.entries.load(Ordering::SeqCst), 100);

    let threads: Vec<_> = (0..4)
        .map(|i| {
            thread::spawn(move || {
                for n in 0..25 {
                    if i % 2 == 0 {
                        assert_eq!(writer_a(n), n);
                    } else {
                        assert_eq!(writer_b(n), 2 * n);
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(SHARED.entries.load(Ordering::SeqCst), 100);

    assert_eq!(factorial(10), 3_628_800);
    assert_eq!(outer(), 42);

    // A panic inside does not poison the lock.
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    assert!(std::panic::catch_unwind(|| may_panic(true)).is_err());
    std::panic::set_hook(quiet);
    assert_eq!(thread::spawn(|| may_panic(false)).join().unwrap(), 1);
    assert_eq!(may_panic(false), 1);

    assert_eq!(fallible("3"), Ok(3));
    assert!(fallible("x").is_err());
    let mut items = vec![];
    *borrowed(&mut items, 1) += 1;
    assert_eq!(items, [2]);
    assert_eq!(generic(("a", "b")), ["a", "a"]);
    assert_eq!(unsafe { unchecked(&[4, 5], 1) }, 5);

    let account = Arc::new(Account {
        balance: AtomicU32::new(0),
        section: Section::new(),
    });
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let account = account.clone();
            thread::spawn(move || {
                (0..25).for_each(|_| {
                    account.deposit(1);
                })
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut account = Arc::into_inner(account).unwrap();
    let before: *const Account = &account;
    assert!(std::ptr::eq(account.rename(), before));
    assert_eq!(account.into_balance(), 100);
}
