//! The HTML timeline, tested as a person would use it: the page
//! `decor::trace::timeline_html` writes is opened in headless Chromium, and
//! what it drew is read back from the DOM and from a screenshot.
//!
//! Without Chromium these tests print a SKIPPED line and pass, unless
//! `DECOR_REQUIRE_SERVERS=1` (as in CI) makes that a failure.

#[path = "common/browser.rs"]
mod browser;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use browser::{chromium, dump_dom, screenshot, Dom};
use serde_json::Value;

const FIXTURE: &str = include_str!("../fixtures/trace_sample.json");

/// Writes `json`'s timeline to a fresh file and returns its path.
fn page(name: &str, json: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trace_timeline");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.html"));
    std::fs::write(&path, decor::trace::timeline_html(json)).unwrap();
    path
}

/// The page for `json` as Chromium left it after its scripts ran.
fn rendered(name: &str, json: &str) -> Dom {
    let html = page(name, json);
    let dom = dump_dom(&html).unwrap_or_else(|e| panic!("{e}"));
    Dom::parse(&dom)
}

fn body(dom: &Dom) -> &browser::Element {
    dom.elements
        .iter()
        .find(|e| e.tag == "body")
        .expect("a body")
}

/// The fixture's drawable events: complete events and instants by their
/// lane, queue waits (async begin/end pairs) in their process's "queued"
/// lane; metadata and flow arrows are not drawn.
fn fixture_marks() -> Vec<(String, String)> {
    let trace: Value = serde_json::from_str(FIXTURE).unwrap();
    let mut marks = Vec::new();
    for event in trace["traceEvents"].as_array().unwrap() {
        let cat = event["cat"].as_str().unwrap_or_default().to_owned();
        let (pid, tid) = (&event["pid"], &event["tid"]);
        match event["ph"].as_str().unwrap() {
            "X" | "i" => marks.push((format!("{pid}:{tid}"), cat)),
            "b" => marks.push((format!("{pid}:queued"), cat)),
            _ => {}
        }
    }
    marks
}

fn count<'a>(items: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item.to_owned()).or_default() += 1;
    }
    counts
}

