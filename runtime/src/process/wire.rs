//! The frames that cross the pipes between the parent and a worker.
//!
//! Every frame starts with its length, so either side reads a whole frame
//! before acting on it. All integers are little-endian.
//!
//! - request:  `len: u64 | id: u64 | log: u8 | place: u8 | name_len: u16 | name | arguments`
//! - response: `len: u64 | id: u64 | status: u8 | payload`
//!
//! `place` is 0 when the arguments follow in the frame, 1 when they are in
//! the worker's inbox (see `process::mailbox`) and the frame ends with
//! their length (`u64`). A result in the worker's outbox comes back as
//! [`Status::ReturnedInOutbox`] with its length (`u64`) as the payload.
//!
//! `len` counts the bytes after itself. A worker's first response, with id
//! [`READY`] and no payload, says it has started. Arguments and results are postcard
//! data (see the README's "Processes" section for why postcard), except that
//! an argument or result whose type is `Vec<P>`, `[P]`, `String` or `str`
//! (`P` a plain number type) is its byte length (`u64`) and its bytes as in
//! memory, one copy instead of element by element (see `process::bulk`).
//!
//! `log` is the most verbose level the parent's subscribers want at the
//! time of the call (0 off, 1 error, ... 5 trace, as [`log_level`] and
//! [`level_filter`] convert): the worker forwards the call's events up to
//! that level and disables the rest where they are written.
//!
//! A call gets exactly one response that ends it ([`Status::Returned`],
//! [`Status::Panicked`], [`Status::Failed`], [`Status::Unusable`]), and before it, with the same
//! id, any number of these, in the order they happened:
//!
//! - [`Status::Event`]: an event logged on the thread running the call;
//!   the payload is postcard `(level: u8, target, name, module_path,
//!   file, line, spans, fields)`, strings as postcard strings, `module_path`
//!   and `file` as `Option<str>`, `line` as `Option<u32>`, `spans` the
//!   worker-side span scope as text (`outer{a=1}:inner`), and `fields` a
//!   list of `(name, kind: u8, bits: u64, text)` (kinds in
//!   `process::forward`).
//! - [`Status::Timers`]: what the worker's `#[timed]` timers recorded since
//!   the last such frame, sent after the call returns when anything was;
//!   the payload is a postcard list of `(name, total_ns, min_ns, max_ns,
//!   errors, panics, cancelled, [(bucket: u16, count)])` (see
//!   `timers::transfer`).

use std::io::{self, Read};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::bulk;

/// What a response carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// The call returned; the payload is its encoded result.
    Returned = 0,
    /// The call panicked; the payload is the panic message.
    Panicked = 1,
    /// The worker could not make the call (undecodable arguments, unknown
    /// function); the payload says why.
    Failed = 2,
    /// Not the end of the call: the worker's timers recorded calls; the
    /// payload is their difference since the last such frame.
    Timers = 3,
    /// Not the end of the call: an event it logged; the payload describes it.
    Event = 4,
    /// The worker cannot run any call (its pool's `init` panicked); the
    /// payload says why.
    Unusable = 5,
    /// The call returned; its encoded result is in the worker's outbox,
    /// and the payload is its length (`u64`).
    ReturnedInOutbox = 6,
}

impl Status {
    fn from_byte(byte: u8) -> Option<Status> {
        [
            Status::Returned,
            Status::Panicked,
            Status::Failed,
            Status::Timers,
            Status::Event,
            Status::Unusable,
            Status::ReturnedInOutbox,
        ]
        .into_iter()
        .find(|status| *status as u8 == byte)
    }
}

const LEN: usize = 8;

/// The id of the response a worker sends once, before any call: it is up
/// and reading requests.
pub const READY: u64 = u64::MAX;

/// The `log` byte of a request for a level filter.
pub fn log_level(filter: tracing::level_filters::LevelFilter) -> u8 {
    use tracing::Level;
    match filter.into_level() {
        None => 0,
        Some(Level::ERROR) => 1,
        Some(Level::WARN) => 2,
        Some(Level::INFO) => 3,
        Some(Level::DEBUG) => 4,
        Some(Level::TRACE) => 5,
    }
}

