//! `#[logged]`: parse its options, check them against the signature, and
//! emit data: one `Site` static (names, target, levels, field names,
//! `max_len`) and calls into the runtime's `logged` module, which owns the
//! span, the events and their schema. The guard (or, for `async fn`, the
//! future wrapper) sees every exit.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, ItemFn, LitStr, Meta, Path, Token};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::options::{self, Given, Level};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &[
    "level", "name", "target", "skip", "skip_all", "redact", "fields", "ret", "err", "max_len",
    "crate",
];

/// How many characters of each logged value are kept unless `max_len` says.
const DEFAULT_MAX_LEN: usize = 512;

/// The options of one `#[logged]`.
pub struct Config {
    pub level: Level,
    pub err_level: Level,
    pub name: Option<LitStr>,
    pub target: Option<LitStr>,
    pub skip: Vec<Ident>,
    pub skip_all: bool,
    pub redact: Vec<Ident>,
    pub fields: Vec<Field>,
    pub ret: bool,
    /// `None`: `max_len = none`, values are logged whole.
    pub max_len: Option<usize>,
    pub krate: Option<Path>,
}

/// One `key = value` of `fields(...)`; the value may start with tracing's
/// `%` (Display) or `?` (Debug).
pub struct Field {
    pub key: Punctuated<Ident, Token![.]>,
    pub sigil: Option<TokenStream>,
    pub value: syn::Expr,
}

impl Parse for Field {
    fn parse(input: ParseStream) -> syn::Result<Field> {
        let key = Punctuated::parse_separated_nonempty_with(input, syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![=]>()?;
        let sigil = if input.peek(Token![%]) {
            Some(input.parse::<Token![%]>()?.into_token_stream())
        } else if input.peek(Token![?]) {
            Some(input.parse::<Token![?]>()?.into_token_stream())
        } else {
            None
        };
        Ok(Field {
            key,
            sigil,
            value: input.parse()?,
        })
    }
}

impl Config {
    /// The options, with defaults where they are wrong; problems go to
    /// `errors`, to be reported beside those found in the function.
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            level: Level::Info,
            err_level: Level::Error,
            name: None,
            target: None,
            skip: Vec::new(),
            skip_all: false,
            redact: Vec::new(),
            fields: Vec::new(),
            ret: true,
            max_len: Some(DEFAULT_MAX_LEN),
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "level" => {
                    let level = options::value(meta, "level = info")
                        .and_then(|v| options::level_of(v, false));
                    if let Some(Some(level)) = errors.ok(level) {
                        config.level = level;
                    }
                }
                "err" => {
                    let level = options::value(meta, "err = warn")
                        .and_then(|v| options::level_of(v, false));
                    if let Some(Some(level)) = errors.ok(level) {
                        config.err_level = level;
                    }
                }
                "name" => {
                    let name = options::text(meta, "name = \"span_name\"", "the span's name");
                    config.name = errors.ok(name);
                }
                "target" => {
                    let target =
                        options::text(meta, "target = \"my_app::db\"", "the events' target");
                    config.target = errors.ok(target);
                }
                "skip" => config.skip = errors.ok(options::ident_list(meta)).unwrap_or_default(),
                "redact" => {
                    config.redact = errors.ok(options::ident_list(meta)).unwrap_or_default()
                }
                "skip_all" => config.skip_all = errors.ok(options::flag(meta)).unwrap_or(false),
                "ret" => {
                    let ret = options::value(meta, "ret = false").and_then(options::bool_of);
                    config.ret = errors.ok(ret).unwrap_or(true);
                }
                "max_len" => {
                    if let Some(max_len) = errors.ok(max_len_of(meta)) {
                        config.max_len = max_len;
                    }
                }
                "fields" => config.fields = errors.ok(fields_of(meta)).unwrap_or_default(),
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "logged", VALID),
            }
        }
        if config.skip_all && !config.skip.is_empty() {
            errors.spanned(
                &config.skip[0],
                "`skip` and `skip_all` together: `skip_all` already skips every parameter",
            );
        }
        for ident in &config.redact {
            if config.skip.contains(ident) {
                errors.spanned(
                    ident,
                    format!("`{ident}` is both skipped and redacted; pick one"),
                );
            }
        }
        config
    }

    /// Checks the options against the function: every name in `skip(...)`
    /// and `redact(...)` must be a parameter, and it cannot be a `const fn`.
    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        let names = func::parameter_names(function);
        let listed = names
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        for (option, idents) in [("skip", &self.skip), ("redact", &self.redact)] {
            for ident in idents {
                if !names.contains(ident) {
                    let of = &function.sig.ident;
                    let hint = if names.is_empty() {
                        format!("`{of}` takes no parameters")
                    } else {
                        format!("its parameters are {listed}")
                    };
                    errors.spanned(ident, format!("`{option}` names `{ident}`, which is not a parameter of `{of}`; {hint}"));
                }
            }
        }
        func::check_inline_body(
            function,
            "logged",
            "logging cannot run during const evaluation",
            errors,
        );
    }
}

