//! `#[rate_limit]`: parse its options, check them against the function,
//! emit the limiter's site `static` and the way through it at the top of
//! the body: a blocking wait, an awaited wait (for `async fn` and
//! `#[async_trait]` bodies), or with `wait = false` a refusal returned as
//! the function's `Err`.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::{Block, Expr, ItemFn, LitStr, Meta, Path, Stmt};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &[
    "calls", "per", "burst", "wait", "name", "key", "max_keys", "crate",
];

/// Keys a keyed limiter remembers unless `max_keys` says otherwise.
const DEFAULT_MAX_KEYS: u64 = 10_000;

/// The options of one `#[rate_limit]`.
pub struct Config {
    pub calls: u32,
    pub per_nanos: u64,
    /// `None`: as many as `calls`.
    pub burst: Option<u32>,
    pub wait: bool,
    /// Where `wait = false` was written, for errors about it.
    pub wait_meta: Option<Meta>,
    pub name: Option<LitStr>,
    pub key: Option<Expr>,
    pub max_keys: u64,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            calls: 0,
            per_nanos: 0,
            burst: None,
            wait: true,
            wait_meta: None,
            name: None,
            key: None,
            max_keys: DEFAULT_MAX_KEYS,
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        let (mut has_calls, mut has_per) = (false, false);
        let mut max_keys_meta = None;
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "calls" => {
                    has_calls = true;
                    if let Some(n) = errors.ok(count(meta, "calls = 10")) {
                        config.calls = n;
                    }
                }
                "per" => {
                    has_per = true;
                    let value = options::value(meta, "per = \"1s\"");
                    if let Some(expr) = errors.ok(value) {
                        match errors.ok(options::duration_of(expr)) {
                            Some(0) => errors.spanned(
                                expr,
                                "`per` must be longer than zero, such as `per = \"1s\"`",
                            ),
                            Some(nanos) => config.per_nanos = nanos,
                            None => {}
                        }
                    }
                }
                "burst" => config.burst = errors.ok(count(meta, "burst = 5")),
                "wait" => {
                    if let Some(wait) = errors.ok(options::flag(meta)) {
                        config.wait = wait;
                        config.wait_meta = Some(meta.clone());
                    }
                }
                "name" => {
                    config.name = errors.ok(options::text(
                        meta,
                        "name = \"api\"",
                        "the shared limiter's name",
                    ))
                }
                "key" => config.key = errors.ok(options::value(meta, "key = user_id").cloned()),
                "max_keys" => {
                    max_keys_meta = Some(meta);
                    if let Some(n) = errors.ok(options::positive_int(meta, "max_keys = 10000")) {
                        config.max_keys = n.base10_parse().unwrap_or(DEFAULT_MAX_KEYS);
                    }
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "rate_limit", VALID),
            }
        }
        if let (Some(meta), None) = (max_keys_meta, &config.key) {
            errors.spanned(
                meta,
                "`max_keys` bounds a keyed limiter; add `key = ...`, or remove `max_keys`",
            );
        }
        if !(has_calls && has_per) {
            let missing = match (has_calls, has_per) {
                (false, false) => "`calls = N` and `per = \"...\"`",
                (false, true) => "`calls = N`",
                _ => "`per = \"...\"`",
            };
            errors.push(syn::Error::new(
                Span::call_site(),
                format!(
                    "#[rate_limit] needs {missing}: how many calls in how long, \
                     such as `#[rate_limit(calls = 10, per = \"1s\")]`"
                ),
            ));
        }
        config
    }

    /// `const fn` cannot wait; `wait = false` needs a `Result` to return.
    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        func::check_inline_body(
            function,
            "rate_limit",
            "a limiter cannot be waited for during const evaluation",
            errors,
        );
        let Some(meta) = self.wait_meta.as_ref().filter(|_| !self.wait) else {
            return;
        };
        let ident = &function.sig.ident;
        match func::returns(&function.sig.output) {
            Returns::Unit => errors.spanned(
                meta,
                format!(
                    "`wait = false` returns `Err(E::from(decor::RateLimited))` when a call is over \
                     the limit, but `{ident}` returns `()`; return `Result<_, E>` \
                     (with `impl From<decor::RateLimited> for E`), or remove `wait = false` \
                     to wait for the limiter instead"
                ),
            ),
            Returns::Opaque => errors.spanned(
                meta,
                format!(
                    "`wait = false` returns `Err(E::from(decor::RateLimited))` when a call is over \
                     the limit, so `{ident}` must return a `Result` written out, not `impl Trait`"
                ),
            ),
            Returns::Nameable(_) => {}
        }
    }
}

