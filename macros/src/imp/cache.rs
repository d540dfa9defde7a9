//! `#[cache]`: parse its options, check the signature (what the key is made
//! of), and emit the site static, the key, and the body handed to the
//! runtime as a closure (or, for `async fn`, a future) that runs on a miss.
//!
//! The body runs inside a closure because it must not run on a hit; a
//! cached value is owned, so no borrow of `self` can escape it. The closure
//! loses `#[track_caller]` (the location is the closure's), which the docs
//! say.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, LitStr, Pat, Path, Stmt, Type};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["size", "ttl", "key", "errors", "scope", "name", "crate"];

/// The default bound on entries.
const DEFAULT_SIZE: u64 = 1000;

/// The options of one `#[cache]`.
pub struct Config {
    pub size: u64,
    pub ttl_nanos: u64,
    pub key: Option<Expr>,
    pub errors: bool,
    /// `scope = thread`, and where it was written.
    pub per_thread: Option<Span>,
    pub name: Option<LitStr>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            size: DEFAULT_SIZE,
            ttl_nanos: 0,
            key: None,
            errors: false,
            per_thread: None,
            name: None,
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "size" => {
                    if let Some(size) = errors.ok(options::positive_int(meta, "size = 1000")) {
                        config.size = size.base10_parse().unwrap_or(DEFAULT_SIZE);
                    }
                }
                "ttl" => {
                    let value = options::value(meta, "ttl = \"60s\"");
                    if let Some(expr) = errors.ok(value) {
                        match errors.ok(options::duration_of(expr)) {
                            Some(0) => errors.spanned(
                                expr,
                                "`ttl` must be longer than zero; leave it out for no expiry",
                            ),
                            Some(nanos) => config.ttl_nanos = nanos,
                            None => {}
                        }
                    }
                }
                "key" => {
                    config.key = errors
                        .ok(options::value(meta, "key = (self.id, query)"))
                        .cloned()
                }
                "errors" => {
                    let value = options::value(meta, "errors = true");
                    if let Some(flag) = errors.ok(value.and_then(options::bool_of)) {
                        config.errors = flag;
                    }
                }
                "scope" => {
                    let value = options::value(meta, "scope = thread");
                    if let Some(expr) = errors.ok(value) {
                        match options::ungroup(expr) {
                            Expr::Path(path) if path.path.is_ident("global") => {}
                            Expr::Path(path) if path.path.is_ident("thread") => {
                                config.per_thread = Some(path.span())
                            }
                            other => errors.spanned(
                                other,
                                "expected `scope = global` (one store for all threads, the default) \
                                 or `scope = thread` (one store per thread)",
                            ),
                        }
                    }
                }
                "name" => {
                    config.name = errors.ok(options::text(
                        meta,
                        "name = \"users_by_id\"",
                        "the name to register the cache under",
                    ))
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "cache", VALID),
            }
        }
        config
    }

    /// What cannot be cached: a `const fn`, a return type that cannot be
    /// named, `&mut self`, a `&mut` argument in the key, `scope = thread`
    /// on an `async fn`.
    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        func::check_inline_body(
            function,
            "cache",
            "a cache cannot be read during const evaluation",
            errors,
        );
        if let Returns::Opaque = returns(function) {
            errors.spanned(
                &function.sig.output,
                "#[cache] stores the return value, so it needs a type it can name: \
                 return the concrete type instead of `impl Trait`",
            );
        }
        let asynchronous =
            function.sig.asyncness.is_some() || func::is_async_trait_body(&function.block);
        if let (Some(at), true) = (self.per_thread, asynchronous) {
            errors.spanned(
                quote_spanned!(at=> thread),
                "`scope = thread` cannot be used on an `async fn`: it may resume on another \
                 thread; leave `scope` out for one store shared by all",
            );
        }
        for input in &function.sig.inputs {
            match input {
                FnArg::Receiver(receiver)
                    if receiver.mutability.is_some()
                        || matches!(&*receiver.ty, Type::Reference(r) if r.mutability.is_some()) =>
                {
                    errors.spanned(
                        receiver,
                        "#[cache] cannot be used on a `&mut self` method: a cached call skips the \
                         body, and with it the change to `self`; take `&self`",
                    );
                }
                FnArg::Typed(typed) if self.key.is_none() => {
                    if let Type::Reference(r) = &*typed.ty {
                        if r.mutability.is_some() {
                            errors.spanned(
                                typed,
                                format!(
                                    "`{}` is a `&mut` parameter: a cached call would skip the change \
                                     to it; take it by `&`, or give `key = ...` if the change may \
                                     be skipped",
                                    options::pretty(&typed.pat)
                                ),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Cache, attr, item)
}

/// The key: `key = expr`, or the parameters' owned forms (one: itself;
/// several: the tuple), `self` first for a `&self` method. Each part is
/// built at its parameter's span, so a part that cannot be a key is
/// reported there.
fn key(config: &Config, function: &ItemFn, rt: &Paths) -> TokenStream {
    if let Some(key) = &config.key {
        let check = rt.cache("key");
        return quote_spanned!(key.span()=> #check(#key));
    }
    let part = rt.cache("Part");
    // `(&&Part(&x)).__decor_owned()` and friends: see the runtime's `Part`.
    let probe = |at: Span, value: TokenStream, method: &str, ok: &str, bad: &str| {
        let method = syn::Ident::new(method, at);
        let (ok, bad) = (rt.cache(ok), rt.cache(bad));
        quote_spanned! {at=> {
            #[allow(unused_imports)]
            use #ok as _;
            #[allow(unused_imports)]
            use #bad as _;
            (&&#part(#value)).#method()
        }}
    };
    let mut parts = Vec::new();
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                let this = &receiver.self_token;
                let by_reference =
                    receiver.reference.is_some() || matches!(&*receiver.ty, Type::Reference(_));
                let value = match by_reference {
                    true => quote!(#this),
                    false => quote!(&#this),
                };
                parts.push(probe(this.span, value, "__decor_self", "SelfOk", "SelfBad"));
            }
            FnArg::Typed(typed) => {
                let at = typed.span();
                match (&*typed.pat, &*typed.ty) {
                    (Pat::Ident(ident), Type::Reference(_)) if ident.subpat.is_none() => {
                        let name = &ident.ident;
                        parts.push(probe(
                            at,
                            quote!(#name),
                            "__decor_borrowed",
                            "BorrowedOk",
                            "BorrowedBad",
                        ));
                    }
                    _ => {
                        // A pattern keys on what it binds, each owned.
                        let mut names = Vec::new();
                        func::bound_idents(&typed.pat, &mut names);
                        for name in names {
                            parts.push(probe(
                                at,
                                quote!(&#name),
                                "__decor_owned",
                                "PartOk",
                                "PartBad",
                            ));
                        }
                    }
                }
            }
        }
    }
    // A lone borrowed parameter is looked up as it is (`&str`), and made
    // owned (`String`) only to be stored.
    if let [FnArg::Typed(typed)] = function.sig.inputs.iter().collect::<Vec<_>>().as_slice() {
        if let (Pat::Ident(ident), Type::Reference(_)) = (&*typed.pat, &*typed.ty) {
            if ident.subpat.is_none() {
                let name = &ident.ident;
                return probe(
                    typed.span(),
                    quote!(#name),
                    "__decor_lookup",
                    "LookupOk",
                    "LookupBad",
                );
            }
        }
    }
    match parts.as_slice() {
        [one] => one.clone(),
        parts => quote!((#(#parts,)*)),
    }
}

/// What the body returns: the signature's type, or for an `#[async_trait]`
/// method (whose signature `async_trait` has made
/// `Pin<Box<dyn Future<Output = T> + Send>>`), the `T`.
fn returns(function: &ItemFn) -> Returns {
    let output = &function.sig.output;
    if func::is_async_trait_body(&function.block) {
        if let Some(ty) = future_output(output) {
            return func::returns(&syn::parse_quote!(-> #ty));
        }
    }
    func::returns(output)
}

/// The `T` of the first `Output = T` in the type.
fn future_output(output: &syn::ReturnType) -> Option<Type> {
    use syn::visit::Visit;
    struct Finder(Option<Type>);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_assoc_type(&mut self, assoc: &'ast syn::AssocType) {
            if self.0.is_none() && assoc.ident == "Output" {
                self.0 = Some(assoc.ty.clone());
            }
        }
    }
    let mut finder = Finder(None);
    finder.visit_return_type(output);
    finder.0
}

/// Caches the body: the site static and the key at the top of the
/// function, the body run by the site on a miss.
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let site = rt.cache("Site");
    let enabled = rt.cache_enabled();
    let name = match &config.name {
        Some(name) => name.to_token_stream(),
        None => {
            let ident = syn::ext::IdentExt::unraw(&function.sig.ident).to_string();
            quote!(::core::concat!(::core::module_path!(), "::", #ident))
        }
    };
    let (size, ttl, per_thread) = (config.size, config.ttl_nanos, config.per_thread.is_some());
    let key = key(config, function, &rt);
    let keep = match (&config.errors, returns(function)) {
        (false, Returns::Nameable(ty)) => {
            let probe = rt.cache("KeepProbe");
            let (ok, all) = (rt.cache("KeepOk"), rt.cache("KeepAll"));
            quote! {{
                #[allow(unused_imports)]
                use #ok as _;
                #[allow(unused_imports)]
                use #all as _;
                (&&#probe::<#ty>::NEW).__decor_keep()
            }}
        }
        _ => {
            let whole = rt.cache("whole");
            quote!(#whole())
        }
    };
    let preamble = quote! {
        #enabled();
        static __DECOR_CACHE: #site = #site::new(#name, #size, #ttl, #per_thread);
        // A parameter named `_x` is still part of the key.
        #[allow(unknown_lints, clippy::used_underscore_binding)]
        let __decor_key = #key;
        let __decor_keep = #keep;
    };

    if let Some((body, fake)) = func::async_body(function, fenced) {
        let stmts = exits::below_fake_return(std::mem::take(&mut body.stmts), fake);
        body.stmts = vec![
            exits::own_stmt(preamble),
            Stmt::Expr(
                Expr::Verbatim(quote! {
                    __DECOR_CACHE.call_async(__decor_key, __decor_keep, async move { #(#stmts)* }).await
                }),
                None,
            ),
        ];
        return;
    }

    let output = match &function.sig.output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let body = syn::Block {
        brace_token: function.block.brace_token,
        stmts: std::mem::take(&mut function.block.stmts),
    };
    let body = exits::nested_block(body);
    // The call is the body's last statement, a block of its own: the
    // user's block for the decorators applied after this one, which thread
    // their exits through it.
    let call = syn::Block {
        brace_token: Default::default(),
        stmts: vec![Stmt::Expr(
            Expr::Verbatim(quote! {
                __DECOR_CACHE.call(__decor_key, __decor_keep, move || -> #output #body)
            }),
            None,
        )],
    };
    function.block.stmts = vec![
        exits::own_stmt(preamble),
        Stmt::Expr(exits::nested_block(call), None),
    ];
    *fenced = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> Result<Config, String> {
        super::super::errors::parsed(attr, Config::parse_into)
    }

    #[test]
    fn defaults() {
        let config = parse(quote!()).unwrap();
        assert_eq!((config.size, config.ttl_nanos), (DEFAULT_SIZE, 0));
        assert!(config.key.is_none() && !config.errors && config.per_thread.is_none());
    }

    #[test]
    fn every_option() {
        let config = parse(quote!(
            size = 10,
            ttl = "50ms",
            key = (a, b),
            errors = true,
            scope = thread,
            name = "x",
            crate = ::my_decor
        ))
        .unwrap();
        assert_eq!((config.size, config.ttl_nanos), (10, 50_000_000));
        assert!(config.key.is_some() && config.errors && config.per_thread.is_some());
        assert_eq!(config.name.unwrap().value(), "x");
        assert!(parse(quote!(scope = global)).unwrap().per_thread.is_none());
    }

    #[test]
    fn errors_name_the_problem() {
        for (attr, needle) in [
            (quote!(size = 0), "`size` must be at least 1"),
            (quote!(ttl = "soon"), "invalid duration"),
            (quote!(ttl = "0s"), "`ttl` must be longer than zero"),
            (quote!(scope = process), "expected `scope = global`"),
            (quote!(errors = yes), "expected `true` or `false`"),
            (quote!(size = 1, size = 2), "duplicate option `size`"),
            (quote!(maxsize = 1), "unknown option `maxsize`"),
            (quote!(key), "`key` takes a value"),
        ] {
            let error = parse(attr.clone())
                .err()
                .unwrap_or_else(|| panic!("{attr} parsed"));
            assert!(error.contains(needle), "{attr}: {error}");
        }
    }
}