#[test]
fn the_fixture_draws_one_lane_per_thread_and_worker_and_every_bar() {
    if chromium().is_none() {
        return;
    }
    let dom = rendered("sample", FIXTURE);
    assert_eq!(
        dom.by_id("error").and_then(|e| e.attr("hidden")),
        Some(""),
        "no error shown"
    );
    let marks = fixture_marks();
    assert_eq!(
        body(&dom).attr("data-rendered"),
        Some(marks.len().to_string().as_str())
    );

    // Lanes, in order: the program's threads, its queue waits, then each
    // worker; labels are the thread_name metadata.
    let lanes: Vec<(&str, &str)> = dom
        .with_attr("data-lane")
        .map(|(_, e)| (e.attr("data-lane").unwrap(), e.attr("data-label").unwrap()))
        .collect();
    assert_eq!(
        lanes,
        [
            ("4242:1", "main"),
            ("4242:2", "decor-spawn-default-1"),
            ("4242:3", "decor-spawn-default-2"),
            ("4242:queued", "queued"),
            ("4250:1", "main"),
            ("4251:1", "main"),
        ]
    );
    let processes: Vec<&str> = dom
        .with_attr("data-process")
        .map(|(_, e)| e.attr("data-process").unwrap())
        .collect();
    assert_eq!(
        processes,
        ["main", "worker 1 (pid 4250)", "worker 2 (pid 4251)"]
    );

    // Bars: as many per category, and per lane, as the fixture has.
    let bars: Vec<(&str, &str)> = dom
        .with_attr("data-cat")
        .map(|(i, e)| {
            let lane = dom
                .ancestor_with(i, "data-lane")
                .expect("every bar is in a lane");
            (lane.attr("data-lane").unwrap(), e.attr("data-cat").unwrap())
        })
        .collect();
    let by_cat = count(bars.iter().map(|(_, cat)| *cat));
    assert_eq!(by_cat, count(marks.iter().map(|(_, cat)| cat.as_str())));
    assert_eq!(by_cat["process"], 12);
    assert_eq!(by_cat["queue"], 3);
    let by_lane = count(bars.iter().map(|(lane, _)| *lane));
    assert_eq!(by_lane, count(marks.iter().map(|(lane, _)| lane.as_str())));

    // The legend counts the same.
    let legend: BTreeMap<String, usize> = dom
        .with_attr("data-legend-cat")
        .map(|(_, e)| {
            let n = e.attr("data-count").unwrap().parse().unwrap();
            (e.attr("data-legend-cat").unwrap().to_owned(), n)
        })
        .collect();
    assert_eq!(legend, by_cat);

    // Every bar has a tooltip with its name, category and duration.
    let (crunch, _) = dom
        .with_attr("data-name")
        .find(|(_, e)| e.attr("data-name") == Some("app::crunch"))
        .unwrap();
    let tip = &dom
        .children(crunch, "title")
        .next()
        .expect("a <title>")
        .text;
    assert!(
        tip.starts_with("app::crunch\ncategory: process\nstart: 1.5 ms\nduration: 5 ms\n"),
        "{tip}"
    );
    assert!(tip.contains(r#""worker_pid":4250"#), "{tip}");
}

/// A bar's row and its rectangle's top edge, found by lane and name.
fn row_of(dom: &Dom, lane: &str, name: &str) -> (usize, f64) {
    let (index, bar) = dom
        .with_attr("data-name")
        .find(|(i, e)| {
            e.attr("data-name") == Some(name)
                && dom
                    .ancestor_with(*i, "data-lane")
                    .and_then(|l| l.attr("data-lane"))
                    == Some(lane)
        })
        .unwrap_or_else(|| panic!("no bar {name:?} in lane {lane}"));
    let row = bar.attr("data-row").unwrap().parse().unwrap();
    let rect = dom.children(index, "rect").next().expect("a bar's rect");
    (row, rect.attr("y").unwrap().parse().unwrap())
}

#[test]
fn children_draw_one_row_below_their_parent_and_waits_do_not_hide_each_other() {
    if chromium().is_none() {
        return;
    }
    let dom = rendered("nesting", FIXTURE);
    let row_height: f64 = dom
        .by_id("chart")
        .unwrap()
        .attr("data-row-height")
        .unwrap()
        .parse()
        .unwrap();
    let nested = [
        ("4242:1", "app::run", "app::crunch"),
        ("4242:1", "app::crunch", "encode"),
        ("4242:3", "app::fetch", "app::sum"),
        ("4242:3", "app::sum", "app::sum chunk 1/2"),
        ("4250:1", "app::crunch", "decode args"),
    ];
    for (lane, parent, child) in nested {
        let (parent_row, parent_y) = row_of(&dom, lane, parent);
        let (child_row, child_y) = row_of(&dom, lane, child);
        assert_eq!(
            child_row,
            parent_row + 1,
            "{child} under {parent} in {lane}"
        );
        assert_eq!(
            child_y,
            parent_y + row_height,
            "{child} under {parent} in {lane}"
        );
    }
    assert_eq!(row_of(&dom, "4242:1", "app::run").0, 0);
    assert_eq!(row_of(&dom, "4242:3", "app::sum chunk 2/2").0, 2);

    // The three waits overlap, so each has a row of its own.
    let rows: Vec<&str> = dom
        .with_attr("data-cat")
        .filter(|(_, e)| e.attr("data-cat") == Some("queue"))
        .map(|(_, e)| e.attr("data-row").unwrap())
        .collect();
    assert_eq!(rows, ["0", "1", "2"]);
    let queued = dom
        .with_attr("data-lane")
        .find(|(_, e)| e.attr("data-lane") == Some("4242:queued"))
        .unwrap()
        .1;
    assert_eq!(queued.attr("data-rows"), Some("3"));
}

#[test]
fn the_screenshot_shows_the_bars() {
    if chromium().is_none() {
        return;
    }
    let html = page("screenshot", FIXTURE);
    let png_path = html.with_extension("png");
    screenshot(&html, &png_path).unwrap_or_else(|e| panic!("{e}"));

    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((frame.width, frame.height), browser::WINDOW);
    let channels = frame.color_type.samples();
    assert!(channels >= 3, "{:?}", frame.color_type);
    let colours = count_colours(&pixels[..frame.buffer_size()], channels);
    assert!(
        colours.len() > 10,
        "the picture is nearly one flat colour: {colours:?}"
    );

    // Each category's colour, as the DOM says its bars are filled, covers
    // a good number of pixels: the bars were painted, not just built.
    let dom = Dom::parse(&dump_dom(&html).unwrap_or_else(|e| panic!("{e}")));
    for cat in ["timed", "task", "chunk", "process"] {
        let (bar, _) = dom
            .with_attr("data-cat")
            .find(|(_, e)| e.attr("data-cat") == Some(cat))
            .unwrap();
        let fill = dom
            .children(bar, "rect")
            .next()
            .unwrap()
            .attr("fill")
            .unwrap();
        let rgb = hex(fill);
        let painted = colours.get(&rgb).copied().unwrap_or(0);
        assert!(painted > 500, "{cat} ({fill}) covers {painted} pixels");
    }
}

fn count_colours(pixels: &[u8], channels: usize) -> BTreeMap<[u8; 3], usize> {
    let mut colours = BTreeMap::new();
    for pixel in pixels.chunks_exact(channels) {
        *colours.entry([pixel[0], pixel[1], pixel[2]]).or_default() += 1;
    }
    colours
}

fn hex(colour: &str) -> [u8; 3] {
    let digits = colour.strip_prefix('#').expect("a #rrggbb colour");
    let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).unwrap();
    [byte(0), byte(2), byte(4)]
}

#[test]
fn json_that_does_not_parse_shows_an_error_instead() {
    if chromium().is_none() {
        return;
    }
    let dom = rendered("bad", r#"{"traceEvents": [{"ph": "X", "name": "cut off"#);
    let error = dom.by_id("error").unwrap();
    assert_eq!(error.attr("hidden"), None, "the error is visible");
    assert!(error.text.contains("not valid JSON"), "{}", error.text);
    assert_eq!(body(&dom).attr("data-rendered"), None);
    assert_eq!(dom.with_attr("data-cat").count(), 0);

    let dom = rendered("no_events", r#"{"events": []}"#);
    let error = dom.by_id("error").unwrap();
    assert_eq!(error.attr("hidden"), None);
    assert!(error.text.contains(r#""traceEvents""#), "{}", error.text);
}

#[test]
fn names_that_look_like_markup_stay_names() {
    if chromium().is_none() {
        return;
    }
    // The bare array form, as other tools write it, with names that would
    // end the embedding script or hide its end tag if written as they are.
    let hostile = "</script><script>document.body.dataset.pwned = 'yes'</script>";
    let comment = "<!--<script>";
    let json = serde_json::json!([
        {"ph": "X", "name": hostile, "cat": "timed", "ts": 0.0, "dur": 10.0, "pid": 1, "tid": 1},
        {"ph": "X", "name": comment, "cat": "timed", "ts": 20.0, "dur": 10.0, "pid": 1, "tid": 1},
        {"ph": "B", "name": "begin & end", "cat": "other", "ts": 40.0, "pid": 1, "tid": 1},
        {"ph": "E", "ts": 45.0, "pid": 1, "tid": 1},
    ])
    .to_string();
    let dom = rendered("hostile", &json);
    assert_eq!(body(&dom).attr("data-pwned"), None);
    assert_eq!(dom.by_id("error").and_then(|e| e.attr("hidden")), Some(""));
    assert_eq!(body(&dom).attr("data-rendered"), Some("3"));
    let names: Vec<&str> = dom
        .with_attr("data-name")
        .map(|(_, e)| e.attr("data-name").unwrap())
        .collect();
    assert_eq!(names, [hostile, comment, "begin & end"]);
    let lanes: Vec<&str> = dom
        .with_attr("data-lane")
        .map(|(_, e)| e.attr("data-label").unwrap())
        .collect();
    assert_eq!(
        lanes,
        ["thread 1"],
        "an unnamed thread is labelled by its tid"
    );
}

#[test]
fn the_page_loads_nothing_from_the_network() {
    let html = decor::trace::timeline_html(FIXTURE).to_ascii_lowercase();
    for needle in ["http://", "https://", "src=", "href=", "@import", "<link"] {
        assert!(!html.contains(needle), "the page contains {needle:?}");
    }
    assert_eq!(
        html.matches("<script").count(),
        2,
        "the trace and the inline script, nothing else"
    );
}

#[test]
fn the_traced_program_comes_first_even_when_a_worker_has_a_lower_pid() {
    if chromium().is_none() {
        return;
    }
    let meta = |name: &str, pid: u32, value: &str| serde_json::json!({"ph": "M", "name": name, "pid": pid, "tid": 1, "args": {"name": value}});
    let work = |pid: u32, ts: f64| serde_json::json!({"ph": "X", "name": "f", "cat": "process", "ts": ts, "dur": 5.0, "pid": pid, "tid": 1});
    let json = serde_json::json!({"traceEvents": [
        meta("process_name", 70, "worker 2 (pid 70)"), work(70, 1.0),
        meta("process_name", 31000, "main"), meta("thread_name", 31000, "main"), work(31000, 0.0),
        meta("process_name", 60, "worker 1 (pid 60)"), work(60, 2.0),
        // Begun and never ended: drawn to the end of the trace.
        {"ph": "b", "name": "g queued", "cat": "queue", "id": "9", "ts": 3.0, "pid": 31000, "tid": 1},
    ]})
    .to_string();
    let dom = rendered("order", &json);
    let processes: Vec<&str> = dom
        .with_attr("data-process")
        .map(|(_, e)| e.attr("data-process").unwrap())
        .collect();
    assert_eq!(
        processes,
        ["main", "worker 1 (pid 60)", "worker 2 (pid 70)"]
    );
    let lanes: Vec<&str> = dom
        .with_attr("data-lane")
        .map(|(_, e)| e.attr("data-lane").unwrap())
        .collect();
    assert_eq!(lanes, ["31000:1", "31000:queued", "60:1", "70:1"]);
    let (_, open) = dom
        .with_attr("data-cat")
        .find(|(_, e)| e.attr("data-cat") == Some("queue"))
        .unwrap();
    assert_eq!(
        (open.attr("data-ts"), open.attr("data-dur")),
        (Some("3"), Some("4"))
    );
}
