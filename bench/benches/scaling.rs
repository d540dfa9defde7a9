//! How decor scales, beside its peers, in one run: three sweeps of sizes,
//! every variant of a size timed in interleaved rounds (medians, and the
//! median of per-round ratios to the peer), the Python peers right after the
//! Rust rounds of the same size (`bench/scaling_peers.py`).
//!
//! - `elements`: the sum of `n` `u64`s (`0..n`, built once per size, outside
//!   the timing), n = 10^2 .. 10^8: the serial loop, rayon
//!   `par_iter().sum()`, `#[decor::parallel]` (default pool) and
//!   `#[decor::parallel(processes = 2)]`; Python's `sum(list)` and
//!   `ProcessPoolExecutor(2)` summing the two halves, up to 10^7 only (10^8
//!   Python ints are 3 GB and minutes of pickling).
//! - `tasks`: `n` tiny tasks (`x * 3 + 1`), n = 1 .. 10^6, submitted, then
//!   collected in input order: `#[decor::spawn]` + `join` in order,
//!   `decor::as_completed` (placed by index), `rayon::ThreadPool::spawn` +
//!   one `std::sync::mpsc` channel (placed by index); Python's
//!   `ThreadPoolExecutor` up to 10^5 only (a run of 10^6 takes ~10 s).
//!   Reported per task.
//! - `payloads`: a `Vec<u8>` of 0 B .. 64 MiB echoed (sent, returned) through
//!   a warm pool of 2 processes: `#[decor::spawn(processes = 2)]`,
//!   `procspawn::Pool` of 2, a raw pipe to one child process (this binary
//!   re-executed with `--scaling-pipe-echo`: it reads a length and that many
//!   bytes, then writes them back; no encoding) and Python's
//!   `ProcessPoolExecutor(2)` echoing `bytes`. Reported as time per echo and
//!   MB/s (payload bytes / echo time).
//!
//! Thread pools have one thread per core (decor's default pool configured so,
//! rayon's built so). The whole sweep takes about 4 minutes on 2 cores.
//!
//! ```sh
//! cargo bench -p decor-bench --bench scaling                  # all sweeps, tables on stdout
//! cargo bench -p decor-bench --bench scaling -- --quick       # smoke run, small sizes, seconds
//! cargo bench -p decor-bench --bench scaling -- tasks         # sweeps whose name contains a word
//! DECOR_SCALING_WRITE=1 cargo bench -p decor-bench --bench scaling   # also rewrite BENCHMARKS.md
//! python3 bench/plot_scaling.py                               # docs/scaling.png from the JSON
//! ```
//!
//! `--quick` (or `DECOR_SCALING_QUICK=1`), `--write` (or
//! `DECOR_SCALING_WRITE=1`: the section between `<!-- scaling:begin -->`
//! and `<!-- scaling:end -->` in `BENCHMARKS.md`). The figures always go to
//! `target/scaling.json` (`DECOR_SCALING_JSON` to put them elsewhere).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use decor_bench::rayon_spawn_channel;
use decor_bench::scaling::{
    self, bytes, count, duration, measure, ratio, time_calls, Budget, Report, Row, Sweep, Variant,
};
use rayon::prelude::*;

/// The argument that makes this binary the raw pipe's echo child.
const PIPE_CHILD: &str = "--scaling-pipe-echo";

/// Python's cells are left empty above these sizes (see the module docs).
const PYTHON_MAX_ELEMENTS: u64 = 10_000_000;
const PYTHON_MAX_TASKS: u64 = 100_000;

/// A sum over chunks on decor's default thread pool.
#[decor::parallel(reduce = |a, b| a + b)]
fn decor_sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

