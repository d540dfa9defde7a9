//! Python-style decorators for Rust.
//!
//! `decor` turns the decorators a Python programmer reaches for into one-line
//! attributes that keep the function's signature, compile errors and
//! behaviour intact:
//!
//! | attribute | what it does |
//! |---|---|
//! | [`#[timed]`](macro@timed) | counts calls, outcomes and a latency histogram per function |
//! | [`#[logged]`](macro@logged) | a span per call, an entry event with the arguments, an exit event with the return value or error |
//! | [`#[decor::main]`](macro@main) | sets up logging and prints the timer table at exit |
//!
//! ```
//! #[decor::timed]
//! #[decor::logged(skip(password))]
//! fn login(user: &str, password: &str) -> Result<u32, String> {
//!     if password.len() >= 8 { Ok(user.len() as u32) } else { Err("too short".into()) }
//! }
//!
//! assert_eq!(login("ada", "correct horse"), Ok(3));
//! assert!(login("ada", "x").is_err());
//! let stats = decor::timers::get(concat!(module_path!(), "::login")).unwrap();
//! assert_eq!((stats.calls(), stats.errors()), (2, 1));
//! ```
//!
//! Decorators stack like Python's: the topmost is outermost, so above
//! `#[timed]` times the logging too, and below it does not.

#![warn(missing_docs)]

mod init;
mod logged;
mod probe;
mod timed;
pub mod timers;

pub use init::{init, Init, InitGuard};

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// Times every call of a function: wall time, outcome (ok, err, panic, or
/// cancelled for `async fn`) and a latency histogram, in a lock-free static
/// beside the function. Read the figures with [`timers`].
///
/// Methods report as `module::path::method`: give same-named methods of
/// different types in one module a `name` each, or they share a row.
///
/// Options: `name = "..."` (default `module::path::function`),
/// `level = debug` (the per-call event's level, `off` for none),
/// `warn_over = "10ms"` (a WARN event for slower calls), `crate = path`.
///
/// ```
/// #[decor::timed(warn_over = "1s")]
/// fn checksum(data: &[u8]) -> u32 {
///     data.iter().map(|&b| u32::from(b)).sum()
/// }
///
/// assert_eq!(checksum(b"abc"), 294);
/// let stats = decor::timers::get(concat!(module_path!(), "::checksum")).unwrap();
/// assert_eq!(stats.calls(), 1);
/// ```
#[doc(inline)]
pub use decor_macros::timed;

/// Logs every call of a function through `tracing`: a span named after the
/// function, an entry event with the arguments, and an exit event with the
/// return value and elapsed time, an `Err` at ERROR, or the panic message.
///
/// Options: `level = info`, `name = "..."`, `target = "..."`, `skip(a, b)`,
/// `skip_all`, `redact(password)`, `fields(key = expr, ...)`, `ret = false`,
/// `err = warn`, `crate = path`.
///
/// ```
/// #[decor::logged(level = debug, redact(token))]
/// fn fetch(url: &str, token: &str) -> Result<usize, std::io::Error> {
///     Ok(url.len() + token.len())
/// }
///
/// assert_eq!(fetch("https://example.com", "s3cret").unwrap(), 25);
/// ```
#[doc(inline)]
pub use decor_macros::logged;

/// Sets a program up for decor on `fn main`: installs a tracing-subscriber
/// `fmt` subscriber filtered by `RUST_LOG` (default `log = "info"`) unless
/// one is set, and with `report` prints the timer table to stderr when
/// `main` ends, returns `Err` or panics. Composes with `#[tokio::main]`
/// placed below it.
///
/// ```
/// #[decor::main(report, log = "warn")]
/// fn main() -> Result<(), String> {
///     Ok(())
/// }
/// # // doctests call main themselves
/// ```
#[doc(inline)]
pub use decor_macros::main;

/// What the macros' expansions call. Not a public API: anything here may
/// change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::init::Init;
    pub use crate::logged::{level_enabled, Exit, LoggedFuture, LoggedGuard};
    pub use crate::timed::{TimedFuture, TimedGuard};
    pub use crate::timers::Timer;
    pub use tracing;
    pub use tracing::{Level, Span};

    /// Autoref-dispatched questions about types at the call site.
    pub mod probe {
        pub use crate::probe::*;
    }
    pub use crate::{
        __decor_probe_debug as probe_debug, __decor_probe_error as probe_error,
        __decor_probe_exit as probe_exit, __decor_probe_exit_unit as probe_exit_unit,
        __decor_probe_is_err as probe_is_err, __decor_probe_returns_result as probe_returns_result,
        __decor_probe_try_exit as probe_try_exit,
    };

    /// Where a re-executed process-pool worker takes over before `main` runs.
    /// Process workers do not exist yet, so there is nothing to take over.
    #[inline(always)]
    pub fn process_worker_entry() {}
}
