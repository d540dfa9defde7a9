//! Questions about a value's type answered at the decorated function's own
//! call site, where the type is concrete: "is this a `Result::Err`?", "is it
//! `Debug`?", "is the error `Display`?".
//!
//! Stable Rust has no specialization, so these use autoref-based dispatch:
//! the most specific impl sits on the type with the most `&`s, the call is
//! made through that many references, and method lookup, which tries by-value
//! receivers before peeling a reference, picks the most specific impl that
//! applies. This only works where the type is known, so the expansions call
//! the `probe_*!` macros on the value at every exit of the function; generic
//! code in the runtime could not. The return type is never parsed, so
//! `io::Result<T>` and other aliases are recognised like `Result`.
//!
//! Reached only through `__private`; the traits are implementation detail.
#![allow(missing_docs)]

use std::any::type_name;
use std::convert::Infallible;
use std::fmt;
use std::marker::PhantomData;

/// A borrowed value being asked about.
pub struct Probe<'a, T>(pub &'a T);

/// A type being asked about, with no value: `ReturnProbe::<R>::NEW`.
pub struct ReturnProbe<T: ?Sized>(PhantomData<fn() -> *const T>);

impl<T: ?Sized> ReturnProbe<T> {
    /// The probe for `T`.
    pub const NEW: Self = ReturnProbe(PhantomData);
}

// ---- is it `Result::Err`? ------------------------------------------------

pub trait IsErrResult {
    fn __decor_is_err(&self) -> bool;
}
impl<T, E> IsErrResult for &Probe<'_, Result<T, E>> {
    #[inline(always)]
    fn __decor_is_err(&self) -> bool {
        self.0.is_err()
    }
}
pub trait IsErrOther {
    fn __decor_is_err(&self) -> bool;
}
impl<T> IsErrOther for Probe<'_, T> {
    #[inline(always)]
    fn __decor_is_err(&self) -> bool {
        false
    }
}

// ---- is the type a `Result` at all? --------------------------------------

pub trait ReturnsResult {
    fn __decor_returns_result(&self) -> bool;
}
impl<T, E> ReturnsResult for &ReturnProbe<Result<T, E>> {
    #[inline(always)]
    fn __decor_returns_result(&self) -> bool {
        true
    }
}
pub trait ReturnsOther {
    fn __decor_returns_result(&self) -> bool;
}
impl<T: ?Sized> ReturnsOther for ReturnProbe<T> {
    #[inline(always)]
    fn __decor_returns_result(&self) -> bool {
        false
    }
}

// ---- the error inside a `Result::Err`, if any ------------------------------

pub trait ErrOfResult<'a> {
    type Error;
    fn __decor_err(&self) -> Option<&'a Self::Error>;
}
impl<'a, T, E> ErrOfResult<'a> for &Probe<'a, Result<T, E>> {
    type Error = E;
    #[inline(always)]
    fn __decor_err(&self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}
pub trait ErrOfOther<'a> {
    type Error;
    fn __decor_err(&self) -> Option<&'a Self::Error>;
}
impl<'a, T> ErrOfOther<'a> for Probe<'a, T> {
    type Error = Infallible;
    #[inline(always)]
    fn __decor_err(&self) -> Option<&'a Infallible> {
        None
    }
}

// ---- is it `Option::None`? ------------------------------------------------

pub trait NoneOfOption {
    fn __decor_is_none(&self) -> bool;
}
impl<T> NoneOfOption for &Probe<'_, Option<T>> {
    #[inline(always)]
    fn __decor_is_none(&self) -> bool {
        self.0.is_none()
    }
}
pub trait NoneOfOther {
    fn __decor_is_none(&self) -> bool;
}
impl<T> NoneOfOther for Probe<'_, T> {
    #[inline(always)]
    fn __decor_is_none(&self) -> bool {
        false
    }
}

// ---- `Debug`, or failing that the type's name ------------------------------

/// A value formatted with `Debug` if it has it, else shown as its type name.
#[derive(Clone, Copy)]
pub enum DebugOrName<'a> {
    Debug(&'a dyn fmt::Debug),
    Name(&'static str),
}

impl fmt::Debug for DebugOrName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DebugOrName::Debug(value) => value.fmt(f),
            DebugOrName::Name(name) => f.write_str(name),
        }
    }
}

