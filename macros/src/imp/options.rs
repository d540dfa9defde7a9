//! Parsing of the options every decorator shares: the option list itself,
//! levels, durations, strings, idents and `crate = path`.
//!
//! Options are Rust syntax: `name = "x"`, `level = info`, `skip(a, b)`,
//! `report`. Each decorator walks the list and hands each entry to these
//! helpers, which point their errors at the offending tokens.

use proc_macro2::{Ident, TokenStream};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, Lit, LitStr, Meta, Path, Token};

use super::errors::Errors;

/// The attribute's option list, comma separated.
pub fn parse_list(attr: TokenStream) -> syn::Result<Vec<Meta>> {
    let list = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(attr)?;
    Ok(list.into_iter().collect())
}

/// The option's name as written (`level`, `crate`; `::level` stays so, and
/// is unknown).
pub fn name_of(meta: &Meta) -> String {
    let path = meta.path();
    let name = path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    match path.leading_colon {
        Some(_) => format!("::{name}"),
        None => name,
    }
}

/// The expression inside any invisible groups, which is how a value passed
/// through a `macro_rules!` fragment (`level = $level`) arrives.
pub fn ungroup(mut expr: &Expr) -> &Expr {
    while let Expr::Group(group) = expr {
        expr = &group.expr;
    }
    expr
}

/// The tokens of `name(...)`, which must use parentheses.
fn parenthesized<'m>(meta: &'m Meta, example: &str) -> syn::Result<&'m TokenStream> {
    match meta {
        Meta::List(list) if matches!(list.delimiter, syn::MacroDelimiter::Paren(_)) => {
            Ok(&list.tokens)
        }
        _ => Err(syn::Error::new_spanned(
            meta,
            format!(
                "`{}` takes a parenthesized list: `{example}`",
                name_of(meta)
            ),
        )),
    }
}

/// "unknown option `x`; valid options are `a`, `b`".
pub fn unknown(errors: &mut Errors, meta: &Meta, decorator: &str, valid: &[&str]) {
    let valid = valid
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    errors.spanned(
        meta.path(),
        format!(
            "unknown option `{}` for #[{decorator}]; valid options are {valid}",
            name_of(meta)
        ),
    );
}

/// Remembers which options were given, to reject a second one.
#[derive(Default)]
pub struct Given {
    names: Vec<String>,
}

impl Given {
    /// `false` (after reporting) if `meta`'s option was already given.
    pub fn first(&mut self, errors: &mut Errors, meta: &Meta) -> bool {
        let name = name_of(meta);
        if self.names.contains(&name) {
            errors.spanned(meta.path(), format!("duplicate option `{name}`"));
            return false;
        }
        self.names.push(name);
        true
    }
}

/// The `= value` of `name = value`.
pub fn value<'m>(meta: &'m Meta, example: &str) -> syn::Result<&'m Expr> {
    match meta {
        Meta::NameValue(pair) => Ok(&pair.value),
        _ => Err(syn::Error::new_spanned(
            meta,
            format!("`{}` takes a value: `{example}`", name_of(meta)),
        )),
    }
}

/// A bare flag such as `report` or `skip_all`; `flag = true/false` also works.
pub fn flag(meta: &Meta) -> syn::Result<bool> {
    match meta {
        Meta::Path(_) => Ok(true),
        Meta::NameValue(pair) => bool_of(&pair.value),
        Meta::List(list) => Err(syn::Error::new(
            list.delimiter.span().join(),
            format!(
                "`{}` is a flag: write `{0}` or `{0} = false`",
                name_of(meta)
            ),
        )),
    }
}

/// `true` or `false`.
pub fn bool_of(expr: &Expr) -> syn::Result<bool> {
    match ungroup(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(value),
            ..
        }) => Ok(value.value),
        _ => Err(syn::Error::new_spanned(expr, "expected `true` or `false`")),
    }
}

/// A string literal.
pub fn str_of(expr: &Expr, what: &str) -> syn::Result<LitStr> {
    match ungroup(expr) {
        Expr::Lit(ExprLit {
            lit: Lit::Str(value),
            ..
        }) => Ok(value.clone()),
        _ => Err(syn::Error::new_spanned(
            expr,
            format!("expected a string literal: {what}"),
        )),
    }
}

/// `option = "text"` with non-empty text.
pub fn text(meta: &Meta, example: &str, what: &str) -> syn::Result<LitStr> {
    let literal = str_of(value(meta, example)?, what)?;
    if literal.value().trim().is_empty() {
        return Err(syn::Error::new(
            literal.span(),
            format!("`{}` must not be empty: `{example}`", name_of(meta)),
        ));
    }
    Ok(literal)
}

