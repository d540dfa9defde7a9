//! The machinery of `benches/scaling.rs`: timing one point of a sweep (every
//! variant interleaved, medians), running the Python peers
//! (`bench/scaling_peers.py`), and writing the results (`target/scaling.json`,
//! markdown tables, the marked section of `BENCHMARKS.md`).
//!
//! A point's variants each get a batch size first (calls per sample, doubled
//! until a sample takes [`Budget::sample`]), then rounds of one sample per
//! variant in rotating order ([`crate::rotating_rounds`]) until the point's
//! time budget is spent, with a floor and a cap on the rounds. What a point
//! reports is each variant's median time per call and, for each pair that
//! matters, the median of the per-round ratios: variants measured under the
//! same load on a shared machine.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::{median, median_ratio, rotating_rounds};

/// How long a sweep point may take and how finely it is sampled.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Budget {
    /// The shortest sample: a variant's batch doubles until one takes this.
    pub sample: Duration,
    /// Rounds stop once the point has taken this long (and has
    /// [`Budget::min_rounds`]).
    pub point: Duration,
    /// Rounds run whatever the time: enough for a median.
    pub min_rounds: usize,
    /// Rounds stop here even when the point is fast.
    pub max_rounds: usize,
}

/// One variant of a point: its name (a key of the JSON) and a function that
/// makes `batch` calls and returns how long they took. Setting up (copying
/// inputs, checking outputs) stays outside the returned time.
pub type Variant<'a> = (&'a str, &'a dyn Fn(u32) -> Duration);

/// What one variant measured at one point.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cell {
    /// Median time per call, nanoseconds.
    pub ns: f64,
    /// Samples (rounds) behind the median.
    pub rounds: usize,
    /// Calls per sample.
    pub batch: u64,
}

/// Every variant's cell at one point, by name, and its per-round times (ns
/// per call), kept for the ratios.
pub struct Measured {
    /// The cells, by variant name.
    pub cells: BTreeMap<String, Cell>,
    times: BTreeMap<String, Vec<f64>>,
}

impl Measured {
    /// The median of the per-round ratios of `variant` to `peer`; `None` when
    /// either was not measured here.
    pub fn ratio(&self, variant: &str, peer: &str) -> Option<f64> {
        Some(median_ratio(
            self.times.get(variant)?,
            self.times.get(peer)?,
        ))
    }
}

/// Warms every variant (two unmeasured calls: pools start here), gives each
/// a batch size, then times rounds as the budget says.
pub fn measure(variants: &[Variant<'_>], budget: &Budget) -> Measured {
    let batches: Vec<u32> = variants
        .iter()
        .map(|(_, run)| {
            run(1);
            run(1);
            let mut batch = 1u32;
            while batch < 1 << 20 && run(batch) < budget.sample {
                batch *= 2;
            }
            batch
        })
        .collect();
    let times = rotating_rounds(
        variants.len(),
        |round, elapsed| {
            round < budget.min_rounds || (round < budget.max_rounds && elapsed < budget.point)
        },
        |i| (variants[i].1)(batches[i]).as_secs_f64() * 1e9 / f64::from(batches[i]),
    );
    let mut measured = Measured {
        cells: BTreeMap::new(),
        times: BTreeMap::new(),
    };
    for (((name, _), batch), times) in variants.iter().zip(batches).zip(times) {
        let cell = Cell {
            ns: median(&times),
            rounds: times.len(),
            batch: batch.into(),
        };
        measured.cells.insert((*name).to_owned(), cell);
        measured.times.insert((*name).to_owned(), times);
    }
    measured
}

/// Times `batch` calls of `call`: the `run` of most [`Variant`]s.
pub fn time_calls(batch: u32, mut call: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        call();
    }
    start.elapsed()
}

