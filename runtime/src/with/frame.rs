//! What a `#[with]` (or `#[retry]`) expansion drives: the function's static
//! [`Site`], one [`Frame`] per call, one [`Slot`] per owned argument.
//!
//! The expansion writes the loop itself (`before`, run, `after`, pause),
//! because only code in the function can run an `async` body again with
//! its `&mut` arguments reborrowed: a closure handed to the runtime could
//! not lend them to a future. Everything the loop decides is decided here.

use std::time::Duration;

use super::{After, Call, Decorator, Outcome, Skipped};
use crate::probe::{DebugOrName, ErrorText};

/// The data a `#[with]` function's static holds: its name, module and
/// parameter names, built in `const` context.
#[doc(hidden)]
pub struct Site {
    pub(crate) name: &'static str,
    pub(crate) module: &'static str,
    pub(crate) params: &'static [&'static str],
}

impl Site {
    #[doc(hidden)]
    pub const fn new(
        name: &'static str,
        module: &'static str,
        params: &'static [&'static str],
    ) -> Site {
        Site {
            name,
            module,
            params,
        }
    }
}

/// One call of a decorated function, from its first run to its result.
#[doc(hidden)]
pub struct Frame<'d, D: Decorator> {
    decorator: &'d D,
    site: &'static Site,
    state: D::State,
    attempt: u32,
    /// Whether the owned arguments were kept for another run.
    kept: bool,
    can_skip: bool,
}

impl<'d, D: Decorator> Frame<'d, D> {
    /// `can_skip`: whether the return type has a value for [`Skipped`]
    /// (the expansion asks the type at the call site).
    #[inline(always)]
    pub fn new(decorator: &'d D, site: &'static Site, can_skip: bool) -> Self {
        Frame {
            decorator,
            site,
            state: D::State::default(),
            attempt: 0,
            kept: false,
            can_skip,
        }
    }

    /// Before a run: `Ok(keep)` to run it, with whether the owned
    /// arguments must be kept (cloned) for another; `Err` to skip the call.
    /// `clonable` says whether every owned argument is `Clone`.
    #[inline(always)]
    pub fn before(&mut self, args: &[DebugOrName<'_>], clonable: bool) -> Result<bool, Skipped> {
        self.attempt += 1;
        let call = Call {
            site: self.site,
            args,
            attempt: self.attempt,
            can_skip: self.can_skip,
        };
        self.decorator.before(&call, &mut self.state)?;
        self.kept = clonable && self.decorator.may_repeat(&call, &self.state);
        Ok(self.kept)
    }

    /// After a run that returned `error` (or not): `Some(pause)` to run the
    /// body again after it, `None` to return the result. `wanted` is
    /// `#[retry(when = ...)]`'s verdict (`true` without one).
    #[inline(always)]
    pub fn after(&mut self, error: Option<ErrorText<'_>>, wanted: bool) -> Option<Duration> {
        let call = Call {
            site: self.site,
            args: &[],
            attempt: self.attempt,
            can_skip: self.can_skip,
        };
        let outcome = Outcome { error, wanted };
        match self.decorator.after(&call, &mut self.state, &outcome) {
            After::Return => None,
            After::Again(pause) if self.kept => Some(pause),
            After::Again(_) => {
                self.refuse_again();
                None
            }
        }
    }

    #[cold]
    fn refuse_again(&self) {
        tracing::error!(
            target: "decor::with",
            function = self.site.name,
            module = self.site.module,
            attempt = self.attempt,
            "the decorator asked to run the body again, but its `may_repeat` said no run \
             would follow this one, or an argument taken by value is not `Clone`; \
             returning this run's result"
        );
    }

    /// Waits out a pause between runs, on this thread.
    #[inline]
    pub fn pause(&self, pause: Duration) {
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }

    /// Waits out a pause between runs without blocking the thread: a timer
    /// that wakes the task's own waker, on any executor.
    #[inline]
    pub async fn pause_async(&self, pause: Duration) {
        if !pause.is_zero() {
            futures_timer::Delay::new(pause).await;
        }
    }

    /// The value the function returns when skipped, converted by `skip`
    /// (from [`skip_probe!`](crate::__decor_probe_skip)).
    #[cold]
    pub fn skipped<R>(&self, skipped: Skipped, skip: Option<fn(Skipped) -> R>) -> R {
        match skip {
            Some(convert) => convert(skipped),
            None => panic!(
                "a decorator skipped `{}::{}` ({skipped}), but its return type has no value \
                 for a skipped call; return `()`, `Option<T>` or `Result<T, E>` with \
                 `E: From<decor::Skipped>`, or check `Call::can_skip()` before skipping",
                self.site.module, self.site.name
            ),
        }
    }
}

impl<D: Decorator> Frame<'_, D> {
    /// [`skipped`](Self::skipped) for a function whose return type cannot
    /// be named (`impl Trait`): it has no value for a skipped call.
    #[cold]
    pub fn skipped_never(&self, skipped: Skipped) -> ! {
        self.skipped::<std::convert::Infallible>(skipped, None);
        unreachable!("skipped panics without a conversion")
    }
}

/// The decorator expression of `#[with(...)]`, checked, spanned at it by
/// the expansion: when its type is no [`Decorator`], the one error is
/// reported there (the loop then runs on a stand-in, see
/// [`probe_decorator!`](crate::__decor_probe_decorator), and reports
/// nothing more).
#[doc(hidden)]
#[inline(always)]
pub fn decorator<D: Decorator>(decorator: &D) -> &D {
    decorator
}

