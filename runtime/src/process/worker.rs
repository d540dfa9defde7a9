//! The worker's side: a re-executed copy of the program that takes over in a
//! constructor, before `main`, serves calls until its parent goes away, and
//! exits. The user's `main` never runs in a worker.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::mailbox::{self, Mailbox};
use super::wire::{self, Status};
use super::{forward, registry};
use crate::timers::transfer;

/// Set in a worker's environment: the numbers of the three pipe ends it
/// inherits, `requests,responses,lifeline`, then, where the parent made
/// them, its two mailboxes, `inbox,outbox` (see `process::mailbox`).
pub(crate) const ENV: &str = "DECOR_PROCESS_WORKER";

/// A worker's exit status when it cannot serve at all (sysexits'
/// `EX_SOFTWARE`); the parent reports it as the crash of the call it had.
const BROKEN: i32 = 70;

/// Set in a worker's environment when its pool has an `init`: the key it
/// is registered under.
pub(crate) const INIT_ENV: &str = "DECOR_PROCESS_WORKER_INIT";

/// What a worker's `argv[0]` ends with, after the program's own.
pub(crate) const ARG0_MARK: &str = " [decor worker]";

/// Set in a worker's environment when the parent runs the log subscriber
/// decor installs: its filter, for the worker to install the same.
pub(crate) const LOG_ENV: &str = "DECOR_PROCESS_WORKER_LOG";

// Runs late among the program's constructors, so the rest of the program's
// start-up (other crates' constructors) has happened when the worker serves
// its first call; it never returns to run `main`.
ctor::declarative::ctor! {
    #[ctor(unsafe, priority = late)]
    fn decor_process_worker_entry() {
        enter_if_worker();
    }
}

/// If this process was started as a worker, serves calls and exits;
/// otherwise returns at once.
pub(crate) fn enter_if_worker() {
    let Some(spec) = std::env::var_os(ENV) else {
        return;
    };
    // Not inherited by anything the user's code starts from the worker:
    // only this process is a worker. Single-threaded here (a constructor or
    // the first line of `main`), so changing the environment is sound.
    std::env::remove_var(ENV);
    let directives = std::env::var_os(LOG_ENV);
    if directives.is_some() {
        std::env::remove_var(LOG_ENV);
    }
    let init = std::env::var_os(INIT_ENV);
    if init.is_some() {
        std::env::remove_var(INIT_ENV);
    }
    name_process();
    // Always: the parent may have a subscriber of its own, or set one
    // later; each request says what level it wants.
    forward::install(
        directives
            .as_deref()
            .map(|d| d.to_string_lossy())
            .as_deref(),
    );
    let init = init.map(|key| key.to_string_lossy().into_owned());
    match spec.to_str().and_then(parse_fds) {
        Some(fds) => {
            // Kept here if the thread cannot start, to tell the parent why.
            let slot = std::sync::Arc::new(std::sync::Mutex::new(Some(fds)));
            let taken = std::sync::Arc::clone(&slot);
            // Calls run on a thread named for what it is (panic messages
            // show it), with the stack a main thread would have.
            let worker = std::thread::Builder::new()
                .name("decor-worker".into())
                .stack_size(8 << 20)
                .spawn(move || {
                    let fds = taken.lock().ok().and_then(|mut fds| fds.take());
                    match fds {
                        Some(fds) => serve(fds, init.as_deref()),
                        None => std::process::exit(BROKEN),
                    }
                });
            match worker {
                Ok(worker) => {
                    drop(slot);
                    // `serve` ends the process itself; reaching here means
                    // it panicked outside any call.
                    let _ = worker.join();
                    std::process::exit(BROKEN)
                }
                Err(error) => {
                    let message = format!("cannot start its thread: {error}");
                    eprintln!("decor: worker {message}; exiting");
                    let fds = slot.lock().ok().and_then(|mut fds| fds.take());
                    if let Some(([_, mut report, _], _)) = fds {
                        let mut frame = Vec::new();
                        wire::response(&mut frame, wire::READY, Status::Failed);
                        frame.extend_from_slice(message.as_bytes());
                        wire::seal(&mut frame);
                        let _ = report.write_all(&frame);
                    }
                    std::process::exit(BROKEN);
                }
            }
        }
        None => {
            eprintln!("decor: {ENV}={spec:?} is not a worker's pipe list; exiting");
            std::process::exit(BROKEN);
        }
    }
}

