//! `processes = N`, shared by `#[spawn]` and `#[parallel]`: what a function
//! must be for a worker process to call it, and the items it then carries
//! (the worker's handler, its entry in the link-time table, its pool).

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericParam, Ident, ItemFn, LitInt, LitStr, Meta, Path, ReturnType, Type};

use super::errors::Errors;
use super::options;
use super::paths::Paths;

/// `processes = N` (or `processes` alone), with `pool = "name"`,
/// `init = path`, `recycle = N` and, on `#[spawn]`, `timeout = "..."`.
pub struct Processes {
    /// The pool's size: a literal (checked above zero here) or any `const`
    /// expression of type `usize` (checked above zero by the runtime's
    /// `const fn`, at compile time); `None` for one worker per core.
    pub count: Option<Expr>,
    /// `pool = "name"`: a process pool shared by name.
    pub pool: Option<LitStr>,
    /// `init = path`: a `fn()` each worker runs before its first call.
    pub init: Option<Path>,
    /// `recycle = N`: each worker is replaced after N calls.
    pub recycle: Option<LitInt>,
    pub timeout_nanos: Option<u64>,
}

impl Processes {
    /// `processes = N` or `processes`, without its other options yet.
    pub fn parse(meta: &Meta, errors: &mut Errors) -> Option<Processes> {
        let count = match meta {
            Meta::Path(_) => None,
            Meta::NameValue(pair) => match options::ungroup(&pair.value) {
                Expr::Lit(_) | Expr::Unary(_) => {
                    let int = errors.ok(options::positive_int(meta, "processes = 4"))?;
                    Some(Expr::Lit(syn::ExprLit {
                        attrs: Vec::new(),
                        lit: syn::Lit::Int(int),
                    }))
                }
                // A `const` the runtime checks: `processes = WORKERS`.
                expr => Some(expr.clone()),
            },
            Meta::List(list) => {
                errors.spanned(
                    list,
                    "`processes` takes a value or nothing: `processes = 4`, or `processes` for one worker per core",
                );
                return None;
            }
        };
        Some(Processes {
            count,
            pool: None,
            init: None,
            recycle: None,
            timeout_nanos: None,
        })
    }

    /// `init = path` or `recycle = N`.
    pub fn read_option(&mut self, meta: &Meta, errors: &mut Errors) {
        match options::name_of(meta).as_str() {
            "init" => {
                let path = options::value(meta, "init = setup").and_then(|value| {
                    match options::ungroup(value) {
                        Expr::Path(path) if path.qself.is_none() => Ok(path.path.clone()),
                        other => Err(syn::Error::new_spanned(
                            other,
                            "`init` names a function taking no arguments, run once in each worker before its first call: \
                             `init = setup`, not a call or a closure",
                        )),
                    }
                });
                self.init = errors.ok(path);
            }
            "recycle" => self.recycle = errors.ok(options::positive_int(meta, "recycle = 100")),
            _ => {}
        }
    }
}

/// A worker finds the function by name and rebuilds its arguments from
/// bytes, so it must be a free function with concrete types.
pub fn check_signature(function: &ItemFn, decorator: &str, errors: &mut Errors) {
    let sig = &function.sig;
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => errors.spanned(
                receiver,
                format!(
                    "#[{decorator}(processes = N)] runs free functions only: a worker process calls the function by name, \
                     and a method's `self` does not travel; move the work into a free function and call it from here"
                ),
            ),
            FnArg::Typed(typed) if matches!(&*typed.ty, Type::ImplTrait(_)) => errors.spanned(
                &typed.ty,
                format!(
                    "#[{decorator}(processes = N)] needs concrete parameter types: the worker process decodes each argument, \
                     so it must know its type; name the type instead of `impl Trait`"
                ),
            ),
            FnArg::Typed(_) => {}
        }
    }
    for param in &sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.spanned(
                param,
                format!(
                    "#[{decorator}(processes = N)] cannot run a generic function: the worker process calls it by name, \
                     so its types must be known; write a non-generic function for each type you need"
                ),
            );
        }
    }
}

/// What crosses for one parameter: the type the worker decodes, how the
/// parent sends the value (`send::<ty, _>(sent, ..)`), how the worker
/// decodes it, and how the worker passes what it decoded (`name`) to the
/// function.
pub struct Wire {
    pub ty: Type,
    pub sent: TokenStream,
    pub pass: TokenStream,
    pub decode: Decode,
}

/// How the worker gets a parameter's value from the request.
pub enum Decode {
    /// `take::<ty, _>()`: decoded as its own value.
    Value,
    /// `take_slice::<elem, _>()`: for `&[elem]`, the received bytes in
    /// place when they are plain numbers, a decoded `Vec` otherwise.
    Slice(Box<Type>),
    /// `take_str::<_>()`: for `&str`, the received text in place.
    Str,
}