/// The level filter of a request's `log` byte (and of an event's level);
/// anything above 5 reads as trace.
pub fn level_filter(byte: u8) -> tracing::level_filters::LevelFilter {
    use tracing::level_filters::LevelFilter;
    [
        LevelFilter::OFF,
        LevelFilter::ERROR,
        LevelFilter::WARN,
        LevelFilter::INFO,
        LevelFilter::DEBUG,
    ]
    .get(byte as usize)
    .copied()
    .unwrap_or(LevelFilter::TRACE)
}

/// Starts a request frame for call `id` of function `name`, asking for its
/// events up to `log` (see [`log_level`]); the arguments are appended by
/// [`encode_value`] and the length by [`seal`].
#[cfg(test)]
pub fn request(id: u64, log: u8, name: &str) -> Vec<u8> {
    let mut frame = Vec::new();
    request_into(&mut frame, id, log, name);
    frame
}

/// [`request`] in `frame`, which is cleared: a buffer kept from an earlier
/// call keeps its allocation.
pub fn request_into(frame: &mut Vec<u8>, id: u64, log: u8, name: &str) {
    let name_len = u16::try_from(name.len()).expect("registered names are short");
    frame.clear();
    frame.reserve(LEN + 8 + 1 + 2 + name.len() + 16);
    frame.extend_from_slice(&[0; LEN]);
    frame.extend_from_slice(&id.to_le_bytes());
    frame.push(log);
    frame.push(INLINE);
    frame.extend_from_slice(&name_len.to_le_bytes());
    frame.extend_from_slice(name.as_bytes());
}

/// `place`: the arguments follow in the frame.
const INLINE: u8 = 0;
/// `place`: the arguments are in the worker's inbox.
const IN_INBOX: u8 = 1;

/// A sealed request `frame` split for the inbox: the frame to send in its
/// place (its arguments replaced by their length, `place` set) and the
/// arguments to put in the inbox.
pub fn for_inbox(frame: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let body = frame.get(LEN..)?;
    let request = parse_request(body)?;
    let head_len = LEN + body.len() - request.arguments.len();
    let mut head = Vec::with_capacity(head_len + 8);
    head.extend_from_slice(&frame[..head_len]);
    mark_in_inbox(&mut head, request.arguments.len());
    Some((head, request.arguments))
}

/// Turns a request's header (its frame up to the arguments) into the
/// frame sent when its `len` bytes of arguments are in the inbox.
pub(crate) fn mark_in_inbox(head: &mut Vec<u8>, len: usize) {
    head[LEN + 9] = IN_INBOX;
    head.extend_from_slice(&(len as u64).to_le_bytes());
    seal(head);
}

/// The whole request again from the frame [`for_inbox`] or
/// [`mark_in_inbox`] made and the `arguments` that were in the inbox: for
/// a call that moves to another worker.
pub(crate) fn inline_again(head: &[u8], arguments: &[u8]) -> Vec<u8> {
    let head = &head[..head.len() - 8];
    let mut frame = Vec::with_capacity(head.len() + arguments.len());
    frame.extend_from_slice(head);
    frame[LEN + 9] = INLINE;
    bulk::append(arguments, &mut frame);
    seal(&mut frame);
    frame
}

/// A frame buffer up to this size keeps its allocation between calls.
const KEEP_SMALL: usize = 1 << 20;
/// A frame buffer over this size is let go after each call.
const KEEP_MOST: usize = 256 << 20;
/// A buffer over [`KEEP_SMALL`] is let go after this many calls in a row
/// that each filled under a quarter of it.
const LIGHT_USES: u8 = 8;

/// When a reused frame buffer lets its allocation go. Kept, a large buffer
/// spares each large call a fresh allocation, whose pages the kernel must
/// map and zero on first touch (a fifth of a worker's time at 64 MiB);
/// let go, it returns memory the calls no longer need: over [`KEEP_MOST`]
/// at once, and over [`KEEP_SMALL`] once calls have been much smaller
/// for a while.
#[derive(Default)]
pub struct Keep {
    light_uses: u8,
}

impl Keep {
    /// After a use of `buffer` that filled `used` bytes of it.
    pub fn after_use(&mut self, buffer: &mut Vec<u8>, used: usize) {
        if self.let_go(buffer.capacity(), used) {
            *buffer = Vec::new();
        }
    }

