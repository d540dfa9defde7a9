//! `#[retry]`'s runtime: the [`Retry`] policy, a [`Decorator`] like any
//! user's, and the [`RetryInfo`] its `on_retry` hook receives.
//!
//! `#[retry(...)]` is `#[with(RETRY)]` where `RETRY` is a `static Retry`
//! built from the options, plus compile-time checks (the function returns
//! a `Result`; owned arguments are `Clone`) and the `when = ...` filter,
//! which needs the error's type and so runs in the function.

use std::fmt;
use std::time::Duration;

use crate::timed::clock::Stamp;

use crate::with::{After, Call, Decorator, Outcome};

/// A retry policy: how many runs, how long between them, and for how long
/// in all. What `#[retry(...)]` builds from its options; usable directly
/// with `#[decor::with(...)]`.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use std::time::Duration;
///
/// static POLICY: decor::Retry = decor::Retry::new()
///     .attempts(4)
///     .delay(Duration::from_millis(1))
///     .backoff(2.0);
///
/// static RUNS: AtomicU32 = AtomicU32::new(0);
///
/// #[decor::with(POLICY)]
/// fn connect(port: u16) -> Result<u16, String> {
///     match RUNS.fetch_add(1, Ordering::Relaxed) {
///         0..=2 => Err("refused".into()),
///         _ => Ok(port),
///     }
/// }
///
/// assert_eq!(connect(8080), Ok(8080));
/// assert_eq!(RUNS.load(Ordering::Relaxed), 4);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    attempts: u32,
    delay: Duration,
    backoff: f64,
    max_delay: Duration,
    jitter: bool,
    deadline: Option<Duration>,
    on_retry: Option<fn(&RetryInfo)>,
}

impl Retry {
    /// Three attempts, 100 ms apart at first, doubling up to 10 s, no
    /// jitter, no deadline: `#[retry]`'s defaults.
    pub const fn new() -> Retry {
        Retry {
            attempts: 3,
            delay: Duration::from_millis(100),
            backoff: 2.0,
            max_delay: Duration::from_secs(10),
            jitter: false,
            deadline: None,
            on_retry: None,
        }
    }

    /// Runs in all, the first included (at least 1).
    pub const fn attempts(mut self, attempts: u32) -> Retry {
        self.attempts = if attempts == 0 { 1 } else { attempts };
        self
    }

    /// The pause before the second run.
    pub const fn delay(mut self, delay: Duration) -> Retry {
        self.delay = delay;
        self
    }

    /// Each pause is the previous one times this (1.0: constant).
    pub const fn backoff(mut self, backoff: f64) -> Retry {
        self.backoff = backoff;
        self
    }

    /// No pause is longer than this.
    pub const fn max_delay(mut self, max_delay: Duration) -> Retry {
        self.max_delay = max_delay;
        self
    }

    /// Each pause is drawn at random between half and all of its length
    /// ("equal jitter"), so that callers failing together do not retry
    /// together.
    pub const fn jitter(mut self, jitter: bool) -> Retry {
        self.jitter = jitter;
        self
    }

    /// No pause ends, and so no run starts, later than this after the call
    /// began: when the next pause would pass it, the last error is
    /// returned at once. (A run already started is not interrupted; on an
    /// `async fn`, stack `#[timeout]` below `#[retry]` for that.)
    pub const fn deadline(mut self, deadline: Duration) -> Retry {
        self.deadline = Some(deadline);
        self
    }

    /// Called before each pause, with the attempt that failed, the pause
    /// and the error as text.
    pub const fn on_retry(mut self, hook: fn(&RetryInfo)) -> Retry {
        self.on_retry = Some(hook);
        self
    }

    /// The pause after failed attempt `attempt` (from 1), before jitter.
    fn pause_after(&self, attempt: u32) -> Duration {
        let factor = self.backoff.max(0.0).powi(attempt.saturating_sub(1) as i32);
        let nanos = self.delay.as_nanos() as f64 * factor;
        let capped = nanos.min(self.max_delay.as_nanos() as f64);
        if capped.is_finite() && capped >= 0.0 {
            Duration::from_nanos(capped as u64)
        } else {
            self.max_delay
        }
    }
}

impl Default for Retry {
    fn default() -> Retry {
        Retry::new()
    }
}

/// What a [`Retry`] keeps for one call: when it began, read only when
/// there is a deadline and a run has failed. On `#[timed]`'s clock (one
/// `rdtsc` where the CPU allows), not `Instant` (a `clock_gettime`, some
/// 40 ns in a VM): every call with a deadline reads it once.
#[doc(hidden)]
#[derive(Default)]
pub struct RetryState {
    started: Option<Stamp>,
}

impl Decorator for Retry {
    type State = RetryState;

    #[inline(always)]
    fn before(&self, _: &Call<'_>, state: &mut RetryState) -> Result<(), crate::Skipped> {
        if self.deadline.is_some() && state.started.is_none() {
            state.started = Some(Stamp::now());
        }
        Ok(())
    }

    #[inline(always)]
    fn may_repeat(&self, call: &Call<'_>, _: &RetryState) -> bool {
        call.attempt() < self.attempts
    }

    #[inline(always)]
    fn after(&self, call: &Call<'_>, state: &mut RetryState, outcome: &Outcome<'_>) -> After {
        match &outcome.error {
            Some(error) if outcome.wanted && call.attempt() < self.attempts => {
                self.again(call, state, error)
            }
            _ => After::Return,
        }
    }
}

