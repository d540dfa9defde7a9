//! One-copy crossing for byte-like and plain-number payloads.
//!
//! postcard writes a `Vec<u64>` element by element (each a varint), and
//! reads it back the same way: at tens of MiB that is most of a call's
//! time. A parameter or result whose type is, at the top level, one of
//!
//! - `Vec<P>` or `[P]`, for `P` any of `u8`, `i8`, `u16`, `i16`, `u32`,
//!   `i32`, `u64`, `i64`, `u128`, `i128`, `usize`, `isize`, `f32`, `f64`,
//! - `String` or `str`,
//!
//! crosses instead as its byte length (`u64`, little-endian) followed by its
//! bytes as they are in memory: one copy each way. Native byte order is
//! right because both ends are the same executable on the same host. The
//! byte length is whole elements, and a `String`'s bytes are checked to be
//! UTF-8 when read, so a damaged payload is an error, never a bad value.
//!
//! The type is recognised by its `TypeId` (through `typeid`, which, unlike
//! `std::any::TypeId::of`, accepts types that are not `'static`): a test of
//! constants in each monomorphised function, which the optimiser folds away,
//! so other types pay nothing and keep their postcard encoding.

use bytemuck::Pod;

/// The bytes of the byte-length prefix.
const LEN: usize = 8;

/// `value` as a `U` when `T` is `U`.
#[inline(always)]
fn same_ref<T: ?Sized, U: ?Sized>(value: &T) -> Option<&U> {
    if typeid::of::<T>() != typeid::of::<U>() {
        return None;
    }
    // SAFETY: `T` and `U` have the same `TypeId` up to lifetimes, and every
    // `U` this module asks for (`Vec<P>`, `[P]`, `String`, `str` of
    // primitive `P`) has none, so `T` is `U`: `&T` and `&U` are the same
    // type, of the same size (both thin or both fat) and validity.
    Some(unsafe { std::mem::transmute_copy::<&T, &U>(&value) })
}

/// `value` as a `T` when `U` is `T`; `value` back otherwise.
#[inline(always)]
fn into_same<U, T>(value: U) -> Result<T, U> {
    if typeid::of::<T>() != typeid::of::<U>() {
        return Err(value);
    }
    let value = std::mem::ManuallyDrop::new(value);
    // SAFETY: as in `same_ref`, `U` has no lifetimes, so `T` is `U`; the
    // value is read once and its original is never dropped (`ManuallyDrop`),
    // so ownership moves exactly once.
    Ok(unsafe { std::mem::transmute_copy::<U, T>(&value) })
}

/// Runs `$each!(P)` for every plain-number element type.
macro_rules! for_each_pod {
    ($each:ident) => {
        $each!(u8);
        $each!(i8);
        $each!(u16);
        $each!(i16);
        $each!(u32);
        $each!(i32);
        $each!(u64);
        $each!(i64);
        $each!(u128);
        $each!(i128);
        $each!(usize);
        $each!(isize);
        $each!(f32);
        $each!(f64);
    };
}

/// The bytes `value` crosses as, when its type crosses in one copy
/// (`Vec<P>`, `[P]`, `String`, `str`); `None` for every other type.
#[inline(always)]
pub fn bytes_of<T: ?Sized>(value: &T) -> Option<&[u8]> {
    macro_rules! pod {
        ($p:ty) => {
            if let Some(vec) = same_ref::<T, Vec<$p>>(value) {
                return Some(bytemuck::cast_slice::<$p, u8>(vec));
            }
            if let Some(slice) = same_ref::<T, [$p]>(value) {
                return Some(bytemuck::cast_slice::<$p, u8>(slice));
            }
        };
    }
    for_each_pod!(pod);
    if let Some(string) = same_ref::<T, String>(value) {
        return Some(string.as_bytes());
    }
    if let Some(text) = same_ref::<T, str>(value) {
        return Some(text.as_bytes());
    }
    None
}

