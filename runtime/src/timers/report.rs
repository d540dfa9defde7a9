//! [`Report`]: the timer table `#[decor::main(report)]` prints at exit.

use std::fmt;
use std::time::Duration;

use super::TimerStats;

/// Every timed function's statistics as a table, slowest total first.
///
/// Its `Display` is the table; the rows are also there to read. `calls`
/// counts every call, whatever its outcome; `errors`, `panics` and
/// `cancelled` (an `async fn` whose future was dropped before it finished)
/// count how many of them ended so. A cancelled call's time, up to the
/// drop, is in `total`, `mean` and the percentiles like any other's.
///
/// ```
/// #[decor::timed]
/// fn step() {}
///
/// step();
/// let report = decor::timers::report();
/// let text = report.to_string();
/// assert!(text.starts_with("function"));
/// assert!(text.contains("::step"));
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    rows: Vec<TimerStats>,
}

impl Report {
    /// Builds the table from a snapshot, leaving out functions with no calls.
    pub fn new(mut rows: Vec<TimerStats>) -> Report {
        rows.retain(|row| row.calls() > 0);
        rows.sort_by(|a, b| {
            b.total()
                .cmp(&a.total())
                .then_with(|| a.name().cmp(b.name()))
        });
        Report { rows }
    }

    /// The rows, slowest total first.
    pub fn rows(&self) -> &[TimerStats] {
        &self.rows
    }

    /// No function has been called.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

const HEADINGS: [&str; 11] = [
    "function",
    "calls",
    "errors",
    "panics",
    "cancelled",
    "total",
    "mean",
    "p50",
    "p90",
    "p99",
    "max",
];

/// Columns shown only when some row has a count in them: what
/// `#[retry]`, `#[cache]` and `#[rate_limit]` did during the timed calls.
const NOTED: [&str; 3] = ["retries", "misses", "waits"];

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let noted: Vec<usize> = (0..NOTED.len())
            .filter(|&which| self.rows.iter().any(|row| row.noted[which] > 0))
            .collect();
        let mut headings: Vec<&str> = HEADINGS.to_vec();
        headings.extend(noted.iter().map(|&which| NOTED[which]));
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                let mut cells = vec![
                    row.name().to_owned(),
                    row.calls().to_string(),
                    row.errors().to_string(),
                    row.panics().to_string(),
                    row.cancelled().to_string(),
                    human(row.total()),
                    human(row.mean()),
                    human(row.percentile(50.0)),
                    human(row.percentile(90.0)),
                    human(row.percentile(99.0)),
                    human(row.max()),
                ];
                cells.extend(noted.iter().map(|&which| row.noted[which].to_string()));
                cells
            })
            .collect();
        let mut widths: Vec<usize> = headings.iter().map(|heading| heading.len()).collect();
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, row: &[&str]| -> fmt::Result {
            for (column, (cell, width)) in row.iter().zip(&widths).enumerate() {
                if column == 0 {
                    write!(f, "{cell:<width$}")?;
                } else {
                    write!(f, "  {cell:>width$}")?;
                }
            }
            writeln!(f)
        };
        line(f, &headings)?;
        if cells.is_empty() {
            return writeln!(f, "(no timed calls)");
        }
        for row in &cells {
            let row: Vec<&str> = row.iter().map(String::as_str).collect();
            line(f, &row)?;
        }
        Ok(())
    }
}

/// A duration in the largest unit that keeps it at or above 1, with three
/// significant figures: `812ns`, `4.20µs`, `13.1ms`, `2.50s`.
pub(crate) fn human(duration: Duration) -> String {
    let nanos = duration.as_nanos() as f64;
    let (value, unit) = if nanos < 1e3 {
        return format!("{}ns", duration.as_nanos());
    } else if nanos < 1e6 {
        (nanos / 1e3, "µs")
    } else if nanos < 1e9 {
        (nanos / 1e6, "ms")
    } else {
        (nanos / 1e9, "s")
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$}{unit}")
}

#[cfg(test)]
mod tests {
    use super::human;
    use std::time::Duration;

    #[test]
    fn human_durations_pick_a_unit_and_three_figures() {
        assert_eq!(human(Duration::from_nanos(812)), "812ns");
        assert_eq!(human(Duration::from_nanos(4_200)), "4.20µs");
        assert_eq!(human(Duration::from_micros(13_120)), "13.1ms");
        assert_eq!(human(Duration::from_millis(2_500)), "2.50s");
        assert_eq!(human(Duration::from_secs(250)), "250s");
    }
}
