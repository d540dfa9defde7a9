//! Everything the macros do, on `proc_macro2` tokens: one module per
//! decorator (parse its options, check them, emit), and the pieces they
//! share.
//!
//! Also compiled into the `decor-tests` package (by `#[path]`) for the
//! expansion snapshots and the malformed-input corpus.

pub mod cache;
pub mod errors;
pub mod exits;
pub mod func;
pub mod logged;
pub mod main_attr;
pub mod moved_body;
pub mod options;
pub mod parallel;
pub mod paths;
pub mod pipeline;
pub mod placement;
pub mod process;
pub mod rate_limit;
pub mod retry;
pub mod spawn;
pub mod synchronized;
pub mod timed;
pub mod timeout;
pub mod with;