/// Whether `T` is read in one copy by [`take`] (`Vec<P>` or `String`).
#[inline(always)]
pub fn is_bulk<T>() -> bool {
    let id = typeid::of::<T>();
    macro_rules! pod {
        ($p:ty) => {
            if id == typeid::of::<Vec<$p>>() {
                return true;
            }
        };
    }
    for_each_pod!(pod);
    id == typeid::of::<String>()
}

/// Appends `bytes` as one bulk value: its length, then the bytes.
pub fn put(bytes: &[u8], frame: &mut Vec<u8>) {
    frame.reserve(LEN + bytes.len());
    frame.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    append(bytes, frame);
}

/// Appends `bytes` to `frame` as they are, large ones copied on two
/// threads (see [`copy_to`]); a fresh large allocation is offered huge
/// pages.
pub(crate) fn append(bytes: &[u8], frame: &mut Vec<u8>) {
    let fresh = frame.capacity() - frame.len() < bytes.len();
    frame.reserve(bytes.len());
    if fresh {
        advise_huge_pages(frame.spare_capacity_mut());
    }
    let len = frame.len();
    // SAFETY: `reserve` made room for `bytes.len()` more bytes after `len`,
    // which `copy_to` initialises before `set_len` counts them; a slice
    // the caller lends cannot overlap the vector's spare capacity.
    unsafe {
        copy_to(frame.as_mut_ptr().add(len), bytes);
        frame.set_len(len + bytes.len());
    }
}

/// Copies at least this many bytes in two halves, on two threads.
const PARALLEL_COPY_FROM: usize = 4 << 20;

/// Copies `src` to `dst`, in two halves on two threads when it is large:
/// one core copies 32 MB in about 2.4 ms on the 2-vCPU guest, two in 1.3,
/// while a thread costs tens of microseconds to start. If no thread can
/// start, this one copies everything.
///
/// # Safety
///
/// `dst` must be valid for writes of `src.len()` bytes and must not
/// overlap `src`.
pub(crate) unsafe fn copy_to(dst: *mut u8, src: &[u8]) {
    if src.len() < PARALLEL_COPY_FROM {
        // SAFETY: as the caller promises.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), dst, src.len()) };
        return;
    }
    let half = src.len() / 2;
    let (first, second) = src.split_at(half);
    // An address crosses to the helper thread (a pointer is not `Send`).
    let second_dst = dst as usize + half;
    let helped = std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().spawn_scoped(scope, move || {
            // SAFETY: the second half of the caller's destination, which
            // this thread alone writes; the scope ends before `copy_to`
            // returns, so the caller's promise still holds.
            unsafe {
                std::ptr::copy_nonoverlapping(second.as_ptr(), second_dst as *mut u8, second.len())
            };
        });
        // SAFETY: the first half of the caller's destination, disjoint
        // from the helper's.
        unsafe { std::ptr::copy_nonoverlapping(first.as_ptr(), dst, half) };
        helper.is_ok()
    });
    if !helped {
        // SAFETY: as the caller promises; the helper never ran.
        unsafe { std::ptr::copy_nonoverlapping(second.as_ptr(), dst.add(half), second.len()) };
    }
}

/// The bulk value at the front of `bytes` as a `T`, and the rest, when `T`
/// crosses in one copy (see [`is_bulk`]); `None` for every other type.
#[inline(always)]
pub fn take<T>(bytes: &[u8]) -> Option<Result<(T, &[u8]), String>> {
    macro_rules! pod {
        ($p:ty) => {
            if typeid::of::<T>() == typeid::of::<Vec<$p>>() {
                return Some(take_vec::<$p>(bytes).and_then(|(vec, rest)| {
                    into_same::<Vec<$p>, T>(vec)
                        .map(|value| (value, rest))
                        .map_err(|_| unreachable_type::<T>())
                }));
            }
        };
    }
    for_each_pod!(pod);
    if typeid::of::<T>() == typeid::of::<String>() {
        return Some(take_string(bytes).and_then(|(string, rest)| {
            into_same::<String, T>(string)
                .map(|value| (value, rest))
                .map_err(|_| unreachable_type::<T>())
        }));
    }
    None
}

