//! The note's long-running thread: keeping a camera open in the background.
//! `cargo run --release --example capture_thread`
//!
//! In Python the note started it with
//! `threading.Thread(target=video_capture_thread, daemon=True).start()`: a
//! thread of its own rather than a pool worker, since it never finishes, and
//! a daemon so it dies with the program.
//!
//! Here `#[decor::spawn(dedicated, name = "capture")]` starts a new OS thread
//! named `capture` per call and returns a `decor::Task` at once. Rust has no
//! daemon threads to kill mid-frame; the loop watches a stop flag instead, so
//! it ends cleanly and hands back what it did through the task.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// What the capture loop reports when it stops.
#[derive(Debug)]
struct Capture {
    frames: u64,
    thread_name: String,
    ran_for: Duration,
}

/// "Captures" a frame every 10 ms until `stop` is set.
#[decor::spawn(dedicated, name = "capture")]
fn video_capture_thread(stop: Arc<AtomicBool>) -> Capture {
    let thread_name = thread::current().name().unwrap_or("(unnamed)").to_owned();
    let started = Instant::now();
    let mut frames = 0;
    while !stop.load(Ordering::Acquire) {
        frames += 1; // grab a frame
        thread::sleep(Duration::from_millis(10));
    }
    Capture {
        frames,
        thread_name,
        ran_for: started.elapsed(),
    }
}

fn main() {
    println!("capture_thread: the note kept a camera open with threading.Thread(daemon=True);");
    println!("here #[decor::spawn(dedicated, name = \"capture\")] runs the loop on its own");
    println!("named thread until main sets a stop flag.\n");

    let stop = Arc::new(AtomicBool::new(false));
    let capture = video_capture_thread(stop.clone());
    println!("main: capture started; main is free, doing its own work for 300 ms");

    thread::sleep(Duration::from_millis(300));
    println!(
        "main: capture still running after 300 ms: {}",
        !capture.is_finished()
    );

    stop.store(true, Ordering::Release);
    let report = capture.join().expect("the capture loop does not panic");
    println!(
        "main: stop flag set; capture joined after {:.0?} of capturing\n",
        report.ran_for
    );
    println!("frames captured:   {}", report.frames);
    println!("capture thread:    {:?}", report.thread_name);
    assert_eq!(report.thread_name, "capture");
    assert!(report.frames > 0);
}
