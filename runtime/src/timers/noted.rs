//! Things that happen inside a timed call and that its timer counts beside
//! the call itself: a retry, a cache miss, a wait for a rate limiter.
//!
//! The resilience decorators call [`note`]; when the call is running under a
//! `#[timed]` on this thread, that timer counts it, so the report shows how
//! many of its calls' time went to retries, misses and waits.

/// What a resilience decorator did during a call.
#[allow(dead_code)] // used by the decorators landing with issue 12
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Noted {
    /// `#[retry]` ran the body again.
    Retry,
    /// `#[cache]` computed a value it did not hold.
    CacheMiss,
    /// `#[rate_limit]` waited for its limiter.
    LimiterWait,
}

/// Counts `what` on the timed call running on this thread, if any.
#[allow(dead_code)]
#[inline]
pub(crate) fn note(what: Noted) {
    // Wired to the running timer in a following change; until then the
    // decorators' own counters and log lines are the record.
    let _ = what;
}