/// A sum over chunks on a warm pool of 2 worker processes: each chunk is
/// sent to its worker, only the sum comes back.
#[decor::parallel(processes = 2, reduce = |a, b| a + b)]
fn decor_sum_processes(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

/// The tiny task of the `tasks` sweep, the same in every variant.
#[inline(never)]
fn tiny(x: u64) -> u64 {
    black_box(x).wrapping_mul(3).wrapping_add(1)
}

/// [`tiny`] on decor's default pool.
#[decor::spawn]
fn decor_tiny(x: u64) -> u64 {
    tiny(x)
}

/// The payload, back: on decor's pool of 2 worker processes.
#[decor::spawn(processes = 2)]
fn decor_echo(payload: Vec<u8>) -> Vec<u8> {
    payload
}

/// The payload, back: procspawn's side.
fn echo(payload: Vec<u8>) -> Vec<u8> {
    payload
}

fn main() {
    // Must come first: in a procspawn worker this runs the call and exits.
    procspawn::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|arg| arg == PIPE_CHILD) {
        pipe_echo_child();
        return;
    }
    let flag = |name: &str, env: &str| {
        args.iter().any(|arg| arg == name)
            || std::env::var(env).is_ok_and(|value| !value.is_empty() && value != "0")
    };
    let quick = flag("--quick", "DECOR_SCALING_QUICK");
    let write = flag("--write", "DECOR_SCALING_WRITE");
    // `cargo bench` passes `--bench`; any other word selects sweeps by name.
    let filters: Vec<&str> = args
        .iter()
        .filter(|arg| !arg.starts_with('-'))
        .map(String::as_str)
        .collect();
    let selected = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f));

    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is in the workspace")
        .to_path_buf();
    let budget = if quick {
        Budget {
            sample: Duration::from_millis(1),
            point: Duration::from_millis(100),
            min_rounds: 3,
            max_rounds: 5,
        }
    } else {
        Budget {
            sample: Duration::from_millis(5),
            point: Duration::from_millis(2500),
            min_rounds: 3,
            max_rounds: 50,
        }
    };
    let mut command = String::from("cargo bench -p decor-bench --bench scaling");
    if quick {
        command.push_str(" -- --quick");
    }
    let mut report = Report {
        date: scaling::utc_now(),
        machine: scaling::machine(),
        revision: scaling::revision(&root),
        command,
        budget,
        sweeps: Vec::new(),
    };
    println!(
        "scaling: {}, {}, revision {}{}\n",
        report.date,
        report.machine,
        report.revision,
        if quick { ", quick" } else { "" }
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    decor::pools::configure("default", cores).expect("the default pool is not started yet");
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(cores)
        .thread_name(|i| format!("rayon-peer-{i}"))
        .build()
        .expect("a rayon pool");
    let points = Points {
        script: root.join("bench/scaling_peers.py"),
        budget,
    };

    let started = Instant::now();
    let mut markdown = Vec::new();
    if selected("elements") {
        let sizes = powers_of_ten(2, if quick { 6 } else { 8 });
        let sweep = elements(&sizes, &rayon, &points);
        markdown.push(elements_table(&sweep));
        report.sweeps.push(sweep);
    }
    if selected("tasks") {
        let sizes = powers_of_ten(0, if quick { 4 } else { 6 });
        let sweep = tasks(&sizes, &rayon, &points);
        markdown.push(tasks_table(&sweep));
        report.sweeps.push(sweep);
    }
    if selected("payloads") {
        let mut sizes = vec![0, 1 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20];
        if quick {
            sizes.truncate(4);
        }
        let sweep = payloads(&sizes, &points);
        markdown.push(payloads_table(&sweep));
        report.sweeps.push(sweep);
    }
    let took = started.elapsed();
    println!("\nscaling: all sweeps in {:.0} s\n", took.as_secs_f64());
    for table in &markdown {
        println!("{table}");
    }

    let json = std::env::var_os("DECOR_SCALING_JSON")
        .map_or_else(|| root.join("target/scaling.json"), PathBuf::from);
    match scaling::write_json(&json, &report) {
        Ok(()) => println!("figures: {}", json.display()),
        Err(error) => eprintln!("could not write {}: {error}", json.display()),
    }
    if write {
        let section = section(&report, &markdown, took);
        let path = root.join("BENCHMARKS.md");
        match scaling::write_section(&path, &section) {
            Ok(()) => println!("rewrote the scaling section of {}", path.display()),
            Err(error) => {
                eprintln!("could not rewrite {}: {error}", path.display());
                std::process::exit(1);
            }
        }
    }
}

