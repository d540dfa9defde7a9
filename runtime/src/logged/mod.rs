//! Runtime support for `#[logged]`.
//!
//! The expansion holds only data: one [`Site`] static per function, built in
//! `const` context from the names, target, levels and options the macro read
//! (the way `tracing`'s own macros build their callsites), and calls into
//! this module. Everything else lives here, written once: the span and event
//! callsites' behaviour, the event schema (`call`, `return`, `error`,
//! `panic`, `cancelled` and their fields), how a call's end is classified,
//! and the `max_len` cap on logged values.
//!
//! - [`Guard`] is held by a synchronous function while its body runs inline;
//!   every exit hands its value through [`Guard::observe`].
//! - [`LoggedFuture`] wraps an `async fn`'s body.
//! - At a level that is disabled, a call costs one relaxed atomic load to
//!   find that out, and its guard is "quiet": it opens no span, reads no
//!   clock and formats nothing, but still logs an `Err` or a panic if *their*
//!   level is enabled, as a Python `logging` user expects.

mod capped;
mod future;
mod guard;
mod panic_hook;
mod site;

pub use future::LoggedFuture;
pub use guard::Guard;
pub use site::{Site, Spec};

use crate::probe::{DebugOrName, ErrorText};

/// How a logged call ended, as a guard's classifier reports it.
pub enum Exit<'a> {
    /// Returned; the value unless the function returns `()` or `ret = false`.
    Return(Option<DebugOrName<'a>>),
    /// Returned `Err`.
    Error(ErrorText<'a>),
    /// Unwinding with this panic message.
    Panic(&'a str),
    /// An `async fn`'s future dropped before it completed.
    Cancelled,
}

/// What a redacted argument logs as.
pub const REDACTED: DebugOrName<'static> = DebugOrName::Name("\"***\"");

/// `true` if events at `level` can be enabled at all: one relaxed atomic load
/// (the global max level), the whole cost of a call at a disabled level.
#[inline(always)]
pub fn level_enabled(level: tracing::Level) -> bool {
    level <= tracing::level_filters::STATIC_MAX_LEVEL
        && level <= tracing::level_filters::LevelFilter::current()
}
