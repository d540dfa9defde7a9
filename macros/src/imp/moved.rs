//! For decorators that run the body somewhere else (`spawn`, `parallel`):
//! the body becomes an inner, undecorated copy of the function that the
//! decorated one calls from the pool.
//!
//! The copy keeps the function's name, so inside the body a recursive call
//! reaches the undecorated function (a recursive `fib` does not spawn per
//! level), and it carries the decorators written below, so
//! `#[spawn] #[timed] fn f()` times the work on the pool. Methods cannot
//! have an inner copy (`Self` and `self` are not visible to nested items);
//! their body moves into a closure instead, and decorators below them are
//! refused.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{Attribute, FnArg, GenericParam, ItemFn, Type};

use super::ctxt::Errors;

/// Attributes that belong to the body rather than to the decorated
/// function: the other decorators, and code-generation hints.
const MOVED: &[&str] = &[
    "timed",
    "logged",
    "synchronized",
    "instrument",
    "inline",
    "cold",
    "track_caller",
];

/// `(kept on the decorated function, moved onto the body)`.
pub fn split_attributes(attrs: Vec<Attribute>) -> (Vec<Attribute>, Vec<Attribute>) {
    attrs.into_iter().partition(|attr| {
        let last = attr.path().segments.last().map(|s| s.ident.to_string());
        !last.is_some_and(|name| MOVED.contains(&name.as_str()))
    })
}

/// Whether the function takes `self` in any form.
pub fn has_receiver(function: &ItemFn) -> bool {
    matches!(function.sig.inputs.first(), Some(FnArg::Receiver(_)))
}

/// Refuses decorators below a method's `#[spawn]`/`#[parallel]`.
pub fn check_method_attrs(moved: &[Attribute], decorator: &str, errors: &mut Errors) {
    for attr in moved {
        let name = attr.path().to_token_stream().to_string().replace(' ', "");
        errors.spanned(
            attr,
            format!(
                "#[{decorator}] runs a method's body in a closure, which cannot carry `#[{name}]`; \
                 put `#[{name}]` above `#[{decorator}]`, or make the method a free function"
            ),
        );
    }
}

/// The undecorated copy of `function`, private, with the `moved` attributes.
pub fn inner_copy(function: &ItemFn, moved: Vec<Attribute>) -> ItemFn {
    let mut inner = function.clone();
    inner.attrs = moved;
    inner.vis = syn::Visibility::Inherited;
    inner
}

/// A call of the inner copy with `args`; `unsafe` if the function is.
pub fn call_inner(function: &ItemFn, args: &[TokenStream]) -> TokenStream {
    let name = &function.sig.ident;
    let generics: Vec<TokenStream> = function
        .sig
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(ty) => Some(ty.ident.to_token_stream()),
            GenericParam::Const(konst) => Some(konst.ident.to_token_stream()),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    // `impl Trait` arguments forbid a turbofish; inference does it then.
    let impl_trait_args = function.sig.inputs.iter().any(
        |input| matches!(input, FnArg::Typed(typed) if matches!(&*typed.ty, Type::ImplTrait(_))),
    );
    let turbofish = if generics.is_empty() || impl_trait_args {
        quote!()
    } else {
        quote!(::<#(#generics),*>)
    };
    let call = quote!(#name #turbofish (#(#args),*));
    if function.sig.unsafety.is_some() {
        // Inside an `unsafe fn` the block is redundant; elsewhere it is not.
        quote!({ #[allow(unused_unsafe)] unsafe { #call } })
    } else {
        call
    }
}

/// Renames the function's parameters to plain identifiers (patterns
/// become `__decor_argN`) and returns those names, in order.
pub fn plain_arguments(function: &mut ItemFn) -> Vec<TokenStream> {
    let mut names = Vec::new();
    for (index, input) in function.sig.inputs.iter_mut().enumerate() {
        if let FnArg::Typed(typed) = input {
            let name = match &*typed.pat {
                syn::Pat::Ident(pat) if pat.subpat.is_none() => pat.ident.clone(),
                _ => syn::Ident::new(
                    &format!("__decor_arg{index}"),
                    proc_macro2::Span::call_site(),
                ),
            };
            *typed.pat = syn::parse_quote!(#name);
            names.push(name.into_token_stream());
        }
    }
    names
}

/// Whether a type borrows: a reference or a non-`'static` lifetime.
pub fn borrows(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            let is_static = reference
                .lifetime
                .as_ref()
                .is_some_and(|lifetime| lifetime.ident == "static");
            if !is_static {
                self.0 = true;
            }
            syn::visit::visit_type_reference(self, reference);
        }
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            if lifetime.ident != "static" {
                self.0 = true;
            }
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// What decorators above this one put into the body: their preamble, and
/// for each guard the classifier its `observe` calls use.
pub struct Outer {
    preamble: Vec<syn::Stmt>,
    observers: Vec<(syn::Ident, syn::Expr)>,
}

/// Takes the outer decorators' work out of the body, which is about to move
/// to another thread: their preamble stays with the decorated function, and
/// their `observe` calls come off the body's exits, to be put back around
/// the submission by [`Outer::wrap`]. So `#[timed] #[spawn]` times the
/// submission, as it reads, while `#[spawn] #[timed]` times the work.
pub fn detach_outer(block: &mut syn::Block) -> Outer {
    let count = block
        .stmts
        .iter()
        .take_while(|stmt| super::exits::is_preamble(stmt))
        .count();
    let preamble: Vec<syn::Stmt> = block.stmts.drain(..count).collect();
    let guards: Vec<syn::Ident> = preamble
        .iter()
        .filter_map(|stmt| match stmt {
            syn::Stmt::Local(local) => match &local.pat {
                syn::Pat::Ident(pat) if super::exits::GUARDS.iter().any(|g| pat.ident == g) => {
                    Some(pat.ident.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    let mut stripper = Stripper {
        guards: &guards,
        found: Vec::new(),
    };
    syn::visit_mut::VisitMut::visit_block_mut(&mut stripper, block);
    let observers = guards
        .iter()
        .filter_map(|guard| {
            let found = stripper.found.iter().find(|(name, _)| name == guard);
            found.map(|(name, classify)| (name.clone(), classify.clone()))
        })
        .collect();
    Outer {
        preamble,
        observers,
    }
}

impl Outer {
    /// The preamble the decorated function keeps.
    pub fn preamble(&self) -> &[syn::Stmt] {
        &self.preamble
    }

    /// `value` handed through the outer guards, innermost first.
    pub fn wrap(&self, value: TokenStream) -> TokenStream {
        self.observers.iter().rev().fold(
            value,
            |value, (guard, classify)| quote!(#guard.observe(#value, #classify)),
        )
    }
}

/// Replaces `guard.observe(value, c)` and `guard.observe_try(value, c)` by
/// `value` for the given guards, keeping each guard's first `observe`
/// classifier.
struct Stripper<'a> {
    guards: &'a [syn::Ident],
    found: Vec<(syn::Ident, syn::Expr)>,
}

impl syn::visit_mut::VisitMut for Stripper<'_> {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        let syn::Expr::MethodCall(call) = expr else {
            return;
        };
        if !super::exits::is_observe_call(call) {
            return;
        }
        let syn::Expr::Path(receiver) = &*call.receiver else {
            return;
        };
        let Some(guard) = receiver.path.get_ident() else {
            return;
        };
        if !self.guards.contains(guard) {
            return;
        }
        if call.method == "observe" && !self.found.iter().any(|(name, _)| name == guard) {
            self.found.push((guard.clone(), call.args[1].clone()));
        }
        let value = call.args[0].clone();
        *expr = value;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