    /// After a use of a buffer of `capacity` bytes that filled `used` of
    /// them: whether to let the buffer go now (the count starts again).
    pub fn let_go(&mut self, capacity: usize, used: usize) -> bool {
        let light = capacity > KEEP_SMALL && used < capacity / 4;
        self.light_uses = if light { self.light_uses + 1 } else { 0 };
        let go = capacity > KEEP_MOST || self.light_uses >= LIGHT_USES;
        if go {
            self.light_uses = 0;
        }
        go
    }
}

/// Starts a response frame for call `id` in `frame`, which is cleared.
pub fn response(frame: &mut Vec<u8>, id: u64, status: Status) {
    frame.clear();
    frame.extend_from_slice(&[0; LEN]);
    frame.extend_from_slice(&id.to_le_bytes());
    frame.push(status as u8);
}

/// The encoded result in a response frame started by [`response`] with
/// [`Status::Returned`]; `None` for a frame of any other status.
pub fn returned_payload(frame: &[u8]) -> Option<&[u8]> {
    const HEAD: usize = LEN + 8 + 1;
    let returned = frame.get(HEAD - 1) == Some(&(Status::Returned as u8));
    returned.then(|| &frame[HEAD..])
}

/// Writes the frame's length into its first bytes.
pub fn seal(frame: &mut [u8]) {
    let len = (frame.len() - LEN) as u64;
    frame[..LEN].copy_from_slice(&len.to_le_bytes());
}

/// Appends `value`'s encoding to `frame`.
pub fn encode_into<T: Serialize + ?Sized>(value: &T, frame: &mut Vec<u8>) -> Result<(), String> {
    let taken = std::mem::take(frame);
    match postcard::to_extend(value, taken) {
        Ok(extended) => {
            *frame = extended;
            Ok(())
        }
        Err(error) => Err(format!(
            "cannot encode {}: {error}",
            std::any::type_name::<T>()
        )),
    }
}

/// Decodes a `T` from the front of `bytes`; returns it and the rest.
pub fn take<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, &[u8]), String> {
    postcard::take_from_bytes(bytes).map_err(|error| cannot_decode::<T>(error))
}

fn cannot_decode<T>(error: postcard::Error) -> String {
    format!(
        "cannot decode {}: {error} (types that need a self-describing format, such as \
         untagged enums or `skip_serializing_if`, cannot cross a process boundary)",
        std::any::type_name::<T>()
    )
}

/// Decodes a whole payload as `T`.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    postcard::from_bytes(payload).map_err(cannot_decode::<T>)
}

/// Appends an argument or result to `frame`: in one copy when its type is
/// byte-like or plain numbers (see [`bulk`]), as postcard otherwise.
#[inline]
pub fn encode_value<T: Serialize + ?Sized>(value: &T, frame: &mut Vec<u8>) -> Result<(), String> {
    match bulk::bytes_of(value) {
        Some(bytes) => {
            bulk::put(bytes, frame);
            Ok(())
        }
        None => encode_into(value, frame),
    }
}

/// Appends a call's argument to its request, as [`encode_value`] does; a
/// large byte-like one is lent to the request (see `outgoing`), not copied.
#[inline]
pub fn encode_argument<'a, T: Serialize + ?Sized>(
    value: &'a T,
    request: &mut super::outgoing::OutgoingRequest<'a>,
) -> Result<(), String> {
    match bulk::bytes_of(value) {
        Some(bytes) => {
            request.put_bytes(bytes);
            Ok(())
        }
        None => encode_into(value, request.frame_mut()),
    }
}

/// Decodes an argument written by [`encode_value`] from the front of
/// `bytes`; returns it and the rest.
#[inline]
pub fn take_value<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, &[u8]), String> {
    match bulk::take::<T>(bytes) {
        Some(taken) => taken,
        None => take(bytes),
    }
}

/// Decodes a whole result payload written by [`encode_value`].
pub fn decode_value<T: DeserializeOwned>(payload: &[u8]) -> Result<T, String> {
    if bulk::is_bulk::<T>() {
        return match take_value::<T>(payload)? {
            (value, []) => Ok(value),
            (_, rest) => Err(format!(
                "cannot decode {}: {} bytes left over",
                std::any::type_name::<T>(),
                rest.len()
            )),
        };
    }
    decode(payload)
}