impl Retry {
    #[cold]
    fn again(&self, call: &Call<'_>, state: &RetryState, error: &dyn fmt::Display) -> After {
        let mut pause = self.pause_after(call.attempt());
        if self.jitter {
            pause = jittered(pause);
        }
        if let (Some(deadline), Some(started)) = (self.deadline, state.started) {
            if Duration::from_nanos(started.elapsed_nanos()) + pause >= deadline {
                tracing::warn!(
                    target: "decor::retry",
                    function = call.name(),
                    module = call.module(),
                    attempt = call.attempt(),
                    error = %error,
                    "giving up: the next attempt would start past the {} deadline",
                    crate::timers::human(deadline)
                );
                return After::Return;
            }
        }
        tracing::warn!(
            target: "decor::retry",
            function = call.name(),
            module = call.module(),
            attempt = call.attempt(),
            attempts = self.attempts,
            error = %error,
            "retrying in {}",
            crate::timers::human(pause)
        );
        crate::timers::note(crate::timers::Noted::Retry);
        if let Some(hook) = self.on_retry {
            hook(&RetryInfo {
                function: call.name(),
                module: call.module(),
                attempt: call.attempt(),
                delay: pause,
                error: error.to_string(),
            });
        }
        After::Again(pause)
    }
}

/// Half of `pause` plus a random part of the other half.
fn jittered(pause: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    // std's RandomState is seeded from the OS once and then varied per
    // instance: enough randomness to spread retries, and no dependency.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(pause.as_nanos() as u64);
    let unit = (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64;
    pause / 2 + pause.mul_f64(unit / 2.0)
}

/// What `on_retry` is told about a failed attempt.
#[derive(Clone, Debug)]
pub struct RetryInfo {
    function: &'static str,
    module: &'static str,
    attempt: u32,
    delay: Duration,
    error: String,
}

impl RetryInfo {
    /// The function's name.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// Its module.
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// The attempt that failed, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The pause before the next attempt.
    pub fn next_delay(&self) -> Duration {
        self.delay
    }

    /// The error, as text.
    pub fn error(&self) -> &str {
        &self.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_cap() {
        let policy = Retry::new()
            .delay(Duration::from_millis(100))
            .backoff(2.0)
            .max_delay(Duration::from_millis(350));
        let pauses: Vec<u128> = (1..=4).map(|a| policy.pause_after(a).as_millis()).collect();
        assert_eq!(pauses, [100, 200, 350, 350]);
        let constant = Retry::new().backoff(1.0).delay(Duration::from_millis(7));
        assert_eq!(constant.pause_after(9), Duration::from_millis(7));
        let huge = Retry::new()
            .backoff(1e300)
            .max_delay(Duration::from_secs(3));
        assert_eq!(huge.pause_after(50), Duration::from_secs(3));
    }

    #[test]
    fn jitter_stays_in_the_upper_half() {
        let pause = Duration::from_millis(100);
        let drawn: Vec<Duration> = (0..200).map(|_| jittered(pause)).collect();
        assert!(drawn.iter().all(|d| *d >= pause / 2 && *d <= pause));
        let distinct: std::collections::HashSet<_> = drawn.iter().collect();
        assert!(distinct.len() > 100, "{} distinct of 200", distinct.len());
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(Retry::new().attempts(0).attempts, 1);
    }
}

/// Compile-time checks `#[retry]` puts in the function, reached through
/// `__private::retry`.
#[doc(hidden)]
pub mod checks {
    /// An argument `#[retry]` can hand to more than one run; `Name` is a
    /// marker type named after the parameter, for the message.
    #[diagnostic::on_unimplemented(
        message = "`#[retry]` gives the argument `{Name}` to every attempt, so it must be `Clone`, and `{Self}` is not",
        label = "`{Name}` is taken by value: each attempt but the last gets a clone",
        note = "take it by reference (`&{Self}`), or implement `Clone` for `{Self}`"
    )]
    pub trait RetryArgument<Name> {}
    // Not recommended in errors: the message above, not "`Clone` is not
    // implemented", names the parameter.
    #[diagnostic::do_not_recommend]
    impl<T: Clone, Name> RetryArgument<Name> for T {}

    /// [`RetryArgument`] for a parameter written as a pattern.
    #[diagnostic::on_unimplemented(
        message = "`#[retry]` gives this argument to every attempt, so it must be `Clone`, and `{Self}` is not",
        label = "taken by value: each attempt but the last gets a clone",
        note = "take it by reference (`&{Self}`), or implement `Clone` for `{Self}`"
    )]
    pub trait RetryPattern {}
    #[diagnostic::do_not_recommend]
    impl<T: Clone> RetryPattern for T {}

    /// What a `#[retry]` function may return.
    #[diagnostic::on_unimplemented(
        message = "`#[retry]` runs the body again when it returns `Err`, so it must return a `Result`, not `{Self}`",
        label = "not a `Result`"
    )]
    pub trait RetryResult {}
    impl<T, E> RetryResult for Result<T, E> {}

    #[inline(always)]
    pub fn clonable<Name, T: RetryArgument<Name> + ?Sized>(_: &T) {}

    #[inline(always)]
    pub fn clonable_pattern<T: RetryPattern + ?Sized>(_: &T) {}

    #[inline(always)]
    pub fn returns_result<R: RetryResult>() {}
}