/// `calls = N`, `burst = N`: at least 1, at most `u32::MAX`.
fn count(meta: &Meta, example: &str) -> syn::Result<u32> {
    let int = options::positive_int(meta, example)?;
    int.base10_parse()
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::RateLimit, attr, item)
}

/// Puts the limiter's `static` and the way through it at the top of the
/// body (of the async body, for `async fn` and `#[async_trait]` methods).
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let site = rt.rate_limit("Site");
    let enabled = rt.rate_limit_enabled();
    let (name, shared) = match &config.name {
        Some(name) => (name.to_token_stream(), true),
        None => {
            let ident = syn::ext::IdentExt::unraw(&function.sig.ident).to_string();
            (
                quote!(::core::concat!(::core::module_path!(), "::", #ident)),
                false,
            )
        }
    };
    let (calls, per, burst) = (
        config.calls,
        config.per_nanos,
        config.burst.unwrap_or(config.calls),
    );
    let max_keys = match config.key {
        Some(_) => config.max_keys as usize,
        None => 0,
    };
    let stat = exits::own_stmt(quote! {
        static __DECOR_LIMIT: #site = #site::new(#name, #shared, #calls, #per, #burst, #max_keys);
    });
    let enabled = exits::own_stmt(quote!(#enabled();));
    // Mixed-site: a parameter of the same name cannot shadow these.
    let key_ident = syn::Ident::new("__decor_key", Span::mixed_site());
    let limited = syn::Ident::new("__decor_limited", Span::mixed_site());
    let key = match &config.key {
        Some(expr) => exits::own_stmt(quote!(let #key_ident = __DECOR_LIMIT.key(&(#expr));)),
        None => exits::own_stmt(quote!(let #key_ident = ::core::option::Option::None;)),
    };
    // The refusal's type errors (not a `Result`, no `From<RateLimited>`)
    // point at the return type.
    let at = match &function.sig.output {
        syn::ReturnType::Type(_, ty) => ty
            .to_token_stream()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span()),
        syn::ReturnType::Default => Span::call_site(),
    };
    let reject_fn = rt.rate_limit("reject");
    let reject_fn = respanned(reject_fn, at);
    let reject = quote_spanned!(at=> #reject_fn(#limited));

    if let Some(body) = async_body(function) {
        let through = if config.wait {
            quote!(__DECOR_LIMIT.wait_async(#key_ident).await;)
        } else {
            // An outer async decorator runs these statements inside its
            // own async block: the `return` leaves that block, and it sees
            // the refusal as the call's value.
            quote! {
                if let ::core::result::Result::Err(#limited) = __DECOR_LIMIT.try_admit(#key_ident) {
                    return #reject;
                }
            }
        };
        exits::insert_preamble(body, vec![stat, enabled, key, exits::own_stmt(through)]);
        return;
    }
    if config.wait {
        let wait = exits::own_stmt(quote!(__DECOR_LIMIT.wait(#key_ident);));
        exits::insert_preamble(&mut function.block, vec![stat, enabled, key, wait]);
        return;
    }
    // `{ if let Err(l) = try_admit() { reject(l) } else { <the body so far> } }`:
    // the refusal is the body's value, so the decorators outside this one
    // see it at their exit as any other return; those inside (and their
    // guards) never start.
    exits::user_block(&mut function.block, fenced);
    let previous = std::mem::take(&mut function.block.stmts);
    let refused = Expr::If(syn::ExprIf {
        attrs: Vec::new(),
        if_token: Default::default(),
        cond: Box::new(Expr::Verbatim(quote! {
            let ::core::result::Result::Err(#limited) = __DECOR_LIMIT.try_admit(#key_ident)
        })),
        then_branch: Block {
            brace_token: Default::default(),
            stmts: vec![Stmt::Expr(Expr::Verbatim(reject), None)],
        },
        else_branch: Some((
            Default::default(),
            Box::new(Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: Block {
                    brace_token: Default::default(),
                    stmts: previous,
                },
            })),
        )),
    });
    let guarded = Block {
        brace_token: Default::default(),
        stmts: vec![Stmt::Expr(refused, None)],
    };
    function.block.stmts = vec![
        stat,
        enabled,
        key,
        Stmt::Expr(
            Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: guarded,
            }),
            None,
        ),
    ];
}

/// `tokens` with every span set to `at`, so that a type error in the call
/// they name is reported there.
pub fn respanned(tokens: TokenStream, at: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respanned(group.stream(), at));
                inner.set_span(at);
                TokenTree::Group(inner)
            }
            mut token => {
                token.set_span(at);
                token
            }
        })
        .collect()
}

/// The block an async function's statements are in: an `async fn`'s body,
/// or an `#[async_trait]` method's async block. Statements put at its top
/// run inside the call's future, before those of the decorators below.
fn async_body(function: &mut ItemFn) -> Option<&mut Block> {
    if function.sig.asyncness.is_some() {
        return Some(&mut function.block);
    }
    func::async_trait_body(&mut function.block)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> Result<Config, String> {
        super::super::errors::parsed(attr, Config::parse_into)
    }

    #[test]
    fn defaults_and_every_option() {
        let config = parse(quote!(calls = 10, per = "1s")).unwrap();
        assert_eq!((config.calls, config.per_nanos), (10, 1_000_000_000));
        assert!(config.burst.is_none() && config.wait && config.key.is_none());
        assert!(config.name.is_none() && config.krate.is_none());
        assert_eq!(config.max_keys, DEFAULT_MAX_KEYS);

        let config = parse(quote!(
            calls = 3,
            per = "250ms",
            burst = 5,
            wait = false,
            name = "api",
            key = user.id,
            max_keys = 50,
            crate = ::my_decor
        ))
        .unwrap();
        assert_eq!((config.calls, config.per_nanos), (3, 250_000_000));
        assert_eq!(config.burst, Some(5));
        assert!(!config.wait);
        assert_eq!(config.name.unwrap().value(), "api");
        assert!(config.key.is_some());
        assert_eq!(config.max_keys, 50);
        assert!(parse(quote!(calls = 1, per = "1s", wait)).unwrap().wait);
    }

    #[test]
    fn errors_name_the_problem() {
        for (attr, needle) in [
            (quote!(calls = 0, per = "1s"), "`calls` must be at least 1"),
            (
                quote!(calls = 1, per = "0s"),
                "`per` must be longer than zero",
            ),
            (quote!(calls = 1, per = "soon"), "invalid duration"),
            (
                quote!(calls = 1, per = "1s", burst = 0),
                "`burst` must be at least 1",
            ),
            (quote!(calls = 1), "needs `per = \"...\"`"),
            (quote!(per = "1s"), "needs `calls = N`"),
            (quote!(), "needs `calls = N` and `per"),
            (
                quote!(calls = 1, per = "1s", calls = 2),
                "duplicate option `calls`",
            ),
            (
                quote!(calls = 1, per = "1s", every = 2),
                "unknown option `every`",
            ),
            (
                quote!(calls = 1, per = "1s", wait = maybe),
                "`true` or `false`",
            ),
            (
                quote!(calls = 1, per = "1s", max_keys = 9),
                "add `key = ...`",
            ),
            (quote!(calls = x, per = "1s"), "whole number"),
        ] {
            let error = parse(attr.clone())
                .err()
                .unwrap_or_else(|| panic!("{attr} parsed"));
            assert!(error.contains(needle), "{attr}: {error}");
        }
        let unknown = parse(quote!(calls = 1, per = "1s", every = 2))
            .err()
            .unwrap();
        assert!(
            unknown.contains("`calls`, `per`, `burst`, `wait`"),
            "{unknown}"
        );
    }
}
