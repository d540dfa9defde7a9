//! Buffers shrink back once calls are small again: a large call's buffers
//! (and shared-memory mailboxes) stay for the next large call, but after a
//! 64 MiB argument and a 64 MiB result followed by [`SMALL_CALLS`] small
//! calls, neither the parent nor the worker keeps them. Resident memory is
//! read from `/proc/self/statm` before and after, with a bound far from
//! both outcomes (a kept buffer is 64 MiB). (`harness = false`: no other
//! test allocates in this process meanwhile.)

use std::io::Write;

const MIB: u64 = 1 << 20;

/// Small calls after the large one: a buffer over 1 MiB is let go after 8
/// calls in a row that each fill under a quarter of it, and the last call
/// measures the worker after its buffers' 8th.
const SMALL_CALLS: usize = 10;

/// Resident memory of this process, in bytes.
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split(' ').nth(1).unwrap().parse().unwrap();
    // SAFETY: `sysconf` has no preconditions.
    pages * unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64
}

/// Echoes `text`, with the worker's resident memory after the call.
#[decor::spawn(processes = 1)]
fn echo(text: String) -> (String, u64) {
    (text, resident())
}

fn main() {
    let (_, worker_before) = echo(String::new()).join().unwrap();
    // Warm: the reader thread, its buffers and the first call's allocations.
    let parent_before = resident();
    let big = "x".repeat((64 * MIB) as usize);
    let (back, _) = echo(big).join().unwrap();
    assert_eq!(back.len() as u64, 64 * MIB);
    drop(back);
    let mut worker_after = 0;
    for _ in 0..SMALL_CALLS {
        worker_after = echo(String::new()).join().unwrap().1;
    }
    let parent_after = resident();
    let grown = |before: u64, after: u64| after.saturating_sub(before) / MIB;
    println!(
        "parent {} -> {} MiB, worker {} -> {} MiB",
        parent_before / MIB,
        parent_after / MIB,
        worker_before / MIB,
        worker_after / MIB
    );
    assert!(
        grown(parent_before, parent_after) < 32,
        "the parent kept {} MiB after the calls",
        grown(parent_before, parent_after)
    );
    assert!(
        grown(worker_before, worker_after) < 32,
        "the worker kept {} MiB after the calls",
        grown(worker_before, worker_after)
    );
    println!("test buffers_shrink_after_a_large_call ... ok");
    println!("\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
    std::io::stdout().flush().unwrap();
}
