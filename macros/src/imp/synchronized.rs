//! `#[synchronized]`: parse its options and put a lock guard at the top of
//! the body (for `async fn`, at the top of the async body, which runs inside
//! the runtime's `Locked` wrapper).
//!
//! The lock is the function's own, a shared `lock = "name"`, or a lock the
//! value owns, written as the field expression `self.lock`
//! (`self.inner.lock`, `self.0`).

use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::{Expr, ItemFn, LitStr, Path};

use super::errors::Errors;
use super::exits;
use super::func;
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["self.<field>", "lock", "crate"];

/// The options of one `#[synchronized]`.
pub struct Config {
    pub lock: Option<LitStr>,
    /// `self.lock`: a field of the value, validated as a field path of `self`.
    pub field: Option<Expr>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            lock: None,
            field: None,
            krate: None,
        };
        let (fields, rest) = split_fields(attr);
        let mut lock_meta = None;
        for tokens in fields {
            let Some(field) = errors.ok(field_path(tokens)) else {
                continue;
            };
            if config.field.is_some() {
                errors.spanned(
                    &field,
                    "#[synchronized] takes one lock; keep one `self.<field>`",
                );
                continue;
            }
            config.field = Some(field);
        }
        let metas = errors.ok(options::parse_list(rest)).unwrap_or_default();
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
                    ));
                    lock_meta = Some(meta);
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "synchronized", VALID),
            }
        }
        if let (Some(meta), Some(field)) = (lock_meta, &config.field) {
            errors.spanned(
                meta,
                format!(
                    "`lock = \"...\"` and `{}` are two different locks; keep one",
                    shown(field)
                ),
            );
        }
        config
    }

    /// `self.lock` needs a `self`, and cannot sit above `#[spawn]`
    /// (`spawn_below`), which moves `self` to the pool.
    pub fn check(&self, function: &ItemFn, spawn_below: bool, errors: &mut Errors) {
        func::check_inline_body(
            function,
            "synchronized",
            "a lock cannot be taken during const evaluation",
            errors,
        );
        if let Some(field) = &self.field {
            if !matches!(function.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
                errors.spanned(
                    field,
                    format!(
                        "`{}` locks a field of `self`, but `{}` takes no `self`; \
                         use `#[synchronized]` or `#[synchronized(lock = \"name\")]` on a free function",
                        shown(field),
                        function.sig.ident
                    ),
                );
            } else if spawn_below {
                errors.spanned(
                    field,
                    format!(
                        "`{0}` above #[spawn] would hold the lock only while the call is submitted, \
                         and `self` moves to the pool; have the spawned body call a method \
                         marked `#[synchronized({0})]`",
                        shown(field)
                    ),
                );
            }
        }
    }
}

/// The entries that are field expressions (they contain a `.` outside any
/// group, or are `self`), and the other options with the commas after them,
/// as written, for the option parser.
fn split_fields(attr: TokenStream) -> (Vec<TokenStream>, TokenStream) {
    let mut fields = Vec::new();
    let mut rest = TokenStream::new();
    let mut entry: Vec<TokenTree> = Vec::new();
    let mut tokens = attr.into_iter().peekable();
    while tokens.peek().is_some() || !entry.is_empty() {
        let token = tokens.next();
        let comma = matches!(&token, Some(TokenTree::Punct(p)) if p.as_char() == ',');
        if let (Some(token), false) = (&token, comma) {
            entry.push(token.clone());
            continue;
        }
        let dotted = entry
            .iter()
            .any(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '.'));
        let is_self = matches!(entry.first(), Some(TokenTree::Ident(i)) if i == "self");
        let taken = std::mem::take(&mut entry);
        if dotted || is_self {
            fields.push(taken.into_iter().collect());
        } else {
            rest.extend(taken);
            rest.extend(token);
        }
    }
    (fields, rest)
}

/// `self.a.b`: a chain of fields of `self`, nothing else.
fn field_path(tokens: TokenStream) -> syn::Result<Expr> {
    let wrong = |at: &dyn ToTokens| {
        syn::Error::new_spanned(
            at,
            "#[synchronized] locks a field of `self`: write `#[synchronized(self.lock)]`, \
             where `lock` is a `decor::Lock` (a `decor::AsyncLock` for an `async fn`)",
        )
    };
    let expr: Expr = syn::parse2(tokens.clone()).map_err(|_| wrong(&tokens))?;
    let mut at = &expr;
    let mut depth = 0;
    loop {
        match at {
            Expr::Field(field) => {
                at = &field.base;
                depth += 1;
            }
            Expr::Path(path)
                if depth > 0 && path.path.is_ident("self") && path.attrs.is_empty() =>
            {
                return Ok(expr);
            }
            _ => return Err(wrong(&expr)),
        }
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Synchronized, attr, item)
}

