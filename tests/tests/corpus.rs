//! The macros never panic, whatever tokens they are given (DESIGN §5).
//!
//! Every expander runs, in process and under `catch_unwind`, on:
//! - a corpus of malformed attributes × a few valid functions: each output
//!   must hold a `compile_error!` *and* the function as written (so the rest
//!   of the crate and the IDE still see it);
//! - valid attributes × a corpus of malformed items: each output must hold a
//!   `compile_error!`;
//! - valid attributes × functions with odd but valid signatures and bodies:
//!   either an error or an expansion that parses back as Rust;
//! - a few hundred deterministic pseudo-random token streams, and function
//!   bodies generated from a small expression grammar.

#[path = "../../macros/src/imp/mod.rs"]
#[allow(dead_code)]
mod imp;

use std::cell::RefCell;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::quote;

// ------------------------------------------------------------------ running

type Expander = fn(TokenStream, TokenStream) -> TokenStream;

const EXPANDERS: [(&str, Expander); 11] = [
    ("timed", imp::timed::expand),
    ("logged", imp::logged::expand),
    ("main", imp::main_attr::expand),
    ("spawn", imp::spawn::expand),
    ("parallel", imp::parallel::expand),
    ("synchronized", imp::synchronized::expand),
    ("rate_limit", imp::rate_limit::expand),
    ("timeout", imp::timeout::expand),
    ("cache", imp::cache::expand),
    ("with", imp::with::expand),
    ("retry", imp::retry::expand),
];

thread_local! {
    /// Set while an expander runs: its panic is recorded here, not printed.
    static CAUGHT: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// A panic hook that, on a thread running an expander, records the panic's
/// message and location instead of printing them.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let recorded = CAUGHT.with(|caught| match &mut *caught.borrow_mut() {
                Some(slot) => {
                    *slot = Some(info.to_string());
                    true
                }
                None => false,
            });
            if !recorded {
                previous(info);
            }
        }));
    });
}

/// Runs `expander`; `Err` holds the panic's message and location.
fn run(expander: Expander, attr: &TokenStream, item: &TokenStream) -> Result<TokenStream, String> {
    install_hook();
    CAUGHT.with(|caught| *caught.borrow_mut() = Some(None));
    let result = panic::catch_unwind(AssertUnwindSafe(|| expander(attr.clone(), item.clone())));
    let message = CAUGHT.with(|caught| caught.borrow_mut().take().flatten());
    result.map_err(|_| message.unwrap_or_else(|| "panicked".to_owned()))
}

/// Failures, gathered so one run lists all of them.
#[derive(Default)]
struct Report {
    failures: Vec<String>,
    runs: usize,
}

impl Report {
    fn fail(&mut self, what: &str, name: &str, attr: &TokenStream, item: &TokenStream, why: &str) {
        let mut item = item.to_string();
        if item.len() > 300 {
            let mut end = 300;
            while !item.is_char_boundary(end) {
                end -= 1;
            }
            item.truncate(end);
            item.push_str(" …");
        }
        self.failures
            .push(format!("[{what}] #[{name}({attr})] on `{item}`: {why}"));
    }

    /// Runs every expander; returns the outputs of those that did not panic.
    fn run_all(
        &mut self,
        what: &str,
        attr: &TokenStream,
        item: &TokenStream,
    ) -> Vec<(&'static str, TokenStream)> {
        let mut outputs = Vec::new();
        for (name, expander) in EXPANDERS {
            self.runs += 1;
            match run(expander, attr, item) {
                Ok(output) => outputs.push((name, output)),
                Err(panic) => self.fail(what, name, attr, item, &format!("PANIC: {panic}")),
            }
        }
        outputs
    }

    fn finish(self, test: &str) {
        assert!(self.runs > 0);
        if !self.failures.is_empty() {
            let mut message = format!(
                "{test}: {} of {} runs failed:\n",
                self.failures.len(),
                self.runs
            );
            for failure in &self.failures {
                let _ = writeln!(message, "  {failure}");
            }
            panic!("{message}");
        }
        eprintln!("{test}: {} runs, no failures", self.runs);
    }
}

fn has_error(output: &TokenStream) -> bool {
    output.to_string().contains("compile_error")
}

/// Lexes each string, skipping those that do not lex.
fn lex_all(sources: &[&str]) -> Vec<TokenStream> {
    sources
        .iter()
        .filter_map(|source| source.parse().ok())
        .collect()
}

fn none_group(tokens: TokenStream) -> TokenStream {
    TokenTree::Group(Group::new(Delimiter::None, tokens)).into()
}

// ------------------------------------------------------------------ corpora

