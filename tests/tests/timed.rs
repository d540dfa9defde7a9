//! What `#[timed]` records: calls and outcomes on every exit path, and the
//! events it emits. Each test times its own functions, so the counts of one
//! test never see another's calls.

mod common;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use common::{block_on, capture, line_with};
use decor::timed;
use decor::timers::{self, TimerStats};

fn stats(function: &str) -> TimerStats {
    timers::get(&format!("timed::{function}"))
        .unwrap_or_else(|| panic!("{function} was never timed"))
}

/// (calls, errors, panics, cancelled)
fn counts(function: &str) -> (u64, u64, u64, u64) {
    let s = stats(function);
    (s.calls(), s.errors(), s.panics(), s.cancelled())
}

#[timed]
fn parse_number(text: &str) -> Result<u32, std::num::ParseIntError> {
    if text == "none" {
        return Ok(0);
    }
    let number: u32 = text.trim().parse()?;
    Ok(number * 2)
}

#[test]
fn ok_err_early_return_and_question_mark_are_classified() {
    assert_eq!(parse_number("21"), Ok(42));
    assert_eq!(parse_number("none"), Ok(0));
    assert!(parse_number("x").is_err());
    assert!(parse_number("").is_err());
    assert_eq!(counts("parse_number"), (4, 2, 0, 0));
}

/// A return type that cannot be named in the body (`impl Trait` inside):
/// the guard cannot know it is a `Result`, so it watches each `?` instead.
#[timed]
fn opaque_ok(text: &str) -> Result<impl std::fmt::Debug, std::num::ParseIntError> {
    let number: u32 = text.parse()?;
    Ok(number)
}

#[test]
fn question_mark_errors_count_under_an_opaque_return_type() {
    assert!(opaque_ok("7").is_ok());
    assert!(opaque_ok("seven").is_err());
    assert!(opaque_ok("").is_err());
    assert_eq!(counts("opaque_ok"), (3, 2, 0, 0));
}

#[timed]
fn early_err(flag: bool) -> Result<(), String> {
    if flag {
        return Err("flag".to_owned());
    }
    Ok(())
}

#[test]
fn an_explicit_return_of_err_is_an_error() {
    early_err(true).unwrap_err();
    early_err(false).unwrap();
    assert_eq!(counts("early_err"), (2, 1, 0, 0));
}

type IoResult<T> = std::io::Result<T>;

#[timed]
fn through_alias(fail: bool) -> IoResult<u8> {
    if fail {
        Err(std::io::Error::other("no"))
    } else {
        Ok(1)
    }
}

#[test]
fn result_aliases_count_errors_without_the_type_being_parsed() {
    through_alias(true).unwrap_err();
    through_alias(false).unwrap();
    through_alias(true).unwrap_err();
    assert_eq!(counts("through_alias"), (3, 2, 0, 0));
}

macro_rules! bail {
    ($msg:expr) => {
        return Err($msg.to_string())
    };
}

#[timed]
fn bails_inside_a_macro(fail: bool) -> Result<u8, String> {
    if fail {
        bail!("hidden return");
    }
    Ok(7)
}

#[test]
fn an_err_returned_from_inside_a_macro_is_still_an_error() {
    bails_inside_a_macro(true).unwrap_err();
    assert_eq!(bails_inside_a_macro(false), Ok(7));
    assert_eq!(counts("bails_inside_a_macro"), (2, 1, 0, 0));
}

#[timed]
fn first_even(values: &[u32]) -> Option<u32> {
    let first = values.first()?;
    Some(first * 2)
}

#[test]
fn none_is_not_an_error() {
    assert_eq!(first_even(&[]), None);
    assert_eq!(first_even(&[2]), Some(4));
    assert_eq!(counts("first_even"), (2, 0, 0, 0));
}

#[timed]
fn explode(really: bool) -> u8 {
    if really {
        panic!("boom");
    }
    1
}

#[test]
fn panics_are_counted_and_keep_unwinding() {
    let caught = catch_unwind(|| explode(true));
    assert_eq!(
        caught.unwrap_err().downcast_ref::<&str>(),
        Some(&"boom"),
        "the original payload reaches the caller"
    );
    assert_eq!(explode(false), 1);
    assert_eq!(counts("explode"), (2, 0, 1, 0));
}

#[timed]
fn sleeps(millis: u64) {
    std::thread::sleep(std::time::Duration::from_millis(millis));
}

#[test]
fn durations_are_recorded_and_ordered() {
    sleeps(1);
    sleeps(5);
    let s = stats("sleeps");
    assert_eq!(s.calls(), 2);
    assert!(s.min() >= std::time::Duration::from_millis(1), "{s:?}");
    assert!(s.max() >= std::time::Duration::from_millis(5), "{s:?}");
    assert!(s.min() <= s.percentile(50.0) && s.percentile(50.0) <= s.max());
    assert_eq!(
        s.total(),
        s.min() + s.max(),
        "two calls: the total is exact"
    );
}

struct Buffer {
    items: Vec<u8>,
}

impl Buffer {
    #[timed]
    fn items_mut(&mut self) -> &mut Vec<u8> {
        &mut self.items
    }

    #[timed]
    #[track_caller]
    fn caller_line(&self) -> u32 {
        std::panic::Location::caller().line()
    }
}

#[test]
fn methods_keep_borrows_and_track_caller() {
    let mut buffer = Buffer { items: vec![] };
    buffer.items_mut().push(3);
    buffer.items_mut().push(4);
    assert_eq!(buffer.items, [3, 4]);
    let line = line!() + 1;
    let reported = buffer.caller_line();
    assert_eq!(
        reported, line,
        "#[track_caller] sees the caller through #[timed]"
    );
    assert_eq!(counts("items_mut"), (2, 0, 0, 0));
    assert_eq!(counts("caller_line"), (1, 0, 0, 0));
}

