//! The limiters by name, for sharing (`name = "api"`) and for
//! [`rate_limits::get`](crate::rate_limits::get).

use std::collections::BTreeMap;

use parking_lot::Mutex;

use super::limiter::Limiter;
use super::site::Site;

/// Every limiter made so far, by name; kept for the program's life, as the
/// functions using them are.
static LIMITERS: Mutex<BTreeMap<&'static str, &'static Limiter>> = Mutex::new(BTreeMap::new());

/// The limiter a site uses, made on its first call.
///
/// With `name = "..."`, every site naming it shares the first one's
/// limiter; a site whose settings differ logs a WARN and uses it all the
/// same (first wins). Without, each function has its own, registered under
/// `module::function` for `rate_limits::get`; two that report under the
/// same name (same-named methods of two types in one module) keep their
/// own limiters, and `get` finds the first.
pub(crate) fn resolve(site: &'static Site) -> &'static Limiter {
    let mut limiters = LIMITERS.lock();
    if let Some(&existing) = limiters.get(site.name) {
        if site.shared {
            if existing.settings != site.settings {
                tracing::warn!(
                    target: "decor::rate_limit",
                    limiter = site.name,
                    used = ?existing.settings,
                    ignored = ?site.settings,
                    "two #[rate_limit]s share the name `{}` with different settings; \
                     the first one's are used",
                    site.name,
                );
            }
            return existing;
        }
        tracing::warn!(
            target: "decor::rate_limit",
            limiter = site.name,
            "two #[rate_limit] functions are named `{}`; each keeps its own limiter, \
             and rate_limits::get finds the first: give each a `name = \"...\"`",
            site.name,
        );
        return Box::leak(Box::new(Limiter::new(site.name, site.settings)));
    }
    let limiter: &'static Limiter = Box::leak(Box::new(Limiter::new(site.name, site.settings)));
    limiters.insert(site.name, limiter);
    limiter
}

/// The limiter registered as `name`.
pub(crate) fn find(name: &str) -> Option<&'static Limiter> {
    LIMITERS.lock().get(name).copied()
}
