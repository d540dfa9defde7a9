//! Shared-memory mailboxes for large payloads (Linux).
//!
//! Through a pipe a payload is copied twice by the kernel (into the pipe,
//! out of it), in pieces of the pipe's buffer, each side waking the other
//! for every piece. Each worker instead gets two mailboxes from its parent,
//! `memfd`s both processes map: an inbox for large requests (the parent
//! writes, the worker reads) and an outbox for large results (the worker
//! writes, the parent reads). The frame on the pipe then says only how
//! long the payload in the mailbox is; the payload itself is copied once,
//! into the mapping, and read from there.
//!
//! A mailbox has one slot: a 4 KiB header whose first word says whether
//! the slot is free (the writer may fill it) or full (the reader owns it
//! until it frees it), and the payload after it, page-aligned. A writer
//! that finds the slot full sends the payload through the pipe as before,
//! so pipelined calls never wait for the mailbox. The writer grows the file
//! when a payload does not fit; the reader maps what the file then holds.
//! A worker that dies holding a slot takes nothing with it: its
//! replacement gets new mailboxes.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// The header before the payload: the slot's state word, then padding to
/// a page, so the payload is page-aligned.
const HEADER: usize = 4096;

/// Payloads at least this large go through a mailbox (when it is free);
/// under it, the pipe's copy costs less than the mailbox's bookkeeping.
pub(crate) const FROM: usize = 256 << 10;

/// Payloads over this go through the pipe: a mailbox's file never grows
/// past it, so two mailboxes per worker hold at most twice this.
const MOST: usize = 256 << 20;

/// The slot's state: the writer may fill it.
const FREE: u32 = 0;
/// The slot's state: a payload is in it, and the reader owns it.
const FULL: u32 = 1;

/// A shared mapping of a mailbox's file, unmapped when dropped: shared
/// with the calls whose arguments it holds (see [`Posted`]), so it
/// outlives a remap or the mailbox itself while one needs it.
struct Mapping {
    /// The start of the mapping (page-aligned, as `mmap` returns it).
    map: *mut u8,
    /// Bytes mapped at `map`.
    len: usize,
}

// SAFETY: the mapping is owned by this value alone and unmapped only by its
// drop; the bytes it maps are written only under the rules of `Mailbox`
// (the slot's state word, the sender's lock), which hold on any thread.
unsafe impl Send for Mapping {}
// SAFETY: as for `Send`: shared references only read the payload of a
// full slot (see `Posted::arguments`) or touch the atomic state word.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `map` and `len` are a mapping `remap` made, which only
        // this value unmaps; no reference into it outlives the value.
        unsafe { libc::munmap(self.map.cast(), self.len) };
    }
}

/// Arguments put in an inbox, as their call keeps them: if the call must
/// move to another worker before this one took it (the worker died), its
/// request is made whole again from here.
pub(crate) struct Posted {
    mapping: Arc<Mapping>,
    /// The mailbox's file, to check it still holds the payload.
    file: Arc<File>,
    len: usize,
}

impl Posted {
    /// The arguments, if the slot still holds them: it is full (the worker
    /// never took them) and the file still spans them. `None` otherwise.
    /// Read only once the mailbox's sender is gone, so nothing writes the
    /// slot any more.
    pub(crate) fn arguments(&self) -> Option<&[u8]> {
        // SAFETY: the mapping is at least `HEADER` bytes, page-aligned, its
        // first word only ever accessed atomically (see `Mailbox::state`).
        let state = unsafe { AtomicU32::from_ptr(self.mapping.map.cast()) };
        let size = usize::try_from(self.file.metadata().ok()?.len()).ok()?;
        let need = HEADER.checked_add(self.len)?;
        if state.load(Ordering::Acquire) != FULL || need > size || need > self.mapping.len {
            return None;
        }
        // SAFETY: the slot is full, and its writer (the parent's sender,
        // now gone) filled it before storing `FULL`; nothing writes a full
        // slot, so the bytes stay as put for this borrow; they are mapped
        // and within the file (checked above), so reading them cannot
        // fault; `u8` has no invalid values.
        Some(unsafe { std::slice::from_raw_parts(self.mapping.map.add(HEADER), self.len) })
    }
}