/// Reads one frame body (after its length) into `buffer`; `Ok(false)` at a
/// clean end of stream.
pub fn read_frame(reader: &mut impl Read, buffer: &mut Vec<u8>) -> io::Result<bool> {
    let mut len = [0; LEN];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(error) => return Err(error),
    }
    let len = usize::try_from(u64::from_le_bytes(len))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "frame too large"))?;
    buffer.clear();
    buffer
        .try_reserve_exact(len)
        .map_err(|_| io::Error::new(io::ErrorKind::OutOfMemory, "frame too large"))?;
    reader.take(len as u64).read_to_end(buffer)?;
    if buffer.len() != len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(true)
}

/// A request frame's body, taken apart.
pub struct Request<'a> {
    pub id: u64,
    pub log: u8,
    pub name: &'a str,
    /// The arguments, or, when [`in_inbox`](Request::in_inbox), their
    /// length (read with [`inbox_len`](Request::inbox_len)).
    pub arguments: &'a [u8],
    /// The arguments are in the worker's inbox.
    pub in_inbox: bool,
}

impl Request<'_> {
    /// The length of arguments in the inbox.
    pub fn inbox_len(&self) -> Option<usize> {
        let len = u64::from_le_bytes(self.arguments.try_into().ok()?);
        usize::try_from(len).ok()
    }
}

/// Takes a request body apart.
pub fn parse_request(body: &[u8]) -> Option<Request<'_>> {
    let id = u64::from_le_bytes(body.get(..8)?.try_into().ok()?);
    let log = *body.get(8)?;
    let in_inbox = match *body.get(9)? {
        INLINE => false,
        IN_INBOX => true,
        _ => return None,
    };
    let name_len = u16::from_le_bytes(body.get(10..12)?.try_into().ok()?) as usize;
    let name = std::str::from_utf8(body.get(12..12 + name_len)?).ok()?;
    Some(Request {
        id,
        log,
        name,
        arguments: &body[12 + name_len..],
        in_inbox,
    })
}

/// A response frame for call `id` whose result is in the worker's outbox,
/// `len` bytes long, in `frame`, which is cleared.
pub fn in_outbox(frame: &mut Vec<u8>, id: u64, len: usize) {
    response(frame, id, Status::ReturnedInOutbox);
    frame.extend_from_slice(&(len as u64).to_le_bytes());
    seal(frame);
}

/// The result length a [`Status::ReturnedInOutbox`] payload gives.
pub fn outbox_len(payload: &[u8]) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(payload.try_into().ok()?)).ok()
}

/// A response frame's body, taken apart.
pub struct Response<'a> {
    pub id: u64,
    pub status: Status,
    pub payload: &'a [u8],
}

