//! [`get`]: what a limiter has done, by name.

use std::sync::atomic::Ordering::Relaxed;

use super::limiter::Limiter;
use super::registry;

/// The limiter registered as `name` (its `name = "..."`, or
/// `module::path::function`), once a function using it has been called.
///
/// ```
/// #[decor::rate_limit(calls = 100, per = "1s", name = "doc::search")]
/// fn search(query: &str) -> usize {
///     query.len()
/// }
///
/// assert!(decor::rate_limits::get("doc::search").is_none()); // not called yet
/// search("rust");
/// let stats = decor::rate_limits::get("doc::search").unwrap().stats();
/// assert_eq!((stats.admitted(), stats.waited(), stats.rejected()), (1, 0, 0));
/// ```
pub fn get(name: &str) -> Option<RateLimit> {
    registry::find(name).map(|limiter| RateLimit { limiter })
}

/// A handle on one limiter, from [`get`].
#[derive(Clone, Copy)]
pub struct RateLimit {
    limiter: &'static Limiter,
}

impl RateLimit {
    /// The name it is registered under.
    pub fn name(&self) -> &'static str {
        self.limiter.name
    }

    /// Its counters since the program started, and its keys now.
    pub fn stats(&self) -> RateLimitStats {
        let limiter = self.limiter;
        RateLimitStats {
            admitted: limiter.admitted.load(Relaxed),
            waited: limiter.waited.load(Relaxed),
            rejected: limiter.rejected.load(Relaxed),
            keys: limiter.keys(),
        }
    }
}

impl std::fmt::Debug for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimit")
            .field("name", &self.name())
            .field("stats", &self.stats())
            .finish()
    }
}

/// What a limiter has done, from [`RateLimit::stats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitStats {
    admitted: u64,
    waited: u64,
    rejected: u64,
    keys: usize,
}

impl RateLimitStats {
    /// Calls let through, at once or after waiting.
    pub fn admitted(&self) -> u64 {
        self.admitted
    }

    /// Calls that waited for the limiter before going through.
    pub fn waited(&self) -> u64 {
        self.waited
    }

    /// Calls refused (`wait = false`) with [`RateLimited`](crate::RateLimited).
    pub fn rejected(&self) -> u64 {
        self.rejected
    }

    /// The keys a keyed limiter (`key = expr`) holds now; 0 for one
    /// without keys. Bounded by its `max_keys`.
    pub fn keys(&self) -> usize {
        self.keys
    }
}
