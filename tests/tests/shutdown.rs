//! `decor::shutdown()` and the `Init` guard wait for un-joined tasks, as
//! Python's executors do at exit: pool tasks, tasks those tasks submit, and
//! process calls; never `dedicated` threads (daemons). `#[decor::main]`'s
//! wait is checked end to end in `main_attr.rs`.
//!
//! `shutdown` waits for every outstanding task in the program, so these
//! tests take turns (`TURN`) instead of blocking each other's waits.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use common::{within, Gate};

static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[decor::spawn(threads = 2)]
fn count_after(gate: Gate, counter: Arc<AtomicUsize>) {
    gate.wait();
    counter.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn shutdown_waits_for_unjoined_pool_tasks() {
    let _turn = turn();
    let gate = Gate::new();
    let counter = Arc::new(AtomicUsize::new(0));
    for _ in 0..6 {
        count_after(gate.clone(), counter.clone()).detach();
    }
    // Opened only after shutdown has started waiting: were it not waiting,
    // it would return with none of the six counted.
    let opener = {
        let gate = gate.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            gate.open();
        })
    };
    within("shutdown", decor::shutdown);
    assert_eq!(counter.load(Ordering::SeqCst), 6);
    opener.join().unwrap();
}

#[decor::spawn(threads = 1)]
fn fan_out(counter: Arc<AtomicUsize>, children: usize) {
    for _ in 0..children {
        count_after(open_gate(), counter.clone()).detach();
    }
    counter.fetch_add(1, Ordering::SeqCst);
}

fn open_gate() -> Gate {
    let gate = Gate::new();
    gate.open();
    gate
}

#[test]
fn shutdown_waits_for_tasks_submitted_by_tasks() {
    let _turn = turn();
    let counter = Arc::new(AtomicUsize::new(0));
    for _ in 0..3 {
        fan_out(counter.clone(), 4).detach();
    }
    within("shutdown", decor::shutdown);
    assert_eq!(counter.load(Ordering::SeqCst), 3 + 3 * 4);
}

#[decor::spawn(threads = 1)]
fn shuts_down_inside() -> &'static str {
    decor::shutdown();
    "returned"
}

#[test]
fn shutdown_inside_a_task_returns_at_once() {
    let _turn = turn();
    let result = within("task", || shuts_down_inside().join().unwrap());
    assert_eq!(result, "returned");
}

#[decor::parallel(threads = 2, chunks = 2, reduce = |a, b| a + b)]
fn chunks_shutting_down(items: &[u32]) -> usize {
    decor::shutdown();
    items.len()
}

#[decor::spawn(threads = 1)]
fn task_with_chunks_shutting_down() -> usize {
    chunks_shutting_down(&[1, 2, 3, 4])
}

#[test]
fn shutdown_in_a_parallel_chunk_returns_at_once() {
    let _turn = turn();
    // The chunks run while their caller, a task, is outstanding: waiting
    // for it there would never end.
    let result = within("task", || task_with_chunks_shutting_down().join().unwrap());
    assert_eq!(result, 4);
}

#[decor::spawn(dedicated, name = "daemon")]
fn daemon(gate: Gate, counter: Arc<AtomicUsize>) {
    gate.wait();
    counter.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn dedicated_threads_are_daemons_not_waited_for() {
    let _turn = turn();
    let gate = Gate::new();
    let counter = Arc::new(AtomicUsize::new(0));
    let task = daemon(gate.clone(), counter.clone());
    within("shutdown", decor::shutdown);
    assert_eq!(counter.load(Ordering::SeqCst), 0, "shutdown waited");
    gate.open();
    task.join().unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), 1);
}

#[test]
fn the_init_guard_waits_unless_told_not_to() {
    let _turn = turn();
    let counter = Arc::new(AtomicUsize::new(0));

    let gate = Gate::new();
    let task = {
        let _decor = decor::Init::new().subscriber(false).wait(false).install();
        count_after(gate.clone(), counter.clone())
    };
    assert_eq!(counter.load(Ordering::SeqCst), 0, "wait(false) waited");
    gate.open();
    task.join().unwrap();

    let gate = Gate::new();
    let opener = {
        let gate = gate.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            gate.open();
        })
    };
    within("guard", move || {
        let _decor = decor::Init::new().subscriber(false).install();
        count_after(gate, counter.clone()).detach();
        drop(_decor);
        assert_eq!(counter.load(Ordering::SeqCst), 2, "the guard did not wait");
    });
    opener.join().unwrap();
}

#[decor::spawn(processes = 1)]
fn write_after(path: String, text: String) {
    std::thread::sleep(std::time::Duration::from_millis(100));
    std::fs::write(path, text).unwrap();
}

#[test]
fn shutdown_waits_for_process_calls_in_flight() {
    let _turn = turn();
    let dir = std::env::temp_dir().join(format!("decor-shutdown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<String> = (0..3)
        .map(|i| dir.join(format!("{i}.txt")).to_string_lossy().into_owned())
        .collect();
    for (i, path) in paths.iter().enumerate() {
        write_after(path.clone(), format!("call {i}")).detach();
    }
    within("shutdown", decor::shutdown);
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(std::fs::read_to_string(path).unwrap(), format!("call {i}"));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
