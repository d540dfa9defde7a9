//! `#[synchronized]`: parse its options and put a lock guard at the top of
//! the body (of the async body, for `async fn`).

use proc_macro2::TokenStream;
use syn::{ItemFn, LitStr, Path};

use super::errors::Errors;
use super::exits;
use super::func;
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["lock", "crate"];

/// The options of one `#[synchronized]`.
pub struct Config {
    pub lock: Option<LitStr>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            lock: None,
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "lock" => {
                    config.lock = errors.ok(options::text(
                        meta,
                        "lock = \"output_file\"",
                        "the shared lock's name",
                    ))
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "synchronized", VALID),
            }
        }
        config
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Synchronized, attr, item)
}

/// Takes the lock at the top of the body (of the async body, for `async fn`).
pub fn wrap(config: &Config, function: &mut ItemFn) {
    let rt = Paths::new(config.krate.as_ref());
    // The fake return is not needed: the lock changes no types.
    let async_body = func::async_body(function, &mut true).map(|(body, _)| body);
    let asynchronous = async_body.is_some();
    let slot = rt.lock_site(asynchronous);
    let choice = match &config.lock {
        Some(name) => quote::quote!(#slot::named(#name)),
        None => quote::quote!(#slot::own()),
    };
    let stat = exits::own_stmt(quote::quote!(static __DECOR_LOCK: #slot = #choice;));
    let take = exits::own_stmt(if asynchronous {
        quote::quote!(let __decor_synchronized = __DECOR_LOCK.lock().await;)
    } else {
        quote::quote!(let __decor_synchronized = __DECOR_LOCK.lock();)
    });
    let body = match async_body {
        Some(body) => body,
        None => &mut function.block,
    };
    exits::insert_preamble(body, vec![stat, take]);
}