/// `max_len = 200` or `max_len = none`.
fn max_len_of(meta: &Meta) -> syn::Result<Option<usize>> {
    let value = options::value(meta, "max_len = 200")?;
    if let syn::Expr::Path(path) = options::ungroup(value) {
        if path.path.is_ident("none") {
            return Ok(None);
        }
    }
    // Read by the message as "takes a whole number: `max_len = 200` or
    // `max_len = none`".
    let n = options::positive_int(meta, "max_len = 200` or `max_len = none")?;
    n.base10_parse().map(Some)
}

fn fields_of(meta: &Meta) -> syn::Result<Vec<Field>> {
    options::list_of(meta, "fields(user = %name, attempt = 1)")
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Logged, attr, item)
}

/// Logs the body: the site static and the guard at its top, every exit
/// through the guard; for `async fn`, the future wrapper around it.
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let names = func::parameter_names(function);
    let names = names.as_slice();
    let rt = Paths::new(config.krate.as_ref());
    let tracing = rt.tracing();
    let level = rt.level(config.level);
    let enabled = rt.logged("level_enabled");
    let site = site(config, function, names, &rt);

    // The values, evaluated only when the level is enabled: each logged
    // argument (`Debug`, else its type name) and the span's fields.
    let probe_debug = rt.probe("probe_debug");
    let redacted = rt.logged("REDACTED");
    let arguments = logged_parameters(config, names).map(|name| {
        if config.redact.contains(name) {
            redacted.clone()
        } else {
            quote!(#probe_debug(&#name))
        }
    });
    let fields = config.fields.iter().map(|field| {
        let value = &field.value;
        let value = match field.sigil.as_ref().map(ToString::to_string).as_deref() {
            Some("%") => quote!(&#tracing::field::display(&(#value))),
            Some(_) => quote!(&#tracing::field::debug(&(#value))),
            None => quote!(&(#value)),
        };
        quote!(::core::option::Option::Some(#value as &dyn #tracing::Value))
    });
    // The span, opened and the call logged only when the level is enabled:
    // otherwise the call costs this one check.
    let open = quote! {
        if #enabled(#level) {
            ::core::option::Option::Some(__DECOR_LOGGED.open(&[#(#arguments),*], &[#(#fields),*]))
        } else {
            ::core::option::Option::None
        }
    };

    let unit = matches!(func::returns(&function.sig.output), Returns::Unit);
    let exit_probe = if config.ret && !unit {
        rt.probe("probe_exit")
    } else {
        rt.probe("probe_exit_unit")
    };

    if let Some((body, fake)) = func::async_body(function, fenced) {
        let future = rt.logged("LoggedFuture");
        let stmts = exits::below_fake_return(std::mem::take(&mut body.stmts), fake);
        body.stmts = vec![
            exits::own_stmt(site),
            syn::Stmt::Expr(
                syn::Expr::Verbatim(quote! {
                    #future::new(
                        &__DECOR_LOGGED,
                        #open,
                        async move { #(#stmts)* },
                        |__decor_v| #exit_probe(__decor_v),
                    ).await
                }),
                None,
            ),
        ];
        return;
    }

    let returns_result = func::returns_result(&rt, &function.sig.output);
    let start = quote! {
        let __decor_logged = __DECOR_LOGGED.guard(#returns_result, #open);
    };
    let try_exit = rt.probe("probe_try_exit");
    let log_value = config.ret;
    let classify_return = quote!(|__decor_v| #exit_probe(__decor_v));
    let classify_try = quote!(|__decor_v| #try_exit(__decor_v, #log_value));
    let on_return =
        |value| exits::guard_call("__decor_logged", "observe", value, classify_return.clone());
    let on_try =
        |value| exits::guard_call("__decor_logged", "observe_try", value, classify_try.clone());
    let body = exits::user_block(&mut function.block, fenced);
    exits::thread_exits(body, &on_return, &on_try);
    exits::insert_preamble(
        &mut function.block,
        vec![exits::own_stmt(site), exits::own_stmt(start)],
    );
}

/// The parameters the `call` event logs, in order.
fn logged_parameters<'a>(
    config: &'a Config,
    names: &'a [Ident],
) -> impl Iterator<Item = &'a Ident> {
    names
        .iter()
        .filter(|name| !config.skip_all && !config.skip.contains(name))
}

/// `static __DECOR_LOGGED: Site = Site::new(&__DECOR_LOGGED, Spec { .. });`:
/// everything the runtime needs to know, as constants.
fn site(config: &Config, function: &ItemFn, names: &[Ident], rt: &Paths) -> TokenStream {
    let site = rt.logged("Site");
    let spec = rt.logged("Spec");
    let level = rt.level(config.level);
    let err_level = rt.level(config.err_level);
    let name = match &config.name {
        Some(name) => name.clone(),
        None => LitStr::new(
            &syn::ext::IdentExt::unraw(&function.sig.ident).to_string(),
            function.sig.ident.span(),
        ),
    };
    let target = match &config.target {
        Some(target) => target.to_token_stream(),
        None => quote!(::core::module_path!()),
    };
    let arguments =
        logged_parameters(config, names).map(|name| syn::ext::IdentExt::unraw(name).to_string());
    let fields = config.fields.iter().map(|field| {
        field
            .key
            .iter()
            .map(|part| syn::ext::IdentExt::unraw(part).to_string())
            .collect::<Vec<_>>()
            .join(".")
    });
    let max_len = match config.max_len {
        Some(max_len) => quote!(#max_len),
        None => quote!(::core::primitive::usize::MAX),
    };
    quote! {
        static __DECOR_LOGGED: #site = #site::new(&__DECOR_LOGGED, #spec {
            name: #name,
            target: #target,
            module_path: ::core::module_path!(),
            file: ::core::file!(),
            line: ::core::line!(),
            event: ::core::concat!("event ", ::core::file!(), ":", ::core::line!()),
            level: #level,
            err_level: #err_level,
            arguments: &["message" #(, #arguments)*],
            fields: &[#(#fields),*],
            max_len: #max_len,
        });
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
        assert_eq!(
            (config.level, config.err_level, config.ret),
            (Level::Info, Level::Error, true)
        );
        assert!(config.skip.is_empty() && !config.skip_all && config.redact.is_empty());
    }

    #[test]
    fn every_option() {
        let config = parse(quote!(
            level = debug, err = "warn", name = "n", target = "t", skip(a, b), redact(c),
            fields(user.id = %id, n = 1), ret = false, crate = decor
        ))
        .unwrap();
        assert_eq!(
            (config.level, config.err_level, config.ret),
            (Level::Debug, Level::Warn, false)
        );
        assert_eq!(config.skip.len(), 2);
        assert_eq!(config.redact[0], "c");
        assert_eq!(config.fields.len(), 2);
        assert_eq!(config.fields[0].key.len(), 2);
        assert!(config.fields[0].sigil.is_some());
    }

    #[test]
    fn errors_name_the_problem() {
        let unknown = parse(quote!(skip_args(a))).err().unwrap();
        assert!(unknown.contains("unknown option `skip_args`"), "{unknown}");
        assert!(unknown.contains("`skip_all`"), "{unknown}");
        assert!(parse(quote!(skip(a), skip_all))
            .err()
            .unwrap()
            .contains("`skip` and `skip_all`"));
        assert!(parse(quote!(skip(a), redact(a)))
            .err()
            .unwrap()
            .contains("both skipped and redacted"));
        assert!(parse(quote!(level = off))
            .err()
            .unwrap()
            .contains("`off` is not available here"));
        assert!(parse(quote!(ret = maybe))
            .err()
            .unwrap()
            .contains("`true` or `false`"));
        assert!(parse(quote!(fields(= 1))).is_err());
    }
}
