//! What `#[parallel]` does: split one argument, run the body on each chunk on
//! a pool, combine the results in chunk order. Every result is compared with
//! the serial one; chunk counts and sizes are observed from inside the body.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ops::Range;
use std::panic::catch_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::ThreadId;

use common::{quiet_panics, thread_name, within, EXPECTED};
use decor::parallel;

// --- Each splittable type gives the serial result ---------------------------

#[parallel(threads = 4, reduce = |a, b| a + b)]
fn sum(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

const LENGTHS: &[usize] = &[0, 1, 2, 3, 4, 5, 7, 8, 9, 100, 1_001, 10_007];

#[test]
fn slices_sum_like_the_serial_loop() {
    for &len in LENGTHS {
        let data: Vec<u64> = (0..len as u64).map(|i| i * 7 + 3).collect();
        assert_eq!(sum(&data), data.iter().sum::<u64>(), "len {len}");
    }
}

#[parallel(threads = 3)]
fn double_in_place(chunk: &mut [i64]) {
    for x in chunk {
        *x *= 2;
    }
}

#[parallel(threads = 3, chunks = 5, reduce = |a, b| a + b)]
fn negate_and_count(chunk: &mut [i64]) -> usize {
    for x in chunk.iter_mut() {
        *x = -*x;
    }
    chunk.len()
}

/// `&mut Vec<T>` splits as `&mut [T]`: each chunk is a slice of the one
/// vector, changed in place.
#[parallel(threads = 3, chunks = 4, reduce = |a, b| a + b)]
fn triple_vec(values: &mut Vec<i64>) -> usize {
    for x in values.iter_mut() {
        *x *= 3;
    }
    values.len()
}

struct Scaler {
    factor: i64,
}

impl Scaler {
    #[parallel(threads = 2, chunks = 3)]
    fn scale(&self, values: &mut Vec<i64>) {
        for x in values.iter_mut() {
            *x *= self.factor;
        }
    }
}

#[test]
fn mutable_vecs_split_as_slices_and_change_in_place() {
    for &len in LENGTHS {
        let mut data: Vec<i64> = (0..len as i64).collect();
        assert_eq!(triple_vec(&mut data), len);
        let tripled: Vec<i64> = (0..len as i64).map(|i| i * 3).collect();
        assert_eq!(data, tripled, "len {len}");
        Scaler { factor: -2 }.scale(&mut data);
        let scaled: Vec<i64> = tripled.iter().map(|x| x * -2).collect();
        assert_eq!(data, scaled, "len {len}");
        assert_eq!(data.len(), len, "the vector keeps its length");
    }
}

/// Python's `range(1, n + 1)` habit: an inclusive range splits into
/// inclusive ranges that cover it exactly, end included.
#[parallel(threads = 3, chunks = 4)]
fn inclusive_chunks(numbers: std::ops::RangeInclusive<u32>) -> Vec<(u32, u32)> {
    if numbers.is_empty() {
        return Vec::new();
    }
    vec![(*numbers.start(), *numbers.end())]
}

#[parallel(threads = 3, reduce = |a, b| a + b)]
fn sum_inclusive(numbers: std::ops::RangeInclusive<u64>) -> u64 {
    numbers.sum()
}

#[test]
fn inclusive_ranges_split_up_to_their_end() {
    assert_eq!(inclusive_chunks(1..=10), [(1, 3), (4, 6), (7, 8), (9, 10)]);
    assert_eq!(
        inclusive_chunks(0..=u32::MAX).last(),
        Some(&(3_221_225_472, u32::MAX))
    );
    let (high, low) = (5, 4);
    assert_eq!(inclusive_chunks(high..=low), []);
    assert_eq!(inclusive_chunks(7..=7), [(7, 7)]);
    for n in [0u64, 1, 2, 3, 99, 100, 10_007] {
        assert_eq!(sum_inclusive(1..=n), n * (n + 1) / 2, "1..={n}");
    }
}

#[test]
fn mutable_slices_are_changed_in_place() {
    for &len in LENGTHS {
        let mut data: Vec<i64> = (0..len as i64).map(|i| i - 50).collect();
        double_in_place(&mut data);
        let doubled: Vec<i64> = (0..len as i64).map(|i| (i - 50) * 2).collect();
        assert_eq!(data, doubled, "len {len}");
        assert_eq!(negate_and_count(&mut data), len);
        let negated: Vec<i64> = doubled.iter().map(|x| -x).collect();
        assert_eq!(data, negated, "len {len}");
    }
}

#[parallel(threads = 3)]
fn squares(items: Vec<u32>) -> Vec<u64> {
    items
        .into_iter()
        .map(|x| u64::from(x) * u64::from(x))
        .collect()
}

#[test]
fn owned_vecs_are_split_and_results_concatenated_in_order() {
    for &len in LENGTHS {
        let items: Vec<u32> = (0..len as u32).rev().collect();
        let serial: Vec<u64> = items.iter().map(|&x| u64::from(x).pow(2)).collect();
        assert_eq!(squares(items), serial, "len {len}");
    }
}

#[allow(clippy::ptr_arg)] // `&Vec<T>` is one of the splittable types under test
#[parallel(threads = 3)]
fn lengths(words: &Vec<String>) -> Vec<usize> {
    words.iter().map(String::len).collect()
}

#[test]
fn vec_references_are_split_like_slices() {
    for &len in LENGTHS {
        let words: Vec<String> = (0..len).map(|i| "x".repeat(i % 13)).collect();
        let serial: Vec<usize> = words.iter().map(String::len).collect();
        assert_eq!(lengths(&words), serial, "len {len}");
        assert_eq!(words.len(), len, "the caller's vector is untouched");
    }
}

macro_rules! range_collectors {
    ($($name:ident: $int:ty),* $(,)?) => {$(
        #[parallel(threads = 3, chunks = 4)]
        fn $name(range: Range<$int>) -> Vec<$int> {
            range.collect()
        }
    )*};
}

range_collectors!(
    range_i8: i8,
    range_u8: u8,
    range_i16: i16,
    range_u16: u16,
    range_i32: i32,
    range_u32: u32,
    range_i64: i64,
    range_u64: u64,
    range_isize: isize,
    range_usize: usize,
    range_i128: i128,
    range_u128: u128,
);

#[test]
#[allow(clippy::reversed_empty_ranges)] // reversed ranges are empty input too
fn ranges_of_every_integer_type_cover_exactly_their_items() {
    macro_rules! check {
        ($f:ident, $($range:expr),*) => {$(
            assert_eq!($f($range), ($range).collect::<Vec<_>>(), "{}({:?})", stringify!($f), $range);
        )*};
    }
    check!(range_i8, -128..127, -5..5, 0..0, 3..-3, -1..0);
    check!(range_u8, 0..255, 250..255, 7..7, 9..2);
    check!(range_i16, -1_000..1_000, i16::MIN..(i16::MIN + 3), 5..5);
    check!(range_u16, 0..10_000, 65_530..65_535);
    check!(range_i32, -500..1_234, -3..-1, -10..-10, 100..-100);
    check!(range_u32, 0..1, 0..10_007, u32::MAX - 9..u32::MAX);
    check!(
        range_i64,
        -10_000..10_000,
        i64::MAX - 5..i64::MAX,
        i64::MIN..(i64::MIN + 5),
        0..0
    );
    check!(range_u64, 0..3, 1..100, u64::MAX - 5..u64::MAX);
    check!(range_isize, -77..77, isize::MIN..(isize::MIN + 2));
    check!(range_usize, 0..1_000, 5..4, usize::MAX - 6..usize::MAX);
    check!(
        range_i128,
        -1_000..1_000,
        i128::MAX - 5..i128::MAX,
        i128::MIN..(i128::MIN + 5)
    );
    check!(range_u128, 0..1_000, u128::MAX - 5..u128::MAX);
}

#[parallel(threads = 3, chunks = 4)]
fn range_bounds_i64(range: Range<i64>) -> Vec<(i64, i64)> {
    vec![(range.start, range.end)]
}

#[parallel(threads = 3, chunks = 4)]
fn range_bounds_i128(range: Range<i128>) -> Vec<(i128, i128)> {
    vec![(range.start, range.end)]
}

#[parallel(threads = 3, chunks = 4)]
fn range_bounds_u128(range: Range<u128>) -> Vec<(u128, u128)> {
    vec![(range.start, range.end)]
}

/// The chunks tile `start..end`: contiguous, non-empty, in order.
fn assert_tiles<T: PartialOrd + Copy + std::fmt::Debug>(chunks: &[(T, T)], start: T, end: T) {
    assert_eq!(chunks.first().unwrap().0, start, "{chunks:?}");
    assert_eq!(chunks.last().unwrap().1, end, "{chunks:?}");
    for pair in chunks.windows(2) {
        assert_eq!(pair[0].1, pair[1].0, "contiguous: {chunks:?}");
    }
    for chunk in chunks {
        assert!(chunk.0 < chunk.1, "non-empty: {chunks:?}");
    }
}

#[test]
fn full_width_ranges_are_tiled_into_chunks() {
    let chunks = range_bounds_i64(i64::MIN..i64::MAX);
    assert_tiles(&chunks, i64::MIN, i64::MAX);
    assert_eq!(chunks.len(), 4);
    let chunks = range_bounds_u128(0..u128::MAX);
    assert_tiles(&chunks, 0, u128::MAX);
    assert_eq!(chunks.len(), 4);
    let chunks = range_bounds_i128(i128::MIN..i128::MAX);
    assert_tiles(&chunks, i128::MIN, i128::MAX);
}

#[test]
fn the_widest_i128_range_gets_exactly_k_chunks() {
    let chunks = range_bounds_i128(i128::MIN..i128::MAX);
    assert_eq!(chunks.len(), 4, "{chunks:?}");
}

// --- Chunk order --------------------------------------------------------------

#[parallel(threads = 4, chunks = 16)]
fn identity(chunk: &[u32]) -> Vec<u32> {
    // Later chunks finish first more often than not.
    let spin = 16 - chunk.first().map_or(0, |&x| x as usize * 16 / 1_000);
    for _ in 0..spin * 2_000 {
        std::hint::black_box(chunk.len());
    }
    chunk.to_vec()
}

#[test]
fn vec_results_are_concatenated_in_chunk_order() {
    let data: Vec<u32> = (0..1_000).collect();
    for _ in 0..20 {
        assert_eq!(identity(&data), data);
    }
}

#[parallel(threads = 4, chunks = 9, reduce = |a: String, b: String| a + &b)]
fn concat_reduced(chunk: &[char]) -> String {
    chunk.iter().collect()
}

#[parallel(threads = 4, chunks = 9)]
fn concat_combined(chunk: &[char]) -> String {
    chunk.iter().collect()
}

#[parallel(threads = 4, chunks = 5, reduce = |a: Vec<String>, b: Vec<String>| vec![format!("({}+{})", a.join(""), b.join(""))])]
fn bracketed(chunk: &[u8]) -> Vec<String> {
    vec![chunk.iter().map(|b| b.to_string()).collect()]
}

#[test]
fn reduce_and_string_combine_fold_in_chunk_order() {
    let text: Vec<char> = "the quick brown fox jumps over the lazy dog"
        .chars()
        .collect();
    let serial: String = text.iter().collect();
    for _ in 0..20 {
        assert_eq!(concat_reduced(&text), serial);
        assert_eq!(concat_combined(&text), serial);
    }
    // A left fold over the five chunks, in order.
    assert_eq!(
        bracketed(&[1, 2, 3, 4, 5]),
        ["((((1+2)+3)+4)+5)".to_owned()]
    );
}

#[parallel(threads = 3, chunks = 6)]
fn parse_all(chunk: &[&str]) -> Result<Vec<i32>, String> {
    chunk
        .iter()
        .map(|s| s.parse::<i32>().map_err(|_| format!("bad number {s:?}")))
        .collect()
}

#[parallel(threads = 3, chunks = 3)]
fn evens(chunk: &[u32]) -> Option<Vec<u32>> {
    chunk
        .iter()
        .map(|&x| (x % 2 == 0).then_some(x / 2))
        .collect()
}

#[test]
fn results_stop_at_the_first_err_in_chunk_order() {
    assert_eq!(
        parse_all(&["1", "-2", "3", "4", "5", "6"]),
        Ok(vec![1, -2, 3, 4, 5, 6])
    );
    for _ in 0..20 {
        assert_eq!(
            parse_all(&["1", "2", "x", "4", "y", "z"]),
            Err("bad number \"x\"".to_owned())
        );
    }
    assert_eq!(evens(&[2, 4, 6, 8, 10, 12]), Some(vec![1, 2, 3, 4, 5, 6]));
    assert_eq!(evens(&[2, 4, 6, 8, 10, 11]), None);
}

#[parallel(threads = 3)]
fn letter_counts(words: &[&str]) -> BTreeMap<char, decor::Sum<usize>> {
    let mut counts = BTreeMap::new();
    for word in words {
        if let Some(first) = word.chars().next() {
            *counts.entry(first).or_default() += 1;
        }
    }
    counts
}

#[parallel(threads = 3)]
fn distinct(items: &[u8]) -> HashSet<u8> {
    items.iter().copied().collect()
}

#[parallel(threads = 3)]
fn ordered(items: &[u8]) -> BTreeSet<u8> {
    items.iter().copied().collect()
}

#[test]
fn maps_and_sets_combine() {
    let words = [
        "apple",
        "avocado",
        "banana",
        "blueberry",
        "cherry",
        "apricot",
    ];
    // Equal keys: the chunks' counts add up.
    let counts = letter_counts(&words);
    assert_eq!(counts.keys().copied().collect::<String>(), "abc");
    let counts: Vec<usize> = counts.values().map(|count| count.0).collect();
    assert_eq!(counts, [3, 2, 1]);
    let items = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    assert_eq!(distinct(&items), items.iter().copied().collect());
    assert_eq!(
        ordered(&items).into_iter().collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6, 9]
    );
}

