//! The decorated item: parsing it as a function and the facts about its
//! signature the expansions need.

use proc_macro2::{Span, TokenStream};
use syn::visit::Visit;
use syn::{Block, Expr, FnArg, ItemFn, Pat, ReturnType, Stmt, Type};

use super::errors::Errors;
use super::exits;

/// Parses the item under a decorator; anything but a function with a body is
/// an error at the item.
pub fn parse(item: TokenStream, decorator: &str) -> syn::Result<ItemFn> {
    if let Ok(function) = syn::parse2::<ItemFn>(item.clone()) {
        return Ok(function);
    }
    if let Ok(declaration) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        return Err(syn::Error::new_spanned(
            &declaration.sig,
            format!(
                "#[{decorator}] needs a function body; put it on the method in each impl, \
                 or on a provided method of the trait"
            ),
        ));
    }
    // Point at the item itself, past any attributes (`#` and its `[...]`).
    let mut tokens = item.into_iter();
    let mut span = Span::call_site();
    while let Some(token) = tokens.next() {
        match token {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '#' => {
                tokens.next();
            }
            token => {
                span = token.span();
                break;
            }
        }
    }
    Err(syn::Error::new(
        span,
        format!("#[{decorator}] can only be applied to a function"),
    ))
}

/// What every decorator that keeps the body inline checks: it cannot run in
/// a `const fn` (`why_not_const` says why).
pub fn check_inline_body(
    function: &ItemFn,
    decorator: &str,
    why_not_const: &str,
    errors: &mut Errors,
) {
    if let Some(constness) = &function.sig.constness {
        errors.spanned(
            constness,
            format!("#[{decorator}] cannot be used on a `const fn`: {why_not_const}"),
        );
    }
}

/// What the function returns, as far as an expansion may name it.
pub enum Returns {
    /// Nothing, or `()`.
    Unit,
    /// A type that can be written again inside the body.
    Nameable(Box<Type>),
    /// `impl Trait` somewhere in it, or `!`: not writable in the body.
    Opaque,
}

pub fn returns(output: &ReturnType) -> Returns {
    let ty = match output {
        ReturnType::Default => return Returns::Unit,
        ReturnType::Type(_, ty) => &**ty,
    };
    if matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty()) {
        return Returns::Unit;
    }
    if matches!(ty, Type::Never(_)) || mentions_impl_trait(ty) {
        return Returns::Opaque;
    }
    Returns::Nameable(Box::new(ty.clone()))
}

/// The async body an async-aware decorator wraps: an `async fn`'s body
/// (with what decorators applied before this one made of it), or an
/// `#[async_trait]` method's boxed async block. With it, the fake return
/// that gives it the function's output type, unless `fenced` says a
/// decorator applied before already gave one (it is then inside). The
/// caller puts the user's statements in a block of their own below the
/// fake return, so that items they declare cannot shadow the type it
/// names. `None` for a plain function.
pub fn async_body<'f>(
    function: &'f mut ItemFn,
    fenced: &mut bool,
) -> Option<(&'f mut Block, Option<Stmt>)> {
    if function.sig.asyncness.is_some() {
        let fake = async_output(&function.sig.output)
            .filter(|_| !*fenced)
            .map(|ty| exits::fake_return(&ty));
        *fenced = true;
        return Some((&mut function.block, fake));
    }
    // `#[async_trait]` writes its own fake return into the block.
    async_trait_body(&mut function.block).map(|body| (body, None))
}

/// Code that is `true` when the function returns a `Result` (under any
/// alias), for a guard to classify exits it could not see; `false` where
/// the return type cannot be named.
pub fn returns_result(rt: &super::paths::Paths, output: &ReturnType) -> proc_macro2::TokenStream {
    match returns(output) {
        Returns::Nameable(ty) => {
            let probe = rt.probe("probe_returns_result");
            quote::quote!(#probe(#ty))
        }
        Returns::Unit | Returns::Opaque => quote::quote!(false),
    }
}

/// The type an `async fn`'s body block must produce, where it can be
/// written: given to the block through a fake return so that inference
/// inside it (and the probes at its exit) see the real type.
pub fn async_output(output: &ReturnType) -> Option<Type> {
    match returns(output) {
        Returns::Unit => Some(syn::parse_quote!(())),
        Returns::Nameable(ty) => Some(*ty),
        Returns::Opaque => None,
    }
}

fn mentions_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
        fn visit_type_infer(&mut self, _: &'ast syn::TypeInfer) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    finder.visit_type(ty);
    finder.0
}

/// The identifiers each parameter binds, in order, with `self` first.
pub fn parameter_names(function: &ItemFn) -> Vec<syn::Ident> {
    let mut names = Vec::new();
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                names.push(syn::Ident::new("self", receiver.self_token.span))
            }
            FnArg::Typed(typed) => bound_idents(&typed.pat, &mut names),
        }
    }
    names
}

/// The identifiers `pat` binds, in order.
pub fn bound_idents(pat: &Pat, names: &mut Vec<syn::Ident>) {
    match pat {
        Pat::Ident(ident) => {
            names.push(ident.ident.clone());
            if let Some((_, sub)) = &ident.subpat {
                bound_idents(sub, names);
            }
        }
        Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| bound_idents(p, names)),
        Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| bound_idents(p, names)),
        Pat::Struct(strukt) => strukt
            .fields
            .iter()
            .for_each(|field| bound_idents(&field.pat, names)),
        Pat::Reference(reference) => bound_idents(&reference.pat, names),
        Pat::Slice(slice) => slice.elems.iter().for_each(|p| bound_idents(p, names)),
        Pat::Type(typed) => bound_idents(&typed.pat, names),
        Pat::Paren(paren) => bound_idents(&paren.pat, names),
        Pat::Or(or) => {
            if let Some(first) = or.cases.first() {
                bound_idents(first, names);
            }
        }
        _ => {}
    }
}

/// The async block an `#[async_trait]` method's body is made of:
/// `Box::pin(async move { ... })`, as that macro writes it. Decorators put
/// below `#[async_trait]` see the method after it has been rewritten so;
/// they decorate the async block, which is the method's real body.
pub fn async_trait_body(block: &mut Block) -> Option<&mut Block> {
    if !is_async_trait_body(block) {
        return None;
    }
    match block.stmts.as_mut_slice() {
        [Stmt::Expr(Expr::Call(call), None)] => match call.args.first_mut() {
            Some(Expr::Async(inner)) => Some(&mut inner.block),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `block` is an `#[async_trait]` method's rewritten body (see
/// [`async_trait_body`]), asked without borrowing it mutably.
pub fn is_async_trait_body(block: &Block) -> bool {
    let [Stmt::Expr(Expr::Call(call), None)] = block.stmts.as_slice() else {
        return false;
    };
    let Expr::Path(func) = &*call.func else {
        return false;
    };
    let segments: Vec<String> = func
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    segments.ends_with(&["Box".to_owned(), "pin".to_owned()])
        && call.args.len() == 1
        && matches!(call.args.first(), Some(Expr::Async(inner)) if inner.capture.is_some())
}

/// Whether `function` is an `#[async_trait]` method: no `async` of its own,
/// its body the boxed async block that macro writes.
pub fn is_async_trait(function: &ItemFn) -> bool {
    function.sig.asyncness.is_none() && is_async_trait_body(&function.block)
}