/// One end of a mailbox: the parent's or the worker's mapping of the file.
pub(crate) struct Mailbox {
    /// Shared with [`Posted`] payloads.
    file: Arc<File>,
    mapping: Arc<Mapping>,
    /// Bytes in the file, as far as this end knows (the writer grows it).
    size: usize,
    /// The writer's side: when a grown file shrinks back.
    keep: super::wire::Keep,
}

impl Mailbox {
    /// A new, empty mailbox, its descriptor closed on `exec` (the parent
    /// clears that for the one worker that inherits it).
    pub(crate) fn create(name: &std::ffi::CStr) -> io::Result<Mailbox> {
        // SAFETY: `memfd_create` reads a zero-terminated name that lives
        // through the call; it returns a new descriptor or -1.
        let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if fd == -1 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a new descriptor this process owns and nothing
        // else refers to.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(HEADER as u64)?;
        Mailbox::map(file, HEADER)
    }

    /// The mailbox behind a descriptor inherited from the parent.
    pub(crate) fn open(file: File) -> io::Result<Mailbox> {
        let size = usize::try_from(file.metadata()?.len())
            .map_err(|_| io::Error::other("mailbox too large"))?;
        if size < HEADER {
            return Err(io::Error::other("not a mailbox"));
        }
        Mailbox::map(file, size)
    }

    fn map(file: File, size: usize) -> io::Result<Mailbox> {
        let mapping = Mailbox::map_file(&file, size)?;
        Ok(Mailbox {
            file: Arc::new(file),
            mapping: Arc::new(mapping),
            size,
            keep: super::wire::Keep::default(),
        })
    }

