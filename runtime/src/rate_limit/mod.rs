//! `#[rate_limit]`'s runtime: the error a limited call returns
//! ([`RateLimited`], always compiled, so an `impl From<RateLimited>` builds
//! without the feature), and with the `rate_limit` feature the limiters
//! themselves: a GCRA on the governor crate per function or per shared
//! `name`, a keyed one with bounded memory for `key = expr`, the
//! registry behind [`rate_limits`](crate::rate_limits), and what the
//! expansions call.

use std::fmt;
use std::time::Duration;

#[cfg(feature = "rate_limit")]
pub(crate) mod handle;
#[cfg(feature = "rate_limit")]
mod keyed;
#[cfg(feature = "rate_limit")]
mod limiter;
#[cfg(not(feature = "rate_limit"))]
pub(crate) mod off;
#[cfg(feature = "rate_limit")]
mod registry;
#[cfg(feature = "rate_limit")]
pub(crate) mod site;

#[cfg(feature = "rate_limit")]
pub use site::{reject, Rejects, Site, WaitFuture};

/// What a `#[rate_limit(wait = false)]` function returns, converted into
/// its error type (`Err(E::from(RateLimited))`), when a call is over the
/// limit: the call did not run, and [`retry_after`](Self::retry_after)
/// says when one would be let through.
///
/// ```
/// use std::time::Duration;
///
/// #[derive(Debug)]
/// enum ApiError {
///     Busy(Duration),
/// }
///
/// impl From<decor::RateLimited> for ApiError {
///     fn from(limited: decor::RateLimited) -> Self {
///         ApiError::Busy(limited.retry_after())
///     }
/// }
///
/// #[decor::rate_limit(calls = 1, per = "1m", wait = false)]
/// fn ping() -> Result<&'static str, ApiError> {
///     Ok("pong")
/// }
///
/// assert_eq!(ping().unwrap(), "pong");
/// let Err(ApiError::Busy(after)) = ping() else { panic!("let through") };
/// assert!(after > Duration::ZERO && after <= Duration::from_secs(60));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimited {
    limiter: &'static str,
    retry_after: Duration,
}

impl RateLimited {
    #[cfg_attr(not(feature = "rate_limit"), allow(dead_code))]
    pub(crate) fn new(limiter: &'static str, retry_after: Duration) -> RateLimited {
        RateLimited {
            limiter,
            retry_after,
        }
    }

    /// How long from the rejection until the limiter would let a call
    /// through (if no other call takes that place first).
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// The name of the limiter that refused the call: its `name = "..."`,
    /// or `module::path::function`.
    pub fn limiter(&self) -> &'static str {
        self.limiter
    }
}

impl fmt::Display for RateLimited {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rate limit `{}` exceeded; retry after {:?}",
            self.limiter, self.retry_after
        )
    }
}

impl std::error::Error for RateLimited {}
