//! `#[spawn]` stacked with `#[timed]`: below `#[spawn]`, `#[timed]` times
//! the work on the pool; above it, it times the submission, which is over
//! before the work starts.

#[path = "support/mod.rs"]
mod support;

use std::sync::mpsc::{channel, Receiver};
use std::sync::Mutex;
use std::time::Duration;

use support::{calls, stats};

// The work waits for this before it returns.
static GATE: Mutex<Option<Receiver<()>>> = Mutex::new(None);

fn wait_at_gate() {
    let gate = GATE.lock().unwrap().take().expect("a gate is set");
    gate.recv().unwrap();
}

#[decor::spawn(threads = 2)]
#[decor::timed]
fn times_the_work(n: u64) -> u64 {
    wait_at_gate();
    std::thread::sleep(Duration::from_millis(30));
    n + 1
}

#[decor::timed]
#[decor::spawn(threads = 2)]
fn times_the_submission(n: u64) -> u64 {
    wait_at_gate();
    n + 2
}

#[decor::spawn(threads = 2)]
#[decor::timed(name = "stacked.fallible")]
fn fallible(text: String) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::spawn(threads = 2)]
#[decor::timed]
#[decor::logged]
fn timed_and_logged(n: u8) -> u8 {
    n
}

#[decor::timed(name = "stacked.outer_fallible")]
#[decor::spawn(threads = 2)]
fn outer_fallible(text: String) -> Result<u32, std::num::ParseIntError> {
    if text.is_empty() {
        return Ok(0);
    }
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::logged]
#[decor::timed]
#[decor::spawn(threads = 2)]
fn logged_and_timed_above(n: u8) -> u8 {
    n
}

struct Service(u32);

impl Service {
    #[decor::timed(name = "stacked.method")]
    #[decor::spawn(threads = 2)]
    fn method(self: std::sync::Arc<Self>, fail: bool) -> Result<u32, String> {
        if fail {
            return Err("failed".into());
        }
        Ok(self.0)
    }
}

fn main() {
    // Below: nothing is counted until the work is done.
    let (open, gate) = channel();
    *GATE.lock().unwrap() = Some(gate);
    let task = times_the_work(1);
    assert_eq!(calls!("times_the_work"), 0);
    open.send(()).unwrap();
    assert_eq!(task.join().unwrap(), 2);
    let stats = stats!("times_the_work");
    assert_eq!(stats.calls(), 1);
    assert!(
        stats.total() >= Duration::from_millis(30),
        "{:?}",
        stats.total()
    );

    // Above: the call is counted while the work still waits.
    let (open, gate) = channel();
    *GATE.lock().unwrap() = Some(gate);
    let task = times_the_submission(1);
    assert_eq!(calls!("times_the_submission"), 1);
    assert!(!task.is_finished());
    open.send(()).unwrap();
    assert_eq!(task.join().unwrap(), 3);
    assert_eq!(calls!("times_the_submission"), 1);

    // `?` inside the moved body is still classified.
    assert_eq!(fallible("5".into()).join().unwrap(), Ok(5));
    assert!(fallible("x".into()).join().unwrap().is_err());
    let stats = decor::timers::get("stacked.fallible").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));

    // Above: the submission is timed; it does not fail when the work does.
    assert_eq!(outer_fallible("7".into()).join().unwrap(), Ok(7));
    assert!(outer_fallible("x".into()).join().unwrap().is_err());
    assert_eq!(outer_fallible(String::new()).join().unwrap(), Ok(0));
    let stats = decor::timers::get("stacked.outer_fallible").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (3, 0));

    assert_eq!(logged_and_timed_above(3).join().unwrap(), 3);
    assert_eq!(calls!("logged_and_timed_above"), 1);

    let service = std::sync::Arc::new(Service(5));
    assert_eq!(service.clone().method(false).join().unwrap(), Ok(5));
    assert!(service.method(true).join().unwrap().is_err());
    let stats = decor::timers::get("stacked.method").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 0));

    assert_eq!(timed_and_logged(4).join().unwrap(), 4);
    assert_eq!(calls!("timed_and_logged"), 1);
}