/// Takes the lock at the top of the body; for `async fn`, at the top of the
/// async body, which runs inside `Locked`.
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let ident = function.sig.ident.to_string();
    let ident = ident.strip_prefix("r#").unwrap_or(&ident);
    let function_name = quote!(::core::concat!(::core::module_path!(), "::", #ident));
    let asynchronous =
        function.sig.asyncness.is_some() || func::async_trait_body(&mut function.block).is_some();
    let (stat, take) = match &config.field {
        Some(field) => {
            let site = rt.synchronized("Field");
            let shown = shown(field);
            // `&self.lock` keeps the user's spans: a field of the wrong type
            // is reported there.
            let at = field
                .to_token_stream()
                .into_iter()
                .next()
                .map_or_else(proc_macro2::Span::call_site, |token| token.span());
            let borrow = quote::quote_spanned!(at=> &#field);
            let take = if asynchronous {
                quote! {
                    let __decor_synchronized = __DECOR_LOCK.async_lock(#borrow);
                    let __decor_synchronized = __DECOR_LOCK.lock_async(__decor_synchronized).await;
                }
            } else {
                quote!(let __decor_synchronized = __DECOR_LOCK.lock(#borrow);)
            };
            (
                quote!(static __DECOR_LOCK: #site = #site::new(#shown, #function_name);),
                take,
            )
        }
        None => {
            let site = rt.lock_site(asynchronous);
            let choice = match &config.lock {
                Some(name) => quote!(#site::named(#name, #function_name)),
                None => quote!(#site::own(#function_name)),
            };
            let take = if asynchronous {
                quote!(let __decor_synchronized = __DECOR_LOCK.lock().await;)
            } else {
                quote!(let __decor_synchronized = __DECOR_LOCK.lock();)
            };
            (quote!(static __DECOR_LOCK: #site = #choice;), take)
        }
    };
    match func::async_body(function, fenced) {
        // `{ static; Locked::new(async move { take; fake; { body } }).await }`
        Some((body, fake)) => {
            let locked = rt.synchronized("Locked");
            let mut stmts = vec![exits::own_stmt(take)];
            stmts.extend(exits::below_fake_return(
                std::mem::take(&mut body.stmts),
                fake,
            ));
            body.stmts = vec![
                exits::own_stmt(stat),
                syn::Stmt::Expr(
                    Expr::Verbatim(quote! {
                        #locked::new(async move { #(#stmts)* }).await
                    }),
                    None,
                ),
            ];
        }
        None => exits::insert_preamble(
            &mut function.block,
            vec![exits::own_stmt(stat), exits::own_stmt(take)],
        ),
    }
}

/// `self.inner.lock` as written, for messages and the site's data.
fn shown(field: &Expr) -> String {
    field.to_token_stream().to_string().replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> Result<Config, String> {
        super::super::errors::parsed(attr, Config::parse_into)
    }

    #[test]
    fn field_paths() {
        for attr in [
            quote!(self.lock),
            quote!(self.inner.lock),
            quote!(self.0),
            quote!(self.lock,),
            quote!(self.lock, crate = ::my_decor),
            quote!(crate = ::my_decor, self.lock),
        ] {
            let config = parse(attr.clone()).unwrap_or_else(|e| panic!("{attr}: {e}"));
            assert!(config.field.is_some() && config.lock.is_none(), "{attr}");
        }
        let config = parse(quote!(crate = ::my_decor, self.lock)).unwrap();
        assert!(config.krate.is_some());
        assert!(parse(quote!(lock = "x")).unwrap().field.is_none());
    }

    #[test]
    fn errors_name_the_problem() {
        let field = "locks a field of `self`";
        for (attr, needle) in [
            (quote!(self.lock()), field),
            (quote!(other.lock), field),
            (quote!(self), field),
            (quote!(self.lock[0]), field),
            (quote!(self.lock, self.other), "takes one lock"),
            (quote!(self.lock, lock = "x"), "two different locks"),
            (quote!(lock = "x", self.lock), "two different locks"),
            (quote!(,), "expected"),
            (quote!(self.lock,, crate = x), "expected"),
        ] {
            let error = parse(attr.clone())
                .err()
                .unwrap_or_else(|| panic!("{attr} parsed"));
            assert!(error.contains(needle), "{attr}: {error}");
        }
    }
}
