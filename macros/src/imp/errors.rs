//! Collects every error found in an attribute so the user sees them all at
//! once, each at its own span.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far.
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    pub fn new() -> Self {
        Errors::default()
    }

    /// An error spanning `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Keeps an error returned by a parser.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// The value, or `None` after keeping its error.
    pub fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    /// All errors as one, or `Ok` if there were none.
    pub fn finish(self) -> syn::Result<()> {
        let mut errors = self.errors.into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

/// The output for a rejected attribute: the errors, and the item exactly as
/// written so the rest of the crate (and the IDE) still sees it.
pub fn rejected(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = error.to_compile_error();
    out.extend(item);
    out
}

/// For the option parsers' unit tests: the options `parse_into` made of
/// `attr`, or every error it found, as one message.
#[cfg(test)]
pub fn parsed<C>(
    attr: TokenStream,
    parse_into: impl FnOnce(TokenStream, &mut Errors) -> C,
) -> Result<C, String> {
    let mut errors = Errors::new();
    let config = parse_into(attr, &mut errors);
    errors.finish().map(|()| config).map_err(|e| e.to_string())
}
