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

/// Expands a stack as the compiler does: `outer` gets the function with the
/// `#[decor::<inner_name>]` below it, which it takes and expands with itself
/// in one pipeline; none is left for the compiler to expand again.
fn stacked(
    outer: Expander,
    outer_attr: TokenStream,
    inner_name: &str,
    item: TokenStream,
) -> String {
    let output = expand(outer, outer_attr, item);
    assert!(
        !output.contains(&format!("decor::{inner_name}")),
        "#[decor::{inner_name}] was left for the compiler:\n{output}"
    );
    output
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

// ---------------------------------------------------------------- #[spawn], #[parallel], #[synchronized]

fn spawn(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::spawn::expand, attr, item)
}

fn parallel(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::parallel::expand, attr, item)
}

fn synchronized(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::synchronized::expand, attr, item)
}

#[test]
fn spawn_free_fn_threads() {
    let out = spawn(
        quote!(threads = 5),
        quote! {
            /// Asks the model.
            pub fn ask(prompt: String) -> String {
                call_api(&prompt)
            }
        },
    );
    insta::assert_snapshot!("spawn_free_fn_threads", out);
}

#[test]
fn spawn_dedicated_named() {
    let out = spawn(
        quote!(dedicated, name = "capture"),
        quote! {
            fn capture(camera: Camera, frames: Sender<Frame>) {
                loop {
                    frames.send(camera.next()).unwrap();
                }
            }
        },
    );
    insta::assert_snapshot!("spawn_dedicated_named", out);
}

#[test]
fn spawn_default_pool_generic_unsafe_patterns() {
    let out = spawn(
        quote!(),
        quote! {
            unsafe fn fill<T: Copy + Send + 'static, const N: usize>((value, _): (T, u8), mut out: Vec<T>) -> Vec<T> {
                out.extend([value; N]);
                out
            }
        },
    );
    insta::assert_snapshot!("spawn_default_pool_generic_unsafe_patterns", out);
}

#[test]
fn spawn_method_arc_self() {
    let out = spawn(
        quote!(pool = "io"),
        quote! {
            pub fn refresh(self: Arc<Self>, key: u64) -> Result<usize, Error> {
                let fresh = self.source.load(key)?;
                Ok(self.cache.insert(key, fresh))
            }
        },
    );
    insta::assert_snapshot!("spawn_method_arc_self", out);
}

#[test]
fn stacked_spawn_over_timed() {
    let out = stacked(
        imp::spawn::expand,
        quote!(threads = 4),
        "timed",
        quote! {
            #[decor::timed]
            #[inline]
            fn fib(n: u64) -> u64 {
                if n < 2 {
                    return n;
                }
                fib(n - 1) + fib(n - 2)
            }
        },
    );
    insta::assert_snapshot!("stacked_spawn_over_timed", out);
}

#[test]
fn stacked_timed_over_spawn() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        "spawn",
        quote! {
            #[decor::spawn(threads = 4)]
            fn fib(n: u64) -> u64 {
                if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
            }
        },
    );
    insta::assert_snapshot!("stacked_timed_over_spawn", out);
}

#[test]
fn parallel_reduce() {
    let out = parallel(
        quote!(threads = 8, reduce = |a, b| a + b),
        quote! {
            fn sum(chunk: &[u64]) -> u64 {
                chunk.iter().sum()
            }
        },
    );
    insta::assert_snapshot!("parallel_reduce", out);
}

#[test]
fn parallel_vec_with_owned_and_shared_params() {
    let out = parallel(
        quote!(pool = "cpu", chunks = 16, min_len = 100),
        quote! {
            pub fn render(pages: Vec<Page>, theme: Theme, fonts: &Fonts) -> Vec<Image> {
                pages.into_iter().map(|page| page.render(&theme, fonts)).collect()
            }
        },
    );
    insta::assert_snapshot!("parallel_vec_with_owned_and_shared_params", out);
}

#[test]
fn parallel_vec_ref_over() {
    let out = parallel(
        quote!(over = ids),
        quote! {
            fn lookup(db: &Db, ids: &Vec<u64>) -> Result<Vec<Row>, DbError> {
                ids.iter().map(|id| db.get(*id)).collect()
            }
        },
    );
    insta::assert_snapshot!("parallel_vec_ref_over", out);
}

