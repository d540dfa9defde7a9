//! Work moved off the caller's thread stays inside the caller's span: what a
//! `#[spawn]` task or a `#[parallel]` chunk logs reads
//! `handler{req=7}:load: ...`, as it would had the body run inline.

mod common;

use common::{capture, line_with};

#[decor::spawn(threads = 2)]
#[decor::logged]
fn load(id: u32) -> u32 {
    tracing::info!("loading");
    id * 2
}

#[test]
fn a_pool_task_logs_inside_the_callers_span() {
    let (value, lines) = capture(|| {
        let span = tracing::info_span!("handler", req = 7);
        let _entered = span.enter();
        load(3).join().unwrap()
    });
    assert_eq!(value, 6);
    let call = line_with(&lines, &["call"]);
    assert!(call.contains("handler{req=7}:load: "), "{call}");
    assert!(call.contains("id=3"), "{call}");
    let inside = line_with(&lines, &["loading"]);
    assert!(inside.contains("handler{req=7}:load: "), "{inside}");
    let exit = line_with(&lines, &["return"]);
    assert!(exit.contains("handler{req=7}:load: "), "{exit}");
}

#[test]
fn without_a_span_a_task_logs_to_its_own_threads_subscriber() {
    // The capturing subscriber is this thread's only: with no span to carry
    // it, the task's events go to the pool thread's own default (none here),
    // as with `std::thread::spawn`; the caller's capture sees none of them.
    let (value, lines) = capture(|| load(4).join().unwrap());
    assert_eq!(value, 8);
    assert!(
        lines
            .iter()
            .all(|line| !line.contains("loading") && !line.contains("id=4")),
        "{lines:#?}"
    );
}

#[decor::spawn(dedicated, name = "capture-loop")]
fn capture_loop(frames: u32) -> u32 {
    tracing::info!(frames, "capturing");
    frames
}

#[test]
fn a_dedicated_thread_logs_inside_the_callers_span() {
    let (value, lines) = capture(|| {
        let span = tracing::info_span!("camera", id = 2);
        let _entered = span.enter();
        capture_loop(30).join().unwrap()
    });
    assert_eq!(value, 30);
    let line = line_with(&lines, &["capturing"]);
    assert!(line.contains("camera{id=2}: "), "{line}");
    assert!(line.contains("frames=30"), "{line}");
}

#[decor::parallel(threads = 3, chunks = 3, reduce = |a, b| a + b)]
fn total(chunk: &[u64]) -> u64 {
    tracing::info!(len = chunk.len(), "chunk");
    chunk.iter().sum()
}

#[test]
fn every_parallel_chunk_logs_inside_the_callers_span() {
    let data: Vec<u64> = (1..=9).collect();
    let (sum, lines) = capture(|| {
        let span = tracing::info_span!("report", day = 3);
        let _entered = span.enter();
        total(&data)
    });
    assert_eq!(sum, 45);
    let chunks: Vec<&String> = lines.iter().filter(|l| l.contains("chunk")).collect();
    assert_eq!(chunks.len(), 3, "{lines:#?}");
    for line in chunks {
        assert!(line.contains("report{day=3}: "), "{line}");
        assert!(line.contains("len=3"), "{line}");
    }
}

#[decor::spawn(threads = 1)]
fn outer_task(ids: Vec<u32>) -> Vec<u32> {
    let span = tracing::info_span!("batch", size = ids.len());
    let _entered = span.enter();
    ids.into_iter().map(|id| load(id).join().unwrap()).collect()
}

#[test]
fn spans_nest_through_tasks_that_spawn_tasks() {
    let (values, lines) = capture(|| {
        let span = tracing::info_span!("handler", req = 8);
        let _entered = span.enter();
        outer_task(vec![1, 2]).join().unwrap()
    });
    assert_eq!(values, [2, 4]);
    let inside: Vec<&String> = lines.iter().filter(|l| l.contains("loading")).collect();
    assert_eq!(inside.len(), 2, "{lines:#?}");
    for line in inside {
        assert!(
            line.contains("handler{req=8}:batch{size=2}:load: "),
            "{line}"
        );
    }
}
