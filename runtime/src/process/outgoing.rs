//! A request on its way to a worker, with its large arguments lent rather
//! than copied into it.
//!
//! A `Vec<P>`, `[P]`, `String` or `str` argument (see `bulk`) of
//! [`LEND_FROM`] bytes or more is not copied into the request frame while
//! the arguments are encoded: the frame gets its length prefix, and the
//! request borrows its bytes until the pool knows where the request goes.
//! Through the worker's inbox, the bytes are then copied once, straight
//! into the shared mapping; through the pipe, once into the frame. Before,
//! a request for the inbox was copied twice (into the frame, then into the
//! inbox), one chunk of a `#[parallel(processes)]` call after the other.

use super::{bulk, wire};

/// Byte-like arguments at least this large are lent, not copied into the
/// frame. Smaller ones cost less to copy than to keep track of.
pub(crate) const LEND_FROM: usize = 16 << 10;

/// A call's request being built: the frame so far (header, then the
/// arguments except the lent bytes) and the bytes it borrows from the
/// caller, each with the frame position it belongs at.
///
/// Generated `processes` code only passes it on, to
/// [`send`](crate::__private::process::send).
pub struct OutgoingRequest<'a> {
    frame: Vec<u8>,
    /// Where the arguments start in `frame`.
    head_len: usize,
    /// Lent arguments' bytes, in order: each goes at its position in
    /// `frame` (after its length prefix, before what follows it there).
    lent: Vec<(usize, &'a [u8])>,
    /// The bytes in `lent`.
    lent_len: usize,
    /// Copied on this thread alone: other requests are being copied on
    /// other threads at the same time (see `ProcessPool::send_all`), so a
    /// helper thread would only compete with them.
    pub(crate) one_thread: bool,
}

impl<'a> OutgoingRequest<'a> {
    /// A request for call `id` of function `name` (see
    /// [`wire::request_into`]), built in `frame`, which is cleared.
    pub(crate) fn new(mut frame: Vec<u8>, id: u64, log: u8, name: &str) -> Self {
        wire::request_into(&mut frame, id, log, name);
        let head_len = frame.len();
        OutgoingRequest {
            frame,
            head_len,
            lent: Vec::new(),
            lent_len: 0,
            one_thread: false,
        }
    }

    /// The frame, for encoders that append to it.
    pub(crate) fn frame_mut(&mut self) -> &mut Vec<u8> {
        &mut self.frame
    }

    /// Appends one byte-like argument: lent when it is large, copied now
    /// otherwise; read by `bulk::take` either way.
    pub(crate) fn put_bytes(&mut self, bytes: &'a [u8]) {
        if bytes.len() < LEND_FROM {
            bulk::put(bytes, &mut self.frame);
            return;
        }
        self.frame
            .extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        self.lent.push((self.frame.len(), bytes));
        self.lent_len += bytes.len();
    }

    /// The arguments' length, lent bytes included.
    pub(crate) fn arguments_len(&self) -> usize {
        self.frame.len() - self.head_len + self.lent_len
    }

    /// The arguments, in order, as pieces of the frame and lent bytes.
    pub(crate) fn argument_pieces(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut from = self.head_len;
        let mut pieces = Vec::with_capacity(2 * self.lent.len() + 1);
        for &(at, bytes) in &self.lent {
            pieces.push(&self.frame[from..at]);
            pieces.push(bytes);
            from = at;
        }
        pieces.push(&self.frame[from..]);
        pieces.into_iter().filter(|piece| !piece.is_empty())
    }

    /// The frame to send through the pipe when the arguments are in the
    /// worker's inbox: the header, marked so, and the arguments' length.
    pub(crate) fn inbox_head(&self) -> Vec<u8> {
        let mut head = Vec::with_capacity(self.head_len + 8);
        head.extend_from_slice(&self.frame[..self.head_len]);
        wire::mark_in_inbox(&mut head, self.arguments_len());
        head
    }

    /// The whole, sealed frame, for the pipe: the one it was built in if
    /// nothing was lent; else lent bytes copied in, built in a `buffer()`
    /// (cleared; a kept buffer spares a fresh allocation), and the frame
    /// buffer this request was built in is handed back too.
    pub(crate) fn into_frame(self, buffer: impl FnOnce() -> Vec<u8>) -> (Vec<u8>, Option<Vec<u8>>) {
        if self.lent.is_empty() {
            let mut frame = self.frame;
            wire::seal(&mut frame);
            return (frame, None);
        }
        let mut buffer = buffer();
        buffer.clear();
        buffer.reserve(self.head_len + self.arguments_len());
        buffer.extend_from_slice(&self.frame[..self.head_len]);
        for piece in self.argument_pieces() {
            bulk::append(piece, &mut buffer);
        }
        wire::seal(&mut buffer);
        (buffer, Some(self.frame))
    }

    /// The frame buffer, given back when the request is not sent.
    pub(crate) fn into_buffer(self) -> Vec<u8> {
        self.frame
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lent_bytes_land_where_a_copy_would_have() {
        let big: Vec<u8> = (0..3 * LEND_FROM).map(|i| i as u8).collect();
        let small = b"tail".to_vec();
        let mut copied = wire::request(7, 0, "f");
        wire::encode_value(&big, &mut copied).unwrap();
        wire::encode_value(&5u32, &mut copied).unwrap();
        wire::encode_value(&small, &mut copied).unwrap();
        wire::seal(&mut copied);

        let mut lent = OutgoingRequest::new(Vec::new(), 7, 0, "f");
        lent.put_bytes(&big);
        wire::encode_into(&5u32, lent.frame_mut()).unwrap();
        lent.put_bytes(&small);
        assert_eq!(lent.lent.len(), 1, "only the large argument is lent");
        let pieces: Vec<u8> = lent.argument_pieces().flatten().copied().collect();
        let head = lent.inbox_head();
        let (frame, _) = lent.into_frame(Vec::new);
        assert_eq!(frame, copied);
        let (inline, arguments) = wire::for_inbox(&copied).unwrap();
        assert_eq!(head, inline);
        assert_eq!(pieces, arguments);
        assert_eq!(wire::inline_again(&head, &pieces), copied);
    }
}