/// The worker's pipes and, when it has them, its mailboxes.
type Fds = ([File; 3], Option<[File; 2]>);

#[cfg(unix)]
fn parse_fds(spec: &str) -> Option<Fds> {
    use std::os::fd::{FromRawFd, RawFd};
    let fds: Vec<RawFd> = spec
        .split(',')
        .map(|part| part.parse::<RawFd>().ok().filter(|fd| *fd > 2))
        .collect::<Option<_>>()?;
    if fds.len() != 3 && fds.len() != 5 {
        return None;
    }
    for &fd in &fds {
        // Inherited across `exec` on purpose, they must not be inherited
        // again by what the worker's functions start: a grandchild holding
        // the response pipe would hide this worker's death from the parent.
        // SAFETY: `fcntl` on descriptors this process owns.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) } == -1 {
            return None;
        }
    }
    // SAFETY: the parent opened these descriptors for this process alone
    // and nothing else in it knows their numbers.
    let count = fds.len();
    let mut files = fds.into_iter().map(|fd| unsafe { File::from_raw_fd(fd) });
    let mut next = || files.next().expect("counted above");
    let pipes = [next(), next(), next()];
    let mailboxes = (count == 5).then(|| [next(), next()]);
    Some((pipes, mailboxes))
}

#[cfg(not(unix))]
fn parse_fds(_spec: &str) -> Option<Fds> {
    None
}

/// Names this process after the program (`comm`, which `ps -e` and `top`
/// show; `argv[0]` already says it is a decor worker).
fn name_process() {
    #[cfg(target_os = "linux")]
    if let Some(arg0) = std::env::args_os().next() {
        let arg0 = arg0.to_string_lossy();
        let program = arg0.strip_suffix(ARG0_MARK).unwrap_or(&arg0);
        let base = program.rsplit('/').next().unwrap_or(program);
        // The kernel keeps 15 bytes and the terminating zero.
        let mut name = [0u8; 16];
        let len = base.len().min(15);
        name[..len].copy_from_slice(&base.as_bytes()[..len]);
        // SAFETY: `PR_SET_NAME` reads a zero-terminated string of at most
        // 16 bytes from a buffer that lives through the call.
        unsafe {
            libc::prctl(libc::PR_SET_NAME, name.as_ptr() as libc::c_ulong, 0, 0, 0);
        }
    }
}

/// Runs the pool's `init`, if it has one; the message every call then
/// fails with if it panicked.
fn run_init(key: Option<&str>) -> Option<String> {
    let key = key?;
    let Some(init) = registry::find_init(key) else {
        return Some(format!(
            "the pool's init function (registered as `{key}`) is not in the worker's executable"
        ));
    };
    catch_unwind(AssertUnwindSafe(|| init.run()))
        .err()
        .map(|payload| {
            format!(
                "the init function `{}` panicked in worker process {}: {}",
                init.written(),
                std::process::id(),
                crate::task::panic_message(&*payload)
            )
        })
}

