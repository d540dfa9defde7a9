//! Expansion snapshots: each decorator's typical shapes, expanded in process
//! and pretty-printed, compared with `snapshots/` beside this file.
//!
//! Stacked decorators are expanded as the compiler does it: the outermost
//! (topmost) attribute first, its output's remaining decor attribute then
//! handed to the next expander.

#[path = "../../macros/src/imp/mod.rs"]
#[allow(dead_code)]
mod imp;

use proc_macro2::TokenStream;
use quote::quote;

type Expander = fn(TokenStream, TokenStream) -> TokenStream;

fn pretty(output: TokenStream) -> String {
    let file = syn::parse2::<syn::File>(output.clone())
        .unwrap_or_else(|e| panic!("expansion is not a valid file ({e}):\n{output}"));
    prettyplease::unparse(&file)
}

fn expand(expander: Expander, attr: TokenStream, item: TokenStream) -> String {
    let output = expander(attr, item);
    assert!(
        !output.to_string().contains("compile_error"),
        "unexpected compile error:\n{output}"
    );
    pretty(output)
}

fn timed(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::timed::expand, attr, item)
}

fn logged(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::logged::expand, attr, item)
}

fn main_attr(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::main_attr::expand, attr, item)
}

/// The attribute `#[decor::<name>(args)]` if `attrs` holds one: removed from
/// `attrs`, its arguments returned.
fn take_decor_attr(attrs: &mut Vec<syn::Attribute>, name: &str) -> Option<TokenStream> {
    let at = attrs.iter().position(|attr| {
        let path = attr.path();
        path.segments.len() == 2
            && path.segments[0].ident == "decor"
            && path.segments[1].ident == name
    })?;
    let attr = attrs.remove(at);
    Some(match attr.meta {
        syn::Meta::Path(_) => TokenStream::new(),
        syn::Meta::List(list) => list.tokens,
        syn::Meta::NameValue(_) => panic!("unexpected `#[decor::{name} = ...]`"),
    })
}

