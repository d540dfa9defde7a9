//! Attribute macros of [`decor`](https://docs.rs/decor). Depend on `decor`,
//! which re-exports these with documentation and holds everything they
//! expand to; this crate only parses, checks and emits.
//!
//! The work is in `imp/`, plain `proc_macro2` code with no `proc_macro`
//! types, so the tests can run it in process.

mod imp;

use proc_macro::TokenStream;

/// Times every call. See `decor::timed`.
#[proc_macro_attribute]
pub fn timed(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::timed::expand(attr.into(), item.into()).into()
}

/// Logs every call through `tracing`. See `decor::logged`.
#[proc_macro_attribute]
pub fn logged(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::logged::expand(attr.into(), item.into()).into()
}

/// Sets a program up for decor. See `decor::main`.
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::main_attr::expand(attr.into(), item.into()).into()
}

/// Runs the body on a pool and returns its `Task` at once. See `decor::spawn`.
#[proc_macro_attribute]
pub fn spawn(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::spawn::expand(attr.into(), item.into()).into()
}

/// Splits one argument into chunks run in parallel. See `decor::parallel`.
#[proc_macro_attribute]
pub fn parallel(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::parallel::expand(attr.into(), item.into()).into()
}

/// Runs calls one at a time. See `decor::synchronized`.
#[proc_macro_attribute]
pub fn synchronized(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::synchronized::expand(attr.into(), item.into()).into()
}

/// Applies your own decorator. See `decor::with`.
#[proc_macro_attribute]
pub fn with(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::with::expand(attr.into(), item.into()).into()
}

/// Runs the body again while it returns `Err`. See `decor::retry`.
#[proc_macro_attribute]
pub fn retry(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::retry::expand(attr.into(), item.into()).into()
}

/// Limits how often a function runs. See `decor::rate_limit`.
#[proc_macro_attribute]
pub fn rate_limit(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::rate_limit::expand(attr.into(), item.into()).into()
}

/// Gives an `async fn` a time limit. See `decor::timeout`.
#[proc_macro_attribute]
pub fn timeout(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::timeout::expand(attr.into(), item.into()).into()
}

/// Memoises calls by their arguments. See `decor::cache`.
#[proc_macro_attribute]
pub fn cache(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::cache::expand(attr.into(), item.into()).into()
}