/// One row of a sweep: the size and what every variant measured there.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// Elements, tasks or bytes.
    pub size: u64,
    /// Median time per call, by variant; Python's under `python_*` keys.
    pub cells: BTreeMap<String, Cell>,
    /// Ratios by `"variant/peer"`: medians of per-round ratios for Rust
    /// pairs (same rounds); a ratio of medians for a Python peer (another
    /// process, run right after the Rust rounds of the same point).
    pub ratios: BTreeMap<String, f64>,
}

/// One sweep's rows and what its sizes count.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// `elements`, `tasks` or `payloads`.
    pub name: String,
    /// What `Row::size` counts.
    pub size_unit: String,
    /// The rows, smallest size first.
    pub rows: Vec<Row>,
}

/// Everything one run measured: `target/scaling.json`, read by
/// `bench/plot_scaling.py`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub date: String,
    /// CPU model, core count, load average at the start.
    pub machine: String,
    /// `git describe`-like: the short hash, `-dirty` with local changes.
    pub revision: String,
    /// The command that reproduces the run.
    pub command: String,
    /// The budget of each point.
    pub budget: Budget,
    /// The sweeps run.
    pub sweeps: Vec<Sweep>,
}

/// The Python peers' figures for one point, by variant name; `None` when
/// `python3` is missing or the script failed (said on stderr).
pub fn python_point(script: &Path, sweep: &str, size: u64, budget: &Budget) -> Option<PythonCells> {
    let output = Command::new("python3")
        .arg(script)
        .args(["--sweep", sweep, "--size", &size.to_string()])
        .args(["--sample-ms", &budget.sample.as_millis().to_string()])
        .args(["--budget-ms", &budget.point.as_millis().to_string()])
        .args(["--min-rounds", &budget.min_rounds.to_string()])
        .args(["--max-rounds", &budget.max_rounds.to_string()])
        .stderr(Stdio::inherit())
        .output();
    let output = match output {
        Ok(output) => output,
        Err(error) => {
            eprintln!("!!! python3 could not run ({error}): the Python cells stay empty !!!");
            return None;
        }
    };
    if !output.status.success() {
        eprintln!(
            "!!! {} --sweep {sweep} --size {size} failed ({}): its cells stay empty !!!",
            script.display(),
            output.status
        );
        return None;
    }
    match serde_json::from_slice(&output.stdout) {
        Ok(cells) => Some(cells),
        Err(error) => {
            eprintln!("!!! the Python peers printed no JSON I can read ({error}) !!!");
            None
        }
    }
}

/// What `scaling_peers.py` prints: a cell per variant.
pub type PythonCells = BTreeMap<String, Cell>;

/// A time in the unit that keeps three significant digits readable.
pub fn duration(ns: f64) -> String {
    if !ns.is_finite() {
        return String::new();
    }
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {unit}")
}

/// A ratio as `1.23x` (`9918x` when large, `0.0026x` when small: two
/// significant digits at least), or nothing when it was not measured.
pub fn ratio(value: Option<f64>) -> String {
    value
        .filter(|v| v.is_finite())
        .map_or_else(String::new, |v| {
            let decimals = if v >= 100.0 {
                0
            } else if v >= 0.1 || v <= 0.0 {
                2
            } else {
                // 0.0x..: enough places for two significant digits.
                (1 - v.log10().floor() as i32) as usize
            };
            format!("{v:.decimals$}x")
        })
}

/// A count with thousands separators.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `64 MiB`, `1 KiB`, `0 B`: a payload size.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 && n.is_multiple_of(1 << 20) => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n.is_multiple_of(1 << 10) => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

/// A markdown table: the header row, the alignment row (first column left,
/// the rest right) and the rows.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|---|", header.join(" | "));
    out.push_str(&"--:|".repeat(header.len().saturating_sub(1)));
    out.push('\n');
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// The CPU model and how many there are, from `/proc/cpuinfo`, and the load
/// average now.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let models: Vec<&str> = cpuinfo
        .lines()
        .filter_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).trim())
        .collect();
    let model = models.first().copied().unwrap_or("unknown CPU");
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!(
        "{} x {model}, load average {}",
        models.len(),
        load.join(" ")
    )
}