/// Tokens as a person would write them, for messages: `&HashMap<u64, u64>`
/// rather than `& HashMap < u64 , u64 >`.
pub fn pretty(tokens: impl quote::ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// `option = N` with a whole number above zero.
pub fn positive_int(meta: &Meta, example: &str) -> syn::Result<syn::LitInt> {
    let expr = ungroup(value(meta, example)?);
    let name = name_of(meta);
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(0) => Err(syn::Error::new(
                int.span(),
                format!("`{name}` must be at least 1"),
            )),
            Ok(n) if n > u32::MAX as u64 => Err(syn::Error::new(
                int.span(),
                format!("`{name}` is too large"),
            )),
            Ok(_) => Ok(syn::LitInt::new(int.base10_digits(), int.span())),
            // `-1` reaches here as a literal; its digits do not parse as `u64`.
            Err(_) if int.base10_digits().starts_with('-') => Err(syn::Error::new(
                int.span(),
                format!("`{name}` must be at least 1"),
            )),
            Err(_) => Err(syn::Error::new(
                int.span(),
                format!("`{name}` takes a whole number: `{example}`"),
            )),
        },
        _ => Err(syn::Error::new_spanned(
            expr,
            format!("`{name}` takes a whole number: `{example}`"),
        )),
    }
}

/// `crate = path`, the path decor is reachable under.
pub fn crate_path(meta: &Meta) -> syn::Result<Path> {
    match ungroup(value(meta, "crate = my_decor")?) {
        Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a path to the decor crate, such as `crate = ::my_decor`",
        )),
    }
}

/// `skip(a, b)`: the identifiers in the list.
pub fn ident_list(meta: &Meta) -> syn::Result<Vec<Ident>> {
    let example = format!("{}(a, b)", name_of(meta));
    let tokens = parenthesized(meta, &example)?;
    // `parse_any` so that `skip(self)` works.
    let parser = |input: syn::parse::ParseStream<'_>| {
        Punctuated::<Ident, Token![,]>::parse_terminated_with(input, syn::ext::IdentExt::parse_any)
    };
    let idents = parser.parse2(tokens.clone())?;
    Ok(idents.into_iter().collect())
}

/// `name(item, ...)` parsed as a list of `T`.
pub fn list_of<T: syn::parse::Parse>(meta: &Meta, example: &str) -> syn::Result<Vec<T>> {
    let tokens = parenthesized(meta, example)?;
    let items = Punctuated::<T, Token![,]>::parse_terminated.parse2(tokens.clone())?;
    Ok(items.into_iter().collect())
}

/// A tracing level, or `None` for `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn const_name(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

const LEVELS: &str = "`trace`, `debug`, `info`, `warn` or `error`";
const LEVELS_OR_OFF: &str = "`trace`, `debug`, `info`, `warn`, `error` or `off`";

/// `level = info`, `level = "info"`; `Ok(None)` for `off` when allowed.
pub fn level_of(expr: &Expr, allow_off: bool) -> syn::Result<Option<Level>> {
    let (text, span) = match ungroup(expr) {
        Expr::Path(path) if path.path.get_ident().is_some() => {
            let ident = path.path.get_ident().unwrap();
            (ident.to_string(), ident.span())
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => (text.value(), text.span()),
        _ => {
            return Err(syn::Error::new_spanned(
                expr,
                format!(
                    "expected a level: {}",
                    if allow_off { LEVELS_OR_OFF } else { LEVELS }
                ),
            ))
        }
    };
    let level = match text.to_ascii_lowercase().as_str() {
        "trace" => Some(Level::Trace),
        "debug" => Some(Level::Debug),
        "info" => Some(Level::Info),
        "warn" | "warning" => Some(Level::Warn),
        "error" => Some(Level::Error),
        "off" if allow_off => None,
        "off" => {
            return Err(syn::Error::new(
                span,
                format!("`off` is not available here; expected {LEVELS} (filter events out with RUST_LOG instead)"),
            ))
        }
        _ => {
            let expected = if allow_off { LEVELS_OR_OFF } else { LEVELS };
            return Err(syn::Error::new(
                span,
                format!("unknown level `{text}`; expected {expected}"),
            ));
        }
    };
    Ok(level)
}

/// A duration string such as `"250ms"`, in nanoseconds.
pub fn duration_of(expr: &Expr) -> syn::Result<u64> {
    let literal = str_of(expr, "a duration with a unit, such as \"250ms\"")?;
    parse_duration(&literal.value()).map_err(|why| {
        syn::Error::new(
            literal.span(),
            format!(
                "invalid duration {:?}: {why}; write a number and a unit \
                 (ns, us, ms, s, m, h), such as \"250ms\" or \"1.5s\"",
                literal.value()
            ),
        )
    })
}

/// `"250ms"`, `"1.5s"`, `"2m"` → nanoseconds.
pub fn parse_duration(text: &str) -> Result<u64, &'static str> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or("no unit")?;
    let (number, unit) = (&text[..split], text[split..].trim());
    if number.is_empty() {
        return Err("no number");
    }
    let number: f64 = number.parse().map_err(|_| "not a number")?;
    let scale = match unit {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" => 60e9,
        "h" => 3600e9,
        _ => return Err("unknown unit"),
    };
    let nanos = (number * scale).round();
    if nanos >= u64::MAX as f64 {
        return Err("too long");
    }
    Ok(nanos as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(parse_duration("2m"), Ok(120_000_000_000));
        assert_eq!(parse_duration("10 us"), Ok(10_000));
        assert_eq!(parse_duration("10µs"), Ok(10_000));
        assert_eq!(parse_duration("10 parsecs"), Err("unknown unit"));
        assert_eq!(parse_duration("10"), Err("no unit"));
        assert_eq!(parse_duration("ms"), Err("no number"));
        assert_eq!(parse_duration("1.2.3s"), Err("not a number"));
    }
}
