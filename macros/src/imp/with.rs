//! `#[with(decorator)]`: parse the decorator expression, check the function
//! can be run again, and emit the run loop the runtime's `with::Frame`
//! drives. `#[retry]` emits through [`wrap_runs`] too: a retry is a
//! decorator like the user's.
//!
//! The loop is written into the function rather than handed to the runtime
//! as a closure: an `async` body run again must reborrow the function's
//! `&mut` arguments for each run, which a closure cannot lend to a future.
//! Per run, owned arguments come from a `Slot` (cloned while another run
//! may follow, the original on the last) and `&mut` arguments are
//! reborrowed; a sync body runs in a closure called at once, so its
//! `return`s and `?`s end the run, not the function.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Pat, Path, Type};

use super::errors::Errors;
use super::exits;
use super::func::{self, Returns};
use super::options::{self, Given};
use super::paths::Paths;
use super::pipeline::{self, Kind};

const VALID: &[&str] = &["crate"];

/// The options of one `#[with(...)]`.
pub struct Config {
    /// The decorator expression, first in the list.
    pub decorator: Option<Expr>,
    pub krate: Option<Path>,
}

impl Config {
    pub fn parse_into(attr: TokenStream, errors: &mut Errors) -> Config {
        let mut config = Config {
            decorator: None,
            krate: None,
        };
        let (first, rest) = split_first(attr);
        if first.is_empty() {
            errors.push(syn::Error::new(
                Span::call_site(),
                "#[with] needs a decorator: `#[decor::with(audit)]` or \
                 `#[decor::with(audit(\"payments\"))]`, a value implementing `decor::Decorator`",
            ));
        } else {
            match syn::parse2::<Expr>(first.clone()) {
                Ok(expr) => config.decorator = Some(expr),
                Err(_) => errors.spanned(
                    first,
                    "#[with] takes an expression for the decorator: a path (`audit`), \
                     a call (`audit(\"payments\")`) or a struct value",
                ),
            }
        }
        let metas = errors.ok(options::parse_list(rest)).unwrap_or_default();
        let mut seen = Given::default();
        for meta in &metas {
            if !seen.first(errors, meta) {
                continue;
            }
            match options::name_of(meta).as_str() {
                "crate" => config.krate = errors.ok(options::crate_path(meta)),
                _ => options::unknown(errors, meta, "with", VALID),
            }
        }
        config
    }

    pub fn check(&self, function: &ItemFn, errors: &mut Errors) {
        check_runs(function, "with", errors);
    }
}

/// The decorator expression, and the options after its comma.
fn split_first(attr: TokenStream) -> (TokenStream, TokenStream) {
    use syn::parse::Parser;
    let parser = |input: syn::parse::ParseStream| {
        let expr: Expr = input.parse()?;
        if !input.is_empty() {
            input.parse::<syn::Token![,]>()?;
        }
        Ok((expr.into_token_stream(), input.parse::<TokenStream>()?))
    };
    match parser.parse2(attr.clone()) {
        Ok(split) => split,
        // Not an expression: reported as such, with no options.
        Err(_) => (attr, TokenStream::new()),
    }
}

pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(Kind::With, attr, item)
}

