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

use super::errors::Errors;

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

/// Takes the attributes that move with the body off `function`.
pub fn take_moved_attrs(function: &mut ItemFn) -> Vec<Attribute> {
    let (kept, moved) = split_attributes(std::mem::take(&mut function.attrs));
    function.attrs = kept;
    moved
}

/// The type the body returns, `()` when none is written.
pub fn output_type(output: &syn::ReturnType) -> TokenStream {
    match output {
        syn::ReturnType::Default => quote!(()),
        syn::ReturnType::Type(_, ty) => ty.to_token_stream(),
    }
}

/// A method's body moves into a closure, which cannot carry the decor
/// attributes written below (`below`) nor the foreign ones that move.
pub fn check_method(function: &ItemFn, below: &[&Attribute], decorator: &str, errors: &mut Errors) {
    if !has_receiver(function) {
        return;
    }
    let (_, foreign) = split_attributes(function.attrs.clone());
    let moved: Vec<&Attribute> = below.iter().copied().chain(&foreign).collect();
    check_method_attrs(&moved, decorator, errors);
}

/// Refuses decorators below a method's `#[spawn]`/`#[parallel]`.
fn check_method_attrs(moved: &[&Attribute], decorator: &str, errors: &mut Errors) {
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