#[timed(name = "custom.name")]
fn renamed() {}

#[test]
fn name_option_sets_the_reported_name() {
    renamed();
    renamed();
    assert_eq!(timers::get("custom.name").unwrap().calls(), 2);
    assert!(timers::get("timed::renamed").is_none());
}

#[timed]
fn generic<T: Clone>(value: &T) -> T {
    value.clone()
}

#[test]
fn generic_instances_share_one_timer() {
    assert_eq!(generic(&1u8), 1);
    assert_eq!(generic(&"a"), "a");
    assert_eq!(counts("generic"), (2, 0, 0, 0));
}

#[timed]
async fn fetch(fail: bool) -> Result<u32, String> {
    Yield::default().await;
    if fail {
        return Err("down".into());
    }
    Ok(5)
}

#[timed]
async fn async_panics() -> u8 {
    Yield::default().await;
    panic!("async boom")
}

/// Pending once, then ready: lets a test drop a future mid-way.
#[derive(Default)]
struct Yield(bool);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

#[test]
fn async_outcomes_including_cancellation() {
    assert_eq!(block_on(fetch(false)), Ok(5));
    assert_eq!(block_on(fetch(true)), Err("down".into()));
    {
        let mut future = pin!(fetch(false));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
        // dropped here, half way
    }
    // A future never polled was never called.
    drop(fetch(false));
    assert_eq!(counts("fetch"), (3, 1, 0, 1));
    // The report shows the cancelled call in its own column.
    let report = timers::report().to_string();
    let heading: Vec<&str> = report.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        &heading[..5],
        ["function", "calls", "errors", "panics", "cancelled"]
    );
    let row = report
        .lines()
        .find(|line| line.starts_with("timed::fetch "))
        .unwrap_or_else(|| panic!("no row for fetch:\n{report}"));
    let row: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&row[1..5], ["3", "1", "0", "1"], "{report}");

    let caught = catch_unwind(AssertUnwindSafe(|| block_on(async_panics())));
    assert!(caught.is_err());
    assert_eq!(counts("async_panics"), (1, 0, 1, 0));
}

#[timed(level = info)]
fn noisy(fail: bool) -> Result<(), ()> {
    if fail {
        Err(())
    } else {
        Ok(())
    }
}

#[timed(level = off, warn_over = "1ms")]
fn slow_but_quiet(millis: u64) {
    std::thread::sleep(std::time::Duration::from_millis(millis));
}

#[test]
fn events_carry_function_elapsed_and_outcome() {
    let ((), lines) = capture(|| {
        noisy(false).unwrap();
        noisy(true).unwrap_err();
    });
    assert_eq!(lines.len(), 2, "{lines:#?}");
    let ok = line_with(&lines, &["function=\"timed::noisy\"", "outcome=\"ok\""]);
    assert!(ok.contains("INFO") && ok.contains("elapsed="), "{ok}");
    line_with(&lines, &["INFO", "outcome=\"err\""]);
}

#[test]
fn warn_over_flags_slow_calls_even_with_the_per_call_event_off() {
    let ((), lines) = capture(|| {
        slow_but_quiet(0);
        slow_but_quiet(3);
    });
    assert_eq!(lines.len(), 1, "only the slow call is reported: {lines:#?}");
    let warn = line_with(&lines, &["WARN", "slow call"]);
    assert!(
        warn.contains("function=\"timed::slow_but_quiet\""),
        "{warn}"
    );
    assert!(warn.contains("limit=1ms"), "{warn}");
    assert_eq!(counts("slow_but_quiet"), (2, 0, 0, 0));
}

#[test]
fn report_lists_timed_functions_with_their_counts() {
    parse_number("1").unwrap();
    let report = timers::report();
    let text = report.to_string();
    let header = text.lines().next().unwrap();
    for column in [
        "function", "calls", "errors", "panics", "total", "mean", "p50", "p90", "p99", "max",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert!(
        text.lines()
            .any(|line| line.starts_with("timed::parse_number")),
        "{text}"
    );
    let totals: Vec<_> = report.rows().iter().map(TimerStats::total).collect();
    assert!(
        totals.windows(2).all(|pair| pair[0] >= pair[1]),
        "sorted by total, descending"
    );
}

#[test]
fn concurrent_calls_lose_no_counts() {
    #[timed(name = "timed::concurrent")]
    fn tick(i: u32) -> Result<u32, u32> {
        if i.is_multiple_of(10) {
            Err(i)
        } else {
            Ok(i)
        }
    }
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for i in 0..10_000 {
                    let _ = tick(i);
                }
            });
        }
    });
    assert_eq!(counts("concurrent"), (40_000, 4_000, 0, 0));
}

macro_rules! ok_of {
    { $value:expr } => { Ok($value) };
}

#[timed]
fn braced_macro_tail(value: u8) -> Result<u8, String> {
    ok_of! { value }
}

macro_rules! timed_at {
    ($level:expr) => {
        #[timed(level = $level, name = "timed::through_macro_rules")]
        fn through_macro_rules() {}
    };
}
timed_at!(info);

#[test]
fn a_braced_macro_in_tail_position_is_the_return_value() {
    assert_eq!(braced_macro_tail(3), Ok(3));
    assert_eq!(counts("braced_macro_tail"), (1, 0, 0, 0));
}

#[test]
fn options_passed_through_macro_rules_fragments() {
    let ((), lines) = capture(through_macro_rules);
    line_with(&lines, &["INFO", "function=\"timed::through_macro_rules\""]);
}
