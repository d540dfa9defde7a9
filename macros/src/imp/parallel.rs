//! `#[parallel]`: parse its options, pick the parameter to split, check the
//! others can be shared, and emit a blocking call that runs the body on each
//! chunk in a pool and combines the results.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Ident, ItemFn, LitInt, Pat, Path, ReturnType, Type};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::moved_body;
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};
use super::placement::{self, Placement};
use super::process::{self, Processes};

const VALID: &[&str] = &[
    "threads",
    "pool",
    "processes",
    "init",
    "recycle",
    "chunks",
    "min_len",
    "reduce",
    "over",
    "crate",
];

const SPLITTABLE: &str =
    "`&[T]`, `&mut [T]`, `Vec<T>`, `&Vec<T>`, `&mut Vec<T>`, `Range<integer>` or `RangeInclusive<integer>`";

/// The options of one `#[parallel]`.
pub struct Config {
    pub target: Placement,
    pub chunks: Option<LitInt>,
    pub min_len: Option<LitInt>,
    pub reduce: Option<Expr>,
    pub over: Option<Ident>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            target: Placement::DefaultPool,
            chunks: None,
            min_len: None,
            reduce: None,
            over: None,
            krate: None,
        };
        let metas = errors.ok(options::parse_list(attr)).unwrap_or_default();
        let mut seen = Given::default();
        let mut placement = placement::Reader::new(&["threads", "pool", "processes"]);
        for meta in &metas {
            if !seen.first(errors, meta) || placement.read(meta, errors) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "chunks" => config.chunks = errors.ok(options::positive_int(meta, "chunks = 8")),
                "min_len" => {
                    config.min_len = errors.ok(options::positive_int(meta, "min_len = 1000"))
                }
                "reduce" => {
                    config.reduce =
                        errors.ok(options::value(meta, "reduce = |a, b| a + b").cloned())
                }
                "over" => {
                    let over =
                        options::value(meta, "over = items").and_then(
                            |value| match options::ungroup(value) {
                                Expr::Path(path) if path.path.get_ident().is_some() => {
                                    Ok(path.path.get_ident().unwrap().clone())
                                }
                                other => Err(syn::Error::new_spanned(
                                    other,
                                    "`over` names a parameter: `over = items`",
                                )),
                            },
                        );
                    config.over = errors.ok(over);
                }
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "parallel", VALID),
            }
        }
        config.target = placement.finish(errors);
        config
    }
}

/// How the split parameter is cut, from its type as written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SplitKind {
    Slice,
    Vec,
    VecRef,
    /// `&mut Vec<T>`: split as `&mut [T]`, and the body gets `&mut [T]`
    /// chunks (a part of a `Vec` is not a `Vec`).
    MutVec,
    /// `Range` or `RangeInclusive`: the chunks are ranges of the same kind.
    Range,
}

/// The name of the first parameter after input `index` that `#[parallel]`
/// could split, to suggest `over = name` when the first one cannot be.
fn splittable_after(function: &ItemFn, index: usize) -> Option<String> {
    function
        .sig
        .inputs
        .iter()
        .skip(index + 1)
        .find_map(|input| match input {
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(pat) if split_of(&typed.ty).is_some() => Some(pat.ident.to_string()),
                _ => None,
            },
            FnArg::Receiver(_) => None,
        })
}

fn split_of(ty: &Type) -> Option<SplitKind> {
    let last_segment = |ty: &Type| match ty {
        Type::Path(path) if path.qself.is_none() => {
            path.path.segments.last().map(|s| s.ident.to_string())
        }
        _ => None,
    };
    match ty {
        Type::Reference(reference) => match &*reference.elem {
            Type::Slice(_) => Some(SplitKind::Slice),
            elem if last_segment(elem).as_deref() == Some("Vec") => {
                if reference.mutability.is_some() {
                    Some(SplitKind::MutVec)
                } else {
                    Some(SplitKind::VecRef)
                }
            }
            _ => None,
        },
        Type::Paren(paren) => split_of(&paren.elem),
        Type::Group(group) => split_of(&group.elem),
        ty => match last_segment(ty).as_deref() {
            Some("Vec") => Some(SplitKind::Vec),
            Some("Range" | "RangeInclusive") => Some(SplitKind::Range),
            _ => None,
        },
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::Parallel, attr, item)
}

