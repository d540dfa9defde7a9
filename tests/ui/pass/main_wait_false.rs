//! `#[decor::main(wait = false)]` returns from `main` without waiting for
//! un-joined tasks; `wait = true` is the default, written out.

use std::sync::atomic::{AtomicBool, Ordering};

static STARTED: AtomicBool = AtomicBool::new(false);

#[decor::spawn(threads = 1)]
fn background() {
    STARTED.store(true, Ordering::SeqCst);
}

#[decor::main(wait = false, subscriber = false)]
fn main() {
    background().detach();
    waits();
}

mod waiting {
    #[decor::main(wait = true, subscriber = false)]
    pub fn main() {
        super::background().detach();
    }
}

fn waits() {
    waiting::main();
    assert!(super_started());
}

fn super_started() -> bool {
    STARTED.load(Ordering::SeqCst)
}
