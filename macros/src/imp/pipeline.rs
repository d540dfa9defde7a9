//! Stacked decor attributes expand as one pipeline.
//!
//! The compiler hands a function to its outermost (topmost) attribute
//! first. When that attribute is decor's, it takes the decor attributes
//! directly below it off the function, so the whole stack is expanded once,
//! here, in the order written:
//!
//! 1. **parse** each attribute's options into its decorator's `Config`;
//! 2. **validate** every layer against the function, and the stack as a
//!    whole (a decorator twice; decorators below a method's `#[spawn]`);
//!    every error is collected and reported together;
//! 3. **emit**: the first decorator that moves the body elsewhere
//!    (`#[spawn]`, `#[parallel]`) splits the stack. The layers below it
//!    decorate the moved body (the inner copy of the function); the layers
//!    above it stay with the caller. Wrapping layers are applied innermost
//!    first, so each one puts its guard before those already there and
//!    threads every exit value through its `observe` outside theirs: no
//!    layer needs to know what another one emitted.
//!
//! A foreign attribute (`#[tracing::instrument]`, `#[test]`) ends the stack:
//! the decor attributes below it expand on their own later, each on the
//! code it is given, as separate pipelines.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, ItemFn, Meta, Path};

use super::errors::{rejected, Errors};
use super::func;
use super::{
    cache, logged, main_attr, parallel, rate_limit, retry, spawn, synchronized, timed, timeout,
    with,
};

/// The decorators, by attribute name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Timed,
    Logged,
    Synchronized,
    Spawn,
    Parallel,
    Main,
    With,
    Retry,
    RateLimit,
    Timeout,
    Cache,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::Timed,
        Kind::Logged,
        Kind::Synchronized,
        Kind::Spawn,
        Kind::Parallel,
        Kind::Main,
        Kind::With,
        Kind::Retry,
        Kind::RateLimit,
        Kind::Timeout,
        Kind::Cache,
    ];

    /// The attribute's name: `timed`, `main`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Timed => "timed",
            Kind::Logged => "logged",
            Kind::Synchronized => "synchronized",
            Kind::Spawn => "spawn",
            Kind::Parallel => "parallel",
            Kind::Main => "main",
            Kind::With => "with",
            Kind::Retry => "retry",
            Kind::RateLimit => "rate_limit",
            Kind::Timeout => "timeout",
            Kind::Cache => "cache",
        }
    }

    /// How messages write the attribute: `#[timed]`, `#[decor::main]`.
    pub fn shown(self) -> &'static str {
        match self {
            Kind::Main => "decor::main",
            kind => kind.name(),
        }
    }

    fn named(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether the decorator runs the body somewhere else.
    fn moves_body(self) -> bool {
        matches!(self, Kind::Spawn | Kind::Parallel)
    }
}

/// One decorator's options, parsed, and what validating it found.
pub enum Layer {
    Timed(timed::Config),
    Logged(logged::Config),
    Synchronized(synchronized::Config),
    Spawn(spawn::Config),
    /// The split parameter is found while validating.
    Parallel(parallel::Config, Option<parallel::Splitting>),
    Main(main_attr::Config),
    With(with::Config),
    Retry(retry::Config),
    RateLimit(rate_limit::Config),
    Timeout(timeout::Config),
    Cache(cache::Config),
}

impl Layer {
    fn parse(kind: Kind, attr: TokenStream, errors: &mut Errors) -> Layer {
        match kind {
            Kind::Timed => Layer::Timed(timed::Config::parse_into(attr, errors)),
            Kind::Logged => Layer::Logged(logged::Config::parse_into(attr, errors)),
            Kind::Synchronized => {
                Layer::Synchronized(synchronized::Config::parse_into(attr, errors))
            }
            Kind::Spawn => Layer::Spawn(spawn::Config::parse_into(attr, errors)),
            Kind::Parallel => Layer::Parallel(parallel::Config::parse_into(attr, errors), None),
            Kind::Main => Layer::Main(main_attr::Config::parse_into(attr, errors)),
            Kind::With => Layer::With(with::Config::parse_into(attr, errors)),
            Kind::Retry => Layer::Retry(retry::Config::parse_into(attr, errors)),
            Kind::RateLimit => Layer::RateLimit(rate_limit::Config::parse_into(attr, errors)),
            Kind::Timeout => Layer::Timeout(timeout::Config::parse_into(attr, errors)),
            Kind::Cache => Layer::Cache(cache::Config::parse_into(attr, errors)),
        }
    }