/// The checkout's short revision, `-dirty` if it has local changes,
/// `unknown` without git.
pub fn revision(repo: &Path) -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(args)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    let Some(hash) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown".to_owned();
    };
    match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if !changes.is_empty() => format!("{hash}-dirty"),
        _ => hash,
    }
}

/// Now, UTC, as `YYYY-MM-DD HH:MM` (from the system clock, no time crate).
pub fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The marker lines around the generated section of `BENCHMARKS.md`.
pub const BEGIN: &str = "<!-- scaling:begin -->";
/// See [`BEGIN`].
pub const END: &str = "<!-- scaling:end -->";

/// `doc` with what lies between the [`BEGIN`] and [`END`] lines replaced
/// by `body`; `None` when the markers are missing or out of order.
pub fn replace_section(doc: &str, body: &str) -> Option<String> {
    let begin = doc.find(BEGIN)? + BEGIN.len();
    let end = begin + doc[begin..].find(END)?;
    let body = body.trim_matches('\n');
    Some(format!("{}\n{body}\n{}", &doc[..begin], &doc[end..]))
}

/// Rewrites the marked section of the file at `path` with `body`.
pub fn write_section(path: &Path, body: &str) -> std::io::Result<()> {
    let doc = std::fs::read_to_string(path)?;
    let Some(new) = replace_section(&doc, body) else {
        return Err(std::io::Error::other(format!(
            "{} has no `{BEGIN}` ... `{END}` lines",
            path.display()
        )));
    };
    std::fs::write(path, new)
}

/// Writes `report` as pretty JSON to `path`, creating its directory.
pub fn write_json(path: &Path, report: &Report) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::File::create(path)?;
    serde_json::to_writer_pretty(&mut file, report).map_err(std::io::Error::other)?;
    file.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_between_markers_is_replaced() {
        let doc = format!("intro\n{BEGIN}\nold\ntable\n{END}\nafter\n");
        let new = replace_section(&doc, "\nnew\n").expect("markers");
        assert_eq!(new, format!("intro\n{BEGIN}\nnew\n{END}\nafter\n"));
        // Rewriting is idempotent.
        assert_eq!(replace_section(&new, "new"), Some(new.clone()));
    }

    #[test]
    fn missing_or_reversed_markers_are_refused() {
        assert_eq!(replace_section("no markers", "x"), None);
        assert_eq!(replace_section(&format!("{END}\n{BEGIN}\n"), "x"), None);
    }

    #[test]
    fn sizes_and_times_read_well() {
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(100), "100");
        assert_eq!(bytes(64 << 20), "64 MiB");
        assert_eq!(bytes(1024), "1 KiB");
        assert_eq!(bytes(0), "0 B");
        assert_eq!(duration(1_234.0), "1.23 µs");
        assert_eq!(duration(25_000_000.0), "25.0 ms");
        assert_eq!(duration(f64::NAN), "");
        assert_eq!(ratio(Some(0.5)), "0.50x");
        assert_eq!(ratio(Some(0.002_61)), "0.0026x");
        assert_eq!(ratio(Some(0.016)), "0.016x");
        assert_eq!(ratio(Some(9917.5)), "9918x");
        assert_eq!(ratio(None), "");
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        // 2026-12-02 is day 20,789.
        assert_eq!(civil_from_days(20_789), (2026, 12, 2));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn a_point_reports_every_variant() {
        let fast = |batch: u32| time_calls(batch, || std::hint::black_box(()));
        let budget = Budget {
            sample: Duration::from_micros(10),
            point: Duration::ZERO,
            min_rounds: 3,
            max_rounds: 3,
        };
        let measured = measure(&[("a", &fast), ("b", &fast)], &budget);
        assert_eq!(measured.cells.len(), 2);
        assert!(measured.cells.values().all(|cell| cell.rounds == 3));
        assert!(measured.ratio("a", "b").is_some());
        assert!(measured.ratio("a", "missing").is_none());
    }
}