/// Expands `outer` on `item`, then, as the compiler would, finds the
/// `#[decor::<inner_name>]` still on the output's function, removes it and
/// expands `inner` on what is left.
fn stacked(
    outer: Expander,
    outer_attr: TokenStream,
    inner: Expander,
    inner_name: &str,
    item: TokenStream,
) -> String {
    let first = outer(outer_attr, item);
    assert!(!first.to_string().contains("compile_error"), "{first}");
    let mut function: syn::ItemFn = syn::parse2(first).expect("the outer expansion is a function");
    let inner_attr = take_decor_attr(&mut function.attrs, inner_name)
        .unwrap_or_else(|| panic!("the outer expansion dropped #[decor::{inner_name}]"));
    expand(inner, inner_attr, quote!(#function))
}

// ---------------------------------------------------------------- #[timed]

#[test]
fn timed_plain_fn() {
    let out = timed(
        quote!(),
        quote! {
            fn add(a: u32, b: u32) -> u32 {
                a + b
            }
        },
    );
    insta::assert_snapshot!("timed_plain_fn", out);
}

#[test]
fn timed_result_with_try_and_early_return() {
    let out = timed(
        quote!(),
        quote! {
            /// Parses a number.
            pub fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
                if text.is_empty() {
                    return Ok(0);
                }
                let n: u32 = text.trim().parse()?;
                let doubled = || -> Result<u32, String> { Err("closures keep their own exits".into()) };
                let _ = doubled;
                Ok(n * 2)
            }
        },
    );
    insta::assert_snapshot!("timed_result_with_try_and_early_return", out);
}

#[test]
fn timed_mut_self_method() {
    let out = timed(
        quote!(),
        quote! {
            pub fn entry(&mut self, key: u32) -> &mut Vec<u8> {
                if key == 0 {
                    return &mut self.first;
                }
                self.map.entry(key).or_default()
            }
        },
    );
    insta::assert_snapshot!("timed_mut_self_method", out);
}

#[test]
fn timed_with_options() {
    let out = timed(
        quote!(name = "db::query", level = info, warn_over = "10ms"),
        quote! {
            fn query(sql: &str) -> usize {
                sql.len()
            }
        },
    );
    insta::assert_snapshot!("timed_with_options", out);
}

#[test]
fn timed_level_off() {
    let out = timed(
        quote!(level = "off"),
        quote! {
            fn quiet() {}
        },
    );
    insta::assert_snapshot!("timed_level_off", out);
}

#[test]
fn timed_renamed_crate() {
    let out = timed(
        quote!(crate = my_decor),
        quote! {
            fn work() -> u8 {
                1
            }
        },
    );
    insta::assert_snapshot!("timed_renamed_crate", out);
}

#[test]
fn timed_async_fn() {
    let out = timed(
        quote!(),
        quote! {
            async fn fetch(id: u64) -> Result<String, std::io::Error> {
                if id == 0 {
                    return Ok(String::new());
                }
                let body = load(id).await?;
                Ok(body)
            }
        },
    );
    insta::assert_snapshot!("timed_async_fn", out);
}

#[test]
fn timed_async_unit_fn() {
    let out = timed(
        quote!(),
        quote! {
            async fn flush(&self) {
                self.sink.flush().await;
            }
        },
    );
    insta::assert_snapshot!("timed_async_unit_fn", out);
}

// ---------------------------------------------------------------- #[logged]

#[test]
fn logged_plain_fn() {
    let out = logged(
        quote!(),
        quote! {
            fn add(a: u32, b: u32) -> u32 {
                a + b
            }
        },
    );
    insta::assert_snapshot!("logged_plain_fn", out);
}

#[test]
fn logged_unit_fn() {
    let out = logged(
        quote!(),
        quote! {
            fn greet(name: &str) {
                println!("hello {name}");
            }
        },
    );
    insta::assert_snapshot!("logged_unit_fn", out);
}

#[test]
fn logged_with_options() {
    let out = logged(
        quote!(
            level = debug,
            name = "login",
            target = "app::auth",
            skip(session),
            redact(password),
            fields(user.id = %user, attempt = 1),
            ret = false,
            err = warn
        ),
        quote! {
            fn login(user: &str, password: &str, session: Session) -> Result<Token, AuthError> {
                session.check(user, password)
            }
        },
    );
    insta::assert_snapshot!("logged_with_options", out);
}

#[test]
fn logged_skip_all() {
    let out = logged(
        quote!(skip_all),
        quote! {
            fn store(&self, blob: Vec<u8>) -> usize {
                blob.len()
            }
        },
    );
    insta::assert_snapshot!("logged_skip_all", out);
}

#[test]
fn logged_result_with_try() {
    let out = logged(
        quote!(),
        quote! {
            fn read_config(path: &std::path::Path) -> std::io::Result<String> {
                if !path.exists() {
                    return Ok(String::new());
                }
                let text = std::fs::read_to_string(path)?;
                Ok(text)
            }
        },
    );
    insta::assert_snapshot!("logged_result_with_try", out);
}

#[test]
fn logged_async_fn() {
    let out = logged(
        quote!(),
        quote! {
            async fn fetch(id: u64) -> Result<String, std::io::Error> {
                let body = load(id).await?;
                Ok(body)
            }
        },
    );
    insta::assert_snapshot!("logged_async_fn", out);
}

// ---------------------------------------------------------------- stacking

#[test]
fn stacked_timed_over_logged() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        imp::logged::expand,
        "logged",
        quote! {
            #[decor::logged(skip(b))]
            fn parse(a: &str, b: u8) -> Result<u32, std::num::ParseIntError> {
                if a.is_empty() {
                    return Ok(u32::from(b));
                }
                let n: u32 = a.parse()?;
                Ok(n)
            }
        },
    );
    insta::assert_snapshot!("stacked_timed_over_logged", out);
}

#[test]
fn stacked_logged_over_timed() {
    let out = stacked(
        imp::logged::expand,
        quote!(skip(b)),
        imp::timed::expand,
        "timed",
        quote! {
            #[decor::timed(level = info)]
            fn parse(a: &str, b: u8) -> Result<u32, std::num::ParseIntError> {
                if a.is_empty() {
                    return Ok(u32::from(b));
                }
                let n: u32 = a.parse()?;
                Ok(n)
            }
        },
    );
    insta::assert_snapshot!("stacked_logged_over_timed", out);
}

