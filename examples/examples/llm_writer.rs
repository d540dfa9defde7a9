//! The note's thread-safety experiment: 10 slow LLM API calls on 5 workers,
//! every answer appended to one file. `cargo run --release --example llm_writer`
//!
//! In Python the note submitted `write_to_file(num)` for `num in range(10)` to
//! a `ThreadPoolExecutor(max_workers=5)`; each call slept 2 s "calling the
//! API", then appended `Thread-{num}: {num * 100}` to a shared file. Without a
//! lock the lines came out in the wrong order and sometimes went missing;
//! with `threading.Lock()` around the write they were all there.
//!
//! Here the call sleeps 200 ms, the workers are `#[decor::spawn(threads = 5)]`
//! and the lock is `#[decor::synchronized]` on the writer. Real APIs also
//! fail now and then, and limit how fast they may be called: one request in
//! three answers "503 busy" at first, and `#[decor::retry]` runs it again
//! after a pause (each retry is a WARN line in the log and a count in the
//! timer table's `retries` column); `#[decor::rate_limit]` keeps the
//! program under the API's quota of 10 calls a second, bursts of 5 (each
//! wait a DEBUG line and a count in the `waits` column). The writer puts a
//! line out the way buffered I/O often does, in several `write` calls (here
//! 40-byte pieces, with a yield between them); each call is atomic on an
//! append-mode file, the line as a whole is not. Then each file is read back
//! and checked.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

const CALLS: u32 = 10;
const PIECE: usize = 40;

/// What the simulated API answers when it does not answer.
#[derive(Debug)]
enum ApiError {
    /// 503: try again later.
    Busy,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Busy => f.write_str("503 busy, try again later"),
        }
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    fn is_transient(&self) -> bool {
        matches!(self, ApiError::Busy)
    }
}

/// Requests the simulated API has received, to fail one in three.
static REQUESTS: AtomicU32 = AtomicU32::new(0);

/// The note's `llm_api_result`: a slow remote call, which answers one
/// request in three with a transient error; `#[retry]` asks again, and
/// every call takes its turn under the quota first (the retries included:
/// the limiter is outside `#[retry]`, so it counts calls, not requests;
/// put it below `#[retry]` to count each request).
#[decor::timed]
#[decor::rate_limit(calls = 10, per = "1s", burst = 5, name = "llm-api")]
#[decor::retry(attempts = 4, delay = "50ms", jitter, when = |e| e.is_transient())]
fn llm_api_result(num: u32) -> Result<String, ApiError> {
    thread::sleep(Duration::from_millis(200));
    if REQUESTS.fetch_add(1, Ordering::Relaxed) % 3 == 1 {
        return Err(ApiError::Busy);
    }
    Ok(format!("{num}").repeat(100))
}

/// Appends one line in several `write` calls, yielding between them: another
/// thread's pieces can land in between.
fn write_line(file: &File, line: &str) -> io::Result<()> {
    let mut out = file;
    for piece in line.as_bytes().chunks(PIECE) {
        out.write_all(piece)?;
        thread::yield_now();
    }
    out.write_all(b"\n")
}

/// The same writer, one call at a time: the note's `with lock:`.
#[decor::synchronized]
fn write_line_locked(file: &File, line: &str) -> io::Result<()> {
    write_line(file, line)
}

/// The note's `write_to_file(num)` without a lock, submitted to 5 workers.
#[decor::spawn(threads = 5)]
fn write_to_file(num: u32, file: Arc<File>) -> io::Result<()> {
    let content = format!(
        "Thread-{num}: {}",
        llm_api_result(num).map_err(io::Error::other)?
    );
    write_line(&file, &content)
}

/// The same with the write under the lock. The API call stays outside it,
/// so the 10 calls still overlap.
#[decor::spawn(threads = 5)]
fn write_to_file_locked(num: u32, file: Arc<File>) -> io::Result<()> {
    let content = format!(
        "Thread-{num}: {}",
        llm_api_result(num).map_err(io::Error::other)?
    );
    write_line_locked(&file, &content)
}

fn fresh_file(path: &Path) -> io::Result<Arc<File>> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    Ok(Arc::new(file))
}

/// What went wrong in one output file.
struct Check {
    lines: usize,
    corrupt: Vec<String>,
    missing: Vec<u32>,
    /// The intact lines' answers, in file order.
    order: Vec<usize>,
}

