//! Helpers for the `processes = N` tests: what `/proc` says about a process,
//! and a runner for a test binary that re-runs itself as a child.
//!
//! Linux only, like the tests that use it. The deadlines here are fail-safes
//! against hangs and against the time an exiting process takes to be
//! reaped, never timing assertions: a correct run meets them far sooner.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a process may take to disappear (exit and be reaped) before a
/// test calls it a leak.
pub const GONE_WITHIN: Duration = Duration::from_secs(10);

/// How long a child run may take before a test calls it hung.
pub const CHILD_HANG: Duration = Duration::from_secs(120);

/// The fields of `/proc/<pid>/stat` the tests look at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub pid: u32,
    /// `R`, `S`, `D`, `Z` (zombie: exited, not yet reaped), ...
    pub state: char,
    pub ppid: u32,
    /// Clock ticks after boot; with `pid`, names one process even if the
    /// pid is reused later.
    pub start: u64,
}

/// `/proc/<pid>/stat`, or `None` if there is no such process.
pub fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses,
    // so the fields are counted from the last `)`.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        pid,
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        // Field 22 of the whole line; `rest` starts at field 3.
        start: fields.get(19)?.parse().ok()?,
    })
}

/// Every process `/proc` lists.
pub fn all() -> Vec<Stat> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat)
        .collect()
}

/// The children of `parent`, zombies included.
pub fn children(parent: u32) -> Vec<Stat> {
    all().into_iter().filter(|s| s.ppid == parent).collect()
}

/// The children of this process that exited and were never reaped.
pub fn zombie_children() -> Vec<Stat> {
    children(std::process::id())
        .into_iter()
        .filter(|s| s.state == 'Z')
        .collect()
}

/// The process `known` still runs: same pid, same start time, not a zombie.
pub fn is_alive(known: &Stat) -> bool {
    stat(known.pid).is_some_and(|now| now.start == known.start && now.state != 'Z')
}

/// The process `known` is gone and reaped: no process (zombie or not) has
/// its pid and start time.
pub fn is_reaped(known: &Stat) -> bool {
    stat(known.pid).is_none_or(|now| now.start != known.start)
}

/// Polls (short sleeps) until `done` holds; false if [`GONE_WITHIN`] passes
/// first.
pub fn eventually(done: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + GONE_WITHIN;
    loop {
        if done() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until this process has no zombie child; panics listing them if
/// some are still there after [`GONE_WITHIN`].
pub fn assert_no_zombie_children() {
    if !eventually(|| zombie_children().is_empty()) {
        panic!(
            "zombie children of {} never reaped: {:?}",
            std::process::id(),
            zombie_children()
        );
    }
}

/// What a child run printed, and how it ended.
pub struct Run {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The lines of stdout that start with `prefix`, without it.
    pub fn lines_after<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.stdout
            .lines()
            .filter_map(move |line| line.strip_prefix(prefix))
    }
}

/// This test binary started again with `var=1`; stdout and stderr are
/// captured. Panics if it has not finished, and closed its output, after
/// [`CHILD_HANG`].
pub fn run_self(var: &str) -> Run {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env(var, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read to the end of both pipes: every process holding them (workers
    // included) must have closed them, so a worker outliving its parent
    // shows up as a hang here.
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let stdout = recv_or_kill(&stdout, &mut child, "stdout");
    let stderr = recv_or_kill(&stderr, &mut child, "stderr");
    let status = child.wait().unwrap();
    Run {
        success: status.success(),
        stdout,
        stderr,
    }
}

fn read_all(mut pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    receiver
}

fn recv_or_kill(receiver: &Receiver<String>, child: &mut Child, what: &str) -> String {
    match receiver.recv_timeout(CHILD_HANG) {
        Ok(text) => text,
        Err(RecvTimeoutError::Timeout) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child's {what} was still open after {CHILD_HANG:?}");
        }
        Err(RecvTimeoutError::Disconnected) => unreachable!("the reader sends before it ends"),
    }
}

/// Sends each line of `pipe` as it arrives.
pub fn lines_of(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Prints a passed check as libtest would (for `harness = false` tests).
pub fn check(passed: &mut u32, name: &str, f: impl FnOnce()) {
    f();
    println!("test {name} ... ok");
    *passed += 1;
}