/// A value taken from the front of some bytes, and the bytes after it.
pub type Taken<'a, T> = (&'a T, &'a [u8]);

/// The bulk value at the front of `bytes` as a borrowed `[E]`, and the
/// rest, when `E` is a plain number type and the bytes are aligned for it;
/// `None` otherwise (the value is then decoded into a `Vec<E>`).
#[inline(always)]
pub fn borrow_slice<E>(bytes: &[u8]) -> Option<Result<Taken<'_, [E]>, String>> {
    macro_rules! pod {
        ($p:ty) => {
            if typeid::of::<E>() == typeid::of::<$p>() {
                let (data, rest) = match take_bytes::<Vec<$p>>(bytes) {
                    Ok(taken) => taken,
                    Err(error) => return Some(Err(error)),
                };
                let slice = bytemuck::try_cast_slice::<u8, $p>(data).ok()?;
                return same_ref::<[$p], [E]>(slice).map(|slice| Ok((slice, rest)));
            }
        };
    }
    for_each_pod!(pod);
    None
}

/// The bulk text at the front of `bytes`, borrowed, and the rest.
pub fn borrow_str(bytes: &[u8]) -> Result<(&str, &[u8]), String> {
    let (data, rest) = take_bytes::<String>(bytes)?;
    let text = std::str::from_utf8(data)
        .map_err(|error| format!("cannot decode alloc::string::String: {error}"))?;
    Ok((text, rest))
}

/// Never built: `take` checked the type just before.
#[cold]
fn unreachable_type<T>() -> String {
    format!(
        "cannot decode {}: not a bulk type",
        std::any::type_name::<T>()
    )
}

/// The bytes of the bulk value at the front of `bytes`, and the rest.
fn take_bytes<T>(bytes: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let cut = |why: &str| format!("cannot decode {}: {why}", std::any::type_name::<T>());
    let (len, rest) = bytes
        .split_first_chunk::<LEN>()
        .ok_or_else(|| cut("the payload ends inside its length"))?;
    let len = usize::try_from(u64::from_le_bytes(*len))
        .ok()
        .filter(|len| *len <= rest.len())
        .ok_or_else(|| cut("the payload is shorter than its length says"))?;
    Ok(rest.split_at(len))
}

/// A `Vec<P>` from the bulk value at the front of `bytes`: one allocation
/// (zeroed by the allocator, which for a large one is the kernel's fresh
/// pages) and one copy.
fn take_vec<P: Pod>(bytes: &[u8]) -> Result<(Vec<P>, &[u8]), String> {
    let (data, rest) = take_bytes::<Vec<P>>(bytes)?;
    let size = std::mem::size_of::<P>();
    if !data.len().is_multiple_of(size) {
        return Err(format!(
            "cannot decode {}: {} bytes is not a whole number of {size}-byte elements",
            std::any::type_name::<Vec<P>>(),
            data.len()
        ));
    }
    let mut vec = vec![P::zeroed(); data.len() / size];
    let bytes = bytemuck::cast_slice_mut::<P, u8>(&mut vec);
    advise_huge_pages(bytes);
    // SAFETY: `bytes` is `data.len()` bytes of a fresh vector, which
    // cannot overlap the received `data`.
    unsafe { copy_to(bytes.as_mut_ptr(), data) };
    Ok((vec, rest))
}

/// Buffers at least this large are offered huge pages.
#[cfg(target_os = "linux")]
const HUGE_FROM: usize = 4 << 20;