/// What every decorator running the body through a `Frame` needs of the
/// function: the body in a closure (sync) keeps no `#[track_caller]`, a
/// borrow of `&mut self` cannot be returned from a body run in a loop, and
/// `const fn` cannot run decorators.
pub fn check_runs(function: &ItemFn, decorator: &str, errors: &mut Errors) {
    func::check_inline_body(
        function,
        decorator,
        "a decorator runs at each call, which const evaluation cannot",
        errors,
    );
    if let Some(attr) = function
        .attrs
        .iter()
        .find(|attr| attr.path().is_ident("track_caller"))
    {
        errors.spanned(
            attr,
            format!(
                "#[{decorator}] runs the body in a closure, where `#[track_caller]` does not \
                 reach: remove `#[track_caller]`, or call a `#[track_caller]` function from the body"
            ),
        );
    }
    let mut_self = matches!(
        function.sig.inputs.first(),
        Some(FnArg::Receiver(receiver)) if receiver.reference.is_some() && receiver.mutability.is_some()
    );
    // Below `#[async_trait]` the signature returns a boxed future, which
    // always names a lifetime: what the body returns is its `Output`.
    let async_trait = func::is_async_trait(function);
    let borrows = match &function.sig.output {
        syn::ReturnType::Type(_, ty) if async_trait => future_output(ty).is_some_and(any_borrow),
        syn::ReturnType::Type(_, ty) => any_borrow(ty),
        syn::ReturnType::Default => false,
    };
    let output = match &function.sig.output {
        syn::ReturnType::Type(_, ty) if async_trait => future_output(ty),
        syn::ReturnType::Type(_, ty) => Some(&**ty),
        syn::ReturnType::Default => None,
    };
    if let Some(param) = output.and_then(|output| borrowed_mut_param(function, output)) {
        errors.spanned(
            output.expect("a return type"),
            format!(
                "#[{decorator}] runs the body in a loop, once per run, so it cannot return a \
                 borrow of the `&mut` argument `{param}` (each run reborrows it); return an \
                 owned value, or take `{param}` by `&`"
            ),
        );
    }
    if mut_self && borrows {
        errors.spanned(
            &function.sig.output,
            format!(
                "#[{decorator}] runs the body in a closure, possibly more than once, so it cannot \
                 return a borrow of `&mut self`; return an owned value, or decorate a method \
                 that takes `&self`"
            ),
        );
    }
}

/// Whether a type mentions a reference or a lifetime.
fn any_borrow(ty: &Type) -> bool {
    fn any(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            TokenTree::Punct(p) => p.as_char() == '&' || p.as_char() == '\'',
            TokenTree::Group(group) => any(group.stream()),
            _ => false,
        })
    }
    any(ty.to_token_stream())
}

/// The `&mut` parameter (not `self`) the return type borrows from, as far
/// as the signature tells: one whose lifetime the return type names, or,
/// with lifetimes elided, the only reference among the parameters.
fn borrowed_mut_param(function: &ItemFn, output: &Type) -> Option<String> {
    use syn::visit::Visit;
    #[derive(Default)]
    struct Lifetimes {
        named: Vec<String>,
        elided: usize,
    }
    impl<'a> Visit<'a> for Lifetimes {
        fn visit_type_reference(&mut self, reference: &'a syn::TypeReference) {
            match &reference.lifetime {
                Some(lifetime) => self.visit_lifetime(lifetime),
                None => self.elided += 1,
            }
            self.visit_type(&reference.elem);
        }
        fn visit_lifetime(&mut self, lifetime: &'a syn::Lifetime) {
            if lifetime.ident == "_" {
                self.elided += 1;
            } else {
                self.named.push(lifetime.ident.to_string());
            }
        }
    }
    let mut returned = Lifetimes::default();
    returned.visit_type(output);
    if returned.named.is_empty() && returned.elided == 0 {
        return None;
    }
    let mut in_inputs = Lifetimes::default();
    let mut mut_params = Vec::new();
    for input in &function.sig.inputs {
        match input {
            // A receiver lends its lifetime to elided ones: `&mut self` is
            // checked on its own, `&self` lends nothing mutable.
            FnArg::Receiver(_) if returned.elided > 0 => return None,
            FnArg::Receiver(_) => {}
            FnArg::Typed(typed) => {
                in_inputs.visit_type(&typed.ty);
                if let Type::Reference(reference) = &*typed.ty {
                    if reference.mutability.is_some() {
                        mut_params.push((options::pretty(&typed.pat), reference.lifetime.clone()));
                    }
                }
            }
        }
    }
    mut_params.into_iter().find_map(|(name, lifetime)| {
        let lends = match &lifetime {
            Some(lifetime) => returned.named.contains(&lifetime.ident.to_string()),
            None => returned.elided > 0 && in_inputs.elided + in_inputs.named.len() == 1,
        };
        lends.then_some(name)
    })
}