    /// The `crate = path` it was given.
    fn krate(&self) -> Option<&Path> {
        match self {
            Layer::Timed(config) => config.krate.as_ref(),
            Layer::Logged(config) => config.krate.as_ref(),
            Layer::Synchronized(config) => config.krate.as_ref(),
            Layer::Spawn(config) => config.krate.as_ref(),
            Layer::Parallel(config, _) => config.krate.as_ref(),
            Layer::Main(config) => config.krate.as_ref(),
            Layer::With(config) => config.krate.as_ref(),
            Layer::Retry(config) => config.krate.as_ref(),
            Layer::RateLimit(config) => config.krate.as_ref(),
            Layer::Timeout(config) => config.krate.as_ref(),
            Layer::Cache(config) => config.krate.as_ref(),
        }
    }
}

/// A layer of the stack, with the attribute it came from (`None` for the
/// outermost, whose attribute the compiler has already taken off).
struct Stacked {
    kind: Kind,
    attr: Option<Attribute>,
    layer: Layer,
}

/// Expands the stack headed by the attribute `kind(attr)` on `item`.
pub fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let first = Layer::parse(kind, attr, &mut errors);
    let Some(mut function) = errors.ok(func::parse(item.clone(), kind.shown())) else {
        let error = errors.finish().expect_err("the item did not parse");
        return rejected(error, item);
    };
    let krate = first.krate().cloned();
    let mut stack = vec![Stacked {
        kind,
        attr: None,
        layer: first,
    }];
    for (kind, attr) in take_stacked(&mut function.attrs, krate.as_ref()) {
        let layer = Layer::parse(kind, arguments(&attr, &mut errors), &mut errors);
        stack.push(Stacked {
            kind,
            attr: Some(attr),
            layer,
        });
    }
    validate(&mut stack, &function, &mut errors);
    match errors.finish() {
        // The function without the attributes taken, so that they do not
        // report their errors a second time, in the shape its callers
        // expect, so that they report nothing.
        Err(error) => {
            if stack.iter().any(|stacked| stacked.kind == Kind::Spawn) {
                spawn::rejected_shape(krate.as_ref(), &mut function);
            }
            rejected(error, function.into_token_stream())
        }
        Ok(()) => emit(&stack, function).into_token_stream(),
    }
}

/// Takes the decor attributes directly below off `attrs`: up to the first
/// attribute that is neither decor's nor an inert built-in one.
fn take_stacked(attrs: &mut Vec<Attribute>, krate: Option<&Path>) -> Vec<(Kind, Attribute)> {
    let mut taken = Vec::new();
    let mut index = 0;
    while index < attrs.len() {
        if let Some(kind) = decor_kind(attrs[index].path(), krate) {
            taken.push((kind, attrs.remove(index)));
        } else if is_inert(attrs[index].path()) {
            index += 1;
        } else {
            break;
        }
    }
    taken
}

/// Which decorator a path names: `timed` (imported), `decor::timed`, or
/// `<crate>::timed` for the outermost attribute's `crate = <crate>`.
fn decor_kind(path: &Path, krate: Option<&Path>) -> Option<Kind> {
    let segments: Vec<&syn::PathSegment> = path.segments.iter().collect();
    let (last, prefix) = segments.split_last()?;
    if !last.arguments.is_none() {
        return None;
    }
    let kind = Kind::named(&last.ident.to_string())?;
    let prefix: Vec<String> = prefix.iter().map(|s| s.ident.to_string()).collect();
    let is_decor = match prefix.as_slice() {
        [] => path.leading_colon.is_none(),
        [only] if only == "decor" => true,
        prefix => krate.is_some_and(|krate| {
            let krate: Vec<String> = krate.segments.iter().map(|s| s.ident.to_string()).collect();
            krate == prefix
        }),
    };
    is_decor.then_some(kind)
}

/// Built-in attributes that do nothing to the tokens, so a decor attribute
/// below one is still "directly below" the one above.
fn is_inert(path: &Path) -> bool {
    const INERT: &[&str] = &[
        "doc",
        "inline",
        "cold",
        "track_caller",
        "must_use",
        "allow",
        "warn",
        "deny",
        "forbid",
        "expect",
        "deprecated",
        "no_mangle",
        "export_name",
        "link_section",
        "target_feature",
    ];
    path.get_ident()
        .is_some_and(|ident| INERT.iter().any(|name| ident == name))
}