/// 10^from .. 10^to.
fn powers_of_ten(from: u32, to: u32) -> Vec<u64> {
    (from..=to).map(|e| 10u64.pow(e)).collect()
}

/// What a point compares: Rust pairs `(variant, peer)` (medians of
/// per-round ratios) and the pairs with a Python peer (ratios of medians),
/// Python run only up to `python_max`.
struct Pairs<'a> {
    rust: &'a [(&'a str, &'a str)],
    python: &'a [(&'a str, &'a str)],
    python_max: u64,
}

/// Measures the points of every sweep with one budget: the Rust variants,
/// then `bench/scaling_peers.py` for the same point.
struct Points {
    script: PathBuf,
    budget: Budget,
}

impl Points {
    /// One row of sweep `sweep` at `size`: the Rust variants' cells, Python's
    /// under `python_*` names, the ratios `pairs` asks for; printed to stderr
    /// as it finishes, for a run that is watched.
    fn row(&self, sweep: &str, size: u64, variants: &[Variant<'_>], pairs: &Pairs<'_>) -> Row {
        let measured = measure(variants, &self.budget);
        let mut ratios: BTreeMap<String, f64> = pairs
            .rust
            .iter()
            .filter_map(|(variant, peer)| {
                Some((format!("{variant}/{peer}"), measured.ratio(variant, peer)?))
            })
            .collect();
        let mut cells = measured.cells;
        let python = (size <= pairs.python_max)
            .then(|| scaling::python_point(&self.script, sweep, size, &self.budget))
            .flatten();
        for (name, cell) in python.unwrap_or_default() {
            cells.insert(format!("python_{name}"), cell);
        }
        for (variant, peer) in pairs.python {
            if let (Some(v), Some(p)) = (cells.get(*variant), cells.get(*peer)) {
                ratios.insert(format!("{variant}/{peer}"), v.ns / p.ns);
            }
        }
        let medians: Vec<String> = cells
            .iter()
            .map(|(name, cell)| {
                let median = duration(cell.ns);
                format!("{name} {median} ({}x{})", cell.rounds, cell.batch)
            })
            .collect();
        eprintln!("{sweep} {}: {}", count(size), medians.join(", "));
        Row {
            size,
            cells,
            ratios,
        }
    }
}

fn elements(sizes: &[u64], rayon: &rayon::ThreadPool, points: &Points) -> Sweep {
    let pairs = Pairs {
        rust: &[
            ("decor_parallel", "rayon_par_iter"),
            ("decor_parallel", "serial"),
            ("decor_parallel_processes_2", "serial"),
        ],
        python: &[("decor_parallel_processes_2", "python_processes_2")],
        python_max: PYTHON_MAX_ELEMENTS,
    };
    let rows = sizes.iter().map(|&n| {
        let data: Vec<u64> = (0..n).collect();
        let data = data.as_slice();
        let expected = n * n.saturating_sub(1) / 2;
        let check = |sum: u64| assert_eq!(sum, expected, "a sum of 0..{n}");
        let serial = |batch| time_calls(batch, || check(black_box(data).iter().sum()));
        let par_iter = |batch| {
            time_calls(batch, || {
                check(rayon.install(|| black_box(data).par_iter().sum()))
            })
        };
        let default = |batch| time_calls(batch, || check(decor_sum(black_box(data))));
        let processes = |batch| time_calls(batch, || check(decor_sum_processes(black_box(data))));
        let variants: [Variant<'_>; 4] = [
            ("serial", &serial),
            ("rayon_par_iter", &par_iter),
            ("decor_parallel", &default),
            ("decor_parallel_processes_2", &processes),
        ];
        points.row("elements", n, &variants, &pairs)
    });
    Sweep {
        name: "elements".into(),
        size_unit: "u64 elements".into(),
        rows: rows.collect(),
    }
}

/// `n` tasks on decor's pool, joined in input order.
fn decor_join(n: u64) -> Vec<u64> {
    let tasks: Vec<_> = (0..n).map(decor_tiny).collect();
    tasks
        .into_iter()
        .map(|task| task.join().expect("tiny does not panic"))
        .collect()
}

/// `n` tasks on decor's pool, taken as they finish and placed by index.
fn decor_as_completed(n: u64) -> Vec<u64> {
    let mut results = vec![0; n as usize];
    for (i, result) in decor::as_completed((0..n).map(decor_tiny).collect::<Vec<_>>()) {
        results[i] = result.expect("tiny does not panic");
    }
    results
}

fn tasks(sizes: &[u64], rayon: &rayon::ThreadPool, points: &Points) -> Sweep {
    let pairs = Pairs {
        rust: &[
            ("decor_spawn_join", "rayon_spawn_channel"),
            ("decor_as_completed", "rayon_spawn_channel"),
        ],
        python: &[("decor_spawn_join", "python_threads")],
        python_max: PYTHON_MAX_TASKS,
    };
    let rows = sizes.iter().map(|&n| {
        let expected: Vec<u64> = (0..n).map(tiny).collect();
        let check = |results: Vec<u64>| assert!(results == expected, "{n} tiny tasks");
        let join = |batch| time_calls(batch, || check(decor_join(black_box(n))));
        let completed = |batch| time_calls(batch, || check(decor_as_completed(black_box(n))));
        let channel = |batch| {
            time_calls(batch, || {
                check(rayon_spawn_channel(rayon, black_box(n), tiny))
            })
        };
        let variants: [Variant<'_>; 3] = [
            ("rayon_spawn_channel", &channel),
            ("decor_spawn_join", &join),
            ("decor_as_completed", &completed),
        ];
        points.row("tasks", n, &variants, &pairs)
    });
    Sweep {
        name: "tasks".into(),
        size_unit: "tasks".into(),
        rows: rows.collect(),
    }
}

/// The raw pipe's peer: one child process, this binary run with
/// [`PIPE_CHILD`], that sends back every message it gets.
struct PipeEcho {
    child: Child,
    /// `None` once closed.
    to: Option<BufWriter<ChildStdin>>,
    from: BufReader<ChildStdout>,
}

impl PipeEcho {
    fn start() -> PipeEcho {
        let mut child = Command::new(std::env::current_exe().expect("this binary's path"))
            .arg(PIPE_CHILD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the pipe's child starts");
        let to = child.stdin.take().map(BufWriter::new);
        let from = BufReader::new(child.stdout.take().expect("piped stdout"));
        PipeEcho { child, to, from }
    }

    /// Sends `payload` (its length, then its bytes) and reads it back (the
    /// same) into `back`: a round trip even for 0 bytes.
    fn echo(&mut self, payload: &[u8], back: &mut Vec<u8>) {
        let to = self.to.as_mut().expect("open until dropped");
        write_message(to, payload).expect("the child reads");
        read_message(&mut self.from, back).expect("the child writes back");
    }
}

/// A little-endian `u64` length, then the bytes; flushed.
fn write_message(to: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    to.write_all(&(bytes.len() as u64).to_le_bytes())?;
    to.write_all(bytes)?;
    to.flush()
}

/// What [`write_message`] wrote, into `buffer`.
fn read_message(from: &mut impl Read, buffer: &mut Vec<u8>) -> std::io::Result<()> {
    let mut len = [0u8; 8];
    from.read_exact(&mut len)?;
    let len = usize::try_from(u64::from_le_bytes(len)).map_err(std::io::Error::other)?;
    buffer.resize(len, 0);
    from.read_exact(buffer)
}

impl Drop for PipeEcho {
    fn drop(&mut self) {
        // Closing its stdin ends the child's loop; it exits on its own.
        self.to = None;
        let _ = self.child.wait();
    }
}

/// The raw pipe's child: read a message (a little-endian `u64` length and
/// that many bytes) from stdin and write it back to stdout, until stdin
/// closes.
fn pipe_echo_child() {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let mut buffer = Vec::new();
    while read_message(&mut input, &mut buffer).is_ok() {
        if write_message(&mut output, &buffer).is_err() {
            return;
        }
    }
}

fn payloads(sizes: &[u64], points: &Points) -> Sweep {
    let pairs = Pairs {
        rust: &[
            ("decor_processes_2", "procspawn_pool_2"),
            ("decor_processes_2", "raw_pipe"),
        ],
        python: &[("decor_processes_2", "python_processes_2")],
        python_max: u64::MAX,
    };
    let pool = procspawn::Pool::new(2).expect("procspawn starts its pool");
    let pipe = Mutex::new(PipeEcho::start());
    let rows = sizes.iter().map(|&size| {
        let payload: Vec<u8> = (0..size).map(|i| i as u8).collect();
        // Each call takes its own copy, made before the clock starts; the
        // echoes are checked and dropped after it stops.
        let echo_each = |batch: u32, call: &dyn Fn(Vec<u8>) -> Vec<u8>| {
            let inputs: Vec<Vec<u8>> = (0..batch).map(|_| payload.clone()).collect();
            let start = Instant::now();
            let outputs: Vec<Vec<u8>> = inputs.into_iter().map(call).collect();
            let took = start.elapsed();
            assert!(outputs.iter().all(|out| *out == payload), "an echo differs");
            took
        };
        let decor = |batch| echo_each(batch, &|v| decor_echo(v).join().expect("echo returns"));
        let procspawn = |batch| {
            echo_each(batch, &|v| {
                pool.spawn(v, echo).join().expect("echo returns")
            })
        };
        let raw = |batch| {
            let mut pipe = pipe.lock().expect("one user at a time");
            let mut back = Vec::new();
            let took = time_calls(batch, || pipe.echo(black_box(&payload), &mut back));
            assert!(back == payload, "the pipe's echo differs");
            took
        };
        let variants: [Variant<'_>; 3] = [
            ("raw_pipe", &raw),
            ("procspawn_pool_2", &procspawn),
            ("decor_processes_2", &decor),
        ];
        points.row("payloads", size, &variants, &pairs)
    });
    let rows = rows.collect();
    pool.shutdown();
    Sweep {
        name: "payloads".into(),
        size_unit: "bytes".into(),
        rows,
    }
}

/// What a table's column shows of a row.
enum Column<'a> {
    /// A variant's median time per call.
    Time(&'a str),
    /// A variant's median time per call divided by the row's size.
    PerItem(&'a str),
    /// A variant's median time per call and the row's size (bytes) per that
    /// time, in MB/s.
    Throughput(&'a str),
    /// A ratio by its `"variant/peer"` key.
    Ratio(&'a str),
}

impl Column<'_> {
    /// This column's cell for `row`; empty where nothing was measured.
    fn show(&self, row: &Row) -> String {
        let cell = |name: &str| row.cells.get(name).map(|cell| cell.ns);
        match *self {
            Column::Time(name) => cell(name).map_or_else(String::new, duration),
            Column::PerItem(name) => {
                cell(name).map_or_else(String::new, |ns| duration(ns / row.size.max(1) as f64))
            }
            Column::Throughput(name) => cell(name).map_or_else(String::new, |ns| {
                if row.size == 0 {
                    duration(ns)
                } else {
                    let mb_per_s = row.size as f64 / ns * 1e3;
                    format!("{} ({mb_per_s:.0} MB/s)", duration(ns))
                }
            }),
            Column::Ratio(key) => ratio(row.ratios.get(key).copied()),
        }
    }
}

/// A sweep as a caption and a markdown table: the size (`size` formats it)
/// under `first`, then one column per `(header, column)`.
fn sweep_table(
    sweep: &Sweep,
    caption: &str,
    first: &str,
    size: fn(u64) -> String,
    columns: &[(&str, Column<'_>)],
) -> String {
    let header: Vec<&str> = std::iter::once(first)
        .chain(columns.iter().map(|(header, _)| *header))
        .collect();
    let rows: Vec<Vec<String>> = sweep
        .rows
        .iter()
        .map(|row| {
            std::iter::once(size(row.size))
                .chain(columns.iter().map(|(_, column)| column.show(row)))
                .collect()
        })
        .collect();
    format!("{caption}\n\n{}", scaling::table(&header, &rows))
}

fn elements_table(sweep: &Sweep) -> String {
    use Column::{Ratio, Time};
    sweep_table(
        sweep,
        "Sum of `n` `u64`s, median time per sum (Python up to 10^7):",
        "n",
        count,
        &[
            ("serial loop", Time("serial")),
            ("rayon `par_iter`", Time("rayon_par_iter")),
            ("`#[parallel]`", Time("decor_parallel")),
            (
                "`#[parallel(processes = 2)]`",
                Time("decor_parallel_processes_2"),
            ),
            ("Python `sum`", Time("python_serial")),
            (
                "Python `ProcessPoolExecutor(2)`",
                Time("python_processes_2"),
            ),
            (
                "`#[parallel]` / rayon",
                Ratio("decor_parallel/rayon_par_iter"),
            ),
            ("`#[parallel]` / serial", Ratio("decor_parallel/serial")),
            (
                "processes / serial",
                Ratio("decor_parallel_processes_2/serial"),
            ),
            (
                "processes / Python processes",
                Ratio("decor_parallel_processes_2/python_processes_2"),
            ),
        ],
    )
}

fn tasks_table(sweep: &Sweep) -> String {
    use Column::{PerItem, Ratio};
    sweep_table(
        sweep,
        "`n` tiny tasks submitted, then collected, median time per task (Python up to 10^5):",
        "tasks",
        count,
        &[
            ("`#[spawn]` + `join`", PerItem("decor_spawn_join")),
            ("`as_completed`", PerItem("decor_as_completed")),
            ("rayon `spawn` + `mpsc`", PerItem("rayon_spawn_channel")),
            ("Python `ThreadPoolExecutor`", PerItem("python_threads")),
            (
                "`join` / rayon",
                Ratio("decor_spawn_join/rayon_spawn_channel"),
            ),
            (
                "`as_completed` / rayon",
                Ratio("decor_as_completed/rayon_spawn_channel"),
            ),
            ("`join` / Python", Ratio("decor_spawn_join/python_threads")),
        ],
    )
}

fn payloads_table(sweep: &Sweep) -> String {
    use Column::{Ratio, Throughput};
    sweep_table(
        sweep,
        "A `Vec<u8>` echoed through a warm pool of 2 processes, median time per echo \
         (MB/s: payload bytes / time):",
        "payload",
        bytes,
        &[
            ("`#[spawn(processes = 2)]`", Throughput("decor_processes_2")),
            ("procspawn `Pool` (2)", Throughput("procspawn_pool_2")),
            ("raw pipe, one child", Throughput("raw_pipe")),
            (
                "Python `ProcessPoolExecutor(2)`",
                Throughput("python_processes_2"),
            ),
            (
                "decor / procspawn",
                Ratio("decor_processes_2/procspawn_pool_2"),
            ),
            ("decor / raw pipe", Ratio("decor_processes_2/raw_pipe")),
            (
                "decor / Python",
                Ratio("decor_processes_2/python_processes_2"),
            ),
        ],
    )
}

/// The generated part of `BENCHMARKS.md`'s scaling section.
fn section(report: &Report, tables: &[String], took: Duration) -> String {
    let budget = &report.budget;
    format!(
        "Date: {}. Machine: {}. Revision: `{}`. The whole run took {:.0} s \
         (each point: rounds of every variant in rotating order, at least {} and at \
         most {} rounds or {:.1} s; samples of at least {} ms). Ratios of Rust \
         variants are medians of per-round ratios; ratios to Python are ratios of \
         medians (Python runs right after the Rust rounds of the same size).\n\n\
         ```sh\n{}\nDECOR_SCALING_WRITE=1 {command}   # rewrites this section\npython3 bench/plot_scaling.py   # docs/scaling.png\n```\n\n{}",
        report.date,
        report.machine,
        report.revision,
        took.as_secs_f64(),
        budget.min_rounds,
        budget.max_rounds,
        budget.point.as_secs_f64(),
        budget.sample.as_millis(),
        report.command,
        tables.join("\n"),
        command = report.command,
    )
}
