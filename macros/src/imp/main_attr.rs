//! `#[decor::main]`: checks it sits on `fn main()`, then puts the
//! process-worker entry and the set-up guard at the top of the body.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{ItemFn, LitStr, Path};

use super::errors::Errors;
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["report", "log", "subscriber", "wait", "crate"];

/// The options of `#[decor::main]`.
pub struct Config {
    pub report: bool,
    /// `subscriber = false`: leave the global subscriber to the program.
    pub subscriber: bool,
    /// `wait = false`: do not wait for outstanding tasks when `main` returns.
    pub wait: bool,
    pub log: Option<LitStr>,
    pub krate: Option<Path>,
}

impl Config {
    /// The options, with defaults where they are wrong; problems go to
    /// `errors`, to be reported beside those found in the function.
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            report: false,
            subscriber: true,
            wait: true,
            log: None,
            krate: None,
        };
        let mut seen = Given::default();
        for meta in &errors.ok(options::parse_list(attr)).unwrap_or_default() {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "report" => config.report = errors.ok(options::flag(meta)).unwrap_or(false),
                "subscriber" => {
                    let value =
                        options::value(meta, "subscriber = false").and_then(options::bool_of);
                    config.subscriber = errors.ok(value).unwrap_or(true);
                }
                "wait" => {
                    let value = options::value(meta, "wait = false").and_then(options::bool_of);
                    config.wait = errors.ok(value).unwrap_or(true);
                }
                "log" => {
                    let log = options::text(
                        meta,
                        "log = \"info\"",
                        "a log filter such as \"warn,my_app=debug\"",
                    );
                    config.log = errors.ok(log);
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "decor::main", VALID),
            }
        }
        config
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Main, attr, item)
}

impl Config {
    /// `#[decor::main]` goes on a plain `fn main()`.
    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        if function.sig.ident != "main" {
            errors.spanned(
                &function.sig.ident,
                format!(
                    "#[decor::main] goes on `fn main`, not on `fn {}`",
                    function.sig.ident
                ),
            );
        }
        if !function.sig.inputs.is_empty() {
            errors.spanned(
                &function.sig.inputs,
                "`main` takes no arguments; read them with `std::env::args()`",
            );
        }
        if let Some(constness) = &function.sig.constness {
            errors.spanned(constness, "`main` cannot be a `const fn`");
        }
        if !function.sig.generics.params.is_empty() {
            errors.spanned(&function.sig.generics, "`main` cannot be generic");
        }
    }
}

/// Puts the process-worker entry and the set-up guard first in the body,
/// before whatever else decorates `main`: a process worker must take over
/// before anything runs, and the report must come after every timer.
pub fn wrap(config: &Config, function: &mut ItemFn) {
    let rt = Paths::new(config.krate.as_ref());
    let entry = rt.process_worker_entry();
    let init = rt.init();
    let report = config.report;
    let log = config.log.as_ref().map(|log| quote!(.log(#log)));
    let subscriber = (!config.subscriber).then(|| quote!(.subscriber(false)));
    let wait = (!config.wait).then(|| quote!(.wait(false)));
    let preamble: Vec<syn::Stmt> = vec![
        syn::parse_quote!(#entry();),
        syn::parse_quote!(let __decor_main = #init::new() #log #subscriber #wait .report(#report).install();),
    ];
    function.block.stmts.splice(0..0, preamble);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> syn::Result<Config> {
        let mut errors = Errors::new();
        let config = Config::parse_into(attr, &mut errors);
        errors.finish().map(|()| config)
    }

    #[test]
    fn options() {
        let config = parse(quote!(report, log = "debug")).unwrap();
        assert!(config.report);
        assert_eq!(config.log.unwrap().value(), "debug");
        assert!(!parse(quote!()).unwrap().report);
        let error = parse(quote!(reports)).err().unwrap().to_string();
        assert!(
            error.contains("valid options are `report`, `log`, `subscriber`, `wait`, `crate`"),
            "{error}"
        );
        assert!(parse(quote!(log = debug)).is_err());
    }
}