#[test]
fn stacked_async_timed_over_logged() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        imp::logged::expand,
        "logged",
        quote! {
            #[decor::logged]
            async fn fetch(id: u64) -> Result<String, std::io::Error> {
                let body = load(id).await?;
                Ok(body)
            }
        },
    );
    insta::assert_snapshot!("stacked_async_timed_over_logged", out);
}

#[test]
fn stacked_async_logged_over_timed() {
    let out = stacked(
        imp::logged::expand,
        quote!(),
        imp::timed::expand,
        "timed",
        quote! {
            #[decor::timed]
            async fn fetch(id: u64) -> Result<String, std::io::Error> {
                let body = load(id).await?;
                Ok(body)
            }
        },
    );
    insta::assert_snapshot!("stacked_async_logged_over_timed", out);
}

// ---------------------------------------------------------------- #[decor::main]

#[test]
fn main_plain() {
    let out = main_attr(
        quote!(),
        quote! {
            fn main() {
                run();
            }
        },
    );
    insta::assert_snapshot!("main_plain", out);
}

#[test]
fn main_with_report_and_log() {
    let out = main_attr(
        quote!(report, log = "warn,my_app=debug"),
        quote! {
            fn main() -> Result<(), Box<dyn std::error::Error>> {
                run()?;
                Ok(())
            }
        },
    );
    insta::assert_snapshot!("main_with_report_and_log", out);
}

#[test]
fn stacked_main_over_timed() {
    let out = stacked(
        imp::main_attr::expand,
        quote!(report),
        imp::timed::expand,
        "timed",
        quote! {
            #[decor::timed]
            fn main() {
                run();
            }
        },
    );
    insta::assert_snapshot!("stacked_main_over_timed", out);
}

#[test]
fn stacked_timed_over_main() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        imp::main_attr::expand,
        "main",
        quote! {
            #[decor::main(report)]
            fn main() {
                run();
            }
        },
    );
    insta::assert_snapshot!("stacked_timed_over_main", out);
}

// ---------------------------------------------------------------- other shapes

#[test]
fn timed_generic_track_caller() {
    let out = timed(
        quote!(),
        quote! {
            #[track_caller]
            #[inline]
            pub fn first<'a, T>(items: &'a [T]) -> Option<&'a T>
            where
                T: std::fmt::Debug,
            {
                items.first()
            }
        },
    );
    insta::assert_snapshot!("timed_generic_track_caller", out);
}

#[test]
fn timed_impl_trait_return() {
    let out = timed(
        quote!(),
        quote! {
            fn evens(limit: u32) -> impl Iterator<Item = u32> {
                (0..limit).filter(|n| n % 2 == 0)
            }
        },
    );
    insta::assert_snapshot!("timed_impl_trait_return", out);
}

/// Below `#[async_trait]`, a method arrives with its body already turned
/// into `Box::pin(async move { ... })`; the async block is decorated.
#[test]
fn timed_async_trait_body() {
    let out = timed(
        quote!(),
        quote! {
            fn get<'life0, 'async_trait>(
                &'life0 self,
                key: u32,
            ) -> ::core::pin::Pin<
                Box<dyn ::core::future::Future<Output = Option<String>> + ::core::marker::Send + 'async_trait>,
            >
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move {
                    let __ret: Option<String> = { self.lookup(key).await };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        },
    );
    insta::assert_snapshot!("timed_async_trait_body", out);
}

#[test]
fn logged_async_trait_body() {
    let out = logged(
        quote!(),
        quote! {
            fn get<'life0, 'async_trait>(
                &'life0 self,
                key: u32,
            ) -> ::core::pin::Pin<
                Box<dyn ::core::future::Future<Output = Option<String>> + ::core::marker::Send + 'async_trait>,
            >
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move {
                    let __ret: Option<String> = { self.lookup(key).await };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        },
    );
    insta::assert_snapshot!("logged_async_trait_body", out);
}