/// `#[retry(when = ...)]`'s filter, called where the error's type is known
/// so that the closure's parameter type is inferred from it.
#[doc(hidden)]
#[inline(always)]
pub fn when<E>(error: &E, when: impl FnOnce(&E) -> bool) -> bool {
    when(error)
}

/// An owned argument, held between runs: handed to the body as is on the
/// last run, cloned on the others.
#[doc(hidden)]
pub struct Slot<T> {
    value: Option<T>,
    clone: Option<fn(&T) -> T>,
}

impl<T> Slot<T> {
    /// `clone` is `T::clone` where `T: Clone` (asked at the call site).
    #[inline(always)]
    pub fn new(clone: Option<fn(&T) -> T>, value: T) -> Slot<T> {
        Slot {
            value: Some(value),
            clone,
        }
    }

    /// Whether the argument can be given to more than one run.
    #[inline(always)]
    pub fn clonable(&self) -> bool {
        self.clone.is_some()
    }

    /// The argument as the decorator sees it.
    #[inline(always)]
    pub fn shown<'a>(&'a self, show: impl FnOnce(&'a T) -> DebugOrName<'a>) -> DebugOrName<'a> {
        match &self.value {
            Some(value) => show(value),
            None => DebugOrName::Name("<moved>"),
        }
    }

    /// The argument for the next run: a clone when `keep`, else the value.
    #[inline(always)]
    pub fn next(&mut self, keep: bool) -> T {
        match (keep, self.clone, &mut self.value) {
            (true, Some(clone), Some(value)) => clone(value),
            (_, _, value) => value
                .take()
                .expect("decor: an argument was given to a run after the last one"),
        }
    }
}

// ---- asked at the call site (autoref dispatch, see `probe`) ----------------

#[doc(hidden)]
pub mod ask {
    use super::{Decorator, Skipped};
    use crate::probe::{Probe, ReturnProbe};

    pub trait CloneOf<T> {
        fn __decor_clone_fn(&self) -> Option<fn(&T) -> T>;
    }
    impl<T: Clone> CloneOf<T> for &Probe<'_, T> {
        #[inline(always)]
        fn __decor_clone_fn(&self) -> Option<fn(&T) -> T> {
            Some(T::clone)
        }
    }
    pub trait NoCloneOf<T> {
        fn __decor_clone_fn(&self) -> Option<fn(&T) -> T>;
    }
    impl<T> NoCloneOf<T> for Probe<'_, T> {
        #[inline(always)]
        fn __decor_clone_fn(&self) -> Option<fn(&T) -> T> {
            None
        }
    }

    /// What the loop is given when the decorator expression is no
    /// decorator (a compile error already, so it never runs): a decorator
    /// that exists anyway, so nothing else is reported, and no type of its
    /// own is offered in the error's list of decorators.
    static STAND_IN: crate::Retry = crate::Retry::new();
    pub trait IsDecorator<'a, D> {
        fn __decor_decorator(&self) -> &'a D;
    }
    impl<'a, D: Decorator> IsDecorator<'a, D> for &Probe<'a, D> {
        #[inline(always)]
        fn __decor_decorator(&self) -> &'a D {
            self.0
        }
    }
    pub trait NotDecorator {
        fn __decor_decorator(&self) -> &'static crate::Retry;
    }
    impl<D> NotDecorator for Probe<'_, D> {
        #[inline(always)]
        fn __decor_decorator(&self) -> &'static crate::Retry {
            &STAND_IN
        }
    }

    pub trait SkipUnit {
        fn __decor_skip(&self) -> Option<fn(Skipped)>;
    }
    impl SkipUnit for &ReturnProbe<()> {
        #[inline(always)]
        fn __decor_skip(&self) -> Option<fn(Skipped)> {
            Some(|_| ())
        }
    }
    pub trait SkipOption<T> {
        fn __decor_skip(&self) -> Option<fn(Skipped) -> Option<T>>;
    }
    impl<T> SkipOption<T> for &ReturnProbe<Option<T>> {
        #[inline(always)]
        fn __decor_skip(&self) -> Option<fn(Skipped) -> Option<T>> {
            Some(|_| None)
        }
    }
    pub trait SkipResult<T, E> {
        fn __decor_skip(&self) -> Option<fn(Skipped) -> Result<T, E>>;
    }
    impl<T, E: From<Skipped>> SkipResult<T, E> for &ReturnProbe<Result<T, E>> {
        #[inline(always)]
        fn __decor_skip(&self) -> Option<fn(Skipped) -> Result<T, E>> {
            Some(|skipped| Err(E::from(skipped)))
        }
    }
    pub trait SkipNone<R> {
        fn __decor_skip(&self) -> Option<fn(Skipped) -> R>;
    }
    impl<R> SkipNone<R> for ReturnProbe<R> {
        #[inline(always)]
        fn __decor_skip(&self) -> Option<fn(Skipped) -> R> {
            None
        }
    }
}

/// `T::clone` as a function pointer where the value's type is `Clone`.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_clone {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::with::ask::{CloneOf as _, NoCloneOf as _};
        (&&$crate::__private::probe::Probe($value)).__decor_clone_fn()
    }};
}

/// The decorator `$value` (a reference) as is where its type is a
/// `Decorator`, else a stand-in (the expansion's check reports the error).
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_decorator {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::with::ask::{IsDecorator as _, NotDecorator as _};
        (&&$crate::__private::probe::Probe($value)).__decor_decorator()
    }};
}

/// How the return type `$ty` turns a `Skipped` into a value, if it can.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_skip {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::with::ask::{
            SkipNone as _, SkipOption as _, SkipResult as _, SkipUnit as _,
        };
        (&&$crate::__private::probe::ReturnProbe::<$ty>::NEW).__decor_skip()
    }};
}
