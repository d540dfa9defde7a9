//! `#[timeout("500ms")]`: parse the limit, check that the function is
//! async, and wrap its async body in the runtime's `Timeout` future, which
//! drops the body at the deadline.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{Expr, ItemFn, Path};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["\"<duration>\" (first)", "crate"];

/// The options of one `#[timeout]`.
pub struct Config {
    pub limit_nanos: u64,
    pub krate: Option<Path>,
}

impl Config {
    /// `"500ms"` first, then the named options (`crate = path`).
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            limit_nanos: 0,
            krate: None,
        };
        let (limit, rest) = split_limit(attr);
        let no_limit = limit.is_none();
        if let Some(tokens) = limit {
            match syn::parse2::<Expr>(tokens.clone()) {
                Ok(expr) => match errors.ok(options::duration_of(&expr)) {
                    Some(0) => errors.spanned(
                        &expr,
                        "the time limit must be longer than zero, such as `#[timeout(\"500ms\")]`",
                    ),
                    Some(nanos) => config.limit_nanos = nanos,
                    None => {}
                },
                Err(_) => errors.spanned(
                    &tokens,
                    "expected the time limit as a string, such as `#[timeout(\"500ms\")]`",
                ),
            }
        }
        let metas = errors.ok(options::parse_list(rest)).unwrap_or_default();
        let mut seen = Given::default();
        let mut unknown = false;
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => {
                    unknown = true;
                    options::unknown(errors, meta, "timeout", VALID);
                }
            }
        }
        // `after = "1s"`: the unknown option's message, which lists the
        // limit first, is the one error.
        if no_limit && !unknown {
            errors.push(syn::Error::new(
                Span::call_site(),
                "#[timeout] needs its time limit, such as `#[timeout(\"500ms\")]`",
            ));
        }
        config
    }

    /// Only an async body can be dropped at a deadline.
    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        let sig = &function.sig;
        let is_async_trait = func::is_async_trait_body(&function.block);
        if sig.asyncness.is_none() && !is_async_trait {
            let at: &dyn ToTokens = match &sig.constness {
                Some(constness) => constness,
                None => &sig.fn_token,
            };
            errors.spanned(
                at,
                format!(
                    "#[timeout] drops an `async fn`'s future at the deadline, but `{}` is a \
                     blocking function, which cannot be stopped from outside; run it as \
                     `#[spawn(processes = N, timeout = \"...\")]` (its worker process is \
                     killed at the deadline), or spawn it and wait with `Task::join_timeout`",
                    sig.ident
                ),
            );
            return;
        }
        match func::returns(&sig.output) {
            Returns::Unit if !is_async_trait => errors.spanned(
                sig.fn_token,
                format!(
                    "#[timeout] returns `Err(E::from(decor::Elapsed))` at the deadline, but `{}` \
                     returns `()`; return `Result<(), E>` (with `impl From<decor::Elapsed> for E`)",
                    sig.ident
                ),
            ),
            _ => {}
        }
    }
}

/// The first entry, if it is not `name = value` or `name(...)`, and the
/// rest after its comma.
fn split_limit(attr: TokenStream) -> (Option<TokenStream>, TokenStream) {
    let tokens: Vec<TokenTree> = attr.into_iter().collect();
    let end = tokens
        .iter()
        .position(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ','))
        .unwrap_or(tokens.len());
    let first = &tokens[..end];
    let named = matches!(first.first(), Some(TokenTree::Ident(_)))
        && matches!(
            first.get(1),
            None | Some(TokenTree::Punct(_)) | Some(TokenTree::Group(_))
        );
    if first.is_empty() || named {
        return (None, tokens.into_iter().collect());
    }
    let rest = tokens[(end + 1).min(tokens.len())..]
        .iter()
        .cloned()
        .collect();
    (Some(first.iter().cloned().collect()), rest)
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Timeout, attr, item)
}

/// `{ Timeout::new(name, limit, async move { fake; { body } }).await }`
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let timeout = rt.timeout("Timeout");
    let ident = syn::ext::IdentExt::unraw(&function.sig.ident).to_string();
    let name = quote!(::core::concat!(::core::module_path!(), "::", #ident));
    let limit = config.limit_nanos;
    // "Not a `Result`" and "no `From<Elapsed>`" point at the return type.
    let at = match &function.sig.output {
        syn::ReturnType::Type(_, ty) => ty
            .to_token_stream()
            .into_iter()
            .next()
            .map_or_else(Span::call_site, |t| t.span()),
        syn::ReturnType::Default => Span::call_site(),
    };
    let times_out = rt.timeout("TimesOut");
    // Named at the return type where it can be written, so "not a
    // `Result`" and "no `From<Elapsed>`" are reported there; inferred
    // otherwise (`impl Trait`, `#[async_trait]` bodies).
    let timed_out = match func::returns(&function.sig.output) {
        Returns::Nameable(ty) if function.sig.asyncness.is_some() => {
            super::rate_limit::respanned(quote!(<#ty as #times_out>::timed_out), at)
        }
        _ => quote!(<_ as #times_out>::timed_out),
    };
    let Some((body, fake)) = func::async_body(function, fenced) else {
        return; // validated: the function is async
    };
    let stmts = exits::below_fake_return(std::mem::take(&mut body.stmts), fake);
    body.stmts = vec![syn::Stmt::Expr(
        Expr::Verbatim(quote! {
            #timeout::new(#name, #limit, #timed_out, async move { #(#stmts)* }).await
        }),
        None,
    )];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> Result<Config, String> {
        super::super::errors::parsed(attr, Config::parse_into)
    }

    #[test]
    fn the_limit_first() {
        assert_eq!(parse(quote!("500ms")).unwrap().limit_nanos, 500_000_000);
        let config = parse(quote!("2s", crate = ::my_decor)).unwrap();
        assert_eq!(config.limit_nanos, 2_000_000_000);
        assert!(config.krate.is_some());
    }

    #[test]
    fn errors_name_the_problem() {
        for (attr, needle) in [
            (quote!("soon"), "invalid duration"),
            (quote!("0ms"), "longer than zero"),
            (quote!(), "needs its time limit"),
            (quote!(after = "1s"), "unknown option `after`"),
            (quote!(crate = x), "needs its time limit"),
            (quote!(500), "string literal"),
            (
                quote!("1s", crate = x, crate = y),
                "duplicate option `crate`",
            ),
            (quote!("1s", limit = 2), "unknown option `limit`"),
        ] {
            let error = parse(attr.clone())
                .err()
                .unwrap_or_else(|| panic!("{attr} parsed"));
            assert!(error.contains(needle), "{attr}: {error}");
        }
    }
}
