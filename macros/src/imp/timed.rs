//! `#[timed]`: parse its options, check them, emit the site static (the
//! timer and the event settings) and the guard (or, for `async fn`, the
//! future wrapper).

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{Block, ItemFn, LitStr, Path};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::options::{self, Given, Level};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["name", "level", "warn_over", "crate"];

/// The options of one `#[timed]`.
pub struct Config {
    pub name: Option<LitStr>,
    pub level: Option<Level>,
    pub warn_over_nanos: u64,
    pub krate: Option<Path>,
}

impl Config {
    /// The options, with defaults where they are wrong; problems go to
    /// `errors`, to be reported beside those found in the function.
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            name: None,
            level: Some(Level::Debug),
            warn_over_nanos: 0,
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "name" => {
                    let name =
                        options::text(meta, "name = \"my_function\"", "the name to report under");
                    config.name = errors.ok(name);
                }
                "level" => {
                    let value = options::value(meta, "level = info");
                    if let Some(level) = errors.ok(value.and_then(|v| options::level_of(v, true))) {
                        config.level = level;
                    }
                }
                "warn_over" => {
                    let value = options::value(meta, "warn_over = \"10ms\"");
                    if let Some(expr) = errors.ok(value) {
                        match errors.ok(options::duration_of(expr)) {
                            Some(0) => errors.spanned(expr, "`warn_over` must be longer than zero"),
                            Some(nanos) => config.warn_over_nanos = nanos,
                            None => {}
                        }
                    }
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "timed", VALID),
            }
        }
        config
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Timed, attr, item)
}

/// Times the body: the timer static and the guard at its top, every exit
/// through the guard; for `async fn`, the future wrapper around it.
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let site_ty = rt.timed_site();
    let level = rt.level_option(config.level);
    let warn = config.warn_over_nanos;
    let name = match &config.name {
        Some(name) => name.to_token_stream(),
        None => {
            let ident = function.sig.ident.unraw().to_string();
            quote!(::core::concat!(::core::module_path!(), "::", #ident))
        }
    };
    let timer = quote! {
        static __DECOR_TIMER: #site_ty = #site_ty::new(#name, #level, #warn);
    };
    let is_err = rt.probe("probe_is_err");

    if let Some((body, fake)) = func::async_body(function, fenced) {
        wrap_async(body, &rt, timer, fake);
        return;
    }

    let returns_result = func::returns_result(&rt, &function.sig.output);
    let guard = rt.timed_guard();
    let start = quote! {
        let __decor_timed = #guard::start(&__DECOR_TIMER, #returns_result);
    };
    let classify = quote!(|__decor_v| #is_err(__decor_v));
    // Where the return type can be named, every returned value is classified
    // by one closure: one closure and one `observe` to compile per function,
    // not per exit.
    let mut preamble = vec![exits::own_stmt(timer), exits::own_stmt(start)];
    let classify_return = match func::returns(&function.sig.output) {
        Returns::Nameable(ty) => {
            preamble.push(exits::own_stmt(quote! {
                let __decor_timed_is_err = |__decor_v: &#ty| -> bool { #is_err(__decor_v) };
            }));
            quote!(__decor_timed_is_err)
        }
        Returns::Unit | Returns::Opaque => classify.clone(),
    };
    let on_return =
        |value| exits::guard_call("__decor_timed", "observe", value, classify_return.clone());
    // A `?` that leaves the function leaves it with an error, so where the
    // guard knows whether the function returns a `Result` (the return type
    // can be named), an unseen exit is classified right without watching
    // the `?`s: one closure fewer per `?` to compile.
    let observe_try = matches!(func::returns(&function.sig.output), Returns::Opaque);
    let on_try = |value| match observe_try {
        true => exits::guard_call("__decor_timed", "observe_try", value, classify.clone()),
        false => value,
    };
    let body = exits::user_block(&mut function.block, fenced);
    exits::thread_exits(body, &on_return, &on_try);
    exits::insert_preamble(&mut function.block, preamble);
}

/// `{ static SITE; timed::Future::new(&SITE, async move { fake; { body } }, is_err).await }`
fn wrap_async(body: &mut Block, rt: &Paths, timer: TokenStream, fake: Option<syn::Stmt>) {
    let future = rt.timed_future();
    let is_err = rt.probe("probe_is_err");
    let stmts = exits::below_fake_return(std::mem::take(&mut body.stmts), fake);
    body.stmts = vec![
        exits::own_stmt(timer),
        syn::Stmt::Expr(
            syn::Expr::Verbatim(quote! {
                #future::new(
                    &__DECOR_TIMER,
                    async move { #(#stmts)* },
                    |__decor_v| #is_err(__decor_v),
                ).await
            }),
            None,
        ),
    ];
}

trait Unraw {
    fn unraw(&self) -> syn::Ident;
}

impl Unraw for syn::Ident {
    fn unraw(&self) -> syn::Ident {
        syn::ext::IdentExt::unraw(self)
    }
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
        assert_eq!(config.level, Some(Level::Debug));
        assert_eq!(config.warn_over_nanos, 0);
        assert!(config.name.is_none() && config.krate.is_none());
    }

    #[test]
    fn every_option() {
        let config = parse(quote!(
            name = "x",
            level = "info",
            warn_over = "2ms",
            crate = ::my_decor
        ))
        .unwrap();
        assert_eq!(config.name.unwrap().value(), "x");
        assert_eq!(config.level, Some(Level::Info));
        assert_eq!(config.warn_over_nanos, 2_000_000);
        assert_eq!(
            config.krate.unwrap().to_token_stream().to_string(),
            ":: my_decor"
        );
        assert_eq!(parse(quote!(level = off)).unwrap().level, None);
    }

    #[test]
    fn errors_name_the_problem() {
        let unknown = parse(quote!(thresh = 1)).err().unwrap();
        assert!(unknown.contains("unknown option `thresh`"), "{unknown}");
        assert!(
            unknown.contains("`name`, `level`, `warn_over`, `crate`"),
            "{unknown}"
        );
        assert!(parse(quote!(level = info, level = warn))
            .err()
            .unwrap()
            .contains("duplicate option `level`"));
        assert!(parse(quote!(level = loud))
            .err()
            .unwrap()
            .contains("unknown level `loud`"));
        assert!(parse(quote!(warn_over = "10 parsecs"))
            .err()
            .unwrap()
            .contains("invalid duration"));
        assert!(parse(quote!(warn_over = 10))
            .err()
            .unwrap()
            .contains("string literal"));
        assert!(parse(quote!(name))
            .err()
            .unwrap()
            .contains("`name` takes a value"));
    }
}
