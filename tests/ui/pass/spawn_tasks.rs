//! What a `#[spawn]` call returns: `decor::Task`, joined, awaited as a
//! `Future`, waited on with a timeout, collected with `as_completed` and
//! `join_all`; a panic comes back as a `TaskError`.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::time::Duration;

#[decor::spawn(threads = 2)]
fn square(x: u64) -> u64 {
    x * x
}

#[decor::spawn(dedicated)]
fn wait_for(gate: Receiver<u8>) -> u8 {
    gate.recv().unwrap()
}

#[decor::spawn(threads = 4)]
fn ordered(index: usize, gate: Receiver<()>, done: Sender<usize>) -> usize {
    gate.recv().unwrap();
    done.send(index).unwrap();
    index * 10
}

#[decor::spawn(threads = 2)]
fn explode(message: String) -> u8 {
    if !message.is_empty() {
        panic!("{message}");
    }
    0
}

static DETACHED: Mutex<Option<Sender<&'static str>>> = Mutex::new(None);

#[decor::spawn(threads = 1)]
fn detached() {
    let sender = DETACHED.lock().unwrap().take().unwrap();
    sender.send("ran").unwrap();
}

async fn awaits() -> u64 {
    let a = square(3).await.unwrap();
    let b = square(4).await.unwrap();
    a + b
}

fn main() {
    // The panics below are expected; keep them off stderr.
    std::panic::set_hook(Box::new(|_| {}));

    // join
    let task: decor::Task<u64> = square(5);
    assert_eq!(task.join().unwrap(), 25);

    // Future
    assert_eq!(futures_executor::block_on(square(6)).unwrap(), 36);
    assert_eq!(futures_executor::block_on(awaits()), 25);
    let (open, gate) = channel();
    let pending = wait_for(gate);
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        open.send(8).unwrap();
    });
    assert_eq!(futures_executor::block_on(pending).unwrap(), 8);
    sender.join().unwrap();

    // join_timeout: still running gives the task back; done gives the result.
    let (open, gate) = channel();
    let task = wait_for(gate);
    let task = match task.join_timeout(Duration::from_millis(10)) {
        Ok(result) => panic!("finished without its input: {result:?}"),
        Err(task) => task,
    };
    assert!(!task.is_finished());
    open.send(3).unwrap();
    let result = task
        .join_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("not done after a minute"));
    assert_eq!(result.unwrap(), 3);

    // as_completed: completion order, with positions in the input.
    let (done, finished) = channel();
    let mut gates = Vec::new();
    let mut tasks = Vec::new();
    for index in 0..3 {
        let (open, gate) = channel();
        gates.push(open);
        tasks.push(ordered(index, gate, done.clone()));
    }
    let mut completed = decor::as_completed(tasks);
    assert_eq!(completed.len(), 3);
    for index in [2, 0, 1] {
        gates[index].send(()).unwrap();
        assert_eq!(finished.recv().unwrap(), index);
        let (position, result) = completed.next().unwrap();
        assert_eq!((position, result.unwrap()), (index, index * 10));
    }
    assert!(completed.next().is_none());

    // join_all: input order.
    let results = decor::join_all((1..=5).map(square));
    let values: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(values, [1, 4, 9, 16, 25]);

    // A panic is the task's error; the pool carries on.
    let error = explode("boom".into()).join().unwrap_err();
    assert!(error.is_panic());
    assert!(!error.is_crash() && !error.is_timeout());
    assert_eq!(error.panic_message(), Some("boom"));
    assert_eq!(error.to_string(), "task panicked: boom");
    let boxed: Box<dyn std::error::Error + Send + Sync + 'static> = Box::new(error);
    assert!(boxed.to_string().contains("boom"));
    assert_eq!(explode(String::new()).join().unwrap(), 0);
    let mixed: Vec<bool> = decor::join_all(vec![explode("a".into()), explode(String::new())])
        .iter()
        .map(Result::is_ok)
        .collect();
    assert_eq!(mixed, [false, true]);

    // Dropping a task detaches it; the work still runs.
    let (sender, receiver) = channel();
    *DETACHED.lock().unwrap() = Some(sender);
    drop(detached());
    assert_eq!(
        receiver.recv_timeout(Duration::from_secs(60)).unwrap(),
        "ran"
    );
}