// --- How many chunks, and how big -------------------------------------------

static EMPTY_SLICE_CALLS: AtomicUsize = AtomicUsize::new(0);
static EMPTY_MUT_CALLS: AtomicUsize = AtomicUsize::new(0);
static EMPTY_VEC_CALLS: AtomicUsize = AtomicUsize::new(0);
static EMPTY_VEC_REF_CALLS: AtomicUsize = AtomicUsize::new(0);
static EMPTY_RANGE_CALLS: AtomicUsize = AtomicUsize::new(0);

#[parallel(threads = 2, chunks = 4)]
fn empty_slice(chunk: &[u8]) -> Vec<usize> {
    EMPTY_SLICE_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![chunk.len()]
}

#[parallel(threads = 2, chunks = 4)]
fn empty_mut(chunk: &mut [u8]) -> Vec<usize> {
    EMPTY_MUT_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![chunk.len()]
}

#[parallel(threads = 2, chunks = 4)]
fn empty_vec(chunk: Vec<u8>) -> Vec<usize> {
    EMPTY_VEC_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![chunk.len()]
}

#[allow(clippy::ptr_arg)]
#[parallel(threads = 2, chunks = 4)]
fn empty_vec_ref(chunk: &Vec<u8>) -> Vec<usize> {
    EMPTY_VEC_REF_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![chunk.len()]
}

