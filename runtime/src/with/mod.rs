//! Your own decorators: [`Decorator`], and the [`Call`] and [`Outcome`] it
//! sees.
//!
//! A Python decorator is a function that wraps another. A decor decorator
//! is a value whose type implements [`Decorator`], applied with
//! [`#[decor::with(expr)]`](macro@crate::with): `expr` is evaluated at each
//! call (a unit struct, a `const`, or a function call building one, such
//! as `audit("payments")`), and the decorator is asked, around the body:
//!
//! - [`before`](Decorator::before) each run: it sees the function's name,
//!   module and arguments, and may skip the call ([`Skipped`]);
//! - [`after`](Decorator::after) each run: it sees whether the body
//!   returned `Ok` or `Err` (and the error's text) without knowing the
//!   type, and may run the body again after a pause ([`After::Again`]).
//!
//! The same definition serves `fn` and `async fn`: for an `async fn`, the
//! pause is awaited on a timer that wakes its own waker (any executor,
//! tokio or not) and no thread is blocked.
//!
//! ```
//! use decor::{After, Call, Decorator, Outcome, Skipped};
//!
//! /// Runs the body up to three times while it returns `Err`.
//! struct ThreeTries;
//!
//! impl Decorator for ThreeTries {
//!     type State = ();
//!     fn may_repeat(&self, call: &Call<'_>, _: &()) -> bool {
//!         call.attempt() < 3
//!     }
//!     fn after(&self, call: &Call<'_>, _: &mut (), outcome: &Outcome<'_>) -> After {
//!         if outcome.is_err() && call.attempt() < 3 {
//!             After::Again(std::time::Duration::ZERO)
//!         } else {
//!             After::Return
//!         }
//!     }
//! }
//!
//! static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
//!
//! #[decor::with(ThreeTries)]
//! fn flaky(word: String) -> Result<usize, String> {
//!     match CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
//!         0 | 1 => Err(format!("not yet: {word}")),
//!         _ => Ok(word.len()),
//!     }
//! }
//!
//! assert_eq!(flaky("hello".to_owned()), Ok(5));
//! assert_eq!(CALLS.load(std::sync::atomic::Ordering::Relaxed), 3);
//! ```

mod frame;

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::probe::{DebugOrName, ErrorText};

/// What expansions use, re-exported by `__private::with`.
#[doc(hidden)]
pub mod frame_parts {
    pub use super::frame::{ask, decorator, when, Frame, Site, Slot};
}
pub(crate) use frame::Site;

/// Behaviour added around a function's body by
/// [`#[decor::with(...)]`](macro@crate::with).
///
/// Every method has a default that does nothing, so a decorator implements
/// only what it needs. A plain function `fn(&Call<'_>)` is a decorator too:
/// it is called before each run.
///
/// ```
/// use decor::Call;
///
/// fn audit(call: &Call<'_>) {
///     println!("audit: {call}");
/// }
///
/// #[decor::with(audit)]
/// fn pay(amount: u64, to: &str) -> bool {
///     amount > 0 && !to.is_empty()
/// }
///
/// assert!(pay(5, "bob")); // prints `audit: pay(amount = 5, to = "bob")`
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a decorator: `#[decor::with(...)]` takes a value whose type implements `decor::Decorator`",
    label = "not a `decor::Decorator`",
    note = "a decorator is a value of a type with `impl decor::Decorator for ... {{ type State = (); ... }}`, or a function or closure taking `&decor::Call<'_>`",
    note = "a decorator built by a function is written as its call: `#[decor::with(audit(\"payments\"))]`"
)]
pub trait Decorator {
    /// What the decorator keeps for one call, across all its runs:
    /// `()` when nothing, an `Instant` to time it. Each call starts from
    /// `Default::default()`.
    type State: Default;

    /// Called before each run. `Err(Skipped)` returns without running the
    /// body (see [`Skipped`] for the value the function then returns).
    fn before(&self, call: &Call<'_>, state: &mut Self::State) -> Result<(), Skipped> {
        let _ = (call, state);
        Ok(())
    }

    /// Called before each run, after [`before`](Self::before): whether
    /// [`after`](Self::after) may ask for another run after this one. When
    /// `true`, the body is given clones of its owned arguments and the
    /// originals are kept for the next run; when `false` (the default), it
    /// is given the originals, and an [`After::Again`] is refused (logged
    /// at ERROR; the result is returned).
    ///
    /// Another run is also refused when an owned argument is not `Clone`.
    fn may_repeat(&self, call: &Call<'_>, state: &Self::State) -> bool {
        let _ = (call, state);
        false
    }

    /// Called after each run with how it ended: return the result, or run
    /// the body again after a pause.
    fn after(&self, call: &Call<'_>, state: &mut Self::State, outcome: &Outcome<'_>) -> After {
        let _ = (call, state, outcome);
        After::Return
    }
}