/// Attributes that every one of the three decorators must reject.
const BAD_ATTRS: &[&str] = &[
    // empty punctuation
    ",",
    ",,",
    ";",
    ".",
    "=",
    "==",
    "#",
    "!",
    "?",
    "%",
    "@",
    "~",
    "$x",
    "->",
    "=>",
    "::",
    "...",
    "..=",
    "&&",
    "'a",
    "_",
    "level level",
    // options without or with broken values
    "level =",
    "level = = info",
    "level = info = debug",
    "level == info",
    "level = info level = debug",
    "level = info,, name = \"x\"",
    ", level = info",
    "level : info",
    "level => info",
    "level = info;",
    "level = -1",
    "level = !info",
    "level = info?",
    "level = info()",
    "level = info!()",
    "level = (info)",
    "level = {info}",
    "level = [info]",
    "level = info::x",
    "level = ::info",
    "level = 'a",
    "level = \"loud\"",
    "level = \"ínfo\"",
    "level = 情報",
    "level(info)",
    "level[info]",
    "level{info}",
    "level = _",
    "level = ..",
    // literals of every kind, bare and as values
    "1",
    "1u8",
    "1.0",
    "1e10",
    "0x1F",
    "1_000i128",
    "'c'",
    "b'c'",
    "\"s\"",
    "b\"s\"",
    "r#\"s\"#",
    "c\"s\"",
    "level = 5",
    "level = 5.0",
    "level = 'i'",
    "level = b'i'",
    "level = b\"info\"",
    "level = c\"info\"",
    "level = 1e3",
    "level = 0x10",
    "name = 5",
    "name = 'x'",
    "name = b\"x\"",
    "name = c\"x\"",
    "name = \"x\" \"y\"",
    "name = true",
    "name",
    "name(x)",
    // durations
    "warn_over = \"0ms\"",
    "warn_over = \"-1s\"",
    "warn_over = \"1.5.5s\"",
    "warn_over = \"1e3s\"",
    "warn_over = \"ms\"",
    "warn_over = \"\"",
    "warn_over = \"10\"",
    "warn_over = \"10 parsecs\"",
    "warn_over = \"٣s\"",
    "warn_over = \"NaN s\"",
    "warn_over = \"0.0000001ns\"",
    "warn_over = \"99999999999999999999999999h\"",
    "warn_over = 10",
    "warn_over = 10ms",
    "warn_over",
    "warn_over(\"1s\")",
    // crate
    "crate = 5",
    "crate = \"decor\"",
    "crate = <T as U>::x",
    "crate",
    "crate(decor)",
    "crate = ::",
    "crate = a::b::",
    "crate = decor, crate = decor",
    "crate = &decor",
    "crate = decor::<u8>()",
    "crate = 'a",
    "r#crate = decor",
    // lists
    "skip(",
    "skip = a",
    "skip(1)",
    "skip(a::b)",
    "skip(self.x)",
    "skip((a))",
    "skip(a)(b)",
    "skip(a, b,,)",
    "skip(,)",
    "redact(\"p\")",
    "redact = p",
    "skip_all = 1",
    "skip_all(x)",
    "skip_all = \"true\"",
    // fields
    "fields",
    "fields = 1",
    "fields(a)",
    "fields(a.b = ?)",
    "fields(a = )",
    "fields(= 1)",
    "fields(a..b = 1)",
    "fields(.a = 1)",
    "fields(a = 1,, b = 2)",
    "fields(a = % ? x)",
    "fields(1 = x)",
    "fields(a = 1; b = 2)",
    // flags and other options
    "report = 1",
    "report(x)",
    "report = \"yes\"",
    "log = info",
    "log = 5",
    "log(info)",
    "ret = maybe",
    "ret",
    "ret(false)",
    "err = off",
    "err = 5",
    "err",
    // unknown options, unicode, nested groups, doc comments, attributes
    "thresh = 1",
    "niveau = info",
    "日本 = 1",
    "é",
    "Level = info",
    "LEVEL = info",
    "a::level = info",
    "((()))",
    "[[]]",
    "{{}}",
    "(level = info)",
    "[level = info]",
    "{level = info}",
    "/// doc",
    "#[doc = \"x\"]",
    "#![x]",
    "#[level = info]",
    "level = info, level = info",
    "true",
    "false",
    "self",
    "super::level = info",
    "async",
    "fn",
    "move || 1",
    "|x| x",
    "<T>",
    "T: Clone",
    "where T: Clone",
];