#[parallel(threads = 2, chunks = 4)]
fn empty_range(chunk: Range<i32>) -> Vec<(i32, i32)> {
    EMPTY_RANGE_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![(chunk.start, chunk.end)]
}

#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_input_calls_the_body_once_with_the_empty_chunk() {
    assert_eq!(empty_slice(&[]), [0]);
    assert_eq!(EMPTY_SLICE_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(empty_mut(&mut []), [0]);
    assert_eq!(EMPTY_MUT_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(empty_vec(Vec::new()), [0]);
    assert_eq!(EMPTY_VEC_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(empty_vec_ref(&Vec::new()), [0]);
    assert_eq!(EMPTY_VEC_REF_CALLS.load(Ordering::SeqCst), 1);
    assert_eq!(empty_range(4..4), [(4, 4)]);
    assert_eq!(empty_range(9..-9), [(9, -9)], "a reversed range is empty");
    assert_eq!(EMPTY_RANGE_CALLS.load(Ordering::SeqCst), 2);
}

static FIVE_CALLS: AtomicUsize = AtomicUsize::new(0);

#[parallel(threads = 2, chunks = 5)]
fn five_chunks(chunk: &[u32]) -> Vec<usize> {
    FIVE_CALLS.fetch_add(1, Ordering::SeqCst);
    vec![chunk.len()]
}

#[test]
fn chunks_k_calls_the_body_k_times() {
    let data: Vec<u32> = (0..100).collect();
    assert_eq!(five_chunks(&data), [20, 20, 20, 20, 20]);
    assert_eq!(FIVE_CALLS.load(Ordering::SeqCst), 5);
    // Fewer items than chunks: one item each, no empty chunk.
    assert_eq!(five_chunks(&data[..3]), [1, 1, 1]);
    assert_eq!(FIVE_CALLS.load(Ordering::SeqCst), 8);
    // Uneven: sizes still add up and stay in order.
    let sizes = five_chunks(&data[..23]);
    assert_eq!(sizes.iter().sum::<usize>(), 23);
    assert_eq!(FIVE_CALLS.load(Ordering::SeqCst), 8 + sizes.len());
}

/// The chunk sizes the body sees, for `chunks = K` over `len` items.
fn chunk_sizes(len: usize, chunks: usize) -> Vec<usize> {
    macro_rules! sizes_with {
        ($($k:literal)*) => {
            match chunks {
                $($k => {
                    #[parallel(threads = 2, chunks = $k)]
                    fn sizes(chunk: &[u8]) -> Vec<usize> {
                        vec![chunk.len()]
                    }
                    sizes(&vec![0; len])
                })*
                _ => unreachable!(),
            }
        };
    }
    sizes_with!(2 3 4 5 6 7 8 16 30)
}

#[test]
fn chunks_k_calls_the_body_exactly_k_times_whenever_there_are_k_items() {
    let mut wrong = Vec::new();
    for chunks in [2, 3, 4, 5, 6, 7, 8, 16, 30] {
        for len in chunks..=100 {
            let sizes = chunk_sizes(len, chunks);
            assert_eq!(sizes.iter().sum::<usize>(), len);
            if sizes.len() != chunks {
                wrong.push(format!("{len} items, chunks = {chunks}: {sizes:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// `(chunk length, thread)` for each chunk.
#[parallel(threads = 3, min_len = 10)]
fn where_ran(chunk: &[u32]) -> Vec<(usize, ThreadId, String)> {
    vec![(chunk.len(), std::thread::current().id(), thread_name())]
}

#[parallel(threads = 3, chunks = 8, min_len = 10)]
fn where_ran_eight(chunk: &[u32]) -> Vec<(usize, ThreadId, String)> {
    vec![(chunk.len(), std::thread::current().id(), thread_name())]
}

#[test]
fn input_under_twice_min_len_runs_on_the_calling_thread() {
    let here = std::thread::current().id();
    let data: Vec<u32> = (0..100).collect();
    for len in [1, 5, 10, 19] {
        let ran = where_ran(&data[..len]);
        assert_eq!(ran.len(), 1, "len {len}: one chunk");
        assert_eq!((ran[0].0, ran[0].1), (len, here), "len {len}: inline");
        let ran = where_ran_eight(&data[..len]);
        assert_eq!((ran.len(), ran[0].1), (1, here), "len {len}: inline");
    }
    // At 2·min_len the pool takes over.
    let ran = where_ran(&data[..20]);
    assert_eq!(ran.iter().map(|r| r.0).collect::<Vec<_>>(), [10, 10]);
    for (_, thread, name) in &ran {
        assert_ne!(*thread, here);
        assert!(name.starts_with("decor-where_ran-"), "{name}");
    }
}

#[test]
fn chunks_are_never_shorter_than_min_len_in_simple_cases() {
    let data: Vec<u32> = (0..100).collect();
    for len in [20, 21, 29, 30, 40, 60, 90, 99] {
        let ran = where_ran(&data[..len]);
        let sizes: Vec<usize> = ran.iter().map(|r| r.0).collect();
        assert_eq!(sizes.iter().sum::<usize>(), len);
        assert!(sizes.len() <= 3, "at most one chunk per thread: {sizes:?}");
        assert!(sizes.iter().all(|&s| s >= 10), "len {len}: {sizes:?}");
    }
}

#[test]
fn chunks_are_never_shorter_than_min_len() {
    let data: Vec<u32> = (0..1_000).collect();
    let mut wrong = Vec::new();
    for len in 20..=1_000 {
        for sizes in [
            where_ran(&data[..len])
                .iter()
                .map(|r| r.0)
                .collect::<Vec<_>>(),
            where_ran_eight(&data[..len]).iter().map(|r| r.0).collect(),
        ] {
            assert_eq!(sizes.iter().sum::<usize>(), len);
            if sizes.iter().any(|&s| s < 10) {
                wrong.push(format!("{len} items: {sizes:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases, min_len = 10:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

// --- Panics -----------------------------------------------------------------

#[derive(Debug, PartialEq)]
struct Unlucky(u32);

#[parallel(threads = 2, chunks = 4)]
fn unlucky(chunk: &[u32]) -> Vec<u32> {
    if let Some(&bad) = chunk.iter().find(|&&x| x == 13) {
        std::panic::panic_any(Unlucky(bad));
    }
    chunk.to_vec()
}

#[parallel(threads = 2, chunks = 4, reduce = |a, b| a + b)]
fn panics_with_text(chunk: &[u32]) -> u32 {
    if chunk.contains(&3) {
        panic!("chunk with 3 {EXPECTED}");
    }
    chunk.iter().sum()
}

#[test]
fn a_panicking_chunk_re_panics_in_the_caller_with_its_payload() {
    quiet_panics();
    let data: Vec<u32> = (0..20).collect();
    let payload = catch_unwind(|| unlucky(&data)).unwrap_err();
    assert_eq!(payload.downcast_ref::<Unlucky>(), Some(&Unlucky(13)));
    // The pool carries on.
    assert_eq!(unlucky(&data[..13]), &data[..13]);

    let payload = catch_unwind(|| panics_with_text(&[1, 2, 3, 4])).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some(format!("chunk with 3 {EXPECTED}").as_str())
    );
    assert_eq!(panics_with_text(&[1, 2, 4, 5]), 12);
}

#[parallel(threads = 2, min_len = 10)]
fn inline_panic(chunk: &[u32]) -> Vec<u32> {
    assert!(chunk.len() > 1, "short chunk {EXPECTED}");
    chunk.to_vec()
}

#[test]
fn a_panic_in_the_inline_path_keeps_its_payload_too() {
    quiet_panics();
    let payload = catch_unwind(|| inline_panic(&[1])).unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some(format!("short chunk {EXPECTED}").as_str())
    );
}

// --- Nesting and recursion ----------------------------------------------------

#[parallel(threads = 2, reduce = |a, b| a + b)]
fn row_sums(rows: &[Vec<u64>]) -> u64 {
    // A #[parallel] call from inside a #[parallel] chunk, on another pool.
    rows.iter().map(|row| sum(row)).sum()
}

#[parallel(pool = "nested", reduce = |a, b| a + b)]
fn inner_on_shared(chunk: &[u64]) -> u64 {
    chunk.iter().sum()
}

#[parallel(pool = "nested", chunks = 4, reduce = |a, b| a + b)]
fn outer_on_shared(rows: &[Vec<u64>]) -> u64 {
    // The same pool as the chunk runs on.
    rows.iter().map(|row| inner_on_shared(row)).sum()
}

fn matrix() -> Vec<Vec<u64>> {
    (0..16u64)
        .map(|r| (0..500u64).map(|c| r * 1_000 + c).collect())
        .collect()
}

#[test]
fn nested_parallel_calls_finish() {
    let rows = matrix();
    let serial: u64 = rows.iter().flatten().sum();
    let rows_again = rows.clone();
    assert_eq!(
        within("nested, two pools", move || row_sums(&rows_again)),
        serial
    );
    assert_eq!(
        within("nested, one pool", move || outer_on_shared(&rows)),
        serial
    );
}

#[decor::spawn(pool = "nested")]
fn spawned_sum(rows: Vec<Vec<u64>>) -> u64 {
    // A #[parallel] call from inside a #[spawn] task on the same pool, and
    // one on another pool.
    outer_on_shared(&rows) + row_sums(&rows)
}

#[test]
fn parallel_inside_spawn_finishes() {
    let rows = matrix();
    let serial: u64 = rows.iter().flatten().sum();
    // More tasks than threads: every pool thread is busy with a task that
    // itself waits for chunks.
    let results = within("parallel inside spawn", move || {
        decor::join_all((0..8).map(|_| spawned_sum(rows.clone())))
    });
    for result in results {
        assert_eq!(result.unwrap(), 2 * serial);
    }
}

static TREE_CALLS: AtomicUsize = AtomicUsize::new(0);

#[parallel(pool = "recursive", reduce = |a, b| a + b)]
fn tree_sum(range: Range<u64>) -> u64 {
    TREE_CALLS.fetch_add(1, Ordering::SeqCst);
    if range.end - range.start <= 64 {
        range.sum()
    } else {
        // `self::tree_sum` is the decorated function: it splits again. (A
        // bare `tree_sum` here would be the undecorated body.)
        self::tree_sum(range)
    }
}

#[test]
fn recursive_parallel_calls_finish_with_the_serial_result() {
    let total = within("recursive #[parallel]", || tree_sum(0..10_000));
    assert_eq!(total, (0..10_000u64).sum::<u64>());
    assert!(
        TREE_CALLS.load(Ordering::SeqCst) > 10_000 / 64,
        "every level split again"
    );
}

static PLAIN_RECURSION_THREADS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

#[parallel(threads = 2, chunks = 2, reduce = |a, b| a + b)]
fn halve_down(range: Range<u32>) -> u32 {
    PLAIN_RECURSION_THREADS.lock().unwrap().push(thread_name());
    if range.len() <= 1 {
        range.start
    } else {
        // The undecorated body: runs right here, on this chunk's thread.
        let mid = range.start + range.len() as u32 / 2;
        halve_down(range.start..mid) + halve_down(mid..range.end)
    }
}

#[test]
fn a_bare_recursive_call_in_the_body_stays_on_the_chunk_thread() {
    assert_eq!(halve_down(0..64), (0..64).sum::<u32>());
    let names = PLAIN_RECURSION_THREADS.lock().unwrap();
    // Two chunks of 32, each a full binary recursion: 2 · 63 calls.
    assert_eq!(names.len(), 126);
    assert!(
        names.iter().all(|n| n.starts_with("decor-halve_down-")),
        "{names:?}"
    );
}

// --- Shared and owned parameters ---------------------------------------------

static CLONES: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
struct Label(String);

impl Clone for Label {
    fn clone(&self) -> Self {
        CLONES.fetch_add(1, Ordering::SeqCst);
        Label(self.0.clone())
    }
}

#[parallel(threads = 3, chunks = 4, over = items)]
fn scaled(factor: &u64, items: &[u64], label: Label, offsets: Arc<Vec<u64>>) -> Vec<String> {
    items
        .iter()
        .map(|x| format!("{}:{}", label.0, x * factor + offsets[0]))
        .collect()
}

#[test]
fn shared_references_and_owned_clones_reach_every_chunk() {
    let items: Vec<u64> = (1..=8).collect();
    let factor = 10;
    let offsets = Arc::new(vec![1]);
    let out = scaled(&factor, &items, Label("n".into()), offsets.clone());
    let serial: Vec<String> = items.iter().map(|x| format!("n:{}", x * 10 + 1)).collect();
    assert_eq!(out, serial);
    assert_eq!(CLONES.load(Ordering::SeqCst), 4, "one clone per chunk");
    assert_eq!(Arc::strong_count(&offsets), 1, "every clone dropped");
}

struct Weights {
    weights: Vec<u64>,
}

impl Weights {
    #[parallel(threads = 2, chunks = 3, reduce = |a, b| a + b)]
    fn dot(&self, values: &[u64]) -> u64 {
        // Chunks of `values` are matched against the start of `weights`:
        // each chunk sees the same `self`.
        values.iter().zip(&self.weights).map(|(v, w)| v * w).sum()
    }
}

#[test]
fn methods_share_self_between_chunks() {
    let weights = Weights {
        weights: vec![1, 10, 100],
    };
    // Three chunks of three: each is weighted 1, 10, 100.
    assert_eq!(weights.dot(&[1, 2, 3, 4, 5, 6, 7, 8, 9]), 321 + 654 + 987);
}

// NOTE: `|a, b| a.max(b)` without the annotations does not compile ("type
// annotations needed"): the expansion gives the closure no expected
// signature, so a method call on a parameter cannot be resolved.
#[parallel(threads = 2, reduce = |a: f64, b: f64| a.max(b))]
fn largest(chunk: &[f64]) -> f64 {
    chunk.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn reduce_with_a_method_call() {
    let data: Vec<f64> = (0..1_000).map(|i| f64::from((i * 37) % 1_000)).collect();
    assert_eq!(largest(&data), 999.0);
}

// --- maps merge key by key ------------------------------------------------------

const WORDS: [&str; 8] = ["a", "b", "a", "c", "a", "b", "a", "a"];

/// The word count: with overwriting, `a` came out as 2 (the last
/// chunk's count), and the answer changed with the number of chunks.
#[parallel(threads = 3, chunks = 3)]
fn count_words(words: &[&str]) -> std::collections::HashMap<String, decor::Sum<usize>> {
    let mut counts = std::collections::HashMap::new();
    for word in words {
        *counts.entry((*word).to_owned()).or_default() += 1;
    }
    counts
}

/// Where each word stands, by first letter: values present in several
/// chunks are combined (concatenated) in chunk order.
#[parallel(threads = 3, chunks = 3)]
fn positions(words: &[(usize, &str)]) -> BTreeMap<String, Vec<usize>> {
    let mut at: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, word) in words {
        at.entry((*word).to_owned()).or_default().push(*index);
    }
    at
}

#[test]
fn maps_merge_values_per_key_instead_of_overwriting() {
    let counts = count_words(&WORDS);
    assert_eq!(counts.len(), 3);
    assert_eq!(counts["a"], decor::Sum(5));
    assert_eq!(counts["b"], decor::Sum(2));
    assert_eq!(counts["c"], decor::Sum(1));

    let indexed: Vec<(usize, &str)> = WORDS.iter().copied().enumerate().collect();
    let at = positions(&indexed);
    assert_eq!(at["a"], [0, 2, 4, 6, 7]);
    assert_eq!(at["b"], [1, 5]);
    assert_eq!(at["c"], [3]);
}

// --- Small inputs stay on the caller, by the body's measured cost --------------

/// Where each chunk ran, and how many items it had.
#[parallel(threads = 2, reduce = |mut a, b| { a.extend(b); a })]
fn cheap_sum_where(chunk: &[u64]) -> Vec<(String, usize, u64)> {
    vec![(thread_name(), chunk.len(), chunk.iter().sum())]
}

#[parallel(threads = 2, reduce = |mut a, b| { a.extend(b); a })]
fn slow_items_where(items: &[u64]) -> Vec<String> {
    std::thread::sleep(std::time::Duration::from_millis(5 * items.len() as u64));
    vec![thread_name()]
}

#[test]
fn once_measured_cheap_a_small_input_runs_on_the_caller_and_a_large_one_on_the_pool() {
    let here = thread_name();
    let large: Vec<u64> = (0..200_000).collect();
    // The first call measures the body; 200,000 items always go to the pool.
    let chunks = cheap_sum_where(&large);
    assert_eq!(chunks.len(), 2, "{chunks:?}");
    assert!(
        chunks
            .iter()
            .all(|c| c.0.starts_with("decor-cheap_sum_where-par-")),
        "{chunks:?}"
    );
    assert_eq!(
        chunks.iter().map(|c| c.2).sum::<u64>(),
        large.iter().sum::<u64>()
    );
    // A hundred items of a body this cheap cost far less than the trip.
    let small: Vec<u64> = (1..=100).collect();
    let chunks = cheap_sum_where(&small);
    assert_eq!(chunks, [(here.clone(), 100, 5050)], "kept on the caller");
    // The large input still goes to the pool.
    assert_eq!(cheap_sum_where(&large).len(), 2);
}

#[test]
fn expensive_items_go_to_the_pool_however_few() {
    let items = [1u64, 2, 3, 4];
    for _ in 0..3 {
        let threads = slow_items_where(&items);
        assert_eq!(threads.len(), 2, "{threads:?}");
        assert!(
            threads
                .iter()
                .all(|t| t.starts_with("decor-slow_items_where-par-")),
            "{threads:?}"
        );
    }
}