/// The `Output = T` of the future an `#[async_trait]` method returns.
fn future_output(ty: &Type) -> Option<&Type> {
    use syn::visit::Visit;
    struct Finder<'a>(Option<&'a Type>);
    impl<'a> Visit<'a> for Finder<'a> {
        fn visit_assoc_type(&mut self, assoc: &'a syn::AssocType) {
            if assoc.ident == "Output" && self.0.is_none() {
                self.0 = Some(&assoc.ty);
            }
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}

/// Runs the body through `decorator`.
pub fn wrap(config: &Config, function: &mut ItemFn, fenced: &mut bool) {
    let rt = Paths::new(config.krate.as_ref());
    let decorator = config
        .decorator
        .as_ref()
        .expect("validated: a decorator expression")
        .to_token_stream();
    wrap_runs(&rt, decorator, &Runs::default(), function, fenced);
}

/// What `#[retry]` adds to the loop.
#[derive(Default)]
pub struct Runs {
    /// `when = ...`: called with `&E` on an `Err`; `false` returns it.
    pub when: Option<TokenStream>,
    /// Statements put before the loop: the policy's static, checks of the
    /// signature.
    pub checks: Vec<TokenStream>,
    /// Functions every owned argument is passed to by reference before
    /// the loop, at the parameter's span: a compile error where one is not
    /// `Clone`. The first, for a parameter with a name, takes a marker type
    /// named after it, so the message can name it; the second is for
    /// patterns.
    pub require_clone: Option<[TokenStream; 2]>,
}

/// One parameter, as the loop handles it.
enum Param {
    /// Shown, not touched: `&T`, `&self`, `&mut self`.
    Kept { name: String, value: TokenStream },
    /// `x: &mut T`: reborrowed for each run (`mut x: &mut T` keeps its
    /// `mut` on the run's binding, so the body may point it elsewhere).
    Reborrowed {
        ident: syn::Ident,
        mutability: Option<syn::token::Mut>,
    },
    /// Taken by value: held in a slot, cloned for each run but the last,
    /// bound to `pattern` in the run.
    Owned {
        name: String,
        slot: syn::Ident,
        source: TokenStream,
        pattern: TokenStream,
        span: Span,
        /// Whether it is a plain name (`source` is that name).
        named: bool,
    },
}