/// A parameter crosses as itself, except that `&str` crosses as `String`,
/// `&[T]` as `Vec<T>` and `&T` as `T`; the function then gets a reference
/// to what the worker decoded (for `&str` and `&[T]` of plain numbers, to
/// the received bytes themselves).
pub fn wire_of(ty: &Type, name: &TokenStream) -> Wire {
    match ty {
        Type::Reference(reference) => {
            let (ty, decode, pass) = match &*reference.elem {
                Type::Path(path) if path.qself.is_none() && path.path.is_ident("str") => (
                    syn::parse_quote_spanned!(ty.span()=> ::std::string::String),
                    Decode::Str,
                    name.clone(),
                ),
                Type::Slice(slice) => {
                    let elem = &slice.elem;
                    (
                        syn::parse_quote_spanned!(elem.span()=> ::std::vec::Vec<#elem>),
                        Decode::Slice(elem.clone()),
                        quote!(&*#name),
                    )
                }
                elem => (elem.clone(), Decode::Value, quote!(&#name)),
            };
            Wire {
                ty,
                sent: name.clone(),
                pass,
                decode,
            }
        }
        Type::Paren(paren) => wire_of(&paren.elem, name),
        Type::Group(group) => wire_of(&group.elem, name),
        ty => Wire {
            ty: ty.clone(),
            sent: quote!(&#name),
            pass: name.clone(),
            decode: Decode::Value,
        },
    }
}

/// The module of marker types named after the parameters (see `items`).
fn parameters() -> Ident {
    Ident::new("__decor_parameters", Span::call_site())
}

/// What each typed parameter of `function` (whose plain `names` these are)
/// crosses as; a caller may then adjust one, as `#[parallel]` does for its
/// chunk.
pub fn wires(function: &ItemFn, names: &[TokenStream]) -> Vec<Wire> {
    function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(&typed.ty),
            FnArg::Receiver(_) => None,
        })
        .zip(names)
        .map(|(ty, name)| wire_of(ty, name))
        .collect()
}

/// The call that sends one call of the function to its pool and returns its
/// `Task`: `in_processes(&__DECOR_PROCESSES, &__DECOR_ENTRY, request)`,
/// spanned at the result type, where a result that cannot cross is reported.
pub fn submit(rt: &Paths, function: &ItemFn, names: &[TokenStream], wires: &[Wire]) -> TokenStream {
    let span = output_span(function);
    let in_processes = respanned(rt.process("in_processes"), span);
    let request = request(rt, names, wires);
    quote_spanned! {span=>
        #in_processes(&__DECOR_PROCESSES, &__DECOR_ENTRY, &__DECOR_RESULT, #request)
    }
}

/// The closure that appends a call's arguments to its request, one
/// `send` per parameter, each spanned at the parameter's type so a type
/// that cannot cross is reported there.
fn request(rt: &Paths, names: &[TokenStream], wires: &[Wire]) -> TokenStream {
    let request = Ident::new("__decor_request", Span::mixed_site());
    let send = rt.process("send");
    let parameters = parameters();
    let sends = names.iter().zip(wires).map(|(name, wire)| {
        let (ty, sent) = (&wire.ty, &wire.sent);
        quote_spanned!(ty.span()=> #send::<#ty, #parameters::#name, _>(#sent, #request)?;)
    });
    quote! {
        |#request: &mut _| -> ::core::result::Result<(), ::std::string::String> {
            #(#sends)*
            ::core::result::Result::Ok(())
        }
    }
}

/// The closure that appends one `#[parallel]` chunk's call's arguments to
/// its request: like `request`'s, with the chunk (parameter `over`) as its
/// first parameter, sent by `send_copied` unless it is a borrowed slice (an
/// owned chunk does not live until the request is sent; a slice borrows
/// the caller's data, which does).
pub fn chunk_request(
    rt: &Paths,
    names: &[TokenStream],
    wires: &[Wire],
    over: usize,
    chunk: &Ident,
    borrowed: bool,
) -> TokenStream {
    let request = Ident::new("__decor_request", Span::mixed_site());
    let parameters = parameters();
    let sends = names
        .iter()
        .zip(wires)
        .enumerate()
        .map(|(index, (name, wire))| {
            let (ty, sent) = (&wire.ty, &wire.sent);
            let send = if index == over && !borrowed {
                rt.process("send_copied")
            } else {
                rt.process("send")
            };
            quote_spanned!(ty.span()=> #send::<#ty, #parameters::#name, _>(#sent, #request)?;)
        });
    quote! {
        |#chunk, #request: &mut _| -> ::core::result::Result<(), ::std::string::String> {
            #(#sends)*
            ::core::result::Result::Ok(())
        }
    }
}

/// The span of the function's result type, where a result that cannot
/// cross is reported.
fn output_span(function: &ItemFn) -> Span {
    match &function.sig.output {
        ReturnType::Default => function.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    }
}

/// The worker's handler, the function's entry in the link-time table and its
/// pool: `__decor_serve`, `__DECOR_ENTRY`, `__DECOR_PROCESSES`. The handler
/// decodes `names` (as `wires`) one by one and calls the undecorated `copy`.
pub fn items(
    rt: &Paths,
    function: &ItemFn,
    copy: &ItemFn,
    processes: &Processes,
    names: &[TokenStream],
    wires: &[Wire],
) -> TokenStream {
    let passes: Vec<TokenStream> = wires.iter().map(|wire| wire.pass.clone()).collect();
    let call = super::moved_body::call_inner(copy, &passes);
    let function_name = syn::ext::IdentExt::unraw(&function.sig.ident).to_string();
    let enabled = rt.processes_enabled();
    let serve = rt.process("serve");
    let arguments_type = rt.process("Arguments");
    let entry = rt.process("Entry");
    let entries = rt.process("ENTRIES");
    let linkme = rt.process("linkme");
    let slot = rt.process("ProcessPoolSite");
    // Mixed-site: a parameter of the same name cannot shadow these.
    let input = Ident::new("__decor_input", Span::mixed_site());
    let result = Ident::new("__decor_result", Span::mixed_site());
    let arguments = Ident::new("__decor_arguments", Span::mixed_site());
    let parameters = parameters();
    let decodes = names.iter().zip(wires).map(|(name, wire)| {
        let ty = &wire.ty;
        match &wire.decode {
            Decode::Value => {
                quote_spanned!(ty.span()=> let #name = #arguments.take::<#ty, #parameters::#name>()?;)
            }
            Decode::Slice(elem) => {
                quote_spanned!(ty.span()=> let #name = #arguments.take_slice::<#elem, #parameters::#name>()?;)
            }
            Decode::Str => {
                quote_spanned!(ty.span()=> let #name = #arguments.take_str::<#parameters::#name>()?;)
            }
        }
    });
    let serve = respanned(serve, output_span(function));
    let serve_call = quote_spanned! {output_span(function)=>
        #serve(&__DECOR_RESULT, #input, #result, |#arguments: &mut #arguments_type<'_>| {
            #(#decodes)*
            ::core::result::Result::Ok(#call)
        })
    };
    // The result's encoder and decoder, where alone the result must cross:
    // a result type that cannot is reported once, at the return type.
    let result_wire = respanned(rt.process("ResultWire"), output_span(function));
    let output = match &function.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    let result_static = quote_spanned! {output_span(function)=>
        static __DECOR_RESULT: #result_wire<#output> = #result_wire::new();
    };
    let mut site = match &processes.count {
        // Spanned at the size: a `const` of zero is reported there.
        Some(count) => {
            let new = respanned(quote!(#slot::new), count.span());
            quote_spanned!(count.span()=> #new(#function_name, #count))
        }
        None => quote!(#slot::per_core(#function_name)),
    };
    if let Some(pool) = &processes.pool {
        site.extend(quote!(.shared(#pool)));
    }
    if let Some(nanos) = processes.timeout_nanos {
        site.extend(quote!(.timeout(::core::time::Duration::from_nanos(#nanos))));
    }
    if let Some(recycle) = &processes.recycle {
        site.extend(quote!(.recycle(#recycle)));
    }
    let linkme_crate = linkme.to_token_stream();
    let init = processes.init.as_ref().map(|init| {
        let init_entry = rt.process("Init");
        let inits = rt.process("INITS");
        let written = options::pretty(init);
        // Spanned at the path: a function that is not a `fn()` is reported there.
        let span = init.span();
        let new = respanned(quote!(#init_entry::new), span);
        let entry = quote_spanned! {span=>
            #new(
                ::core::concat!("init ", ::core::module_path!(), "::", #function_name, "@", ::core::file!(), ":", ::core::line!(), ":", ::core::column!()),
                #written,
                #init,
            )
        };
        site.extend(quote!(.init(&__DECOR_INIT)));
        quote! {
            // A worker finds the pool's `init` here by name.
            #[#linkme::distributed_slice(#inits)]
            #[linkme(crate = #linkme_crate)]
            static __DECOR_INIT: #init_entry = #entry;
        }
    });
    quote! {
        #enabled {}
        // One marker type per parameter, named after it, so that a type that
        // cannot cross is reported with the parameter's name.
        #[allow(non_camel_case_types, dead_code, unreachable_pub)]
        mod #parameters {
            #(pub struct #names;)*
        }
        fn __decor_serve(
            #input: &[u8],
            #result: &mut ::std::vec::Vec<u8>,
        ) -> ::core::result::Result<(), ::std::string::String> {
            #serve_call
        }
        // A worker finds this function here by name; see `decor::process`.
        #[#linkme::distributed_slice(#entries)]
        #[linkme(crate = #linkme_crate)]
        static __DECOR_ENTRY: #entry = #entry::new(
            ::core::concat!(::core::module_path!(), "::", #function_name, "@", ::core::file!(), ":", ::core::line!(), ":", ::core::column!()),
            __decor_serve,
        );
        #init
        static __DECOR_PROCESSES: #slot = #site;
        #result_static
    }
}

/// `tokens` with every span set to `span`: a runtime path whose bound on the
/// result type fails is then reported at the result type.
pub fn respanned(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) => {
                let mut respanned = Group::new(group.delimiter(), respanned(group.stream(), span));
                respanned.set_span(span);
                TokenTree::Group(respanned)
            }
            mut tree => {
                tree.set_span(span);
                tree
            }
        })
        .collect()
}
