//! Program set-up: what `#[decor::main]` does, available by hand as
//! [`init`] and the [`Init`] builder for tests, libraries and programs that
//! keep their own `main`.

use crate::timers;

/// Sets decor up with the defaults: a tracing-subscriber `fmt` subscriber on
/// stderr filtered by `RUST_LOG` (default `"info"`), unless the program has
/// already set one. Keep the guard alive for as long as the program runs.
///
/// ```
/// let _decor = decor::init();
/// tracing::info!("logged through the subscriber decor installed");
/// ```
pub fn init() -> InitGuard {
    Init::new().install()
}

/// Configures what [`init`] does.
///
/// ```
/// # fn run() {}
/// // Print the timer table to stderr when `_decor` is dropped.
/// let _decor = decor::Init::new().log("warn,my_crate=debug").report(true).install();
/// run();
/// ```
#[derive(Clone, Debug)]
#[must_use = "an Init does nothing until `.install()`"]
pub struct Init {
    log: String,
    report: bool,
    subscriber: bool,
    wait: bool,
}

impl Default for Init {
    fn default() -> Self {
        Init::new()
    }
}

impl Init {
    /// The defaults: log filter `"info"`, no report, wait for outstanding
    /// tasks when the guard is dropped.
    pub fn new() -> Init {
        Init {
            log: "info".to_owned(),
            report: false,
            subscriber: true,
            wait: true,
        }
    }

    /// The filter used when `RUST_LOG` is unset or empty, in `EnvFilter`
    /// syntax (`"info"`, `"warn,my_crate=debug"`).
    pub fn log(mut self, directives: impl Into<String>) -> Init {
        self.log = directives.into();
        self
    }

    /// Whether the guard prints [`timers::report`] to stderr when dropped.
    pub fn report(mut self, report: bool) -> Init {
        self.report = report;
        self
    }

    /// Whether to install decor's subscriber (default `true`). Pass `false`
    /// when the program sets its own global subscriber after this call
    /// (`tracing_subscriber::fmt().init()` fails once one is set); the
    /// report still works.
    ///
    /// ```
    /// let _decor = decor::Init::new().subscriber(false).report(true).install();
    /// // The program's own subscriber can now be set.
    /// tracing_subscriber::fmt().with_writer(std::io::sink).init();
    /// ```
    pub fn subscriber(mut self, install: bool) -> Init {
        self.subscriber = install;
        self
    }

    /// Whether the guard, when dropped, waits for the tasks still queued or
    /// running on `#[spawn]` pools and process pools (default `true`; see
    /// [`shutdown`](crate::shutdown())), before it prints the report, so the
    /// report counts their calls. It does not wait when dropped by a panic.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    ///
    /// static SAVED: AtomicBool = AtomicBool::new(false);
    ///
    /// #[decor::spawn]
    /// fn save() {
    ///     SAVED.store(true, Ordering::SeqCst);
    /// }
    ///
    /// {
    ///     let _decor = decor::Init::new().subscriber(false).install();
    ///     save().detach(); // not joined
    /// } // the guard waits here
    /// assert!(SAVED.load(Ordering::SeqCst));
    /// ```
    pub fn wait(mut self, wait: bool) -> Init {
        self.wait = wait;
        self
    }

    /// Installs the subscriber (if asked to, and none is set yet) and returns
    /// the guard.
    pub fn install(self) -> InitGuard {
        let installed_subscriber = self.subscriber && install_subscriber(&self.log);
        InitGuard {
            report: self.report,
            wait: self.wait,
            installed_subscriber,
        }
    }
}

/// Returned by [`init`] and [`Init::install`]. When dropped, it waits for
/// outstanding tasks (unless [`Init::wait`] turned that off, or a panic is
/// unwinding), then prints the timer report if asked to.
/// `#[decor::main]` keeps it for the whole of `main`, so this happens when
/// `main` returns, after an `Err` return, and (the report only) after a
/// panic.
#[derive(Debug)]
#[must_use = "dropping the guard at once would print the report at once"]
pub struct InitGuard {
    report: bool,
    wait: bool,
    installed_subscriber: bool,
}

impl InitGuard {
    /// Whether this call installed the global subscriber (false if the
    /// program had set one, or the `subscriber` feature is off).
    pub fn installed_subscriber(&self) -> bool {
        self.installed_subscriber
    }
}

impl Drop for InitGuard {
    fn drop(&mut self) {
        // After a panic the program is failing: waiting could hang it.
        if self.wait && !std::thread::panicking() {
            crate::shutdown();
        }
        if self.report {
            eprint!("{}", timers::report());
        }
    }
}

#[cfg(feature = "subscriber")]
fn install_subscriber(default_directives: &str) -> bool {
    use tracing_subscriber::EnvFilter;

    if tracing::dispatcher::has_been_set() {
        return false;
    }
    let filter = match std::env::var("RUST_LOG") {
        Ok(value) if !value.trim().is_empty() => {
            EnvFilter::try_new(&value).unwrap_or_else(|error| {
                eprintln!(
                    "decor: ignoring RUST_LOG={value:?} ({error}); using {default_directives:?}"
                );
                default_filter(default_directives)
            })
        }
        _ => default_filter(default_directives),
    };
    let directives = filter.to_string();
    let installed = install_fmt(filter);
    if installed {
        let _ = INSTALLED_DIRECTIVES.set(directives);
    }
    installed
}

/// The filter of the subscriber decor installed, if it installed one; worker
/// processes install the same, so decorators that run there log too.
#[cfg(feature = "subscriber")]
static INSTALLED_DIRECTIVES: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// See [`INSTALLED_DIRECTIVES`].
#[cfg(all(feature = "subscriber", feature = "processes"))]
pub(crate) fn installed_directives() -> Option<&'static str> {
    INSTALLED_DIRECTIVES.get().map(String::as_str)
}

#[cfg(all(not(feature = "subscriber"), feature = "processes"))]
pub(crate) fn installed_directives() -> Option<&'static str> {
    None
}

/// The fmt subscriber on stderr, filtered; false if one was already set.
#[cfg(feature = "subscriber")]
fn install_fmt(filter: tracing_subscriber::EnvFilter) -> bool {
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colours())
        .try_init()
        .is_ok()
}

/// Colour codes only for a person: stderr is a terminal, `NO_COLOR` is
/// unset or empty (no-color.org), and `TERM` is not `dumb`.
#[cfg(any(feature = "subscriber", feature = "processes"))]
pub(crate) fn colours() -> bool {
    use std::io::IsTerminal;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|term| term == "dumb");
    std::io::stderr().is_terminal() && !no_color && !dumb
}

#[cfg(feature = "subscriber")]
fn default_filter(directives: &str) -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::try_new(directives).unwrap_or_else(|error| {
        eprintln!("decor: ignoring log filter {directives:?} ({error}); using \"info\"");
        tracing_subscriber::EnvFilter::new("info")
    })
}

#[cfg(not(feature = "subscriber"))]
fn install_subscriber(_default_directives: &str) -> bool {
    false
}