/// Asks the kernel to back the whole 2 MiB pages inside a large, fresh
/// buffer (decoded values, request and response frames as they grow) with
/// huge pages before it is first written: a 64 MiB payload then
/// costs 32 page faults instead of 16,384, which otherwise take a fifth of
/// a large call's time. Only a hint (Linux's default transparent huge page
/// mode, `madvise`, waits for it); refused or elsewhere, nothing changes.
#[cfg(target_os = "linux")]
fn advise_huge_pages<T>(buffer: &mut [T]) {
    const HUGE: usize = 2 << 20;
    let len = std::mem::size_of_val(buffer);
    if len < HUGE_FROM {
        return;
    }
    let start = buffer.as_mut_ptr() as usize;
    let first = start.next_multiple_of(HUGE);
    let end = (start + len) / HUGE * HUGE;
    if end > first {
        // SAFETY: `madvise(MADV_HUGEPAGE)` on whole pages inside a buffer
        // this function borrows mutably changes how the kernel backs them,
        // never their contents or who may access them.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages<T>(_buffer: &mut [T]) {}

/// A `String` from the bulk value at the front of `bytes`.
fn take_string(bytes: &[u8]) -> Result<(String, &[u8]), String> {
    let (data, rest) = take_bytes::<String>(bytes)?;
    let text = std::str::from_utf8(data)
        .map_err(|error| format!("cannot decode alloc::string::String: {error}"))?;
    Ok((text.to_owned(), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<S: ?Sized, T: PartialEq + std::fmt::Debug>(sent: &S, expected: T) {
        let bytes = bytes_of(sent).expect("a bulk type");
        let mut frame = vec![9];
        put(bytes, &mut frame);
        frame.push(7);
        assert!(is_bulk::<T>());
        let (value, rest) = take::<T>(&frame[1..]).expect("a bulk type").unwrap();
        assert_eq!(value, expected);
        assert_eq!(rest, [7]);
    }

    #[test]
    fn every_bulk_type_round_trips_in_one_piece() {
        round_trip(&vec![0u8, 1, 255], vec![0u8, 1, 255]);
        round_trip(&[1u8, 2][..], vec![1u8, 2]);
        round_trip(&vec![-1i8, 5], vec![-1i8, 5]);
        round_trip(&[u16::MAX, 3][..], vec![u16::MAX, 3]);
        round_trip(&vec![i16::MIN], vec![i16::MIN]);
        round_trip(&vec![u32::MAX], vec![u32::MAX]);
        round_trip(&[i32::MIN, 0][..], vec![i32::MIN, 0]);
        round_trip(&vec![u64::MAX, 1], vec![u64::MAX, 1]);
        round_trip(&vec![i64::MIN], vec![i64::MIN]);
        round_trip(&vec![u128::MAX, 2], vec![u128::MAX, 2]);
        round_trip(&[i128::MIN, i128::MAX][..], vec![i128::MIN, i128::MAX]);
        round_trip(&vec![usize::MAX], vec![usize::MAX]);
        round_trip(&vec![isize::MIN], vec![isize::MIN]);
        round_trip(&vec![1.5f32, -0.0], vec![1.5f32, -0.0]);
        round_trip(&[f64::INFINITY][..], vec![f64::INFINITY]);
        round_trip(&"grüße, 世界".to_owned(), "grüße, 世界".to_owned());
        round_trip("grüße", "grüße".to_owned());
        round_trip(&Vec::<u64>::new(), Vec::<u64>::new());
        round_trip("", String::new());
    }

    #[test]
    fn aligned_plain_numbers_and_text_are_borrowed_in_place() {
        let mut frame = Vec::new();
        put(bytes_of(&[3u64, u64::MAX][..]).unwrap(), &mut frame);
        put(bytes_of("grüße").unwrap(), &mut frame);
        // `frame` is `Vec<u8>`-aligned, so the numbers after the 8-byte
        // length are aligned for `u64`.
        let (numbers, rest) = borrow_slice::<u64>(&frame).unwrap().unwrap();
        assert_eq!(numbers, [3, u64::MAX]);
        assert_eq!(
            numbers.as_ptr() as usize,
            frame.as_ptr() as usize + 8,
            "in place"
        );
        let (text, rest) = borrow_str(rest).unwrap();
        assert_eq!((text, rest), ("grüße", &[][..]));
        let mut shifted = vec![0u8];
        put(bytes_of(&[3u64][..]).unwrap(), &mut shifted);
        assert!(
            borrow_slice::<u64>(&shifted[1..]).is_none(),
            "misaligned: decoded instead"
        );
        assert!(borrow_slice::<bool>(&frame).is_none(), "not plain numbers");
        assert!(borrow_slice::<u8>(&[1, 0]).unwrap().is_err(), "cut");
        let mut bad = Vec::new();
        put(&[0xc3], &mut bad);
        assert!(borrow_str(&bad).is_err());
    }

    #[test]
    fn a_large_copy_in_two_halves_is_exact() {
        let sizes = [
            0,
            1,
            PARALLEL_COPY_FROM - 1,
            PARALLEL_COPY_FROM,
            PARALLEL_COPY_FROM + 3,
        ];
        for size in sizes {
            let src: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut frame = vec![0xee];
            put(&src, &mut frame);
            assert_eq!(frame.len(), 1 + LEN + size);
            assert_eq!(&frame[1 + LEN..], &src[..], "{size} bytes");
        }
    }

    #[test]
    fn nan_bits_cross_unchanged() {
        let nan = f64::from_bits(0x7ff8_dead_beef_0001);
        let sent = [nan, -f64::NAN];
        let bytes = bytes_of(&sent[..]).unwrap();
        let mut frame = Vec::new();
        put(bytes, &mut frame);
        let (back, _) = take::<Vec<f64>>(&frame).unwrap().unwrap();
        let bits: Vec<u64> = back.iter().map(|x| x.to_bits()).collect();
        assert_eq!(bits, [nan.to_bits(), (-f64::NAN).to_bits()]);
    }

    #[test]
    fn other_types_are_not_bulk() {
        assert!(bytes_of(&3u64).is_none());
        assert!(bytes_of(&vec![true]).is_none());
        assert!(bytes_of(&vec!['a']).is_none());
        assert!(bytes_of(&vec![vec![1u8]]).is_none());
        assert!(bytes_of(&(vec![1u8], 2u8)).is_none());
        assert!(bytes_of(&Some(vec![1u8])).is_none());
        assert!(!is_bulk::<u64>());
        assert!(!is_bulk::<Vec<bool>>());
        assert!(!is_bulk::<Box<[u8]>>());
        assert!(take::<Vec<String>>(&[0; 8]).is_none());
        assert!(take::<std::borrow::Cow<'static, str>>(&[0; 8]).is_none());
    }

    #[test]
    fn damaged_payloads_are_errors() {
        let short = take::<Vec<u8>>(&[1, 0, 0]).unwrap().unwrap_err();
        assert!(short.contains("ends inside its length"), "{short}");
        let mut frame = Vec::new();
        put(&[1, 2, 3], &mut frame);
        frame.pop();
        let cut = take::<Vec<u8>>(&frame).unwrap().unwrap_err();
        assert!(cut.contains("shorter than its length"), "{cut}");
        let mut frame = Vec::new();
        put(&[1, 2, 3], &mut frame);
        let odd = take::<Vec<u16>>(&frame).unwrap().unwrap_err();
        assert!(
            odd.contains("not a whole number of 2-byte elements"),
            "{odd}"
        );
        let mut frame = Vec::new();
        put(&[0xff, 0xfe], &mut frame);
        let bad = take::<String>(&frame).unwrap().unwrap_err();
        assert!(bad.contains("invalid utf-8"), "{bad}");
        let huge = u64::MAX.to_le_bytes();
        assert!(take::<Vec<u8>>(&huge).unwrap().is_err());
    }
}