/// The checked plan: which parameter splits, and how.
pub struct Splitting {
    over: usize,
    split: SplitKind,
}

impl Config {
    /// Finds the parameter to split and checks the others can be shared;
    /// `below` are the decor attributes written below, which a method's
    /// body cannot carry. `None` when the function cannot be split.
    pub fn check(
        &self,
        function: &ItemFn,
        below: &[&syn::Attribute],
        errors: &mut Errors,
    ) -> Option<Splitting> {
        let splitting = check_signature(self, function, errors);
        if let Placement::Processes(_) = self.target {
            check_processes(function, splitting.as_ref(), errors);
        }
        moved_body::check_method(function, below, "parallel", errors);
        splitting
    }
}

fn check_signature(config: &Config, function: &ItemFn, errors: &mut Errors) -> Option<Splitting> {
    let sig = &function.sig;
    let method = moved_body::has_receiver(function);
    if let Some(asyncness) = &sig.asyncness {
        errors.spanned(
            asyncness,
            "#[parallel] blocks until every chunk is done, which an `async fn` must not; make it a plain `fn` and call it from `spawn_blocking`",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.spanned(constness, "#[parallel] cannot be used on a `const fn`");
    }
    if let ReturnType::Type(_, ty) = &sig.output {
        if matches!(func::returns(&sig.output), Returns::Opaque) {
            errors.spanned(ty, "#[parallel] must combine the chunks' results, so their type must be named, not `impl Trait`");
        }
    }
    let mut names = Vec::new();
    let mut splitting = None;
    let mut first_typed = true;
    for (index, input) in sig.inputs.iter().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                if receiver.reference.is_none() || receiver.mutability.is_some() {
                    errors.spanned(
                        receiver,
                        "#[parallel] shares `self` between the chunks, so it takes `&self`",
                    );
                }
            }
            FnArg::Typed(typed) => {
                let name = match &*typed.pat {
                    Pat::Ident(pat) => Some(pat.ident.clone()),
                    _ => None,
                };
                let chosen = match (&config.over, &name) {
                    (Some(over), Some(name)) => over == name,
                    (Some(_), None) => false,
                    (None, _) => first_typed,
                };
                first_typed = false;
                if let Some(name) = &name {
                    names.push(name.to_string());
                }
                if chosen {
                    match split_of(&typed.ty) {
                        Some(split) => splitting = Some(Splitting { over: index, split }),
                        None => errors.spanned(
                            &typed.ty,
                            format!(
                                "#[parallel] cannot split `{}: {}`; it splits {SPLITTABLE}{}",
                                options::pretty(&typed.pat),
                                options::pretty(&typed.ty),
                                match (&config.over, splittable_after(function, index)) {
                                    (Some(_), _) => String::new(),
                                    (None, Some(other)) => format!(
                                        " (the first parameter, unless `over = name` picks another): \
                                         to split `{other}`, write `#[parallel(over = {other}, ...)]`"
                                    ),
                                    (None, None) => " (the first parameter, unless `over = name` picks another)"
                                        .to_owned(),
                                },
                            ),
                        ),
                    }
                    continue;
                }
                match &*typed.ty {
                    Type::Reference(reference) if reference.mutability.is_some() => errors.spanned(
                        &typed.ty,
                        "#[parallel] shares this parameter between chunks running at once, so it cannot be `&mut`; pass `&T`, or split it with `over`",
                    ),
                    Type::Reference(_) => {}
                    _ if name.is_none() && method => errors.spanned(
                        &typed.pat,
                        "#[parallel] clones this parameter for each chunk; give it a plain name instead of a pattern",
                    ),
                    _ => {}
                }
            }
        }
    }
    if let Some(over) = &config.over {
        if !names.iter().any(|name| over == name) {
            let listed = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            errors.spanned(over, format!("`over` names `{over}`, which is not a parameter of `{}`; its parameters are {listed}", sig.ident));
        }
    } else if first_typed {
        errors.spanned(
            &sig.ident,
            format!("#[parallel] needs a parameter to split: {SPLITTABLE}"),
        );
    }
    splitting
}