#[test]
fn parallel_method_ref_self() {
    let out = parallel(
        quote!(threads = 4),
        quote! {
            fn score(&self, range: Range<u32>, weight: f64) -> Vec<f64> {
                range.map(|i| self.model.score(i) * weight).collect()
            }
        },
    );
    insta::assert_snapshot!("parallel_method_ref_self", out);
}

#[test]
fn stacked_parallel_over_timed() {
    let out = stacked(
        imp::parallel::expand,
        quote!(threads = 2, reduce = |a, b| a + b),
        "timed",
        quote! {
            #[decor::timed]
            fn sum(chunk: &mut [u64]) -> u64 {
                chunk.iter().sum()
            }
        },
    );
    insta::assert_snapshot!("stacked_parallel_over_timed", out);
}

#[test]
fn synchronized_sync_fn() {
    let out = synchronized(
        quote!(),
        quote! {
            fn append(path: &Path, line: &str) -> std::io::Result<()> {
                if line.is_empty() {
                    return Ok(());
                }
                let mut file = File::options().append(true).open(path)?;
                writeln!(file, "{line}")
            }
        },
    );
    insta::assert_snapshot!("synchronized_sync_fn", out);
}

#[test]
fn synchronized_named_lock_method() {
    let out = synchronized(
        quote!(lock = "output_file"),
        quote! {
            pub fn flush(&mut self) -> usize {
                self.buffer.drain(..).count()
            }
        },
    );
    insta::assert_snapshot!("synchronized_named_lock_method", out);
}

#[test]
fn synchronized_async_fn() {
    let out = synchronized(
        quote!(lock = "db"),
        quote! {
            async fn save(&self, row: Row) -> Result<u64, DbError> {
                let id = self.db.insert(row).await?;
                Ok(id)
            }
        },
    );
    insta::assert_snapshot!("synchronized_async_fn", out);
}

#[test]
fn synchronized_self_lock_method() {
    let out = synchronized(
        quote!(self.lock),
        quote! {
            fn deposit(&self, amount: u64) -> u64 {
                self.balance.fetch_add(amount, Ordering::SeqCst) + amount
            }
        },
    );
    insta::assert_snapshot!("synchronized_self_lock_method", out);
}

#[test]
fn synchronized_self_lock_async_method() {
    let out = synchronized(
        quote!(self.inner.lock),
        quote! {
            async fn save(&self, row: Row) -> Result<u64, DbError> {
                let id = self.db.insert(row).await?;
                Ok(id)
            }
        },
    );
    insta::assert_snapshot!("synchronized_self_lock_async_method", out);
}

#[test]
fn stacked_timed_over_synchronized_self_lock() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        "synchronized",
        quote! {
            #[decor::synchronized(self.lock)]
            fn deposit(&self, amount: u64) -> u64 {
                self.balance.fetch_add(amount, Ordering::SeqCst) + amount
            }
        },
    );
    insta::assert_snapshot!("stacked_timed_over_synchronized_self_lock", out);
}

// ---------------------------------------------------------------- processes = N

#[test]
fn spawn_processes() {
    let out = spawn(
        quote!(processes = 2),
        quote! {
            fn fib(n: u64) -> u64 {
                if n < 2 {
                    return n;
                }
                fib(n - 1) + fib(n - 2)
            }
        },
    );
    insta::assert_snapshot!("spawn_processes", out);
}

#[test]
fn spawn_processes_shared_pool_init_recycle() {
    let out = spawn(
        quote!(
            processes = WORKERS,
            pool = "cpu",
            init = setup::connect,
            recycle = 100
        ),
        quote! {
            fn score(n: u64) -> u64 {
                n * 2
            }
        },
    );
    insta::assert_snapshot!("spawn_processes_shared_pool_init_recycle", out);
}

#[test]
fn spawn_processes_per_core() {
    let out = spawn(
        quote!(processes),
        quote! {
            fn score(n: u64) -> u64 {
                n * 2
            }
        },
    );
    insta::assert_snapshot!("spawn_processes_per_core", out);
}

#[test]
fn spawn_processes_timeout() {
    let out = spawn(
        quote!(processes = 1, timeout = "2s"),
        quote! {
            pub fn fetch(url: String, retries: u8) -> Result<Vec<u8>, String> {
                download(&url, retries)
            }
        },
    );
    insta::assert_snapshot!("spawn_processes_timeout", out);
}

