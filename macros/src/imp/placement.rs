//! Where a moved body runs, for every decorator that moves it (`#[spawn]`,
//! `#[parallel]`): `threads = N`, `pool = "name"`, `dedicated` (spawn only)
//! or `processes = N`, at most one of them. Parsed and checked here, once,
//! and turned into the pool static the expansions declare.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, LitInt, LitStr, Meta};

use super::errors::Errors;
use super::options;
use super::paths::Paths;
use super::process::Processes;

/// Where the body runs.
pub enum Placement {
    /// The default pool: one thread per core.
    DefaultPool,
    /// `threads = N`: the function's own pool of N threads.
    OwnPool(LitInt),
    /// `pool = "name"`: a shared, named pool.
    NamedPool(LitStr),
    /// `dedicated`: a new OS thread per call.
    Dedicated,
    /// `processes = N`: worker processes.
    Processes(Processes),
}

/// Reads the placement options out of a decorator's option list.
pub struct Reader {
    /// The placement options this decorator takes, as written in messages.
    valid: &'static [&'static str],
    /// The placement option given first, to name in a conflict.
    first: Option<String>,
    pub placement: Placement,
}

impl Reader {
    /// For a decorator taking the placement options in `valid`.
    pub fn new(valid: &'static [&'static str]) -> Reader {
        Reader {
            valid,
            first: None,
            placement: Placement::DefaultPool,
        }
    }

    /// Takes `meta` if it is a placement option, reporting a bad value or a
    /// second placement; `false` if it is some other option.
    pub fn read(&mut self, meta: &Meta, errors: &mut Errors) -> bool {
        let option = options::name_of(meta);
        if !self.valid.contains(&option.as_str()) {
            return false;
        }
        if let Some(first) = &self.first {
            let choices = match self.valid {
                [rest @ .., last] => format!(
                    "{} or `{last}`",
                    rest.iter()
                        .map(|name| format!("`{name}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                [] => unreachable!("a placement option was given"),
            };
            errors.spanned(
                meta.path(),
                format!("`{option}` conflicts with `{first}`: choose one of {choices}"),
            );
            return true;
        }
        self.first = Some(option.clone());
        let placement = match option.as_str() {
            "threads" => errors
                .ok(options::positive_int(meta, "threads = 4"))
                .map(Placement::OwnPool),
            "pool" => errors
                .ok(options::text(meta, "pool = \"io\"", "the pool's name"))
                .map(Placement::NamedPool),
            "dedicated" => {
                (errors.ok(options::flag(meta)) == Some(true)).then_some(Placement::Dedicated)
            }
            "processes" => Processes::parse(meta, errors).map(Placement::Processes),
            _ => unreachable!("checked against `valid`"),
        };
        if let Some(placement) = placement {
            self.placement = placement;
        }
        true
    }

    /// The placement option given, valid or not.
    pub fn given(&self) -> Option<&str> {
        self.first.as_deref()
    }
}

impl Placement {
    /// `static __DECOR_POOL: PoolSite = ...;` for a thread pool placement
    /// (`threads = N` names the pool after the function).
    pub fn pool_static(&self, rt: &Paths, function: &Ident) -> TokenStream {
        let slot = rt.pool_site();
        let choice = match self {
            Placement::OwnPool(threads) => {
                let name = syn::ext::IdentExt::unraw(function).to_string();
                quote!(#slot::own(#name, #threads))
            }
            Placement::NamedPool(name) => quote!(#slot::named(#name)),
            _ => quote!(#slot::default_pool()),
        };
        quote!(static __DECOR_POOL: #slot = #choice;)
    }
}
