//! The panic hook that lets a guard name the panic it is unwinding through:
//! by the time a guard's `Drop` runs, the payload is out of reach.

use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    /// The message of the last panic on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Chains a hook in front of the current panic hook that remembers each
/// panic's message on its thread. Installed once, by the first `#[logged]`
/// call. A hook the program sets later replaces it; panics are then logged
/// as `"<unknown panic>"`.
#[inline(always)]
pub(crate) fn install() {
    if !INSTALL.is_completed() {
        install_now();
    }
}

#[cold]
#[inline(never)]
fn install_now() {
    // `set_hook` itself panics on a panicking thread.
    if std::thread::panicking() {
        return;
    }
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = crate::task::panic_message(info.payload());
            // A hook must not panic: skip if the slot is busy or gone.
            let _ = LAST_PANIC.try_with(|slot| {
                if let Ok(mut slot) = slot.try_borrow_mut() {
                    *slot = Some(message);
                }
            });
            previous(info);
        }));
    });
}

/// Calls `f` with the message of the panic this thread is unwinding with.
pub(crate) fn with_message(f: impl FnOnce(&str)) {
    let message = LAST_PANIC
        .try_with(|slot| slot.try_borrow().ok().and_then(|slot| slot.clone()))
        .ok()
        .flatten();
    f(message.as_deref().unwrap_or("<unknown panic>"));
}
