//! `max_len`: each logged value is cut at a number of characters, and its
//! formatting stops there, so a huge argument costs no more to log than its
//! first characters.

use std::fmt::{self, Debug, Display, Formatter, Write};

/// A value logged with `Debug`, cut after `max_len` characters.
pub(crate) struct Capped<'a, T: ?Sized> {
    value: &'a T,
    max_len: usize,
}

impl<'a, T: ?Sized> Capped<'a, T> {
    /// `value`, to be cut after `max_len` characters (`usize::MAX`: never).
    pub(crate) fn new(value: &'a T, max_len: usize) -> Self {
        Capped { value, max_len }
    }
}

impl<T: Debug + ?Sized> Debug for Capped<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.max_len == usize::MAX {
            return self.value.fmt(f);
        }
        cap(f, self.max_len, |out| write!(out, "{:?}", self.value))
    }
}

/// A value logged with `Display` (an error's text, a panic message), cut
/// after `max_len` characters; it formats as `Debug` so it can go through
/// `tracing::field::debug` like every other logged value.
pub(crate) struct CappedText<'a, T: ?Sized> {
    value: &'a T,
    max_len: usize,
}

impl<'a, T: ?Sized> CappedText<'a, T> {
    pub(crate) fn new(value: &'a T, max_len: usize) -> Self {
        CappedText { value, max_len }
    }
}

impl<T: Display + ?Sized> Debug for CappedText<'_, T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.max_len == usize::MAX {
            return self.value.fmt(f);
        }
        cap(f, self.max_len, |out| write!(out, "{}", self.value))
    }
}

/// Runs `format` into a writer that passes at most `max_len` characters on
/// to `f` and then fails, which makes the value's own formatting stop; the
/// cut is then marked.
fn cap(
    f: &mut Formatter<'_>,
    max_len: usize,
    format: impl FnOnce(&mut Limit<'_, '_>) -> fmt::Result,
) -> fmt::Result {
    let mut limit = Limit {
        out: f,
        left: max_len,
        cut: false,
    };
    match format(&mut limit) {
        Err(_) if limit.cut => write!(limit.out, "…(cut at {max_len} chars)"),
        result => result,
    }
}

struct Limit<'a, 'f> {
    out: &'a mut Formatter<'f>,
    left: usize,
    cut: bool,
}

impl Write for Limit<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        // Bytes bound characters from above: most pieces fit without counting.
        if text.len() <= self.left {
            self.left -= text.chars().count();
            return self.out.write_str(text);
        }
        match text.char_indices().nth(self.left) {
            None => {
                self.left -= text.chars().count();
                self.out.write_str(text)
            }
            Some((end, _)) => {
                self.out.write_str(&text[..end])?;
                self.left = 0;
                self.cut = true;
                Err(fmt::Error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn short_values_are_whole() {
        assert_eq!(format!("{:?}", Capped::new(&"abc", 5)), "\"abc\"");
        assert_eq!(format!("{:?}", Capped::new(&[1, 2], usize::MAX)), "[1, 2]");
        assert_eq!(format!("{:?}", CappedText::new(&"héllo", 5)), "héllo");
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary_and_marked() {
        assert_eq!(
            format!("{:?}", CappedText::new(&"ééééé", 3)),
            "ééé…(cut at 3 chars)"
        );
        assert_eq!(
            format!("{:?}", Capped::new(&vec![1u32; 100], 7)),
            "[1, 1, …(cut at 7 chars)"
        );
    }

    /// Counts how many elements were formatted.
    struct Counting<'a>(&'a Cell<usize>, usize);
    impl Debug for Counting<'_> {
        fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
            for _ in 0..self.1 {
                self.0.set(self.0.get() + 1);
                f.write_str("xxxx")?;
            }
            Ok(())
        }
    }

    #[test]
    fn formatting_stops_at_the_cap() {
        let formatted = Cell::new(0);
        let text = format!("{:?}", Capped::new(&Counting(&formatted, 1_000_000), 10));
        assert_eq!(text, "xxxxxxxxxx…(cut at 10 chars)");
        assert_eq!(formatted.get(), 3, "formatting went on past the cap");
    }
}