/// The function that splits its input, runs the body on each chunk and
/// combines the results; the body moves into an inner copy, which
/// `decorate_body` decorates with the layers written below.
pub fn emit(
    config: &Config,
    splitting: &Splitting,
    mut function: ItemFn,
    decorate_body: &dyn Fn(ItemFn) -> ItemFn,
) -> ItemFn {
    let rt = Paths::new(config.krate.as_ref());
    let moved_attrs = moved_body::take_moved_attrs(&mut function);
    let method = moved_body::has_receiver(&function);
    let ident = function.sig.ident.clone();
    let output = moved_body::output_type(&function.sig.output);
    let output_span = match &function.sig.output {
        ReturnType::Default => ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };

    // Per chunk: the chunk itself (borrowed for `&Vec`), shared references
    // as they are, owned values cloned.
    // Mixed-site: the user's own names cannot collide with it.
    let chunk = Ident::new("__decor_chunk", proc_macro2::Span::mixed_site());
    let chunk_arg = match splitting.split {
        SplitKind::VecRef => quote!(&#chunk),
        _ => quote!(#chunk),
    };
    let body_call;
    let inner;
    let input;
    let mut in_processes = None;
    if method {
        let mut bindings = Vec::new();
        let mut split_name = quote!();
        for (index, arg) in function.sig.inputs.iter().enumerate() {
            let FnArg::Typed(typed) = arg else { continue };
            let pat = &typed.pat;
            if index == splitting.over {
                bindings.push(quote!(let #pat = #chunk_arg;));
                split_name = match &**pat {
                    Pat::Ident(pat) => pat.ident.to_token_stream(),
                    other => other.to_token_stream(),
                };
            } else if !matches!(&*typed.ty, Type::Reference(_)) {
                bindings.push(quote!(let #pat = ::core::clone::Clone::clone(&#pat);));
            }
        }
        let body = exits::nested_block((*function.block).clone());
        body_call = quote!({ #(#bindings)* #body });
        inner = quote!();
        input = split_name;
    } else {
        let mut copy = moved_body::inner_copy(&function, moved_attrs);
        if splitting.split == SplitKind::MutVec {
            as_mut_slice_parameter(&mut copy, splitting.over);
        }
        let names = moved_body::plain_arguments(&mut function);
        let mut args = Vec::new();
        let mut split_name = quote!();
        for (index, (arg, name)) in function.sig.inputs.iter().zip(&names).enumerate() {
            let FnArg::Typed(typed) = arg else { continue };
            if index == splitting.over {
                args.push(chunk_arg.clone());
                split_name = name.clone();
            } else if matches!(&*typed.ty, Type::Reference(_)) {
                args.push(name.clone());
            } else {
                args.push(quote!(::core::clone::Clone::clone(&#name)));
            }
        }
        body_call = moved_body::call_inner(&copy, &args);
        if let Placement::Processes(processes) = &config.target {
            in_processes = Some(process_parts(
                &rt, &function, &copy, &names, splitting, processes, &chunk,
            ));
        }
        inner = decorate_body(copy).into_token_stream();
        input = split_name;
    }

    let input = match splitting.split {
        SplitKind::VecRef => {
            let vec_ref = rt.parallel("VecRef");
            quote!(#vec_ref(#input))
        }
        SplitKind::MutVec => quote!(::std::vec::Vec::as_mut_slice(#input)),
        _ => input,
    };
    let merge = match &config.reduce {
        Some(reduce) => {
            let wrapper = rt.parallel("reduce");
            quote_spanned!(reduce.span()=> #wrapper::<#output, _>(#reduce))
        }
        None => {
            // Spanned at the return type, where a type without `Combine` is
            // reported with the trait's own message.
            let via = rt.parallel("via_combine");
            quote_spanned!(output_span=> #via::<#output>())
        }
    };
    let chunks = match &config.chunks {
        Some(chunks) => quote!(::core::option::Option::Some(#chunks)),
        None => quote!(::core::option::Option::None),
    };
    let min_len = config
        .min_len
        .as_ref()
        .map_or_else(|| quote!(0), ToTokens::to_token_stream);
    let plan = rt.parallel("Plan");
    // Threads: the pool in a static and `run`. Processes: the process items
    // (pool, entry, handler), `run_in_processes`, and the closure that sends
    // a chunk.
    let (items, run, pool, submit) = match in_processes {
        Some((items, submit)) => (
            items,
            rt.process("run_in_processes"),
            quote!(__DECOR_PROCESSES),
            quote!(#submit,),
        ),
        None => (
            config.target.pool_static(&rt, &ident),
            rt.parallel("run"),
            quote!(__DECOR_POOL),
            quote!(),
        ),
    };
    let call = quote! {
        #run(
            &#pool,
            #plan { chunks: #chunks, min_len: #min_len },
            #input,
            |#chunk| -> #output { #body_call },
            #submit
            #merge,
        )
    };
    function.block = syn::parse_quote!({
        #inner
        #items
        #call
    });
    function
}

/// The inner copy of a function splitting a `&mut Vec<T>` takes each
/// chunk as the `&mut [T]` it is: its parameter becomes `&mut [T]`.
fn as_mut_slice_parameter(copy: &mut ItemFn, over: usize) {
    let Some(FnArg::Typed(typed)) = copy.sig.inputs.iter_mut().nth(over) else {
        return;
    };
    let Type::Reference(reference) = &mut *typed.ty else {
        return;
    };
    let Type::Path(vec) = &*reference.elem else {
        return;
    };
    let element = vec
        .path
        .segments
        .last()
        .and_then(|segment| match &segment.arguments {
            syn::PathArguments::AngleBracketed(arguments) => {
                arguments.args.iter().find_map(|argument| match argument {
                    syn::GenericArgument::Type(ty) => Some(ty.clone()),
                    _ => None,
                })
            }
            _ => None,
        });
    if let Some(element) = element {
        *reference.elem = syn::parse_quote_spanned!(reference.elem.span()=> [#element]);
    }
}

/// `processes` takes free functions with concrete types (checked for both
/// decorators), and cannot split `&mut [T]`: a worker changes a copy.
fn check_processes(function: &ItemFn, splitting: Option<&Splitting>, errors: &mut Errors) {
    process::check_signature(function, "parallel", errors);
    let Some(FnArg::Typed(typed)) =
        splitting.and_then(|splitting| function.sig.inputs.iter().nth(splitting.over))
    else {
        return;
    };
    if matches!(&*typed.ty, Type::Reference(reference) if reference.mutability.is_some()) {
        errors.spanned(
            &typed.ty,
            format!(
                "#[parallel(processes = N)] cannot split `{}: {}`: a worker process gets a copy, so its changes \
                 would not come back; return the new values instead, or use threads",
                options::pretty(&typed.pat),
                options::pretty(&typed.ty),
            ),
        );
    }
}

/// For `processes = N`: the function's process items, and the closure that
/// sends one chunk with the shared arguments to a worker.
fn process_parts(
    rt: &Paths,
    function: &ItemFn,
    copy: &ItemFn,
    names: &[TokenStream],
    splitting: &Splitting,
    processes: &Processes,
    chunk: &Ident,
) -> (TokenStream, TokenStream) {
    // A free function (checked), so `splitting.over` indexes the wires too.
    let mut wires = process::wires(function, names);
    // The chunk is a slice for `&[T]`, and owned otherwise (`&Vec<T>` splits
    // into cloned `Vec`s).
    wires[splitting.over].sent = match splitting.split {
        SplitKind::Slice => quote!(#chunk),
        _ => quote!(&#chunk),
    };
    let items = process::items(rt, function, copy, processes, names, &wires);
    let borrowed = splitting.split == SplitKind::Slice;
    let request = process::chunk_request(rt, names, &wires, splitting.over, chunk, borrowed);
    let submit = quote!(&__DECOR_ENTRY, &__DECOR_RESULT, #request);
    (items, submit)
}