pub trait ViaDebug<'a> {
    fn __decor_debug(&self) -> DebugOrName<'a>;
}
impl<'a, T: fmt::Debug> ViaDebug<'a> for &Probe<'a, T> {
    #[inline(always)]
    fn __decor_debug(&self) -> DebugOrName<'a> {
        DebugOrName::Debug(self.0)
    }
}
pub trait ViaTypeName<'a> {
    fn __decor_debug(&self) -> DebugOrName<'a>;
}
impl<'a, T> ViaTypeName<'a> for Probe<'a, T> {
    #[inline(always)]
    fn __decor_debug(&self) -> DebugOrName<'a> {
        DebugOrName::Name(type_name::<T>())
    }
}

// ---- an error's text: `Display`, else `Debug`, else its type name ----------

/// An error formatted with `Display` if it has it, else `Debug`, else shown
/// as its type name.
#[derive(Clone, Copy)]
pub enum ErrorText<'a> {
    Display(&'a dyn fmt::Display),
    Debug(&'a dyn fmt::Debug),
    Name(&'static str),
    /// An `Err` returned from inside a macro (`bail!`, `ensure!`): the
    /// function ended without passing a visible exit.
    Unseen,
}

impl fmt::Display for ErrorText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorText::Display(error) => error.fmt(f),
            ErrorText::Debug(error) => error.fmt(f),
            ErrorText::Name(name) => f.write_str(name),
            ErrorText::Unseen => f.write_str("returned early from inside a macro; value not seen"),
        }
    }
}

impl fmt::Debug for ErrorText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

pub trait ErrorViaDisplay<'a> {
    fn __decor_error_text(&self) -> ErrorText<'a>;
}
impl<'a, E: fmt::Display> ErrorViaDisplay<'a> for &&Probe<'a, E> {
    #[inline(always)]
    fn __decor_error_text(&self) -> ErrorText<'a> {
        ErrorText::Display(self.0)
    }
}
pub trait ErrorViaDebug<'a> {
    fn __decor_error_text(&self) -> ErrorText<'a>;
}
impl<'a, E: fmt::Debug> ErrorViaDebug<'a> for &Probe<'a, E> {
    #[inline(always)]
    fn __decor_error_text(&self) -> ErrorText<'a> {
        ErrorText::Debug(self.0)
    }
}
pub trait ErrorViaTypeName<'a> {
    fn __decor_error_text(&self) -> ErrorText<'a>;
}
impl<'a, E> ErrorViaTypeName<'a> for Probe<'a, E> {
    #[inline(always)]
    fn __decor_error_text(&self) -> ErrorText<'a> {
        ErrorText::Name(type_name::<E>())
    }
}

/// `true` when the value is a `Result::Err`.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_is_err {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::probe::{IsErrOther as _, IsErrResult as _};
        (&&$crate::__private::probe::Probe($value)).__decor_is_err()
    }};
}

/// `true` when the type is a `Result` (under any alias).
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_returns_result {
    ($ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::probe::{ReturnsOther as _, ReturnsResult as _};
        (&&$crate::__private::probe::ReturnProbe::<$ty>::NEW).__decor_returns_result()
    }};
}

/// The value as `DebugOrName`.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_debug {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::probe::{ViaDebug as _, ViaTypeName as _};
        (&&$crate::__private::probe::Probe($value)).__decor_debug()
    }};
}

/// `Some(ErrorText)` when the value is a `Result::Err`.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_error {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::probe::{
            ErrOfOther as _, ErrOfResult as _, ErrorViaDebug as _, ErrorViaDisplay as _,
            ErrorViaTypeName as _,
        };
        match (&&$crate::__private::probe::Probe($value)).__decor_err() {
            ::core::option::Option::Some(error) => ::core::option::Option::Some(
                (&&&$crate::__private::probe::Probe(error)).__decor_error_text(),
            ),
            ::core::option::Option::None => ::core::option::Option::None,
        }
    }};
}

