//! How a worker process ended, in words for a [`TaskError`](crate::TaskError).

use std::process::ExitStatus;

/// "exited with status 3", "was killed by signal 6 (SIGABRT)".
///
/// A program built with `panic = "abort"` (this crate is compiled with the
/// program's panic strategy, so it can tell) ends a worker with SIGABRT on
/// a panic, which would otherwise read as an unexplained crash: then the
/// description says so.
pub fn describe(status: ExitStatus) -> String {
    describe_with(status, cfg!(panic = "abort"))
}

fn describe_with(status: ExitStatus, panics_abort: bool) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if panics_abort && status.signal() == Some(libc::SIGABRT) {
            return format!(
                "{}: the program is built with `panic = \"abort\"`, so a panic in the call \
                 aborts the worker (its message is on stderr); build with `panic = \"unwind\"` \
                 to get panics back as `is_panic()` errors",
                plain(status)
            );
        }
    }
    #[cfg(not(unix))]
    let _ = panics_abort;
    plain(status)
}

fn plain(status: ExitStatus) -> String {
    if let Some(code) = status.code() {
        return format!("exited with status {code}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let core = if status.core_dumped() {
                ", core dumped"
            } else {
                ""
            };
            return match signal_name(signal) {
                Some(name) => format!("was killed by signal {signal} ({name}{core})"),
                None => format!("was killed by signal {signal}{core}"),
            };
        }
    }
    format!("ended ({status})")
}

#[cfg(unix)]
fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGXCPU => "SIGXCPU",
        _ => return None,
    })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn statuses_and_signals_read_as_words() {
        assert_eq!(
            describe(ExitStatus::from_raw(3 << 8)),
            "exited with status 3"
        );
        assert_eq!(
            describe(ExitStatus::from_raw(libc::SIGABRT)),
            "was killed by signal 6 (SIGABRT)"
        );
        assert_eq!(
            describe(ExitStatus::from_raw(libc::SIGSEGV | 0x80)),
            "was killed by signal 11 (SIGSEGV, core dumped)"
        );
        assert_eq!(
            describe(ExitStatus::from_raw(63)),
            "was killed by signal 63"
        );
    }

    #[test]
    fn an_abort_says_so_when_panics_abort() {
        let aborted = ExitStatus::from_raw(libc::SIGABRT);
        let text = describe_with(aborted, true);
        assert!(
            text.starts_with(
                "was killed by signal 6 (SIGABRT): the program is built with `panic = \"abort\"`"
            ),
            "{text}"
        );
        assert_eq!(
            describe_with(aborted, false),
            "was killed by signal 6 (SIGABRT)"
        );
        assert_eq!(
            describe_with(ExitStatus::from_raw(libc::SIGSEGV), true),
            "was killed by signal 11 (SIGSEGV)"
        );
    }
}