/// The options of `#[decor::x(...)]`; nothing for `#[decor::x]`.
fn arguments(attr: &Attribute, errors: &mut Errors) -> TokenStream {
    match &attr.meta {
        Meta::Path(_) => TokenStream::new(),
        Meta::List(list) => list.tokens.clone(),
        Meta::NameValue(pair) => {
            errors.spanned(
                pair,
                format!(
                    "write the options in parentheses: `#[{}(...)]`",
                    pair.path.to_token_stream().to_string().replace(' ', "")
                ),
            );
            TokenStream::new()
        }
    }
}

fn validate(stack: &mut [Stacked], function: &ItemFn, errors: &mut Errors) {
    for (index, stacked) in stack.iter().enumerate() {
        // Several decorators of one's own stack like Python's.
        if stacked.kind != Kind::With
            && stack[..index]
                .iter()
                .any(|above| above.kind == stacked.kind)
        {
            let at = stacked
                .attr
                .as_ref()
                .expect("only the first has no attribute");
            errors.spanned(
                at,
                format!(
                    "#[{}] is applied to this function twice; keep one",
                    stacked.kind.shown()
                ),
            );
        }
    }
    for index in 0..stack.len() {
        let spawn_below = stack[index + 1..]
            .iter()
            .any(|stacked| stacked.kind == Kind::Spawn);
        let (this, below) = stack[index..].split_first_mut().expect("index in range");
        let below: Vec<&Attribute> = below
            .iter()
            .filter_map(|stacked| stacked.attr.as_ref())
            .collect();
        match &mut this.layer {
            Layer::Timed(_) => func::check_inline_body(
                function,
                "timed",
                "it reads the clock, which const evaluation cannot",
                errors,
            ),
            Layer::Logged(config) => config.check(function, errors),
            Layer::Synchronized(config) => config.check(function, spawn_below, errors),
            Layer::Main(config) => config.check(function, errors),
            Layer::With(config) => config.check(function, errors),
            Layer::Retry(config) => config.check(function, errors),
            Layer::Cache(config) => config.check(function, errors),
            Layer::Spawn(config) => config.check(function, &below, errors),
            Layer::Parallel(config, splitting) => {
                *splitting = config.check(function, &below, errors)
            }
            Layer::RateLimit(config) => config.check(function, errors),
            Layer::Timeout(config) => config.check(function, errors),
        }
    }
}

/// The function with the whole stack applied.
fn emit(stack: &[Stacked], mut function: ItemFn) -> ItemFn {
    let split = stack
        .iter()
        .position(|stacked| stacked.kind.moves_body())
        .unwrap_or(stack.len());
    let (above, rest) = stack.split_at(split);
    if let Some((mover, below)) = rest.split_first() {
        let decorate_body = |copy: ItemFn| emit(below, copy);
        function = match &mover.layer {
            Layer::Spawn(config) => spawn::emit(config, function, &decorate_body),
            Layer::Parallel(config, Some(splitting)) => {
                parallel::emit(config, splitting, function, &decorate_body)
            }
            _ => unreachable!("validated: a body-moving layer with its splitting"),
        };
    }
    // Innermost first: each guard goes before the ones already there.
    // Whether a layer has put the user's statements in a block of their own
    // (`exits::user_block`, `func::async_body`).
    let mut fenced = false;
    for stacked in above.iter().rev() {
        match &stacked.layer {
            Layer::Timed(config) => timed::wrap(config, &mut function, &mut fenced),
            Layer::Logged(config) => logged::wrap(config, &mut function, &mut fenced),
            Layer::Synchronized(config) => synchronized::wrap(config, &mut function, &mut fenced),
            Layer::With(config) => with::wrap(config, &mut function, &mut fenced),
            Layer::Retry(config) => retry::wrap(config, &mut function, &mut fenced),
            Layer::RateLimit(config) => rate_limit::wrap(config, &mut function, &mut fenced),
            Layer::Timeout(config) => timeout::wrap(config, &mut function, &mut fenced),
            Layer::Cache(config) => cache::wrap(config, &mut function, &mut fenced),
            // `main`'s set-up comes before anything else, below.
            Layer::Main(_) => {}
            Layer::Spawn(_) | Layer::Parallel(..) => unreachable!("split off above"),
        }
    }
    for stacked in above {
        if let Layer::Main(config) = &stacked.layer {
            main_attr::wrap(config, &mut function);
        }
    }
    function
}