/// The parameters, with the signature changed where the loop needs it:
/// `mut x: T` loses its `mut` (the run's own binding has it) and a
/// destructuring pattern taken by value becomes `__decor_arg{i}` (the run
/// destructures it). Also whether `self` is taken by value, which allows
/// one run only.
fn params(function: &mut ItemFn) -> (Vec<Param>, bool) {
    let mut params = Vec::new();
    let mut self_by_value = false;
    for (index, input) in function.sig.inputs.iter_mut().enumerate() {
        match input {
            FnArg::Receiver(receiver) => {
                if receiver.reference.is_none() && !is_reference(&receiver.ty) {
                    self_by_value = true;
                    continue;
                }
                params.push(Param::Kept {
                    name: "self".into(),
                    value: quote!(&*self),
                });
            }
            FnArg::Typed(typed) => {
                let shown = options::pretty(&typed.pat);
                if matches!(&*typed.pat, Pat::Wild(_)) {
                    continue;
                }
                let span = typed.span();
                let plain = match &mut *typed.pat {
                    Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                        Some(ident)
                    }
                    _ => None,
                };
                match (&*typed.ty, plain) {
                    (Type::Reference(reference), Some(ident)) if reference.mutability.is_some() => {
                        params.push(Param::Reborrowed {
                            ident: ident.ident.clone(),
                            mutability: ident.mutability.take(),
                        });
                    }
                    (Type::Reference(_), Some(ident)) => {
                        let name = &ident.ident;
                        params.push(Param::Kept {
                            name: shown,
                            value: quote!(&#name),
                        });
                    }
                    (Type::Reference(_), None) => {}
                    (_, Some(ident)) => {
                        let mutability = ident.mutability.take();
                        let name = ident.ident.clone();
                        params.push(Param::Owned {
                            name: name.to_string(),
                            slot: slot_ident(index),
                            source: name.to_token_stream(),
                            pattern: quote!(#mutability #name),
                            span,
                            named: true,
                        });
                    }
                    (_, None) => {
                        let renamed =
                            syn::Ident::new(&format!("__decor_arg{index}"), Span::call_site());
                        let pattern =
                            std::mem::replace(&mut *typed.pat, syn::parse_quote!(#renamed));
                        params.push(Param::Owned {
                            name: shown,
                            slot: slot_ident(index),
                            source: renamed.to_token_stream(),
                            pattern: pattern.to_token_stream(),
                            span,
                            named: false,
                        });
                    }
                }
            }
        }
    }
    (params, self_by_value)
}

fn slot_ident(index: usize) -> syn::Ident {
    syn::Ident::new(&format!("__decor_slot{index}"), Span::call_site())
}

fn is_reference(ty: &Type) -> bool {
    matches!(ty, Type::Reference(_))
}

/// The loop (or, with `self` taken by value, the single run) around the
/// body, driven by `decorator`'s `Frame`.
pub fn wrap_runs(
    rt: &Paths,
    decorator: TokenStream,
    runs: &Runs,
    function: &mut ItemFn,
    fenced: &mut bool,
) {
    let with = rt.with();
    let probe_debug = rt.probe("probe_debug");
    let probe_clone = rt.probe("probe_clone");
    let probe_skip = rt.probe("probe_skip");
    let probe_error = rt.probe("probe_error");
    let ident = function.sig.ident.to_string();
    let ident = ident.strip_prefix("r#").unwrap_or(&ident).to_owned();
    let async_trait = func::is_async_trait(function);
    let asynchronous = function.sig.asyncness.is_some() || async_trait;
    // An `#[async_trait]` method's signature returns the boxed future; the
    // body's own type is not written anywhere this could name it.
    let output = match func::returns(&function.sig.output) {
        _ if async_trait => None,
        Returns::Unit => Some(quote!(())),
        Returns::Nameable(ty) => Some(ty.to_token_stream()),
        Returns::Opaque => None,
    };
    let mut_self = matches!(
        function.sig.inputs.first(),
        Some(FnArg::Receiver(receiver)) if receiver.reference.is_some() && receiver.mutability.is_some()
    );
    let (params, once) = params(function);

    let names = params.iter().map(|param| match param {
        Param::Kept { name, .. } | Param::Owned { name, .. } => name.clone(),
        Param::Reborrowed { ident, .. } => ident.to_string(),
    });
    let shown = params.iter().map(|param| match param {
        Param::Kept { value, .. } => quote!(#probe_debug(#value)),
        Param::Reborrowed { ident, .. } => quote!(#probe_debug(&#ident)),
        Param::Owned { slot, .. } => {
            quote!(#slot.shown(|__decor_v| #probe_debug(__decor_v)))
        }
    });
    let slots = params.iter().filter_map(|param| match param {
        Param::Owned {
            slot, source, span, ..
        } => Some(quote_spanned! {*span=>
            let mut #slot = #with::Slot::new(#probe_clone(&#source), #source);
        }),
        _ => None,
    });
    let clonable = params
        .iter()
        .filter_map(|param| match param {
            Param::Owned { slot, .. } => Some(quote!(#slot.clonable())),
            _ => None,
        })
        .fold(quote!(true), |all, one| quote!(#all && #one));
    // A sync body runs in a closure, where a variable declared outside
    // cannot be given a borrow made inside: `mut x: &mut T`, which the body
    // may point elsewhere, is reborrowed in the closure.
    let rebind_in_closure =
        |mutability: &Option<syn::token::Mut>| !asynchronous && mutability.is_some();
    let bind = params.iter().filter_map(|param| match param {
        Param::Owned { slot, pattern, .. } => {
            Some(quote!(let #pattern = #slot.next(__decor_keep);))
        }
        Param::Reborrowed { ident, mutability } if !rebind_in_closure(mutability) => {
            Some(quote!(let #mutability #ident = &mut *#ident;))
        }
        Param::Reborrowed { .. } | Param::Kept { .. } => None,
    });
    let bind_in_closure = params.iter().filter_map(|param| match param {
        Param::Reborrowed { ident, mutability } if rebind_in_closure(mutability) => {
            Some(quote!(let #mutability #ident = &mut *#ident;))
        }
        _ => None,
    });
    let (can_skip, skip) = match &output {
        Some(ty) => (
            quote!(#probe_skip(#ty).is_some()),
            quote!(return __decor_with.skipped(__decor_skipped, #probe_skip(#ty))),
        ),
        None => (
            quote!(false),
            quote!(__decor_with.skipped_never(__decor_skipped)),
        ),
    };
    let wanted = match &runs.when {
        Some(when) => {
            // At the closure: a parameter of the wrong type is reported there.
            let span = first_span(when);
            let path = super::process::respanned(quote!(#with::when), span);
            let filter = quote_spanned!(span=> #path(__decor_e, #when));
            quote! {
                match &__decor_out {
                    ::core::result::Result::Err(__decor_e) => #filter,
                    ::core::result::Result::Ok(_) => true,
                }
            }
        }
        None => quote!(true),
    };
    let probe_decorator = rt.probe("probe_decorator");
    // At the expression (its first token: spans do not join on stable):
    // when it is no decorator, the one error is there. A separate `let`,
    // as a temporary borrowed in a call's argument would not live on.
    let check = quote_spanned!(first_span(&decorator)=> #with::decorator(__decor_with_decorator));
    let checks = &runs.checks;
    let markers = syn::Ident::new("__decor_retried", Span::call_site());
    let mut marked = Vec::new();
    let mut clone_checks: Vec<TokenStream> = params
        .iter()
        .filter_map(|param| match (param, &runs.require_clone) {
            (
                Param::Owned {
                    source,
                    span,
                    named: true,
                    ..
                },
                Some([check, _]),
            ) => {
                marked.push(source.clone());
                Some(quote_spanned! {*span=> #check::<#markers::#source, _>(&#source); })
            }
            (Param::Owned { source, span, .. }, Some([_, check])) => {
                Some(quote_spanned! {*span=> #check(&#source); })
            }
            _ => None,
        })
        .collect();
    if !marked.is_empty() {
        // One marker type per parameter, named after it, for the message.
        clone_checks.push(quote! {
            #[allow(non_camel_case_types, dead_code, unreachable_pub)]
            mod #markers {
                #(pub struct #marked;)*
            }
        });
    }
    let preamble = quote! {
        static __DECOR_WITH: #with::Site =
            #with::Site::new(#ident, ::core::module_path!(), &[#(#names),*]);
        #(#checks)*
        #(#clone_checks)*
        let __decor_with_decorator = &(#decorator);
        let __decor_with_decorator = #check;
        let __decor_with_decorator = #probe_decorator(__decor_with_decorator);
        let mut __decor_with = #with::Frame::new(__decor_with_decorator, &__DECOR_WITH, #can_skip);
        #(#slots)*
    };
    let enter = quote! {
        let __decor_keep = match __decor_with.before(&[#(#shown),*], #clonable) {
            ::core::result::Result::Ok(__decor_keep) => __decor_keep,
            ::core::result::Result::Err(__decor_skipped) => #skip,
        };
        #(#bind)*
    };

    if asynchronous {
        // The user's statements in a block of their own, below the fake
        // return, so that items they declare (`use Enum::*`) cannot shadow
        // the return type it names.
        let Some((body, fake)) = func::async_body(function, fenced) else {
            unreachable!("checked: an async body");
        };
        let mut stmts = std::mem::take(&mut body.stmts);
        if async_trait && mut_self {
            reborrow_async_trait_self(&mut stmts);
        }
        let run = quote! {
            let __decor_out = async { #fake { #(#stmts)* } }.await;
        };
        let after = quote!(__decor_with.after(#probe_error(&__decor_out), #wanted));
        let finish = finish(
            once,
            after,
            quote!(__decor_with.pause_async(__decor_pause).await),
        );
        body.stmts = vec![
            exits::own_stmt(preamble),
            loop_or_once(once, enter, run, finish),
        ];
        return;
    }

    let stmts = std::mem::take(&mut function.block.stmts);
    let returns = output.as_ref().map(|ty| quote!(-> #ty));
    let run = quote! {
        #[allow(clippy::redundant_closure_call)]
        let __decor_out = (|| #returns { #(#bind_in_closure)* #(#stmts)* })();
    };
    let after = quote!(__decor_with.after(#probe_error(&__decor_out), #wanted));
    let finish = finish(once, after, quote!(__decor_with.pause(__decor_pause)));
    function.block.stmts = vec![
        exits::own_stmt(preamble),
        loop_or_once(once, enter, run, finish),
    ];
    // Layers applied after this one see the loop as the body, and fence it
    // again themselves.
    *fenced = false;
}

/// `#[async_trait]` moves a `&mut self` receiver into `__self` at the top
/// of the body (`let mut __self = self;`), which a second run could not do
/// again: each run reborrows it instead.
fn reborrow_async_trait_self(stmts: &mut [syn::Stmt]) {
    for stmt in stmts {
        let syn::Stmt::Local(local) = stmt else {
            continue;
        };
        let binds_self = matches!(&local.pat, Pat::Ident(pat) if pat.ident == "__self");
        let from_self = matches!(
            local.init.as_ref().map(|init| &*init.expr),
            Some(Expr::Path(path)) if path.path.is_ident("self")
        );
        if binds_self && from_self {
            if let Some(init) = &mut local.init {
                *init.expr = syn::parse_quote!(&mut *self);
            }
            return;
        }
    }
}

/// The span of an expression's first token: on stable, spans do not join.
pub fn first_span(tokens: &TokenStream) -> Span {
    tokens
        .clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span())
}

/// After a run: return its result, or wait out `pause` and loop (with one
/// run only, `after` is still asked, and the result returned).
fn finish(once: bool, after: TokenStream, pause: TokenStream) -> TokenStream {
    if once {
        return quote! { let _ = #after; __decor_out };
    }
    quote! {
        match #after {
            ::core::option::Option::None => return __decor_out,
            ::core::option::Option::Some(__decor_pause) => #pause,
        }
    }
}

/// `loop { enter; run; finish }`, or with one run only, the block.
fn loop_or_once(
    once: bool,
    enter: TokenStream,
    run: TokenStream,
    finish: TokenStream,
) -> syn::Stmt {
    let tokens = if once {
        quote!({ #enter #run #finish })
    } else {
        quote!(loop { #enter #run #finish })
    };
    // Parsed, not verbatim: a decorator applied after this one threads the
    // loop's `return`s (the function's real exits) through its guard.
    let expr = syn::parse2::<Expr>(tokens.clone()).unwrap_or(Expr::Verbatim(tokens));
    syn::Stmt::Expr(expr, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(attr: TokenStream) -> Result<Config, String> {
        super::super::errors::parsed(attr, Config::parse_into)
    }

    #[test]
    fn decorator_first_then_options() {
        let config = parse(quote!(audit("payments", 3), crate = ::my_decor)).unwrap();
        assert_eq!(
            config.decorator.unwrap().to_token_stream().to_string(),
            "audit (\"payments\" , 3)"
        );
        assert!(config.krate.is_some());
        assert!(parse(quote!(Flag { name: "x" }))
            .unwrap()
            .decorator
            .is_some());
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(parse(quote!()).err().unwrap().contains("needs a decorator"));
        assert!(parse(quote!(audit, level = info))
            .err()
            .unwrap()
            .contains("unknown option `level`"));
        assert!(parse(quote!(=> x))
            .err()
            .unwrap()
            .contains("takes an expression"));
    }
}
