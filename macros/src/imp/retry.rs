//! `#[retry]`: parse its options into a `decor::Retry` built in a `static`,
//! check the function returns a `Result` and can be run again, and emit
//! the run loop of `#[with]` with that static as the decorator.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, FnArg, ItemFn, Lit, Path};

use super::errors::Errors;
use super::func::{self, Returns};
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};
use super::with::{self as with_layer, Runs};

const VALID: &[&str] = &[
    "attempts",
    "delay",
    "backoff",
    "max_delay",
    "jitter",
    "deadline",
    "when",
    "on_retry",
    "crate",
];

/// The options of one `#[retry]`.
#[derive(Default)]
pub struct Config {
    pub attempts: Option<u32>,
    pub delay_nanos: Option<u64>,
    pub backoff: Option<f64>,
    pub max_delay_nanos: Option<u64>,
    pub jitter: bool,
    pub deadline_nanos: Option<u64>,
    pub when: Option<Expr>,
    pub on_retry: Option<Path>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config::default();
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "attempts" => {
                    if let Some(int) = errors.ok(options::positive_int(meta, "attempts = 3")) {
                        config.attempts = int.base10_parse().ok();
                    }
                }
                "delay" => config.delay_nanos = duration(meta, "delay = \"100ms\"", true, errors),
                "max_delay" => {
                    config.max_delay_nanos = duration(meta, "max_delay = \"10s\"", true, errors)
                }
                "deadline" => {
                    config.deadline_nanos = duration(meta, "deadline = \"30s\"", false, errors)
                }
                "backoff" => config.backoff = backoff(meta, errors),
                "jitter" => {
                    if let Some(on) = errors.ok(options::flag(meta)) {
                        config.jitter = on;
                    }
                }
                "when" => {
                    config.when =
                        errors.ok(options::value(meta, "when = |e| e.is_transient()").cloned())
                }
                "on_retry" => {
                    let value = options::value(meta, "on_retry = log_retry");
                    if let Some(expr) = errors.ok(value) {
                        match options::ungroup(expr) {
                            Expr::Path(path) => config.on_retry = Some(path.path.clone()),
                            other => errors.spanned(
                                other,
                                "`on_retry` takes the path of a `fn(&decor::RetryInfo)`: `on_retry = log_retry`",
                            ),
                        }
                    }
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "retry", VALID),
            }
        }
        config
    }

    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        with_layer::check_runs(function, "retry", errors);
        if let Some(FnArg::Receiver(receiver)) = function.sig.inputs.first() {
            if receiver.reference.is_none() && !matches!(&*receiver.ty, syn::Type::Reference(_)) {
                errors.spanned(
                    receiver,
                    "#[retry] runs the body again, but this method takes `self` by value, which \
                     one run consumes; take `&self` or `&mut self`",
                );
            }
        }
        let async_trait = func::is_async_trait(function);
        if !async_trait && matches!(func::returns(&function.sig.output), Returns::Unit) {
            errors.spanned(
                &function.sig.ident,
                format!(
                    "#[retry] runs the body again when it returns `Err`, but `{}` returns nothing; \
                     return a `Result`",
                    function.sig.ident
                ),
            );
        }
    }
}

/// A duration option; `nonzero`: zero is refused (a deadline of zero
/// would never run; a delay of zero is allowed).
fn duration(meta: &syn::Meta, example: &str, zero_ok: bool, errors: &mut Errors) -> Option<u64> {
    let expr = errors.ok(options::value(meta, example))?;
    let nanos = errors.ok(options::duration_of(expr))?;
    if nanos == 0 && !zero_ok {
        errors.spanned(
            expr,
            format!("`{}` must be longer than zero", options::name_of(meta)),
        );
        return None;
    }
    Some(nanos)
}

fn backoff(meta: &syn::Meta, errors: &mut Errors) -> Option<f64> {
    let expr = errors.ok(options::value(meta, "backoff = 2.0"))?;
    let value = match options::ungroup(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Float(float),
            ..
        }) => float.base10_parse::<f64>().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse::<f64>().ok(),
        _ => None,
    };
    match value {
        Some(value) if value >= 1.0 && value.is_finite() => Some(value),
        Some(_) => {
            errors.spanned(
                expr,
                "`backoff` is the factor each pause grows by: at least 1.0 (1.0 keeps it constant)",
            );
            None
        }
        None => {
            errors.spanned(expr, "`backoff` takes a number: `backoff = 2.0`");
            None
        }
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Retry, attr, item)
}

