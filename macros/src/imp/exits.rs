//! Rewriting a body so a guard sees what it returns, without moving the body
//! into a closure.
//!
//! A closure around the body would break `#[track_caller]` and make borrows
//! of `self` "escape the closure body". Instead the body stays inline, a
//! guard is declared at its top, and every exit is threaded through the
//! guard: the tail expression and each `return value` become
//! `guard.observe(value, classify)`, and each `operand?` becomes
//! `guard.observe_try(operand, classify)?`. Closures, async blocks and nested
//! items are not entered: their exits are their own. Exits written inside
//! another macro's arguments cannot be seen; the guards handle those when
//! they drop.
//!
//! Stacked decorators nest like Python's: the outer one expands first, so
//! the inner one puts its preamble after the outer's, and wraps values inside
//! the outer's `observe` calls rather than around them.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Stmt};

/// Every name an expansion declares starts with this (statics: upper case).
pub const PREFIX: &str = "__decor_";

fn is_ours(ident: &syn::Ident) -> bool {
    ident.to_string().to_ascii_lowercase().starts_with(PREFIX)
}

/// Wraps a value on its way out of the function.
pub type Wrap<'a> = &'a dyn Fn(Expr) -> Expr;

/// Threads the body's `return`s and `?`s through `on_return` and `on_try`,
/// and its tail expression through `on_return`.
pub fn thread_exits(block: &mut Block, on_return: Wrap<'_>, on_try: Wrap<'_>) {
    let mut rewriter = ExitRewriter { on_return, on_try };
    for stmt in &mut block.stmts {
        rewriter.visit_stmt_mut(stmt);
    }
    // A brace-delimited macro call in tail position (`my_macro! { .. }`)
    // parses as a statement; it is the tail expression all the same.
    if let Some(Stmt::Macro(stmt)) = block.stmts.last() {
        if stmt.semi_token.is_none() {
            let Some(Stmt::Macro(stmt)) = block.stmts.pop() else {
                unreachable!()
            };
            let tail = Expr::Macro(syn::ExprMacro {
                attrs: stmt.attrs,
                mac: stmt.mac,
            });
            block.stmts.push(Stmt::Expr(tail, None));
        }
    }
    if let Some(Stmt::Expr(tail, None)) = block.stmts.last_mut() {
        let value = std::mem::replace(tail, Expr::Verbatim(TokenStream::new()));
        *tail = match value {
            // A decorator above already wrapped the tail: go inside.
            Expr::Block(block) if is_tail_wrapper(&block) => {
                innermost(Expr::Block(block), on_return)
            }
            value => {
                let wrapped = innermost(value, on_return);
                // The allow keeps a diverging tail (`todo!()`, `loop {}`) from
                // making the observe call "unreachable" under
                // `#![deny(warnings)]`.
                syn::parse_quote!(#[allow(unreachable_code)] { #wrapped })
            }
        };
    }
}

struct ExitRewriter<'a> {
    on_return: Wrap<'a>,
    on_try: Wrap<'a>,
}

impl VisitMut for ExitRewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // Their `return` and `?` leave them, not the function.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) | Expr::TryBlock(_) => {}
            Expr::Return(ret) => {
                if let Some(value) = ret.expr.take() {
                    let mut value = *value;
                    self.visit_expr_mut(&mut value);
                    ret.expr = Some(Box::new(innermost(value, self.on_return)));
                }
            }
            Expr::Try(tried) => {
                self.visit_expr_mut(&mut tried.expr);
                let operand =
                    std::mem::replace(&mut *tried.expr, Expr::Verbatim(TokenStream::new()));
                *tried.expr = innermost(operand, self.on_try);
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// Applies `wrap` to the value inside any `observe`/`observe_try` calls a
/// decorator above this one already put around it.
fn innermost(expr: Expr, wrap: Wrap<'_>) -> Expr {
    match expr {
        Expr::MethodCall(mut call) if is_observe_call(&call) => {
            let value = call
                .args
                .first_mut()
                .expect("observe calls take the value first");
            let inner = std::mem::replace(value, Expr::Verbatim(TokenStream::new()));
            *value = innermost(inner, wrap);
            Expr::MethodCall(call)
        }
        Expr::Block(mut block) if is_tail_wrapper(&block) => {
            if let Some(Stmt::Expr(inner, None)) = block.block.stmts.first_mut() {
                let value = std::mem::replace(inner, Expr::Verbatim(TokenStream::new()));
                *inner = innermost(value, wrap);
            }
            Expr::Block(block)
        }
        other => wrap(other),
    }
}

/// The guards' names; only calls on these are decor's own.
pub const GUARDS: &[&str] = &["__decor_timed", "__decor_logged"];

pub fn is_observe_call(call: &syn::ExprMethodCall) -> bool {
    let receiver_is_guard = matches!(&*call.receiver, Expr::Path(path)
        if path.path.get_ident().is_some_and(|ident| GUARDS.iter().any(|guard| ident == guard)));
    receiver_is_guard
        && (call.method == "observe" || call.method == "observe_try")
        && call.args.len() == 2
}

fn is_tail_wrapper(block: &syn::ExprBlock) -> bool {
    block.attrs.len() == 1
        && block.block.stmts.len() == 1
        && matches!(block.block.stmts.first(), Some(Stmt::Expr(Expr::MethodCall(call), None)) if is_observe_call(call))
}

/// Puts `preamble` at the top of the body, after any preamble a decorator
/// above this one put there.
pub fn insert_preamble(block: &mut Block, preamble: Vec<Stmt>) {
    let at = block
        .stmts
        .iter()
        .take_while(|stmt| is_preamble(stmt))
        .count();
    block.stmts.splice(at..at, preamble);
}

pub fn is_preamble(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::Item(syn::Item::Static(item)) => is_ours(&item.ident),
        Stmt::Item(syn::Item::Fn(item)) => is_ours(&item.sig.ident),
        Stmt::Local(local) => matches!(&local.pat, syn::Pat::Ident(pat) if is_ours(&pat.ident)),
        Stmt::Expr(Expr::Call(call), Some(_)) => {
            matches!(&*call.func, Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "process_worker_entry"))
        }
        _ => false,
    }
}