    /// The descriptor, for the worker to inherit.
    pub(crate) fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// A new mapping of the first `len` bytes of `file` (at least `HEADER`).
    fn map_file(file: &File, len: usize) -> io::Result<Mapping> {
        // SAFETY: a new shared mapping of a file this process owns, at an
        // address the kernel picks; it aliases no Rust object. Only bytes
        // below the file's size are ever touched (see `put` and `get`), so
        // no access faults with `SIGBUS`.
        let map = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if map == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Mapping {
            map: map.cast(),
            len,
        })
    }

    /// Maps the first `len` bytes of the file in place of the current
    /// mapping, which stays if the new one cannot be made (and lives on
    /// while a `Posted` holds it).
    fn remap(&mut self, len: usize) -> io::Result<()> {
        self.mapping = Arc::new(Mailbox::map_file(&self.file, len)?);
        Ok(())
    }

    /// The slot's state word, shared with the other process.
    fn state(&self) -> &AtomicU32 {
        // SAFETY: the mapping starts page-aligned and is at least `HEADER`
        // bytes long, so its first 4 bytes are an aligned `u32` that lives
        // as long as `&self`; it is only ever accessed atomically, in both
        // processes.
        unsafe { AtomicU32::from_ptr(self.mapping.map.cast()) }
    }

    /// The writer's side: puts `payload` in the slot if it is free and the
    /// payload fits under [`MOST`]; `false` (nothing written) otherwise, and
    /// the payload goes through the pipe.
    pub(crate) fn put(&mut self, payload: &[u8]) -> bool {
        self.put_pieces(payload.len(), [payload], false).is_some()
    }

    /// [`put`](Mailbox::put) of a payload of `len` bytes given in pieces,
    /// written one after the other (with `one_thread`, never split over a
    /// helper thread); the payload as its call keeps it, or `None` (nothing
    /// written).
    pub(crate) fn put_pieces<'p>(
        &mut self,
        len: usize,
        pieces: impl IntoIterator<Item = &'p [u8]>,
        one_thread: bool,
    ) -> Option<Posted> {
        if len > MOST || self.state().load(Ordering::Acquire) != FREE {
            return None;
        }
        let need = HEADER + len;
        if need > self.size {
            // Grown by powers of two: a payload that grows call by call
            // does not grow the file every time. Untouched pages of a
            // `memfd` take no memory.
            let size = need.next_power_of_two().min(HEADER + MOST);
            self.file.set_len(size as u64).ok()?;
            self.size = size;
        }
        if need > self.mapping.len {
            self.remap(self.size).ok()?;
        }
        let mut at = HEADER;
        for piece in pieces {
            if at + piece.len() > need {
                return None;
            }
            // SAFETY: the slot is free, so the reader reads none of it
            // until the `Release` store below hands it over; `at` to
            // `at + piece.len()` is within the `need` bytes mapped and in
            // the file (checked above); the source is a Rust slice, which
            // cannot overlap a mapping no Rust object refers to.
            unsafe {
                if one_thread {
                    std::ptr::copy_nonoverlapping(
                        piece.as_ptr(),
                        self.mapping.map.add(at),
                        piece.len(),
                    );
                } else {
                    super::bulk::copy_to(self.mapping.map.add(at), piece);
                }
            }
            at += piece.len();
        }
        if at != need {
            return None;
        }
        self.state().store(FULL, Ordering::Release);
        Some(Posted {
            mapping: Arc::clone(&self.mapping),
            file: Arc::clone(&self.file),
            len,
        })
    }

    /// The reader's side: the `len` bytes the writer put, which this end
    /// owns until [`release`](Mailbox::release); `None` if the slot is not
    /// full or the file is shorter (the frame lied: a broken protocol).
    pub(crate) fn get(&mut self, len: usize) -> Option<&[u8]> {
        if self.state().load(Ordering::Acquire) != FULL {
            return None;
        }
        let need = HEADER.checked_add(len)?;
        if need > self.mapping.len {
            let size = usize::try_from(self.file.metadata().ok()?.len()).ok()?;
            if need > size {
                return None;
            }
            self.remap(size).ok()?;
        }
        // SAFETY: the slot is full, so the writer writes none of it until
        // `release`, which takes `&self` and so cannot run while this
        // borrow lives; `len` bytes after the header are mapped and within
        // the file; `u8` has no invalid values.
        Some(unsafe { std::slice::from_raw_parts(self.mapping.map.add(HEADER), len) })
    }

    /// The writer's side, after each message of `len` bytes it sent, by
    /// this mailbox or the pipe: a file grown for large payloads gives its
    /// memory back once messages have been much smaller for a while (as
    /// frame buffers do, see `wire::Keep`), in both processes. Only a free
    /// slot shrinks: the reader reads nothing of it then. The mapping
    /// stays; its pages past the file's new end are never touched (see
    /// `put`).
    pub(crate) fn after_send(&mut self, len: usize) {
        if self.keep.let_go(self.size - HEADER, len)
            && self.state().load(Ordering::Acquire) == FREE
            && self.file.set_len(HEADER as u64).is_ok()
        {
            self.size = HEADER;
        }
    }

    /// The reader's side: done with the payload; the writer may fill the
    /// slot again.
    pub(crate) fn release(&self) {
        self.state().store(FREE, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_crosses_and_the_slot_takes_one_at_a_time() {
        let mut writer = Mailbox::create(c"test-mailbox").unwrap();
        let mut reader = Mailbox::open(writer.file.try_clone().unwrap()).unwrap();
        let first: Vec<u8> = (0..3 * HEADER + 5).map(|i| i as u8).collect();
        assert!(writer.put(&first));
        assert!(!writer.put(b"second"), "the slot is full");
        assert_eq!(
            reader.get(first.len()).unwrap(),
            first,
            "remapped to the grown file"
        );
        reader.release();
        assert!(writer.put(b"second"));
        assert_eq!(reader.get(6).unwrap(), b"second");
        assert!(reader.get(1 << 30).is_none(), "past the file's end");
        reader.release();
        assert!(reader.get(6).is_none(), "a free slot has nothing to read");
        assert!(!writer.put(&vec![0; MOST + 1]), "over the bound: the pipe");
    }

    #[test]
    fn a_grown_file_shrinks_back_after_small_messages_and_grows_again() {
        let mut writer = Mailbox::create(c"test-mailbox").unwrap();
        let mut reader = Mailbox::open(writer.file.try_clone().unwrap()).unwrap();
        let big = vec![7u8; 4 << 20];
        assert!(writer.put(&big));
        writer.after_send(big.len());
        assert_eq!(reader.get(big.len()).unwrap(), big);
        reader.release();
        let file_len = |writer: &Mailbox| writer.file.metadata().unwrap().len() as usize;
        assert!(file_len(&writer) >= HEADER + big.len());
        for _ in 0..8 {
            writer.after_send(100);
        }
        assert_eq!(file_len(&writer), HEADER, "small messages: shrunk");
        let again: Vec<u8> = (0..3 << 20).map(|i| i as u8).collect();
        assert!(writer.put(&again));
        assert_eq!(
            reader.get(again.len()).unwrap(),
            again,
            "the old mapping serves"
        );
    }
}