/// A plain function (or closure) taking the call is a decorator called
/// before each run: an audit log, a counter, a check that panics.
// Not recommended in errors: for a value that is no decorator, the compiler
// says so (the trait's message) rather than "expected an `Fn` closure".
#[diagnostic::do_not_recommend]
impl<F: Fn(&Call<'_>)> Decorator for F {
    type State = ();

    #[inline(always)]
    fn before(&self, call: &Call<'_>, _: &mut ()) -> Result<(), Skipped> {
        self(call);
        Ok(())
    }
}

/// What a decorator does after a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum After {
    /// Return this run's result.
    Return,
    /// Run the body again after this pause (`Duration::ZERO`: at once).
    Again(Duration),
}

/// One call of a decorated function, as a [`Decorator`] sees it.
///
/// Its `Display` is `name(arg = value, ...)`, each argument shown with
/// `Debug` where its type has it and as its type name where not.
pub struct Call<'a> {
    pub(crate) site: &'static Site,
    pub(crate) args: &'a [DebugOrName<'a>],
    pub(crate) attempt: u32,
    pub(crate) can_skip: bool,
}

impl<'a> Call<'a> {
    /// The function's name: `pay`.
    pub fn name(&self) -> &'static str {
        self.site.name
    }

    /// The module it is defined in: `my_app::billing`.
    pub fn module(&self) -> &'static str {
        self.site.module
    }

    /// The run this is, from 1: above 1 when a decorator ran the body again.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The arguments, in order, with their parameter names (`self` for the
    /// receiver). Given to [`Decorator::before`] and
    /// [`Decorator::may_repeat`]; empty in [`Decorator::after`], by when
    /// the body may have consumed them.
    pub fn args(&self) -> impl ExactSizeIterator<Item = Arg<'a>> + '_ {
        self.site
            .params
            .iter()
            .zip(self.args.iter())
            .map(|(name, value)| Arg {
                name,
                value: *value,
            })
    }

    /// Whether the function's return type has a value for
    /// [`Skipped`]: `()`, `Option<T>`, or `Result<T, E>` with
    /// `E: From<Skipped>`.
    pub fn can_skip(&self) -> bool {
        self.can_skip
    }
}

impl fmt::Display for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name())?;
        for (index, arg) in self.args().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} = {:?}", arg.name, arg.value)?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("module", &self.module())
            .field("call", &format_args!("{self}"))
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// One argument of a [`Call`].
#[derive(Clone, Copy)]
pub struct Arg<'a> {
    name: &'static str,
    value: DebugOrName<'a>,
}

impl<'a> Arg<'a> {
    /// The parameter's name, or its pattern as written (`(x, y)`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The value, `Debug`-formatted where its type is `Debug`, else
    /// formatted as its type's name.
    pub fn value(&self) -> &(dyn fmt::Debug + 'a) {
        &self.value
    }
}

impl fmt::Debug for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {:?}", self.name, self.value)
    }
}

/// How one run of the body ended, as [`Decorator::after`] sees it.
pub struct Outcome<'a> {
    pub(crate) error: Option<ErrorText<'a>>,
    /// `#[retry(when = ...)]`'s verdict on the error: `false` when the
    /// error is not one to retry.
    pub(crate) wanted: bool,
}

impl Outcome<'_> {
    /// Whether the body returned `Err`.
    pub fn is_err(&self) -> bool {
        self.error.is_some()
    }

    /// Whether the body returned anything but `Err`.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// The error the body returned, formatted with `Display` where it has
    /// it, else `Debug`, else as its type's name.
    pub fn error(&self) -> Option<&(dyn fmt::Display + '_)> {
        self.error.as_ref().map(|error| error as &dyn fmt::Display)
    }
}

impl fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            Some(error) => write!(f, "Err({error})"),
            None => f.write_str("Ok"),
        }
    }
}

/// A decorator's answer to "run this call?": no. The function returns
/// without running its body, with
///
/// - `()`, for a function returning nothing;
/// - `None`, for one returning `Option<T>`;
/// - `Err(E::from(skipped))`, for one returning `Result<T, E>` where
///   `E: From<Skipped>`.
///
/// A function returning anything else cannot be skipped
/// ([`Call::can_skip`] is `false`); skipping it panics.
///
/// ```
/// use decor::{Call, Decorator, Skipped};
///
/// struct Flag(&'static str);
///
/// impl Decorator for Flag {
///     type State = ();
///     fn before(&self, _: &Call<'_>, _: &mut ()) -> Result<(), Skipped> {
///         match std::env::var(self.0).as_deref() {
///             Ok("on") => Ok(()),
///             _ => Err(Skipped::because("the feature is off")),
///         }
///     }
/// }
///
/// #[decor::with(Flag("DECOR_DOC_NEW_PRICING"))]
/// fn new_price(base: u32) -> Option<u32> {
///     Some(base * 2)
/// }
///
/// assert_eq!(new_price(10), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    reason: Cow<'static, str>,
}

impl Skipped {
    /// Skipped, for this reason (shown by `Display`).
    pub fn because(reason: impl Into<Cow<'static, str>>) -> Skipped {
        Skipped {
            reason: reason.into(),
        }
    }

    /// The reason given.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped: {}", self.reason)
    }
}

impl std::error::Error for Skipped {}
