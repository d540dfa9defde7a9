//! `#[spawn]`: parse its options, check the signature can cross to another
//! thread, and emit a function that submits the body and returns its
//! `Task` at once.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, Meta, Path, ReturnType};

use super::errors::Errors;
use super::func::{self, Returns};
use super::moved_body;
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};
use super::placement::{self, Placement};
use super::process;

const VALID: &[&str] = &[
    "threads",
    "pool",
    "dedicated",
    "processes",
    "init",
    "recycle",
    "name",
    "timeout",
    "crate",
];

/// The options of one `#[spawn]`.
pub struct Config {
    pub target: Placement,
    pub name: Option<LitStr>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            target: Placement::DefaultPool,
            name: None,
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        let mut placement = placement::Reader::new(&["threads", "pool", "dedicated", "processes"]);
        let mut timeout: Option<&Meta> = None;
        let mut name_option: Option<&Meta> = None;
        for meta in &metas {
            if !seen.first(errors, meta) || placement.read(meta, errors) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "timeout" => timeout = Some(meta),
                "name" => {
                    name_option = Some(meta);
                    config.name = errors.ok(options::text(
                        meta,
                        "name = \"capture\"",
                        "the thread's name",
                    ));
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "spawn", VALID),
            }
        }
        let given = placement.given().map(str::to_owned);
        config.target = placement.finish(errors);
        match (timeout, &mut config.target) {
            (None, _) => {}
            (Some(meta), Placement::Processes(processes)) => {
                if let Some(expr) = errors.ok(options::value(meta, "timeout = \"2s\"")) {
                    match errors.ok(options::duration_of(expr)) {
                        Some(0) => errors.spanned(expr, "`timeout` must be longer than zero"),
                        Some(nanos) => processes.timeout_nanos = Some(nanos),
                        None => {}
                    }
                }
            }
            (Some(meta), _) if given.as_deref() != Some("processes") => errors.spanned(
                meta.path(),
                "`timeout` needs `processes = N`: a thread cannot be stopped from outside, a worker process can",
            ),
            // `processes` was given but invalid: that error is enough.
            (Some(_), _) => {}
        }
        if let (Some(name), false) = (name_option, matches!(config.target, Placement::Dedicated)) {
            errors.spanned(
                name.path(),
                "`name` names the thread of `dedicated`: add `dedicated`, or remove `name` (pool threads are named `decor-<pool>-<i>`)",
            );
        }
        config
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Spawn, attr, item)
}

impl Config {
    /// The function must be one whose body can run on another thread (or
    /// process) after the call returns; `below` are the decor attributes
    /// written below, which a method's body cannot carry.
    pub fn check(&self, function: &ItemFn, below: &[&syn::Attribute], errors: &mut Errors) {
        let processes = matches!(self.target, Placement::Processes(_));
        check_signature(function, processes, errors);
        if processes {
            process::check_signature(function, "spawn", errors);
        }
        moved_body::check_method(function, below, "spawn", errors);
    }
}

/// Arguments must be owned and `'static`; no borrowed receiver, no `async`.
/// With `processes`, arguments are encoded during the call, so shared
/// references (`&str`, `&[T]`, `&T`) are fine; `&mut` is not.
fn check_signature(function: &ItemFn, processes: bool, errors: &mut Errors) {
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        errors.spanned(
            asyncness,
            "#[spawn] cannot run an `async fn` on a thread pool; spawn its future on your async runtime instead (e.g. `tokio::spawn`)",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.spanned(constness, "#[spawn] cannot be used on a `const fn`");
    }
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) if receiver.reference.is_some() => errors.spanned(
                receiver,
                "#[spawn] runs the body on another thread after the call returns, so it cannot borrow `self`; \
                 take `self: Arc<Self>` (or `self`) instead",
            ),
            FnArg::Receiver(_) => {}
            FnArg::Typed(typed) if processes && matches!(&*typed.ty, syn::Type::Reference(reference) if reference.mutability.is_some()) => errors.spanned(
                &typed.ty,
                format!(
                    "#[spawn(processes = N)] sends the worker a copy of `{}`, so changes through `&mut` would not come back; \
                     pass it by value and return what changed",
                    options::pretty(&typed.pat)
                ),
            ),
            FnArg::Typed(typed) if processes && matches!(&*typed.ty, syn::Type::Reference(_)) => {}
            FnArg::Typed(typed) if moved_body::borrows(&typed.ty) => errors.spanned(
                &typed.ty,
                format!(
                    "#[spawn] moves `{}` to another thread that outlives the call, so it must be owned and 'static; \
                     pass an owned value (`String` for `&str`, `Vec<T>` for `&[T]`, or an `Arc`)",
                    options::pretty(&typed.pat)
                ),
            ),
            FnArg::Typed(_) => {}
        }
    }
}