/// Items that every decorator must reject.
const BAD_ITEMS: &[&str] = &[
    "",
    "struct S;",
    "struct S { a: u8 }",
    "enum E { A }",
    "union U { a: u8 }",
    "fn",
    "fn f",
    "fn f(",
    "fn f()",
    "fn f() ->",
    "fn f() -> u8",
    "fn f() -> {}",
    "fn f() -> u8;",
    "fn f(&self) -> u8;",
    "fn f<T>(x: T) where T: Clone;",
    "impl X {}",
    "impl X { fn f() {} }",
    "trait T { fn f(&self); }",
    "trait T { fn f() {} }",
    "const fn f() {}",
    "pub const unsafe fn f() {}",
    "m!();",
    "m! {}",
    "macro_rules! m { () => {} }",
    "foo!(fn f() {})",
    "+ + +",
    "1 + 2",
    "'a",
    "\"string\"",
    "let x = 5;",
    "x",
    "async {}",
    "unsafe {}",
    "{}",
    "()",
    "[]",
    "#[attr]",
    "#[attr] struct S;",
    "#![attr]",
    "/// doc",
    "/// doc\nstruct S;",
    "pub",
    "pub(crate)",
    "pub fn",
    "fn f() {} fn g() {}",
    "fn f() {} extra",
    "fn f() {};",
    "; fn f() {}",
    "fn 5() {}",
    "fn f(self: ) {}",
    "fn f(a) {}",
    "fn f(: u8) {}",
    "fn f() -> impl {}",
    "fn f<>() -> <> {}",
    "fn f() where ; {}",
    "extern \"C\" { fn f(); }",
    "extern crate x;",
    "use std::io;",
    "mod m {}",
    "mod m;",
    "type T = u8;",
    "static S: u8 = 0;",
    "const C: u8 = 0;",
    "fn f() { let }",
    "fn f() { ? }",
    "fn f() { } }",
    "fn f() {{ }",
    "fn f() -> u8 { 1 +  }",
    "async fn f() { .await }",
    "fn f() { #[] }",
    "fn f() { #! }",
    "fn(u8) -> u8",
    "impl Fn() {}",
    "dyn Trait",
    "&'a mut T",
    "fn f(x: u8, x: u8,,) {}",
    "fn f() -> u8 { 1 } 2",
    "'label: loop {}",
    "static fn f() {}",
    "impl fn f() {}",
    "fn f() -> u8 { let x = ; }",
    "fn f() { 1 2 }",
    "fn f() {} #[x]",
    "fn f() -> u8 { match }",
    "fn f() { if }",
    "fn f() { let x: = 1; }",
    "async",
    "fn f() -> u8 { 1 } fn",
];

/// Valid functions, each with its name, put under the bad attributes.
fn good_functions() -> Vec<(&'static str, TokenStream)> {
    vec![
        ("main", quote! { fn main() { run(); } }),
        (
            "parse",
            quote! {
                /// Parses.
                pub fn parse(a: &str) -> Result<u32, std::num::ParseIntError> {
                    if a.is_empty() {
                        return Ok(0);
                    }
                    let n: u32 = a.parse()?;
                    Ok(n)
                }
            },
        ),
        (
            "get",
            quote! { fn get(&mut self, i: usize) -> &mut u8 { &mut self.v[i] } },
        ),
        (
            "fetch",
            quote! { async fn fetch(id: u64) -> Option<String> { lookup(id).await } },
        ),
    ]
}

/// Attributes each decorator accepts (on a function that suits it).
fn good_attrs() -> Vec<TokenStream> {
    vec![
        quote!(),
        quote!(crate = ::my_decor),
        quote!(level = info),
        quote!(report),
        quote!(skip_all, ret = false),
        quote!(name = "x", warn_over = "1s"),
    ]
}

