//! Without the `rate_limit` feature: the names an expansion uses, doing
//! nothing, so that the one error a `#[rate_limit]` gives is
//! `rate_limit_enabled!`'s, which says to turn the feature on.

use super::RateLimited;

/// Stands in for the limiter's site; never used, as the build fails.
pub struct Site;

impl Site {
    /// Takes the figures and ignores them.
    pub const fn new(_: &'static str, _: bool, _: u32, _: u64, _: u32, _: usize) -> Site {
        Site
    }

    /// No key.
    pub fn key<K: ?Sized>(&'static self, _: &K) -> Option<u64> {
        None
    }

    /// Does not wait.
    pub fn wait(&'static self, _: Option<u64>) {}

    /// Does not wait.
    pub async fn wait_async(&'static self, _: Option<u64>) {}

    /// Lets every call through.
    pub fn try_admit(&'static self, _: Option<u64>) -> Result<(), RateLimited> {
        Ok(())
    }
}

/// Never called: `try_admit` never refuses.
pub fn reject<R>(limited: RateLimited) -> R {
    unreachable!("{limited}")
}