/// For a stack holding `#[spawn]` that was rejected: the function as its
/// callers will see it once the attribute is fixed, returning `Task<R>`,
/// with a body that type-checks the user's code but never runs. Callers'
/// `.join()` then still compiles, and the attribute's error is the only one.
pub fn rejected_shape(krate: Option<&Path>, function: &mut ItemFn) {
    let task = Paths::new(krate).task();
    let output = moved_body::output_type(&function.sig.output);
    let body = &function.block;
    let unused = syn::Ident::new("__decor_rejected", proc_macro2::Span::mixed_site());
    let kept = if function.sig.asyncness.take().is_some() {
        quote!(async move #body)
    } else {
        match func::returns(&function.sig.output) {
            Returns::Opaque => quote!(move || #body),
            _ => quote!(move || -> #output #body),
        }
    };
    let arrow = syn::token::RArrow::default();
    function.sig.output = ReturnType::Type(arrow, Box::new(syn::parse_quote!(#task<#output>)));
    function.block = syn::parse_quote!({
        let #unused = #kept;
        ::core::unreachable!("#[spawn] was rejected at compile time")
    });
}

/// Each argument named by the user passes through `send_argument`,
/// spanned at its type, so one that cannot move to another thread is
/// reported at the parameter, by name, and only there. Arguments the
/// user wrote as patterns have no name to give; the compiler reports them
/// at the attribute.
fn send_checks(rt: &Paths, function: &ItemFn) -> TokenStream {
    let send = rt.spawn_fn("send_argument");
    let names = syn::Ident::new("__decor_arguments", proc_macro2::Span::call_site());
    let typed: Vec<(&syn::Ident, &syn::Type)> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(typed) => match &*typed.pat {
                syn::Pat::Ident(pat) if !pat.ident.to_string().starts_with("__decor_arg") => {
                    Some((&pat.ident, &*typed.ty))
                }
                _ => None,
            },
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    if typed.is_empty() {
        return TokenStream::new();
    }
    let markers = typed.iter().map(|(name, _)| name);
    let checks = typed.iter().map(
        |(name, ty)| quote_spanned!(ty.span()=> let #name = #send::<#names::#name, _>(#name);),
    );
    quote! {
        // One marker type per parameter, named after it, for the message.
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        mod #names {
            #(pub struct #markers;)*
        }
        #(#checks)*
    }
}

/// The function that submits the body and returns its `Task`; the body
/// moves into an inner copy, which `decorate_body` decorates with the
/// layers written below.
pub fn emit(
    config: &Config,
    mut function: ItemFn,
    decorate_body: &dyn Fn(ItemFn) -> ItemFn,
) -> ItemFn {
    let rt = Paths::new(config.krate.as_ref());
    let moved_attrs = moved_body::take_moved_attrs(&mut function);
    let method = moved_body::has_receiver(&function);
    let ident = function.sig.ident.clone();
    let task = rt.task();
    let output = moved_body::output_type(&function.sig.output);

    // The work: a call of the inner copy, or for methods the body itself.
    let (inner, work, args, copy) = if method {
        let body = &function.block;
        let annotated = match func::returns(&function.sig.output) {
            Returns::Opaque => quote!(),
            _ => quote!(-> #output),
        };
        (quote!(), quote!(move || #annotated #body), Vec::new(), None)
    } else {
        // The outer function takes its arguments under plain names and hands
        // them to the inner copy, which keeps the patterns.
        let inner = moved_body::inner_copy(&function, moved_attrs);
        let args = moved_body::plain_arguments(&mut function);
        let call = moved_body::call_inner(&inner, &args);
        let mut inner_tokens = decorate_body(inner.clone()).into_token_stream();
        if !matches!(config.target, Placement::Processes(_)) {
            inner_tokens.extend(send_checks(&rt, &function));
        }
        (inner_tokens, quote!(move || #call), args, Some(inner))
    };

    let submit = match &config.target {
        Placement::Dedicated => {
            let thread = config.name.clone().unwrap_or_else(|| {
                LitStr::new(&syn::ext::IdentExt::unraw(&ident).to_string(), ident.span())
            });
            let spawn = rt.spawn_fn("on_new_thread");
            quote!(#spawn(#thread, #work))
        }
        Placement::Processes(processes) => {
            // Checked: a free function, so there is an inner copy and `args`
            // names every parameter.
            let copy = copy.as_ref().expect("a free function");
            let wires = process::wires(&function, &args);
            let items = process::items(&rt, &function, copy, processes, &args, &wires);
            let submit = process::submit(&rt, &function, &args, &wires);
            quote! {{
                #items
                #submit
            }}
        }
        target => {
            let pool = target.pool_static(&rt, &ident);
            let spawn = rt.spawn_fn("on_pool");
            quote! {{
                #pool
                #spawn(&__DECOR_POOL, #work)
            }}
        }
    };

    let arrow = syn::token::RArrow::default();
    function.sig.output = ReturnType::Type(arrow, Box::new(syn::parse_quote!(#task<#output>)));
    function.block = syn::parse_quote!({
        #inner
        #submit
    });
    function
}