/// The `static` policy, the checks, and `#[with]`'s loop around the body.
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let retry = rt.retry("Retry");
    let duration = |nanos: u64| quote!(::core::time::Duration::from_nanos(#nanos));
    let mut policy = quote!(#retry::new());
    if let Some(attempts) = config.attempts {
        policy.extend(quote!(.attempts(#attempts)));
    }
    if let Some(nanos) = config.delay_nanos {
        let delay = duration(nanos);
        policy.extend(quote!(.delay(#delay)));
    }
    if let Some(backoff) = config.backoff {
        policy.extend(quote!(.backoff(#backoff)));
    }
    if let Some(nanos) = config.max_delay_nanos {
        let max = duration(nanos);
        policy.extend(quote!(.max_delay(#max)));
    }
    if config.jitter {
        policy.extend(quote!(.jitter(true)));
    }
    if let Some(nanos) = config.deadline_nanos {
        let deadline = duration(nanos);
        policy.extend(quote!(.deadline(#deadline)));
    }
    if let Some(hook) = &config.on_retry {
        // Through a typed binding at the path: a function of another shape
        // is reported there, against the type it should have.
        let hook = hook.to_token_stream();
        let span = with_layer::first_span(&hook);
        let info = super::process::respanned(rt.retry("RetryInfo"), span);
        let typed = quote_spanned! {span=>
            let __decor_on_retry: fn(&#info) = #hook;
        };
        policy.extend(quote!(.on_retry({ #typed __decor_on_retry })));
    }
    let mut checks = vec![quote!(static __DECOR_RETRY: #retry = #policy;)];
    let async_trait = func::is_async_trait(function);
    if let (false, Returns::Nameable(ty)) = (async_trait, func::returns(&function.sig.output)) {
        let returns_result = rt.retry("returns_result");
        checks.push(quote_spanned! {ty.span()=> #returns_result::<#ty>(); });
    }
    let runs = Runs {
        when: config.when.as_ref().map(ToTokens::to_token_stream),
        checks,
        require_clone: Some([rt.retry("clonable"), rt.retry("clonable_pattern")]),
    };
    with_layer::wrap_runs(&rt, quote!(__DECOR_RETRY), &runs, function, fenced);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> Result<Config, String> {
        super::super::errors::parsed(attr, Config::parse_into)
    }

    #[test]
    fn every_option() {
        let config = parse(quote!(
            attempts = 5,
            delay = "10ms",
            backoff = 1.5,
            max_delay = "1s",
            jitter,
            deadline = "3s",
            when = |e| e.is_transient(),
            on_retry = log::retry,
            crate = ::my_decor
        ))
        .unwrap();
        assert_eq!(config.attempts, Some(5));
        assert_eq!(config.delay_nanos, Some(10_000_000));
        assert_eq!(config.backoff, Some(1.5));
        assert_eq!(config.max_delay_nanos, Some(1_000_000_000));
        assert!(config.jitter);
        assert_eq!(config.deadline_nanos, Some(3_000_000_000));
        assert!(config.when.is_some() && config.on_retry.is_some() && config.krate.is_some());
        assert_eq!(parse(quote!(backoff = 2)).unwrap().backoff, Some(2.0));
        assert_eq!(parse(quote!(delay = "0ms")).unwrap().delay_nanos, Some(0));
    }

    #[test]
    fn errors_name_the_problem() {
        for (attr, needle) in [
            (quote!(attempts = 0), "`attempts` must be at least 1"),
            (quote!(attempts = many), "whole number"),
            (quote!(delay = "soon"), "invalid duration"),
            (
                quote!(deadline = "0s"),
                "`deadline` must be longer than zero",
            ),
            (quote!(backoff = 0.5), "at least 1.0"),
            (quote!(backoff = "2"), "takes a number"),
            (quote!(on_retry = |i| ()), "takes the path"),
            (quote!(tries = 3), "unknown option `tries`"),
            (
                quote!(attempts = 2, attempts = 3),
                "duplicate option `attempts`",
            ),
        ] {
            let error = parse(attr.clone())
                .err()
                .unwrap_or_else(|| panic!("{attr} parsed"));
            assert!(error.contains(needle), "{attr}: {error}");
        }
    }
}