/// Takes a response body apart.
pub fn parse_response(body: &[u8]) -> Option<Response<'_>> {
    let id = u64::from_le_bytes(body.get(..8)?.try_into().ok()?);
    let status = Status::from_byte(*body.get(8)?)?;
    Some(Response {
        id,
        status,
        payload: &body[9..],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut frame = request(7, 4, "m::f");
        encode_into(&(3u64, "x".to_owned()), &mut frame).unwrap();
        seal(&mut frame);
        let mut body = Vec::new();
        assert!(read_frame(&mut &frame[..], &mut body).unwrap());
        let request = parse_request(&body).unwrap();
        assert_eq!((request.id, request.log, request.name), (7, 4, "m::f"));
        let args: (u64, String) = decode(request.arguments).unwrap();
        assert_eq!(args, (3, "x".to_owned()));

        let mut frame = Vec::new();
        response(&mut frame, 7, Status::Panicked);
        frame.extend_from_slice(b"boom");
        seal(&mut frame);
        assert!(read_frame(&mut &frame[..], &mut body).unwrap());
        let response = parse_response(&body).unwrap();
        assert_eq!(
            (response.id, response.status, response.payload),
            (7, Status::Panicked, &b"boom"[..])
        );
    }

    #[test]
    fn a_cut_frame_is_an_error_and_an_empty_stream_is_the_end() {
        let mut frame = request(1, 0, "f");
        seal(&mut frame);
        let mut body = Vec::new();
        assert!(!read_frame(&mut &[][..], &mut body).unwrap());
        let cut = &frame[..frame.len() - 1];
        assert!(read_frame(&mut &cut[..], &mut body).is_err());
        assert!(parse_request(&[1, 2]).is_none());
        assert!(parse_response(&[0; 8]).is_none());
        let mut unknown = vec![0; 8];
        unknown.push(7);
        assert!(parse_response(&unknown).is_none(), "status 7 is not one");
    }

    #[test]
    fn timers_and_event_frames_come_apart_as_such() {
        let mut body = Vec::new();
        for status in [Status::Timers, Status::Event] {
            let mut frame = Vec::new();
            response(&mut frame, 9, status);
            encode_into(&("payload", 1u8), &mut frame).unwrap();
            seal(&mut frame);
            assert!(read_frame(&mut &frame[..], &mut body).unwrap());
            let response = parse_response(&body).unwrap();
            assert_eq!((response.id, response.status), (9, status));
            let (text, byte): (String, u8) = decode(response.payload).unwrap();
            assert_eq!((text.as_str(), byte), ("payload", 1));
        }
    }

    #[test]
    fn a_request_for_the_inbox_carries_its_arguments_length_instead() {
        let mut frame = request(5, 3, "m::g");
        encode_value(&vec![7u8; 300], &mut frame).unwrap();
        seal(&mut frame);
        let (head, arguments) = for_inbox(&frame).unwrap();
        let (value, rest) = take_value::<Vec<u8>>(arguments).unwrap();
        assert_eq!((value, rest), (vec![7u8; 300], &[][..]));
        let mut body = Vec::new();
        assert!(read_frame(&mut &head[..], &mut body).unwrap());
        let request = parse_request(&body).unwrap();
        assert_eq!((request.id, request.log, request.name), (5, 3, "m::g"));
        assert!(request.in_inbox);
        assert_eq!(request.inbox_len(), Some(arguments.len()));

        let mut frame = Vec::new();
        response(&mut frame, 5, Status::Returned);
        frame.extend_from_slice(b"result");
        assert_eq!(returned_payload(&frame), Some(&b"result"[..]));
        response(&mut frame, 5, Status::Panicked);
        assert_eq!(returned_payload(&frame), None);
        in_outbox(&mut frame, 5, 1 << 20);
        assert!(read_frame(&mut &frame[..], &mut body).unwrap());
        let response = parse_response(&body).unwrap();
        assert_eq!(
            (response.id, response.status),
            (5, Status::ReturnedInOutbox)
        );
        assert_eq!(outbox_len(response.payload), Some(1 << 20));
        assert_eq!(outbox_len(&[1, 2]), None);
    }

    #[test]
    fn kept_buffers_stay_within_their_bounds() {
        let mut keep = Keep::default();
        let mut buffer: Vec<u8> = Vec::with_capacity(64 << 20);
        keep.after_use(&mut buffer, 64 << 20);
        assert!(buffer.capacity() >= 64 << 20, "a fully used buffer stays");
        for _ in 0..LIGHT_USES - 1 {
            keep.after_use(&mut buffer, 100);
        }
        assert!(buffer.capacity() >= 64 << 20, "a few light calls keep it");
        keep.after_use(&mut buffer, 64 << 20);
        for _ in 0..LIGHT_USES - 1 {
            keep.after_use(&mut buffer, 100);
        }
        assert!(
            buffer.capacity() >= 64 << 20,
            "a heavy call starts the count again"
        );
        keep.after_use(&mut buffer, 100);
        assert_eq!(buffer.capacity(), 0, "light calls in a row let it go");
        let mut small: Vec<u8> = Vec::with_capacity(1000);
        for _ in 0..2 * LIGHT_USES {
            keep.after_use(&mut small, 1);
        }
        assert_eq!(small.capacity(), 1000, "a small buffer always stays");
        let mut huge: Vec<u8> = Vec::with_capacity(KEEP_MOST + 1);
        keep.after_use(&mut huge, KEEP_MOST + 1);
        assert_eq!(huge.capacity(), 0, "over the bound it goes at once");
    }

    #[test]
    fn log_levels_round_trip_through_their_byte() {
        use tracing::level_filters::LevelFilter;
        for filter in [
            LevelFilter::OFF,
            LevelFilter::ERROR,
            LevelFilter::WARN,
            LevelFilter::INFO,
            LevelFilter::DEBUG,
            LevelFilter::TRACE,
        ] {
            assert_eq!(level_filter(log_level(filter)), filter);
        }
        assert_eq!(log_level(LevelFilter::OFF), 0);
        assert_eq!(level_filter(200), LevelFilter::TRACE);
    }
}