fn serve(([requests, responses, lifeline], mailboxes): Fds, init: Option<&str>) -> ! {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" has no
    // preconditions. Rust's start-up does this before `main`, which a worker
    // never reaches; writing to a closed pipe then fails instead of killing.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    watch_parent(lifeline);
    // Without them (the parent could not make them), every payload takes
    // the pipe. Given but unusable, the parent would put arguments where
    // this worker cannot read them: it cannot serve.
    let (mut inbox, mut outbox) = match mailboxes.map(|boxes| boxes.map(Mailbox::open)) {
        Some([Ok(inbox), Ok(outbox)]) => (Some(inbox), Some(outbox)),
        Some(_) => {
            eprintln!("decor: worker cannot map its mailboxes; exiting");
            std::process::exit(BROKEN);
        }
        None => (None, None),
    };

    let mut input = BufReader::with_capacity(1 << 16, requests);
    // Shared with the forwarding layer, which writes event frames from this
    // thread while a call runs.
    let mut output = forward::set_pipe(responses);
    let mut body = Vec::new();
    let mut frame = Vec::new();
    let (mut keep_body, mut keep_frame) = (wire::Keep::default(), wire::Keep::default());
    let mut timers = Vec::new();
    let mut short = Vec::new();
    let mut sent = transfer::Sent::default();
    // Before the worker says it is ready: `init`'s time counts against no
    // call's `timeout`. If it panicked, the worker stays, failing every
    // call with why, rather than exiting to be started again and again.
    let init_failed = run_init(init);
    wire::response(&mut frame, wire::READY, Status::Returned);
    wire::seal(&mut frame);
    if output.write_all(&frame).is_err() {
        std::process::exit(0);
    }
    while let Ok(true) = wire::read_frame(&mut input, &mut body) {
        let Some(request) = wire::parse_request(&body) else {
            eprintln!("decor: worker received a malformed request; exiting");
            std::process::exit(BROKEN);
        };
        forward::set_level(request.log);
        let arguments = match (request.in_inbox, &mut inbox) {
            (false, _) => Some(request.arguments),
            (true, Some(inbox)) => request.inbox_len().and_then(|len| inbox.get(len)),
            (true, None) => None,
        };
        let Some(arguments) = arguments else {
            eprintln!(
                "decor: worker received a request whose arguments are not in its inbox; exiting"
            );
            std::process::exit(BROKEN);
        };
        match &init_failed {
            None => answer(&request, arguments, &mut frame),
            Some(message) => {
                wire::response(&mut frame, request.id, Status::Unusable);
                frame.extend_from_slice(message.as_bytes());
                wire::seal(&mut frame);
            }
        }
        if request.in_inbox {
            if let Some(inbox) = &inbox {
                inbox.release();
            }
        }
        // A large result goes through the outbox when it is free: the
        // frame then carries only its length.
        let mut sent_frame = &frame;
        if let Some(outbox) = &mut outbox {
            outbox.after_send(frame.len());
        }
        if frame.len() >= mailbox::FROM {
            if let (Some(result), Some(outbox)) = (wire::returned_payload(&frame), &mut outbox) {
                if outbox.put(result) {
                    wire::in_outbox(&mut short, request.id, result.len());
                    sent_frame = &short;
                }
            }
        }
        // What timers recorded goes first, so the parent has counted the
        // call when its caller sees the result. Checking is one load while
        // no timer has recorded in this process.
        wire::response(&mut timers, request.id, Status::Timers);
        if sent.since_last(&mut timers) {
            wire::seal(&mut timers);
            if output.write_all(&timers).is_err() {
                break;
            }
        }
        // Each answer goes out at once, in one write: holding it back for a
        // batch could delay it behind a long call, past its caller's timeout.
        if output.write_all(sent_frame).is_err() {
            break;
        }
        // Large buffers stay for the next large call, within a bound.
        let used = frame.len();
        keep_frame.after_use(&mut frame, used);
        let used = body.len();
        keep_body.after_use(&mut body, used);
    }
    // The parent closed the pipe: it is done with this worker. Exiting
    // normally flushes what the user's code printed.
    std::process::exit(0)
}

/// Runs one call with `arguments` and builds its response frame in `frame`.
fn answer(request: &wire::Request<'_>, arguments: &[u8], frame: &mut Vec<u8>) {
    wire::response(frame, request.id, Status::Returned);
    let _on_call = forward::OnCall::enter(request.id);
    let failure = match registry::lookup(request.name) {
        Err(message) => Some((Status::Failed, message)),
        Ok(handler) => match catch_unwind(AssertUnwindSafe(|| handler(arguments, frame))) {
            Ok(Ok(())) => None,
            Ok(Err(message)) => Some((Status::Failed, message)),
            Err(payload) => Some((Status::Panicked, crate::task::panic_message(&*payload))),
        },
    };
    if let Some((status, message)) = failure {
        wire::response(frame, request.id, status);
        frame.extend_from_slice(message.as_bytes());
    }
    wire::seal(frame);
}

/// Exits as soon as the parent is gone, even in the middle of a long call:
/// the parent holds the only write end of the lifeline and never writes, so
/// a read returns only when the parent has exited or been killed.
fn watch_parent(mut lifeline: File) {
    let watcher = std::thread::Builder::new()
        .name("decor-lifeline".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            while let Ok(1..) = lifeline.read(&mut byte) {}
            // Orphaned: leave at once, without running exit handlers that
            // could wait on locks held by the running call.
            #[cfg(unix)]
            // SAFETY: `_exit` ends the process; it has no preconditions.
            unsafe {
                libc::_exit(0)
            };
            #[cfg(not(unix))]
            std::process::abort();
        });
    if watcher.is_err() {
        eprintln!("decor: worker cannot watch its parent; exiting");
        std::process::exit(BROKEN);
    }
}