/// The `Exit` of a `#[logged]` call returning this value: its error, or the
/// value itself as `Debug`.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_exit {
    ($value:expr) => {{
        let value = $value;
        match $crate::__decor_probe_error!(value) {
            ::core::option::Option::Some(error) => $crate::__private::logged::Exit::Error(error),
            ::core::option::Option::None => $crate::__private::logged::Exit::Return(
                ::core::option::Option::Some($crate::__decor_probe_debug!(value)),
            ),
        }
    }};
}

/// Like `__decor_probe_exit!`, without the value (`ret = false`, or `()`).
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_exit_unit {
    ($value:expr) => {{
        match $crate::__decor_probe_error!($value) {
            ::core::option::Option::Some(error) => $crate::__private::logged::Exit::Error(error),
            ::core::option::Option::None => {
                $crate::__private::logged::Exit::Return(::core::option::Option::None)
            }
        }
    }};
}

/// The `Exit` a `?` on this operand takes, if it takes one: the error of an
/// `Err`, or `None` returned for a `None`; `$ret` says whether the value is
/// logged.
#[doc(hidden)]
#[macro_export]
macro_rules! __decor_probe_try_exit {
    ($value:expr, $ret:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::probe::{NoneOfOption as _, NoneOfOther as _};
        let value = $value;
        match $crate::__decor_probe_error!(value) {
            ::core::option::Option::Some(error) => {
                ::core::option::Option::Some($crate::__private::logged::Exit::Error(error))
            }
            ::core::option::Option::None
                if (&&$crate::__private::probe::Probe(value)).__decor_is_none() =>
            {
                ::core::option::Option::Some($crate::__private::logged::Exit::Return(if $ret {
                    ::core::option::Option::Some($crate::__private::probe::DebugOrName::Name(
                        "None",
                    ))
                } else {
                    ::core::option::Option::None
                }))
            }
            ::core::option::Option::None => ::core::option::Option::None,
        }
    }};
}

#[cfg(test)]
mod tests {
    use std::fmt;

    struct Opaque;
    #[derive(Debug)]
    struct OnlyDebug;
    struct Both;
    impl fmt::Display for Both {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("both: display")
        }
    }
    impl fmt::Debug for Both {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("both: debug")
        }
    }
    type MyResult<T> = std::io::Result<T>;

    #[test]
    fn recognises_err_through_aliases_and_nothing_else() {
        assert!(crate::__decor_probe_is_err!(&Err::<u8, _>(Opaque)));
        assert!(!crate::__decor_probe_is_err!(&Ok::<u8, Opaque>(1)));
        let io: MyResult<()> = Err(std::io::Error::other("x"));
        assert!(crate::__decor_probe_is_err!(&io));
        assert!(!crate::__decor_probe_is_err!(&None::<u8>));
        assert!(!crate::__decor_probe_is_err!(&Opaque));
    }

    #[test]
    fn recognises_result_types_without_values() {
        assert!(crate::__decor_probe_returns_result!(MyResult<u8>));
        assert!(crate::__decor_probe_returns_result!(Result<(), Opaque>));
        assert!(!crate::__decor_probe_returns_result!(Option<u8>));
        assert!(!crate::__decor_probe_returns_result!(&str));
    }

    #[test]
    fn debug_falls_back_to_type_name() {
        assert_eq!(
            format!("{:?}", crate::__decor_probe_debug!(&vec![1, 2])),
            "[1, 2]"
        );
        assert_eq!(
            format!("{:?}", crate::__decor_probe_debug!(&Opaque)),
            std::any::type_name::<Opaque>()
        );
    }

    #[test]
    fn error_text_prefers_display_then_debug_then_name() {
        let text = |t: Option<crate::__private::probe::ErrorText<'_>>| t.map(|t| t.to_string());
        assert_eq!(
            text(crate::__decor_probe_error!(&Err::<(), _>(Both))).unwrap(),
            "both: display"
        );
        assert_eq!(
            text(crate::__decor_probe_error!(&Err::<(), _>(OnlyDebug))).unwrap(),
            "OnlyDebug"
        );
        assert_eq!(
            text(crate::__decor_probe_error!(&Err::<(), _>(Opaque))).unwrap(),
            std::any::type_name::<Opaque>()
        );
        assert!(text(crate::__decor_probe_error!(&Ok::<(), Both>(()))).is_none());
        assert!(text(crate::__decor_probe_error!(&5u8)).is_none());
    }
}
