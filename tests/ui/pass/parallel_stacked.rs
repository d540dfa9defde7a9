//! `#[parallel]` stacked with `#[timed]`: below `#[parallel]`, `#[timed]`
//! times each chunk on the pool; above it, it times the whole call.

#[path = "support/mod.rs"]
mod support;

use support::stats;

#[decor::parallel(threads = 2, chunks = 4, reduce = |a, b| a + b)]
#[decor::timed]
fn per_chunk(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::timed]
#[decor::parallel(threads = 2, chunks = 4, reduce = |a, b| a + b)]
fn per_call(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[decor::parallel(threads = 2, chunks = 3)]
#[decor::timed(name = "stacked.parse")]
fn parse(chunk: &[&str]) -> Result<Vec<u8>, std::num::ParseIntError> {
    let mut out = Vec::new();
    for text in chunk {
        out.push(text.parse()?);
    }
    Ok(out)
}

#[decor::timed(name = "stacked.outer_parse")]
#[decor::parallel(threads = 2, chunks = 3)]
fn outer_parse(chunk: &[&str]) -> Result<Vec<u8>, std::num::ParseIntError> {
    let mut out = Vec::new();
    for text in chunk {
        out.push(text.parse()?);
    }
    Ok(out)
}

#[decor::parallel(threads = 2, chunks = 2)]
#[decor::logged(skip_all)]
#[decor::timed]
fn three_deep(chunk: Vec<u8>) -> Vec<u8> {
    chunk
}

fn main() {
    let data: Vec<u64> = (1..=100).collect();
    assert_eq!(per_chunk(&data), 5050);
    assert_eq!(stats!("per_chunk").calls(), 4);
    assert_eq!(per_call(&data), 5050);
    assert_eq!(stats!("per_call").calls(), 1);

    // Below: one chunk of three fails.
    assert!(parse(&["1", "2", "x", "4", "5", "6"]).is_err());
    let stats = decor::timers::get("stacked.parse").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (3, 1));
    // Above: one failing call.
    assert!(outer_parse(&["1", "2", "x", "4", "5", "6"]).is_err());
    let stats = decor::timers::get("stacked.outer_parse").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (1, 1));

    assert_eq!(three_deep(vec![1, 2, 3]), [1, 2, 3]);
    assert_eq!(stats!("three_deep").calls(), 2);
}