fn check(path: &Path) -> io::Result<Check> {
    let text = std::fs::read_to_string(path)?;
    let expected: Vec<String> = (0..CALLS)
        .map(|num| format!("Thread-{num}: {}", format!("{num}").repeat(100)))
        .collect();
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let mut corrupt = Vec::new();
    for line in text.lines() {
        match expected.iter().position(|e| e == line) {
            Some(num) => {
                seen.insert(num);
                order.push(num);
            }
            None => corrupt.push(line.to_owned()),
        }
    }
    Ok(Check {
        lines: text.lines().count(),
        corrupt,
        missing: (0..CALLS)
            .filter(|&n| !seen.contains(&(n as usize)))
            .collect(),
        order,
    })
}

fn shorten(line: &str) -> String {
    const KEEP: usize = 60;
    if line.is_empty() {
        "(an empty line)".to_owned()
    } else if line.len() <= KEEP {
        line.to_owned()
    } else {
        format!("{}... ({} bytes)", &line[..KEEP], line.len())
    }
}

fn run(
    label: &str,
    path: &Path,
    submit: fn(u32, Arc<File>) -> decor::Task<io::Result<()>>,
) -> io::Result<Check> {
    let file = fresh_file(path)?;
    let started = Instant::now();
    let tasks = (0..CALLS).map(|num| submit(num, file.clone()));
    for result in decor::join_all(tasks) {
        result.expect("the writer does not panic")?;
    }
    let elapsed = started.elapsed();
    let check = check(path)?;
    println!("{label}: {elapsed:.2?}, {}", path.display());
    println!(
        "  {} lines read back: {} corrupt; {} of {CALLS} answers have no intact line",
        check.lines,
        check.corrupt.len(),
        check.missing.len(),
    );
    for line in check.corrupt.iter().take(3) {
        println!("  corrupt: {}", shorten(line));
    }
    if check.corrupt.len() > 3 {
        println!("  ... and {} more", check.corrupt.len() - 3);
    }
    if !check.missing.is_empty() {
        println!("  no intact line for answers {:?}", check.missing);
    }
    if check.order.len() > 1 {
        println!(
            "  intact lines in file order: {:?} (calls finish in any order)",
            check.order
        );
    }
    Ok(check)
}

#[decor::main(report)]
fn main() -> io::Result<()> {
    println!("llm_writer: the note sent 10 slow LLM calls to 5 threads that all appended to");
    println!("one file, without and with threading.Lock; here #[decor::spawn(threads = 5)]");
    println!("without and with #[decor::synchronized] on the writer.\n");

    let dir = std::env::temp_dir();
    let unlocked_path: PathBuf = dir.join("decor-output-without-lock.txt");
    let locked_path: PathBuf = dir.join("decor-output-with-lock.txt");

    let unlocked = run("without a lock", &unlocked_path, write_to_file)?;
    let locked = run(
        "with #[decor::synchronized]",
        &locked_path,
        write_to_file_locked,
    )?;

    assert!(
        locked.corrupt.is_empty() && locked.missing.is_empty() && locked.lines == CALLS as usize,
        "the locked run must write every line intact"
    );
    let wrong = unlocked.corrupt.len() + unlocked.missing.len();
    println!();
    if wrong == 0 {
        println!("This time the unlocked run got nothing wrong: its pieces happened not to");
        println!("interleave. Run it again; the race is real but not certain.");
    } else {
        println!(
            "Without the lock, {} line(s) came out corrupt and {} of {CALLS} answers have no",
            unlocked.corrupt.len(),
            unlocked.missing.len()
        );
        println!("intact line; with #[decor::synchronized], all {CALLS} lines are intact.");
    }
    let retries = decor::timers::get(concat!(module_path!(), "::llm_api_result"))
        .map_or(0, |stats| stats.retries());
    println!("Both runs took about 2 x 200 ms, plus retries and waits: the lock covers the write,");
    println!("not the API call. The API answered 503 {retries} time(s); #[retry] asked again");
    println!("each time (the WARN lines above), so every line was written.");
    assert!(retries > 0, "one request in three fails at first");
    let quota = decor::rate_limits::get("llm-api").expect("called").stats();
    println!(
        "The quota let {} calls through; {} waited for their turn (bursts of 5, then 10/s).",
        quota.admitted(),
        quota.waited()
    );
    println!("The timer table follows on stderr (#[decor::main(report)]):");
    Ok(())
}