#[test]
fn parallel_processes_reduce_shared() {
    let out = parallel(
        quote!(processes = 2, reduce = |a, b| a + b),
        quote! {
            fn sum(chunk: &[u64], scale: &u64) -> u64 {
                chunk.iter().map(|n| n * scale).sum()
            }
        },
    );
    insta::assert_snapshot!("parallel_processes_reduce_shared", out);
}

#[test]
fn stacked_spawn_processes_over_timed() {
    let out = stacked(
        imp::spawn::expand,
        quote!(processes = 2),
        "timed",
        quote! {
            #[decor::timed]
            fn fib(n: u64) -> u64 {
                if n < 2 {
                    return n;
                }
                fib(n - 1) + fib(n - 2)
            }
        },
    );
    insta::assert_snapshot!("stacked_spawn_processes_over_timed", out);
}

#[test]
fn stacked_three_deep_in_one_pipeline() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        "synchronized",
        quote! {
            #[decor::logged(err = warn)]
            #[inline]
            #[decor::synchronized(lock = "ledger")]
            fn post(entry: Entry) -> Result<u64, Error> {
                let id = store(&entry)?;
                Ok(id)
            }
        },
    );
    insta::assert_snapshot!("stacked_three_deep_in_one_pipeline", out);
}

// ------------------------------------------- #[rate_limit] and #[timeout]

fn rate_limit(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::rate_limit::expand, attr, item)
}

fn timeout(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::timeout::expand, attr, item)
}

#[test]
fn rate_limit_waiting_fn() {
    let out = rate_limit(
        quote!(calls = 10, per = "1s", burst = 5),
        quote! {
            fn fetch(url: &str) -> usize {
                url.len()
            }
        },
    );
    insta::assert_snapshot!("rate_limit_waiting_fn", out);
}

#[test]
fn rate_limit_refusing_keyed_method() {
    let out = rate_limit(
        quote!(
            calls = 1,
            per = "1m",
            key = self.user,
            max_keys = 100,
            wait = false
        ),
        quote! {
            fn post(&mut self, text: &str) -> Result<&str, ApiError> {
                if text.is_empty() {
                    return Err(ApiError::Empty);
                }
                let n = check(text)?;
                self.sent += n;
                Ok(text)
            }
        },
    );
    insta::assert_snapshot!("rate_limit_refusing_keyed_method", out);
}

#[test]
fn rate_limit_async_named() {
    let out = rate_limit(
        quote!(calls = 100, per = "1s", name = "api"),
        quote! {
            async fn get(&self, id: u64) -> Result<Item, Error> {
                self.client.get(id).await
            }
        },
    );
    insta::assert_snapshot!("rate_limit_async_named", out);
}

#[test]
fn rate_limit_async_refusing() {
    let out = rate_limit(
        quote!(calls = 100, per = "1s", wait = false, key = id),
        quote! {
            async fn get(id: u64) -> Result<Item, Error> {
                fetch(id).await
            }
        },
    );
    insta::assert_snapshot!("rate_limit_async_refusing", out);
}

#[test]
fn timeout_async_fn() {
    let out = timeout(
        quote!("500ms"),
        quote! {
            async fn fetch(url: &str) -> Result<String, FetchError> {
                let body = get(url).await?;
                Ok(body)
            }
        },
    );
    insta::assert_snapshot!("timeout_async_fn", out);
}

/// The recommended order, outermost first: `rate_limit` › `timeout` › body,
/// with `#[timed]` around it all and `#[logged]` inside.
#[test]
fn stacked_timed_rate_limit_timeout_logged() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        "rate_limit",
        quote! {
            #[decor::rate_limit(calls = 10, per = "1s", wait = false)]
            #[decor::timeout("2s")]
            #[decor::logged]
            async fn call(id: u32) -> Result<u32, Error> {
                Ok(id)
            }
        },
    );
    insta::assert_snapshot!("stacked_timed_rate_limit_timeout_logged", out);
}

