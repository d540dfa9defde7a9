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
//! The user's statements sit in a block of their own below the guards
//! ([`user_block`]), so that items the body declares cannot shadow a name
//! the guards' code writes, such as the return type.
//!
//! Stacked decorators nest like Python's: the pipeline applies them
//! innermost first, so each one puts its preamble before the ones already
//! there and wraps each exit value outside their `observe` calls.

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{Block, Expr, Stmt};

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
        let wrapped = on_return(value);
        // The allow keeps a diverging tail (`todo!()`, `loop {}`) from
        // making the observe call "unreachable" under `#![deny(warnings)]`.
        let allow: syn::Attribute = syn::parse_quote!(#[allow(unreachable_code)]);
        *tail = Expr::Block(syn::ExprBlock {
            attrs: vec![allow],
            label: None,
            block: Block {
                brace_token: Default::default(),
                stmts: vec![Stmt::Expr(wrapped, None)],
            },
        });
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
                    ret.expr = Some(Box::new((self.on_return)(value)));
                }
            }
            Expr::Try(tried) => {
                self.visit_expr_mut(&mut tried.expr);
                let operand =
                    std::mem::replace(&mut *tried.expr, Expr::Verbatim(TokenStream::new()));
                *tried.expr = (self.on_try)(operand);
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// `guard.method(value, classify)`, built as syntax rather than parsed:
/// `value` is the user's expression, which a decorator applied after this
/// one walks again for the exits nested in it.
pub fn guard_call(guard: &str, method: &str, value: Expr, classify: TokenStream) -> Expr {
    let span = proc_macro2::Span::call_site();
    Expr::MethodCall(syn::ExprMethodCall {
        attrs: Vec::new(),
        receiver: Box::new(Expr::Verbatim(
            syn::Ident::new(guard, span).into_token_stream(),
        )),
        dot_token: Default::default(),
        method: syn::Ident::new(method, span),
        turbofish: None,
        paren_token: Default::default(),
        args: [value, Expr::Verbatim(classify)].into_iter().collect(),
    })
}

/// A statement of a decorator's own (its static, its guard), kept as
/// tokens: nothing walks into it, so it need not be parsed.
pub fn own_stmt(tokens: TokenStream) -> Stmt {
    Stmt::Item(syn::Item::Verbatim(tokens))
}

/// Puts `preamble` at the top of the body, before the preamble of any
/// decorator applied before this one (which is inside this one).
pub fn insert_preamble(block: &mut Block, preamble: Vec<Stmt>) {
    block.stmts.splice(0..0, preamble);
}

/// The block of the user's own statements, inside the function's body.
///
/// The first decorator to wrap a plain function's body (`fenced` false)
/// moves its statements into a block of their own, the body's last
/// statement; decorators put their preambles above it, in the function's
/// scope. Items the body declares (`use Grade::*;`) are then out of reach
/// of a preamble that names the return type (tracing #3306: a glob import
/// whose variant `Score` shadows `type Score`), as they are of the
/// signature. Each decorator threads its exits through this block, so the
/// user's braces stay a block's braces, never an argument's.
pub fn user_block<'b>(body: &'b mut Block, fenced: &mut bool) -> &'b mut Block {
    if !std::mem::replace(fenced, true) {
        let inner = Block {
            brace_token: body.brace_token,
            stmts: std::mem::take(&mut body.stmts),
        };
        body.stmts = vec![Stmt::Expr(nested_block(inner), None)];
    }
    match body.stmts.last_mut() {
        Some(Stmt::Expr(Expr::Block(inner), None)) => &mut inner.block,
        _ => unreachable!("the user's block is the body's last statement"),
    }
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

/// The user's block as an expression nested in generated code. Its braces
/// stay where the user wrote them for diagnostics, but are marked as the
/// expansion's: where a block holds one expression, rustc's `unused_braces`
/// would otherwise blame the user's braces for a nesting the expansion made
/// (and `cargo fix` would delete them).
pub fn nested_block(mut block: Block) -> Expr {
    let written = block.brace_token.span.join();
    block.brace_token = syn::token::Brace(proc_macro2::Span::call_site().located_at(written));
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block,
    })
}

/// An async body's statements below its fake return (when it has one), in
/// a block of their own: items they declare cannot shadow the type the
/// fake return names (see [`user_block`]).
pub fn below_fake_return(stmts: Vec<Stmt>, fake: Option<Stmt>) -> Vec<Stmt> {
    let Some(fake) = fake else { return stmts };
    let user = Stmt::Expr(
        Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: Block {
                brace_token: Default::default(),
                stmts,
            },
        }),
        None,
    );
    vec![fake, user]
}
