//! What a `#[rate_limit]` expansion calls: the `static` site beside each
//! function, which finds its limiter on the first call, and the three ways
//! through it (wait on the thread, await, or refuse).

use std::future::Future;
use std::hash::{BuildHasher, Hash};
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_timer::Delay;

use super::limiter::{Limiter, Settings};
use super::registry;
use super::RateLimited;
use crate::timers::{note, Noted};

/// A `#[rate_limit]` function's `static`: its options, and its limiter
/// once the first call has found (or made) it.
pub struct Site {
    pub(crate) name: &'static str,
    /// `name = "..."` was given: the limiter is shared by name.
    pub(crate) shared: bool,
    pub(crate) settings: Settings,
    limiter: OnceLock<&'static Limiter>,
}

impl Site {
    /// `max_keys` is 0 for a limiter without `key =`.
    pub const fn new(
        name: &'static str,
        shared: bool,
        calls: u32,
        per_nanos: u64,
        burst: u32,
        max_keys: usize,
    ) -> Site {
        Site {
            name,
            shared,
            settings: Settings {
                calls,
                per_nanos,
                burst,
                max_keys,
            },
            limiter: OnceLock::new(),
        }
    }

    #[inline]
    fn limiter(&'static self) -> &'static Limiter {
        self.limiter.get_or_init(|| registry::resolve(self))
    }

    /// The key a call is limited under: `key = expr`'s value, hashed (with
    /// keys random to the process), so the limiter's store holds a `u64`
    /// whatever the key's type, and a borrowed key works.
    #[inline]
    pub fn key<K: Hash + ?Sized>(&'static self, key: &K) -> Option<u64> {
        static HASHER: OnceLock<std::collections::hash_map::RandomState> = OnceLock::new();
        Some(HASHER.get_or_init(Default::default).hash_one(key))
    }

    /// Blocks the thread until the limiter lets the call through.
    #[inline]
    pub fn wait(&'static self, key: Option<u64>) {
        let limiter = self.limiter();
        let mut waited = false;
        while let Err(wait) = limiter.check(key) {
            waiting(limiter, wait, &mut waited);
            std::thread::sleep(wait);
        }
    }

    /// Lets the call through, or waits for the limiter without blocking
    /// the executor's thread (a timer, on any executor).
    #[inline]
    pub fn wait_async(&'static self, key: Option<u64>) -> WaitFuture {
        WaitFuture {
            site: self,
            key,
            delay: None,
            waited: false,
        }
    }

    /// Lets the call through, or refuses it at once.
    #[inline]
    pub fn try_admit(&'static self, key: Option<u64>) -> Result<(), RateLimited> {
        let limiter = self.limiter();
        limiter.check(key).map_err(|retry_after| {
            limiter.rejected.fetch_add(1, Relaxed);
            tracing::debug!(
                target: "decor::rate_limit",
                limiter = limiter.name,
                retry_after = ?retry_after,
                "over the rate limit; call refused"
            );
            RateLimited::new(limiter.name, retry_after)
        })
    }
}

/// Counts (once per call), notes on a stacked `#[timed]` and logs a wait.
fn waiting(limiter: &Limiter, wait: Duration, waited: &mut bool) {
    if !std::mem::replace(waited, true) {
        limiter.waited.fetch_add(1, Relaxed);
        note(Noted::LimiterWait);
    }
    tracing::debug!(
        target: "decor::rate_limit",
        limiter = limiter.name,
        wait = ?wait,
        "over the rate limit; waiting"
    );
}

/// An `async fn`'s wait for its limiter.
pub struct WaitFuture {
    site: &'static Site,
    key: Option<u64>,
    delay: Option<Delay>,
    waited: bool,
}

impl Future for WaitFuture {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        loop {
            if let Some(delay) = &mut this.delay {
                if Pin::new(delay).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.delay = None;
            }
            let limiter = this.site.limiter();
            match limiter.check(this.key) {
                Ok(()) => return Poll::Ready(()),
                Err(wait) => {
                    waiting(limiter, wait, &mut this.waited);
                    this.delay = Some(Delay::new(wait));
                }
            }
        }
    }
}

/// The return type of a `wait = false` function: a `Result` whose error
/// can be made from [`RateLimited`].
#[diagnostic::on_unimplemented(
    message = "#[rate_limit(wait = false)] returns `Err(E::from(decor::RateLimited))` when a call is over the limit, but this function returns `{Self}`, which is not a `Result`",
    label = "needs a function returning `Result<_, E>`",
    note = "return `Result<T, E>` with `impl From<decor::RateLimited> for E`, or remove `wait = false` to wait for the limiter instead"
)]
pub trait Rejects {
    /// The refusal as this type.
    fn rejected(limited: RateLimited) -> Self;
}

impl<T, E: From<RateLimited>> Rejects for Result<T, E> {
    #[inline]
    fn rejected(limited: RateLimited) -> Self {
        Err(E::from(limited))
    }
}

/// The value a refused call returns: `Err(E::from(limited))`.
#[inline]
pub fn reject<R: Rejects>(limited: RateLimited) -> R {
    R::rejected(limited)
}