/// Functions with odd but valid signatures and bodies.
const ODD_FUNCTIONS: &[&str] = &[
    "fn f() {}",
    "fn main() {}",
    "fn main() -> ! { loop {} }",
    "fn f() -> ! { panic!() }",
    "fn f() -> u8 { todo!() }",
    "fn f() -> () { () }",
    "fn f() -> u8 { return 1; }",
    "fn f() -> u8 { return 1 }",
    "fn f() { return; }",
    "fn f() { return }",
    "fn f() -> u8 { loop { break 1; } }",
    "fn f() -> u8 { 'a: { break 'a 1 } }",
    "fn f() -> u8 { #[allow(unused)] 1 }",
    "fn f() -> u8 { #![allow(unused)] 1 }",
    "fn f() -> u8 { { { 1 } } }",
    "fn f() -> u8 { if a { 1 } else { 2 } }",
    "fn f() -> u8 { match a { _ if b => return 1, _ => 2 } }",
    "fn f() -> u8 { let x = || return 3; x() }",
    "fn f() -> u8 { let x = async { return 3 }; 1 }",
    "fn f() -> Result<u8, E> { let x = try { g()? }; x }",
    "fn f() -> u8 { const { 1 } }",
    "fn f() -> u8 { fn g() -> u8 { return 2; } g() }",
    "fn f() -> u8 { struct S; impl S { fn h() -> u8 { return 1 } } S::h() }",
    "fn f() -> Result<u8, E> { Ok(g()??) }",
    "fn f() -> Result<u8, E> { Ok(g()?.h()?.i?) }",
    "fn f() -> Result<u8, E> { return Err(e)?; }",
    "fn f() -> Option<u8> { Some(a?.b?) }",
    "fn f() -> Result<u8, E> { g().map_err(|e| e)? ; Ok(1) }",
    "fn f() -> Result<u8, E> { m!(g()?) }",
    "fn f() -> Result<u8, E> { m! { g()? } }",
    "fn f() -> Vec<u8> { vec![1] }",
    "fn f() -> u8 { become g() }",
    "fn f() -> usize { builtin # offset_of(S, a) }",
    "fn f() -> *const u8 { &raw const X }",
    "fn f() -> u8 { unsafe { 1 } }",
    "fn f() -> u8 { let Some(x) = a else { return 0 }; x }",
    "fn f() -> bool { if let Some(x) = a && x > 1 { true } else { false } }",
    "fn f() -> u8 { __decor_timed }",
    "fn f() -> u8 { let __decor_timed = 1; __decor_timed }",
    "fn f() -> u8 { __decor_timed.observe(1, |_| false) }",
    "fn f() -> u8 { return __decor_logged.observe(1, |_| false); }",
    "fn f() -> u8 { #[allow(unreachable_code)] { __decor_timed.observe(1, |_| false) } }",
    "fn f() -> u8 { #[allow(unreachable_code)] { 1 } }",
    "fn f() -> u8 { #[allow(unreachable_code)] { 1; 2 } }",
    "fn f() -> u8 { static __DECOR_TIMER: u8 = 0; __DECOR_TIMER }",
    "fn f() -> u8 { process_worker_entry(); 1 }",
    "fn f() -> u8 { x::__private::Y::new(1).await }",
    "async fn f() -> u8 { x::__private::Y::new(async { 1 }).await }",
    "async fn f() -> u8 { x::__private::Y::new(async move { return 1; }, 2).await }",
    "async fn f() {}",
    "async fn f() -> ! { loop {} }",
    "async fn f() -> impl Sized { 1 }",
    "async fn f() -> Result<u8, E> { g().await?; return Ok(1); }",
    "async unsafe fn f() {}",
    "fn f() -> Pin<Box<dyn Future<Output = u8>>> { Box::pin(async move { 1 }) }",
    "fn f() -> Pin<Box<dyn Future<Output = u8>>> { Box::pin(async { 1 }) }",
    "fn f() -> Pin<Box<dyn Future<Output = u8>>> { Box::pin(async move { 1 }, 2) }",
    "fn f() -> Pin<Box<dyn Future<Output = u8>>> { std::boxed::Box::pin(async move { Box::pin(async move { 1 }).await }) }",
    "fn f() -> impl Iterator<Item = impl Sized> { 0..1 }",
    "fn f() -> _ { 1 }",
    "fn f() -> Self { Self }",
    "fn f(self: Box<Self>) -> Box<Self> { self }",
    "fn f(mut self) -> Self { self }",
    "fn f(&'a self) -> &'a u8 { &self.x }",
    "fn f(&self, _: u8, (a, b): (u8, u8), S { c, .. }: S, [d, e @ ..]: [u8; 3], ref mut g: u8, h @ 1..=2: u8) {}",
    "fn f(r#type: u8, r#self_: u8, é: u8, 日本: u8) -> u8 { r#type }",
    "fn r#match() -> u8 { 1 }",
    "fn f<'a, T: 'a + ?Sized, const N: usize>(x: &'a T) -> &'a T where T: Clone, for<'b> &'b T: Copy { x }",
    "fn f(f: impl Fn() -> u8) -> u8 { f() }",
    "fn f(f: fn() -> u8) -> u8 { f() }",
    "fn f(args: ...) {}",
    "unsafe extern \"C\" fn f(x: u8, ...) -> u8 { x }",
    "pub(crate) unsafe fn f() {}",
    "#[cfg(test)] #[inline] #[must_use] fn f() -> u8 { 1 }",
    "#[decor::logged] #[decor::timed] fn f() -> u8 { 1 }",
    "/// doc\n#[doc = \"more\"] fn f() {}",
    "default fn f() {}",
    "fn f() { m! { return 1 } }",
    "fn f() { let _ = async move { return; }; }",
    "fn f() -> u8 { (return 1) }",
    "fn f() -> u8 { return return 1 }",
    "fn f() -> Result<u8, E> { Ok((|| g())()?) }",
    "fn f() -> u8 { yield 1 }",
    "fn f() -> u8 { box 1 }",
    "fn f() { ; ; ; }",
    "fn f() { return return; }",
    "fn f() -> Result<(), E> { x?? ? }",
];

// ------------------------------------------------------------------ tests

