//! Every path an expansion names, in one place. Expansions reach the runtime
//! only through `<crate>::__private`, where `<crate>` is `::decor` unless the
//! user wrote `crate = path`; standard items are named from `::core`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Path;

use super::options::Level;

/// The paths into decor's `__private` module, as one expansion names them.
pub struct Paths {
    private: TokenStream,
}

impl Paths {
    /// `::decor`, or the user's `crate = path`.
    pub fn new(krate: Option<&Path>) -> Paths {
        let krate = match krate {
            Some(path) => quote!(#path),
            None => quote!(::decor),
        };
        Paths {
            private: quote!(#krate::__private),
        }
    }

    fn item(&self, name: TokenStream) -> TokenStream {
        let private = &self.private;
        quote!(#private::#name)
    }

    pub fn tracing(&self) -> TokenStream {
        self.item(quote!(tracing))
    }

    /// `Level::INFO`.
    pub fn level(&self, level: Level) -> TokenStream {
        let name = syn::Ident::new(level.const_name(), proc_macro2::Span::call_site());
        self.item(quote!(Level::#name))
    }

    /// `Option<Level>` as a constant expression.
    pub fn level_option(&self, level: Option<Level>) -> TokenStream {
        match level {
            Some(level) => {
                let level = self.level(level);
                quote!(::core::option::Option::Some(#level))
            }
            None => quote!(::core::option::Option::None),
        }
    }

    /// `timed::Site`, the type of `#[timed]`'s static.
    pub fn timed_site(&self) -> TokenStream {
        self.item(quote!(timed::Site))
    }

    /// `timed::Guard`: a synchronous `#[timed]` function's guard.
    pub fn timed_guard(&self) -> TokenStream {
        self.item(quote!(timed::Guard))
    }

    /// `timed::Future`: an `async` `#[timed]` function's wrapper.
    pub fn timed_future(&self) -> TokenStream {
        self.item(quote!(timed::Future))
    }

    /// An item of `logged::` (`Site`, `Spec`, `LoggedFuture`, `level_enabled`, `REDACTED`).
    pub fn logged(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(logged::#name))
    }

    /// `main::Init`, what `#[decor::main]` sets up with.
    pub fn init(&self) -> TokenStream {
        self.item(quote!(main::Init))
    }

    /// `Task`, the return type `#[spawn]` gives a function.
    pub fn task(&self) -> TokenStream {
        self.item(quote!(spawn::Task))
    }

    /// `pools::PoolSite`, the static holding a function's thread pool.
    pub fn pool_site(&self) -> TokenStream {
        self.item(quote!(pools::PoolSite))
    }

    /// `spawn::on_pool` or `spawn::on_new_thread`.
    pub fn spawn_fn(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(spawn::#name))
    }

    /// An item of `parallel::` (`run`, `Plan`, `reduce`, `via_combine`, `VecRef`).
    pub fn parallel(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(parallel::#name))
    }

    /// The static holding a `#[synchronized]` function's lock.
    pub fn lock_site(&self, asynchronous: bool) -> TokenStream {
        if asynchronous {
            self.item(quote!(synchronized::AsyncSite))
        } else {
            self.item(quote!(synchronized::BlockingSite))
        }
    }

    /// An item of `synchronized::` (`Field`, `Locked`).
    pub fn synchronized(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(synchronized::#name))
    }

    /// An item of `process::` (`ProcessPoolSite`, `Entry`, `serve`, ...).
    pub fn process(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(process::#name))
    }

    /// `processes_enabled!`: nothing, or a compile error when decor's
    /// `processes` feature is off.
    pub fn processes_enabled(&self) -> TokenStream {
        self.item(quote!(processes_enabled!))
    }

    pub fn process_worker_entry(&self) -> TokenStream {
        self.item(quote!(main::process_worker_entry))
    }

    /// `with`: the module `#[with]` and `#[retry]` expansions drive.
    pub fn with(&self) -> TokenStream {
        self.item(quote!(with))
    }

    /// An item of `retry::` (the compile-time checks).
    pub fn retry(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(retry::#name))
    }

    /// `probe_is_err!` and friends: macros, so they run at the call site.
    pub fn probe(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(#name!))
    }

    // ---- #[rate_limit] and #[timeout] ----

    /// An item of `rate_limit::` (`Site`, `reject`).
    pub fn rate_limit(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(rate_limit::#name))
    }

    /// `rate_limit_enabled!`: nothing, or a compile error when decor's
    /// `rate_limit` feature is off.
    pub fn rate_limit_enabled(&self) -> TokenStream {
        self.item(quote!(rate_limit_enabled!))
    }

    /// An item of `timeout::` (`Timeout`).
    pub fn timeout(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(timeout::#name))
    }

    /// An item of `cache::` (`Site`, `KeepProbe`, `owned`, ...).
    pub fn cache(&self, which: &str) -> TokenStream {
        let name = syn::Ident::new(which, proc_macro2::Span::call_site());
        self.item(quote!(cache::#name))
    }

    /// `cache_enabled!`: nothing, or a compile error when decor's `cache`
    /// feature is off.
    pub fn cache_enabled(&self) -> TokenStream {
        self.item(quote!(cache_enabled!))
    }
}
