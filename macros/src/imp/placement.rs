//! Where a moved body runs, for every decorator that moves it (`#[spawn]`,
//! `#[parallel]`): `threads = N`, `pool = "name"`, `dedicated` (spawn only)
//! or `processes = N`, at most one of them, except that `pool = "name"` with
//! `processes` names a shared process pool; and the process pool's own
//! options, `init = path` and `recycle = N`. Parsed and checked here, once,
//! and turned into the pool static the expansions declare.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Ident, LitInt, LitStr, Meta};

/// Options that only a process placement takes.
const PROCESS_ONLY: &[&str] = &["init", "recycle"];

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
    Processes(Box<Processes>),
}

/// Reads the placement options out of a decorator's option list.
pub struct Reader {
    /// The placement options this decorator takes, as written in messages.
    valid: &'static [&'static str],
    /// The placement option given first, to name in a conflict.
    first: Option<String>,
    /// `pool = "name"`, which names a thread pool, or with `processes` a
    /// process pool.
    pool: Option<LitStr>,
    /// `init` and `recycle`, checked once the placement is known.
    process_only: Vec<Meta>,
    placement: Placement,
}

impl Reader {
    /// For a decorator taking the placement options in `valid`.
    pub fn new(valid: &'static [&'static str]) -> Reader {
        Reader {
            valid,
            first: None,
            pool: None,
            process_only: Vec::new(),
            placement: Placement::DefaultPool,
        }
    }

    /// Takes `meta` if it is a placement option, reporting a bad value or a
    /// second placement; `false` if it is some other option.
    pub fn read(&mut self, meta: &Meta, errors: &mut Errors) -> bool {
        let option = options::name_of(meta);
        if self.valid.contains(&"processes") && PROCESS_ONLY.contains(&option.as_str()) {
            self.process_only.push(meta.clone());
            return true;
        }
        if !self.valid.contains(&option.as_str()) {
            return false;
        }
        // `processes` with `pool = "name"`: a shared process pool.
        let shared = matches!(
            (self.first.as_deref(), option.as_str()),
            (Some("processes"), "pool") | (Some("pool"), "processes")
        );
        if let (Some(first), false) = (&self.first, shared) {
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
        if self.first.as_deref() != Some("processes") {
            self.first = Some(option.clone());
        }
        let placement = match option.as_str() {
            "threads" => errors
                .ok(options::positive_int(meta, "threads = 4"))
                .map(Placement::OwnPool),
            "pool" => {
                self.pool = errors.ok(options::text(meta, "pool = \"io\"", "the pool's name"));
                None
            }
            "dedicated" => {
                (errors.ok(options::flag(meta)) == Some(true)).then_some(Placement::Dedicated)
            }
            "processes" => Processes::parse(meta, errors)
                .map(|processes| Placement::Processes(Box::new(processes))),
            _ => unreachable!("checked against `valid`"),
        };
        if let Some(placement) = placement {
            self.placement = placement;
        }
        true
    }

    /// The placement option given, valid or not (`processes` when it came
    /// with `pool`).
    pub fn given(&self) -> Option<&str> {
        self.first.as_deref()
    }

    /// Where the body runs, once every option has been read; reports
    /// `init` or `recycle` without `processes`.
    pub fn finish(self, errors: &mut Errors) -> Placement {
        let mut placement = self.placement;
        match &mut placement {
            Placement::Processes(processes) => {
                processes.pool = self.pool;
                for meta in &self.process_only {
                    processes.read_option(meta, errors);
                }
            }
            _ => {
                // `processes` given but invalid: its error is enough.
                if self.first.as_deref() != Some("processes") {
                    for meta in &self.process_only {
                        errors.spanned(
                            meta.path(),
                            format!(
                                "`{}` configures worker processes: it needs `processes` (or `processes = N`)",
                                options::name_of(meta)
                            ),
                        );
                    }
                }
                if let (Some(pool), Placement::DefaultPool) = (self.pool, &placement) {
                    placement = Placement::NamedPool(pool);
                }
            }
        }
        placement
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