#[test]
fn bad_attributes_are_errors_beside_the_item() {
    let mut attrs = lex_all(BAD_ATTRS);
    // Streams that only token-level construction can make.
    attrs.push(quote!(level = info,).into_iter().chain(quote!(,)).collect());
    attrs.push((0..500).map(|_| quote!(level = info,)).collect());
    attrs.push(
        (0..1000)
            .flat_map(|i| {
                let ident = Ident::new(&format!("x{i}"), Span::call_site());
                quote!(#ident = #i,)
            })
            .collect(),
    );
    let many: Vec<Ident> = (0..1000)
        .map(|i| Ident::new(&format!("p{i}"), Span::call_site()))
        .collect();
    attrs.push(quote!(skip(#(#many),*)));
    attrs.push(quote!(redact(#(#many),*)));
    attrs.push(quote!(fields(#(#many = 1),*), bogus));
    // Deep, but not so deep that syn's recursive descent overflows the 2 MiB
    // stack of a test thread (about 150 levels in a debug build).
    let deep = (0..64).fold(quote!(x), |inner, _| quote!((#inner)));
    attrs.push(quote!(level = #deep));
    attrs.push(deep);
    attrs.push(TokenStream::from(TokenTree::Punct(Punct::new(
        '\'',
        Spacing::Joint,
    ))));
    attrs.push(
        [
            TokenTree::Punct(Punct::new('=', Spacing::Joint)),
            TokenTree::Punct(Punct::new('=', Spacing::Joint)),
        ]
        .into_iter()
        .collect(),
    );
    attrs.push(TokenTree::Literal(Literal::f64_unsuffixed(f64::MAX)).into());
    attrs.push(TokenTree::Literal(Literal::string("\0\u{10FFFF}")).into());
    attrs.push(TokenTree::Literal(Literal::byte_string(b"\xff")).into());
    attrs.push(none_group(quote!(,)));
    let bogus = none_group(quote!(bogus));
    attrs.push(quote!(level = info, #bogus));
    assert!(attrs.len() >= 180, "{} attributes", attrs.len());

    let mut report = Report::default();
    for attr in &attrs {
        for (fn_name, item) in good_functions() {
            for (name, output) in report.run_all("bad attr", attr, &item) {
                // `#[with]`'s argument is any expression (`level = info` is
                // an assignment), so most of these expand: a wrong one is
                // rustc's type error, not the macro's. It must still never
                // panic, which `run_all` checks.
                if name == "with" {
                    continue;
                }
                if !has_error(&output) {
                    report.fail(
                        "bad attr",
                        name,
                        attr,
                        &item,
                        "no compile_error in the output",
                    );
                }
                let text = output.to_string();
                if !text.contains(&format!("fn {fn_name}")) {
                    report.fail(
                        "bad attr",
                        name,
                        attr,
                        &item,
                        "the function is gone from the output",
                    );
                } else if name == "spawn" {
                    // Rejected, `#[spawn]` keeps the signature it gives
                    // (`-> Task<R>`, so callers report nothing) and the
                    // user's body, type-checked but never run.
                    let body = item.clone().into_iter().last().unwrap().to_string();
                    if !text.contains("spawn :: Task <") || !text.contains(&body) {
                        report.fail(
                            "bad attr",
                            name,
                            attr,
                            &item,
                            "not the Task-returning shape with the body kept",
                        );
                    }
                } else if !text.contains(&item.to_string()) {
                    report.fail(
                        "bad attr",
                        name,
                        attr,
                        &item,
                        "the function is not emitted as written",
                    );
                }
            }
        }
    }
    report.finish("bad_attributes_are_errors_beside_the_item");
}

#[test]
fn bad_items_are_errors() {
    let mut items = lex_all(BAD_ITEMS);
    items.push(none_group(quote!(
        struct S;
    )));
    items.push(
        (0..300)
            .map(|_| {
                quote!(
                    fn f() {}
                )
            })
            .collect(),
    );
    items.push(TokenTree::Literal(Literal::f32_suffixed(1.5)).into());
    items.push(TokenTree::Punct(Punct::new('#', Spacing::Alone)).into());
    assert!(items.len() >= 80, "{} items", items.len());

    let mut report = Report::default();
    for attr in &good_attrs() {
        for item in &items {
            for (name, output) in report.run_all("bad item", attr, item) {
                if !has_error(&output) {
                    report.fail(
                        "bad item",
                        name,
                        attr,
                        item,
                        "no compile_error in the output",
                    );
                }
            }
        }
    }
    report.finish("bad_items_are_errors");
}

/// An output without errors must be Rust that parses; one with errors is
/// fine (`fn f` under `#[decor::main]`, `const fn`, an unknown option...).
/// Returns how many expanders expanded it without an error.
fn check_odd(report: &mut Report, what: &str, attr: &TokenStream, item: &TokenStream) -> usize {
    let mut expanded = 0;
    for (name, output) in report.run_all(what, attr, item) {
        if !has_error(&output) {
            expanded += 1;
            if let Err(error) = syn::parse2::<syn::File>(output.clone()) {
                report.fail(
                    what,
                    name,
                    attr,
                    item,
                    &format!("output does not parse ({error}): {output}"),
                );
            }
        }
    }
    expanded
}

#[test]
fn odd_functions_expand_or_error() {
    let items = lex_all(ODD_FUNCTIONS);
    assert!(items.len() >= 80, "{} items", items.len());
    let mut report = Report::default();
    for attr in &good_attrs() {
        for item in &items {
            check_odd(&mut report, "odd fn", attr, item);
        }
    }
    report.finish("odd_functions_expand_or_error");
}

/// Attributes that are not plainly right or wrong, such as options wrapped in
/// the invisible groups `macro_rules!` puts around `$x:expr`: no panic.
#[test]
fn odd_attributes_do_not_panic() {
    let g = |tokens: TokenStream| none_group(tokens);
    let (info, x, second, decor, a, sum) = (
        g(quote!(info)),
        g(quote!("x")),
        g(quote!("1s")),
        g(quote!(::decor)),
        g(quote!(a)),
        g(quote!(1 + 2)),
    );
    let attrs = vec![
        quote!(level = #info),
        quote!(name = #x),
        quote!(warn_over = #second),
        quote!(crate = #decor),
        quote!(skip(#a)),
        quote!(fields(a = #sum)),
        none_group(quote!(level = info)),
        none_group(quote!()),
        quote!(::level = info),
        quote!(level = INFO),
        quote!(crate = self),
        quote!(crate = crate),
        quote!(crate = super::super),
        quote!(name = r"x"),
        quote!(name = ""),
        quote!(name = "\0"),
        quote!(skip(a), redact(b), fields(a.b.c = %a, d = ?b, r#type = 1, self = 2)),
        quote!(skip(self)),
        quote!(skip(r#a)),
        quote!(log = ""),
        quote!(report = false),
        // Accepted today, though the options are documented with parentheses.
        quote!(skip[a]),
        quote!(skip { a }),
        quote!(fields[a = 1]),
        quote!(redact { a }),
    ];
    let mut report = Report::default();
    for attr in &attrs {
        for (_, item) in good_functions() {
            check_odd(&mut report, "odd attr", attr, &item);
        }
        check_odd(
            &mut report,
            "odd attr",
            attr,
            &quote!(
                fn f(a: u8, b: u8) {}
            ),
        );
    }
    report.finish("odd_attributes_do_not_panic");
}

// ------------------------------------------------------------------ random

/// xorshift64*: small, deterministic, good enough to pick tokens.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const IDENTS: &[&str] = &[
    "fn",
    "f",
    "main",
    "async",
    "const",
    "unsafe",
    "pub",
    "self",
    "Self",
    "level",
    "info",
    "off",
    "name",
    "skip",
    "skip_all",
    "redact",
    "fields",
    "ret",
    "err",
    "warn",
    "report",
    "log",
    "crate",
    "warn_over",
    "return",
    "await",
    "move",
    "loop",
    "if",
    "else",
    "match",
    "let",
    "Box",
    "pin",
    "new",
    "__private",
    "decor",
    "__decor_timed",
    "__decor_logged",
    "observe",
    "observe_try",
    "Result",
    "Ok",
    "Err",
    "Option",
    "u8",
    "impl",
    "dyn",
    "where",
    "true",
    "false",
    "r#type",
    "é",
    "日本",
    "_",
    "x",
    "a",
    "b",
    "T",
    "process_worker_entry",
];

const PUNCTS: &[&str] = &[
    ",", "=", "?", "%", "-", ">", "->", "=>", "::", "#", "!", "&", ".", "..", ";", ":", "<", "+",
    "|", "'", "*", "@", "$", "~", "^", "/",
];

fn punct(text: &str) -> impl Iterator<Item = TokenTree> + '_ {
    let count = text.chars().count();
    text.chars().enumerate().map(move |(i, c)| {
        let spacing = if i + 1 < count {
            Spacing::Joint
        } else {
            Spacing::Alone
        };
        TokenTree::Punct(Punct::new(c, spacing))
    })
}

fn literal(rng: &mut Rng) -> TokenTree {
    let literal = match rng.below(12) {
        0 => Literal::u8_suffixed(rng.next() as u8),
        1 => Literal::i64_unsuffixed(rng.next() as i64),
        2 => Literal::f64_unsuffixed((rng.next() % 10_000) as f64 / 7.0),
        3 => Literal::string(
            rng.pick::<&str>(&["10ms", "1.5s", "0ms", "", "x", "info", "日本", "\"", "\\"]),
        ),
        4 => Literal::character(*rng.pick(&['a', '\'', '\0', '日'])),
        5 => Literal::byte_string(b"bytes"),
        6 => Literal::byte_character(b'b'),
        7 => Literal::c_string(c"c"),
        8 => "r#\"raw\"#".parse().unwrap(),
        9 => Literal::u128_suffixed(u128::MAX),
        10 => Literal::f32_suffixed(1.0),
        _ => Literal::usize_unsuffixed(0),
    };
    TokenTree::Literal(literal)
}

/// A balanced token stream of about `budget` tokens.
fn random_stream(rng: &mut Rng, budget: usize, depth: usize) -> TokenStream {
    let mut out = Vec::new();
    let len = rng.below(budget + 1);
    while out.len() < len {
        match rng.below(10) {
            0..=3 => {
                let text = rng.pick(IDENTS);
                let tree = match text.strip_prefix("r#") {
                    Some(raw) => TokenTree::Ident(Ident::new_raw(raw, Span::call_site())),
                    None => TokenTree::Ident(Ident::new(text, Span::call_site())),
                };
                out.push(tree);
            }
            4..=6 => out.extend(punct(rng.pick::<&str>(PUNCTS))),
            7 => out.push(literal(rng)),
            _ if depth < 4 => {
                let delimiter = *rng.pick(&[
                    Delimiter::Parenthesis,
                    Delimiter::Brace,
                    Delimiter::Bracket,
                    Delimiter::None,
                ]);
                let inner = random_stream(rng, budget / 2, depth + 1);
                out.push(TokenTree::Group(Group::new(delimiter, inner)));
            }
            _ => out.push(TokenTree::Ident(Ident::new("x", Span::call_site()))),
        }
    }
    out.into_iter().collect()
}

/// Random tokens as the attribute, as the item, and as a function's body.
#[test]
fn random_token_streams_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut report = Report::default();
    let function = quote!(
        fn f(a: u8) -> Result<u8, E> {
            let b = g(a)?;
            Ok(b)
        }
    );
    for _ in 0..300 {
        let attr = random_stream(&mut rng, 12, 0);
        report.run_all("random attr", &attr, &function);
        let item = random_stream(&mut rng, 16, 0);
        report.run_all("random item", &quote!(), &item);
        report.run_all("random both", &attr, &item);
        let body = random_stream(&mut rng, 16, 0);
        let prefix = rng
            .pick(&[
                quote!(fn main()),
                quote!(async fn f(a: u8) -> u8),
                quote!(fn f(&mut self) -> Result<(), E>),
            ])
            .clone();
        report.run_all("random body", &quote!(), &quote!(#prefix { #body }));
        // A random thing after a valid option list.
        let tail = random_stream(&mut rng, 6, 0);
        report.run_all("random tail", &quote!(level = info, #tail), &function);
    }
    report.finish("random_token_streams_never_panic");
}

/// A function body from a small expression grammar that leans on the
/// expansions' corners: returns, `?`, closures, async blocks, nested items,
/// macros, attributes on expressions, and the names the expansions use.
fn expr(rng: &mut Rng, depth: usize) -> TokenStream {
    if depth > 4 {
        return match rng.below(4) {
            0 => quote!(x),
            1 => quote!(1),
            2 => quote!(__decor_timed),
            _ => quote!(g()),
        };
    }
    let d = depth + 1;
    match rng.below(24) {
        0 => {
            let e = expr(rng, d);
            quote!(return #e)
        }
        1 => quote!(return),
        2 => {
            let e = expr(rng, d);
            quote!(#e?)
        }
        3 => {
            let e = expr(rng, d);
            quote!(|| #e)
        }
        4 => {
            let b = block(rng, d);
            quote!(async move #b)
        }
        5 => {
            let (c, a, b) = (expr(rng, d), block(rng, d), block(rng, d));
            quote!(if #c #a else #b)
        }
        6 => {
            let (s, a) = (expr(rng, d), expr(rng, d));
            quote!(match #s { _ if x => #a, _ => 1 })
        }
        7 => block(rng, d),
        8 => {
            let b = block(rng, d);
            quote!(loop #b)
        }
        9 => {
            let (a, b) = (expr(rng, d), expr(rng, d));
            quote!(#a + #b)
        }
        10 => {
            let e = expr(rng, d);
            quote!(f(#e))
        }
        11 => {
            let e = expr(rng, d);
            quote!(m!(#e))
        }
        12 => {
            let (a, b) = (expr(rng, d), expr(rng, d));
            let receiver = rng
                .pick(&[
                    quote!(__decor_timed),
                    quote!(__decor_logged),
                    quote!(__DECOR_T),
                    quote!(x),
                ])
                .clone();
            let method = rng
                .pick(&[quote!(observe), quote!(observe_try), quote!(other)])
                .clone();
            quote!(#receiver.#method(#a, #b))
        }
        13 => {
            let b = block(rng, d);
            quote!(#[allow(unreachable_code)] #b)
        }
        14 => {
            let e = expr(rng, d);
            quote!(#e.await)
        }
        15 => {
            let e = expr(rng, d);
            quote!(Box::pin(async move { #e }))
        }
        16 => {
            let e = expr(rng, d);
            quote!(x::__private::W::new(async move { #e }, 1).await)
        }
        17 => {
            let e = expr(rng, d);
            quote!((#e))
        }
        18 => {
            let e = expr(rng, d);
            quote!('a: { break 'a #e })
        }
        19 => {
            let e = expr(rng, d);
            quote!(const { #e })
        }
        20 => {
            let e = expr(rng, d);
            quote!(Ok(#e))
        }
        21 => {
            let e = expr(rng, d);
            none_group(e)
        }
        22 => {
            let e = expr(rng, d);
            quote!(unsafe { #e })
        }
        _ => quote!(x),
    }
}

fn block(rng: &mut Rng, depth: usize) -> TokenStream {
    let mut stmts = TokenStream::new();
    for _ in 0..rng.below(3) {
        let e = expr(rng, depth + 1);
        let stmt = match rng.below(6) {
            0 => quote!(let y = #e;),
            1 => quote!(fn inner() -> u8 { return #e; }),
            2 => quote!(m! { #e }),
            3 => quote!(
                static __DECOR_TIMER: u8 = 0;
            ),
            _ => quote!(#e;),
        };
        stmts.extend(stmt);
    }
    if rng.chance(70) {
        stmts.extend(expr(rng, depth + 1));
    }
    quote!({ #stmts })
}

#[test]
fn generated_bodies_never_panic() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut report = Report::default();
    let signatures = [
        quote!(fn f(a: u8) -> Result<u8, E>),
        quote!(fn f(&mut self) -> &mut u8),
        quote!(async fn f() -> Option<u8>),
        quote!(fn main()),
        quote!(fn f() -> impl Sized),
    ];
    let attrs = [
        quote!(),
        quote!(level = info),
        quote!(report),
        quote!(skip_all, ret = false),
    ];
    let mut expanded = 0;
    for _ in 0..400 {
        let body = block(&mut rng, 0);
        let signature = rng.pick(&signatures).clone();
        let attr = rng.pick(&attrs).clone();
        let item = quote!(#signature #body);
        expanded += check_odd(&mut report, "generated body", &attr, &item);
    }
    // Most bodies must get through to the exit rewriting, or this tests little.
    eprintln!("generated_bodies_never_panic: {expanded} expansions without errors");
    assert!(expanded >= 300, "only {expanded} expansions without errors");
    report.finish("generated_bodies_never_panic");
}

/// User code that looks like a guard's `observe` call, without its value,
/// in a `return`, the tail or a `?`: once made the exit rewriting panic.
#[test]
fn observe_lookalikes_in_user_code_do_not_panic() {
    let mut report = Report::default();
    for item in [
        quote!(
            fn f() -> u8 {
                return __decor_timed.observe();
            }
        ),
        quote!(
            fn f() -> u8 {
                __DECOR_X.observe()
            }
        ),
        quote!(
            fn f() -> Result<u8, E> {
                __decor_x.observe_try()?;
                Ok(1)
            }
        ),
    ] {
        report.run_all("observe lookalike", &quote!(), &item);
    }
    report.finish("observe_lookalikes_in_user_code_do_not_panic");
}

/// Every decorator as the head of a stack whose lower attributes are
/// malformed: no panic, the function is still emitted, and a lower decor
/// attribute is taken (reported by the head), never left to report again.
#[test]
fn bad_attributes_below_never_panic_and_are_taken() {
    let below_names = [
        "timed",
        "logged",
        "main",
        "spawn",
        "parallel",
        "synchronized",
        "cache",
    ];
    let mut report = Report::default();
    for bad in lex_all(BAD_ATTRS).iter().step_by(3) {
        for below in below_names {
            let below_attr: TokenStream = format!("decor::{below}").parse().unwrap();
            for (fn_name, item) in good_functions().into_iter().take(3) {
                let item = quote!(#[#below_attr(#bad)] #item);
                for (name, output) in report.run_all("bad below", &TokenStream::new(), &item) {
                    let text = output.to_string();
                    if !text.contains(&format!("fn {fn_name}")) {
                        report.fail(
                            "bad below",
                            name,
                            &TokenStream::new(),
                            &item,
                            "the function is gone",
                        );
                    }
                    if text.contains(&format!("decor :: {below}")) {
                        report.fail(
                            "bad below",
                            name,
                            &TokenStream::new(),
                            &item,
                            "the attribute below was left on the function",
                        );
                    }
                }
            }
        }
    }
    report.finish("bad_attributes_below_never_panic_and_are_taken");
}