#[test]
fn stacked_logged_over_refusing_rate_limit() {
    let out = stacked(
        imp::logged::expand,
        quote!(),
        "rate_limit",
        quote! {
            #[decor::rate_limit(calls = 10, per = "1s", wait = false)]
            #[decor::timed]
            fn call(id: u32) -> Result<u32, Error> {
                if id == 0 {
                    return Err(Error::Zero);
                }
                Ok(id)
            }
        },
    );
    insta::assert_snapshot!("stacked_logged_over_refusing_rate_limit", out);
}

#[test]
fn timeout_async_trait_body() {
    let out = timeout(
        quote!("1s"),
        quote! {
            fn get<'life0, 'async_trait>(
                &'life0 self,
            ) -> ::core::pin::Pin<
                Box<dyn ::core::future::Future<Output = Result<String, Error>> + ::core::marker::Send + 'async_trait>,
            >
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(async move {
                    let __self = self;
                    let __ret: Result<String, Error> = { Ok(__self.name.clone()) };
                    #[allow(unreachable_code)]
                    __ret
                })
            }
        },
    );
    insta::assert_snapshot!("timeout_async_trait_body", out);
}

// ---------------------------------------------------------------- #[with], #[retry]

fn with(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::with::expand, attr, item)
}

fn retry(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::retry::expand, attr, item)
}

/// An owned argument goes through a slot (cloned while another run may
/// follow), a `&mut` one is reborrowed per run, a `&` one only shown.
#[test]
fn with_sync_owned_and_mut_arguments() {
    let out = with(
        quote!(audit),
        quote! {
            /// Records a payment.
            pub fn record(amount: u64, mut note: String, ledger: &mut Vec<String>, to: &str) -> usize {
                note.push_str(to);
                ledger.push(format!("{amount} {note}"));
                ledger.len()
            }
        },
    );
    insta::assert_snapshot!("with_sync_owned_and_mut_arguments", out);
}

#[test]
fn with_async_fn() {
    let out = with(
        quote!(audit("payments")),
        quote! {
            async fn fetch(key: String, cache: &mut Cache) -> Result<String, Error> {
                if let Some(hit) = cache.get(&key) {
                    return Ok(hit);
                }
                let value = load(&key).await?;
                Ok(value)
            }
        },
    );
    insta::assert_snapshot!("with_async_fn", out);
}

#[test]
fn retry_with_options_and_when() {
    let out = retry(
        quote!(attempts = 4, delay = "10ms", when = |e| e.is_transient()),
        quote! {
            fn send(&self, id: u32, body: Vec<u8>) -> Result<Reply, ApiError> {
                let reply = self.client.post(id, &body)?;
                Ok(reply)
            }
        },
    );
    insta::assert_snapshot!("retry_with_options_and_when", out);
}

// ---------------------------------------------------------------- #[cache]

fn cache(attr: TokenStream, item: TokenStream) -> String {
    expand(imp::cache::expand, attr, item)
}

#[test]
fn cache_borrowed_and_owned_arguments() {
    let out = cache(
        quote!(size = 100, ttl = "60s"),
        quote! {
            pub fn lookup(name: &str, limit: u32) -> Result<Vec<u64>, Error> {
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let ids = query(name)?;
                Ok(ids)
            }
        },
    );
    insta::assert_snapshot!("cache_borrowed_and_owned_arguments", out);
}

#[test]
fn cache_self_method_with_key() {
    let out = cache(
        quote!(
            key = (self.id, path.to_owned()),
            errors = true,
            name = "client_get"
        ),
        quote! {
            fn get(&self, path: &str) -> Option<String> {
                self.fetch(path)
            }
        },
    );
    insta::assert_snapshot!("cache_self_method_with_key", out);
}

#[test]
fn cache_async_fn() {
    let out = cache(
        quote!(),
        quote! {
            async fn fetch(id: u64) -> Result<String, std::io::Error> {
                let body = download(id).await?;
                Ok(body)
            }
        },
    );
    insta::assert_snapshot!("cache_async_fn", out);
}

#[test]
fn stacked_timed_over_cache() {
    let out = stacked(
        imp::timed::expand,
        quote!(),
        "cache",
        quote! {
            #[decor::cache(scope = thread)]
            fn square(n: u64) -> u64 {
                n * n
            }
        },
    );
    insta::assert_snapshot!("stacked_timed_over_cache", out);
}