/// The block an async decorator should wrap: the body itself, or, when a
/// decorator above already wrapped it in a future, the async block inside
/// that wrapper (recursively).
pub fn innermost_async(block: &mut Block) -> &mut Block {
    if !inner_async_wrapper(block) {
        return block;
    }
    let Some(Stmt::Expr(Expr::Await(awaited), None)) = block.stmts.last_mut() else {
        unreachable!("checked by inner_async_wrapper")
    };
    let Expr::Call(call) = &mut *awaited.base else {
        unreachable!("checked by inner_async_wrapper")
    };
    for arg in call.args.iter_mut() {
        if let Expr::Async(inner) = arg {
            return innermost_async(&mut inner.block);
        }
    }
    unreachable!("checked by inner_async_wrapper")
}

fn inner_async_wrapper(block: &Block) -> bool {
    let Some(Stmt::Expr(Expr::Await(awaited), None)) = block.stmts.last() else {
        return false;
    };
    let Expr::Call(call) = &*awaited.base else {
        return false;
    };
    let Expr::Path(func) = &*call.func else {
        return false;
    };
    let segments: Vec<_> = func.path.segments.iter().map(|s| &s.ident).collect();
    // `..::__private::<wrapper path>::new`
    let is_wrapper = segments.split_last().is_some_and(|(new, path)| {
        *new == "new"
            && FUTURES.iter().any(|wrapper| {
                let Some(at) = path.len().checked_sub(wrapper.len() + 1) else {
                    return false;
                };
                path[at] == "__private"
                    && path[at + 1..]
                        .iter()
                        .zip(wrapper.iter())
                        .all(|(segment, name)| *segment == name)
            })
    });
    is_wrapper && call.args.iter().any(|arg| matches!(arg, Expr::Async(_)))
}

/// The future wrappers async decorators emit, as paths inside `__private`.
pub const FUTURES: &[&[&str]] = &[&["timed", "Future"], &["LoggedFuture"]];

/// Whether a decorator above already gave this async block its fake return.
pub fn has_fake_return(block: &Block) -> bool {
    let Some(Stmt::Expr(Expr::If(fake), None)) = block.stmts.first() else {
        return false;
    };
    matches!(fake.then_branch.stmts.first(), Some(Stmt::Local(local))
        if matches!(&local.pat, syn::Pat::Type(typed)
            if matches!(&*typed.pat, syn::Pat::Ident(pat) if pat.ident == "__decor_fake_return")))
}

/// Whether the body already carries this decorator's preamble: the same
/// decorator applied twice.
pub fn has_preamble_named(block: &Block, name: &str) -> bool {
    block
        .stmts
        .iter()
        .take_while(|stmt| is_preamble(stmt))
        .any(|stmt| match stmt {
            Stmt::Item(syn::Item::Static(item)) => item.ident == name,
            Stmt::Item(syn::Item::Fn(item)) => item.sig.ident == name,
            Stmt::Local(local) => matches!(&local.pat, syn::Pat::Ident(pat) if pat.ident == name),
            _ => false,
        })
}

/// `#[allow(...)]` for the fake return that gives an async block the
/// function's return type, so inference inside it works as undecorated.
pub fn fake_return(ty: &syn::Type) -> Stmt {
    let allow = quote! {
        #[allow(
            unknown_lints,
            unreachable_code,
            clippy::diverging_sub_expression,
            clippy::empty_loop,
            clippy::let_unit_value,
            clippy::let_with_type_underscore,
            clippy::needless_return,
            clippy::unreachable
        )]
    };
    syn::parse_quote! {
        #allow
        if false {
            let __decor_fake_return: #ty = loop {};
            return __decor_fake_return;
        }
    }
}
