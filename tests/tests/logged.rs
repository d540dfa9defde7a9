//! What `#[logged]` writes: captured log lines, asserted field by field.

mod common;

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::{Context, Waker};

use common::{block_on, capture, capture_at, line_with};
use decor::logged;
use tracing::Level;

#[logged]
fn add(a: u32, b: u32) -> u32 {
    tracing::info!("inside");
    a + b
}

#[test]
fn entry_and_exit_events_with_arguments_return_and_elapsed() {
    let (sum, lines) = capture(|| add(2, 3));
    assert_eq!(sum, 5);
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let call = line_with(&lines, &["call"]);
    assert!(call.contains("INFO add: logged: call a=2 b=3"), "{call}");
    let inside = line_with(&lines, &["inside"]);
    assert!(
        inside.contains("add:"),
        "the body runs inside the span: {inside}"
    );
    let exit = line_with(&lines, &["return"]);
    assert!(
        exit.contains("INFO add: logged: return return=5 elapsed="),
        "{exit}"
    );
}

#[logged]
fn unit(_value: u8) {}

#[test]
fn unit_functions_log_no_return_field() {
    let ((), lines) = capture(|| unit(1));
    let exit = line_with(&lines, &["return"]);
    assert!(!exit.contains("return="), "{exit}");
    assert!(exit.contains("elapsed="), "{exit}");
}

#[derive(Debug)]
struct Debuggable(u8);
struct Opaque;

#[logged]
fn mixed(shown: Debuggable, hidden: Opaque) -> Opaque {
    let _ = shown.0;
    hidden
}

#[test]
fn arguments_without_debug_log_their_type_name() {
    let (_, lines) = capture(|| mixed(Debuggable(7), Opaque));
    let call = line_with(&lines, &["call"]);
    assert!(call.contains("shown=Debuggable(7)"), "{call}");
    assert!(call.contains("hidden=logged::Opaque"), "{call}");
    let exit = line_with(&lines, &["return"]);
    assert!(exit.contains("return=logged::Opaque"), "{exit}");
}

#[logged(skip(secret), redact(password))]
fn login(user: &str, password: &str, secret: u64) -> bool {
    !user.is_empty() && password.len() + secret as usize > 3
}

#[logged(skip_all, ret = false)]
fn quiet(user: &str) -> usize {
    user.len()
}

#[test]
fn skip_redact_skip_all_and_ret_false() {
    let (ok, lines) = capture(|| login("ada", "hunter2", 1));
    assert!(ok);
    let call = line_with(&lines, &["call"]);
    assert!(call.contains("user=\"ada\""), "{call}");
    assert!(call.contains("password=\"***\""), "{call}");
    assert!(
        !call.contains("hunter2") && !call.contains("secret"),
        "{call}"
    );

    let (len, lines) = capture(|| quiet("grace"));
    assert_eq!(len, 5);
    let call = line_with(&lines, &["call"]);
    assert!(!call.contains("user") && !call.contains("grace"), "{call}");
    let exit = line_with(&lines, &["return"]);
    assert!(!exit.contains("return="), "{exit}");
}

#[derive(Debug)]
enum DbError {
    Missing(u32),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Missing(id) => write!(f, "row {id} is missing"),
        }
    }
}

#[derive(Debug)]
struct DebugOnly;

#[logged]
fn lookup(id: u32) -> Result<String, DbError> {
    if id == 0 {
        return Err(DbError::Missing(0));
    }
    let found = find(id)?;
    Ok(found)
}

fn find(id: u32) -> Result<String, DbError> {
    if id > 10 {
        Err(DbError::Missing(id))
    } else {
        Ok(format!("row{id}"))
    }
}

#[logged(err = warn)]
fn debug_only_error() -> Result<(), DebugOnly> {
    Err(DebugOnly)
}

#[test]
fn errors_are_logged_with_display_on_every_exit_path() {
    let (found, lines) = capture(|| lookup(4));
    assert_eq!(found.unwrap(), "row4");
    line_with(&lines, &["INFO", "return=Ok(\"row4\")"]);

    let (early, lines) = capture(|| lookup(0));
    assert!(early.is_err());
    let error = line_with(&lines, &["error="]);
    assert!(
        error.contains("ERROR lookup: logged: error error=row 0 is missing"),
        "{error}"
    );

    let (tried, lines) = capture(|| lookup(11));
    assert!(tried.is_err());
    let error = line_with(&lines, &["error="]);
    assert!(
        error.contains("error=row 11 is missing"),
        "`?` exits are logged: {error}"
    );
    assert!(
        !lines.iter().any(|line| line.contains("return")),
        "{lines:#?}"
    );
}

#[test]
fn err_level_and_debug_fallback_for_errors() {
    let (_, lines) = capture(debug_only_error);
    let error = line_with(&lines, &["error="]);
    assert!(error.contains("WARN"), "{error}");
    assert!(error.contains("error=DebugOnly"), "{error}");
}

#[logged]
fn explode(message: &str) -> u8 {
    panic!("{message}")
}

#[test]
fn panics_are_logged_with_their_message_and_keep_unwinding() {
    let (caught, lines) = capture(|| catch_unwind(|| explode("kaboom")));
    let payload = caught.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("kaboom")
    );
    let panic = line_with(&lines, &["panic="]);
    assert!(
        panic.contains("ERROR explode: logged: panic panic=kaboom"),
        "{panic}"
    );
}

#[logged(level = debug)]
fn chatty(x: u8) -> u8 {
    x
}

#[test]
fn a_disabled_level_logs_nothing() {
    let (value, lines) = capture_at(Level::INFO, || chatty(9));
    assert_eq!(value, 9);
    assert!(lines.is_empty(), "{lines:#?}");
    let (_, lines) = capture_at(Level::DEBUG, || chatty(9));
    assert_eq!(lines.len(), 2, "{lines:#?}");
}

#[logged(name = "db.query", target = "audit", fields(table = "users", attempt = 1 + 1, who = %"ops"))]
fn query(id: u32) -> u32 {
    id
}

#[test]
fn name_target_and_fields() {
    let (_, lines) = capture(|| query(3));
    let call = line_with(&lines, &["call"]);
    assert!(
        call.contains("db.query{table=\"users\" attempt=2 who=ops}: audit: call id=3"),
        "{call}"
    );
}

struct Account {
    balance: i64,
}

impl Account {
    #[logged]
    fn deposit(&mut self, amount: i64) -> &mut i64 {
        self.balance += amount;
        &mut self.balance
    }
}

#[test]
fn methods_log_self_and_return_borrows() {
    let mut account = Account { balance: 1 };
    let (_, lines) = capture(|| {
        *account.deposit(2) += 10;
    });
    assert_eq!(account.balance, 13);
    let call = line_with(&lines, &["call"]);
    assert!(
        call.contains("self=&mut logged::Account amount=2"),
        "{call}"
    );
    line_with(&lines, &["return=3"]);
}

macro_rules! bail {
    ($msg:expr) => {
        return Err($msg.to_string())
    };
}

#[logged]
fn bails(fail: bool) -> Result<(), String> {
    if fail {
        bail!("hidden");
    }
    Ok(())
}

#[test]
fn an_err_returned_inside_a_macro_is_logged_as_an_unseen_error() {
    let (_, lines) = capture(|| bails(true));
    let error = line_with(&lines, &["ERROR"]);
    assert!(
        error.contains("returned early from inside a macro"),
        "{error}"
    );
}

#[logged]
async fn fetch(id: u32) -> Result<u32, String> {
    tracing::info!("fetching");
    if id == 0 {
        return Err("no id".into());
    }
    Ok(id * 10)
}

#[logged]
async fn stalls() {
    std::future::pending::<()>().await
}

#[test]
fn async_functions_log_entry_exit_errors_and_cancellation() {
    let (value, lines) = capture(|| block_on(fetch(4)));
    assert_eq!(value, Ok(40));
    assert_eq!(lines.len(), 3, "{lines:#?}");
    line_with(&lines, &["fetch: logged: call id=4"]);
    line_with(&lines, &["fetch: logged: fetching"]);
    line_with(&lines, &["fetch: logged: return return=Ok(40)"]);

    let (_, lines) = capture(|| block_on(fetch(0)));
    line_with(&lines, &["ERROR", "error=no id"]);

    let ((), lines) = capture(|| {
        let mut future = pin!(stalls());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
    });
    line_with(&lines, &["stalls: logged: cancelled"]);
}

#[logged]
async fn async_explode() {
    panic!("async kaboom")
}

#[test]
fn async_panics_are_logged() {
    let (caught, lines) = capture(|| catch_unwind(AssertUnwindSafe(|| block_on(async_explode()))));
    assert!(caught.is_err());
    line_with(&lines, &["ERROR", "panic=async kaboom"]);
}

#[decor::timed]
#[logged]
fn timed_outside(x: u8) -> u8 {
    x
}

#[logged]
#[decor::timed]
fn timed_inside(x: u8) -> u8 {
    x
}

#[test]
fn stacked_with_timed_in_either_order() {
    let (_, lines) = capture(|| (timed_outside(1), timed_inside(2)));
    line_with(&lines, &["timed_outside: logged: return return=1"]);
    line_with(&lines, &["timed_inside: logged: return return=2"]);
    // #[timed]'s per-call event: outside the span when #[timed] is outermost,
    // inside it when #[logged] is.
    let outside = line_with(&lines, &["function=\"logged::timed_outside\""]);
    assert!(outside.contains("DEBUG decor::timed:"), "{outside}");
    let inside = line_with(&lines, &["function=\"logged::timed_inside\""]);
    assert!(
        inside.contains("DEBUG timed_inside: decor::timed:"),
        "{inside}"
    );
    for name in ["logged::timed_outside", "logged::timed_inside"] {
        assert_eq!(decor::timers::get(name).unwrap().calls(), 1);
    }
}

#[async_trait::async_trait]
trait Store {
    async fn load(&self, key: &str) -> Result<String, String>;
}

struct MemoryStore;

#[async_trait::async_trait]
impl Store for MemoryStore {
    #[decor::timed(name = "logged::MemoryStore::load")]
    #[logged]
    async fn load(&self, key: &str) -> Result<String, String> {
        if key.is_empty() {
            return Err("empty key".into());
        }
        Ok(key.to_uppercase())
    }
}

#[test]
fn async_trait_methods_are_decorated_inside_their_boxed_future() {
    let store = MemoryStore;
    let (value, lines) = capture(|| block_on(store.load("ab")));
    assert_eq!(value.unwrap(), "AB");
    line_with(&lines, &["load: logged: call", "key=\"ab\""]);
    line_with(&lines, &["load: logged: return return=Ok(\"AB\")"]);
    let (_, lines) = capture(|| block_on(store.load("")));
    line_with(&lines, &["ERROR", "error=empty key"]);
    let stats = decor::timers::get("logged::MemoryStore::load").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
}

#[logged]
fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

#[test]
fn long_values_are_cut_at_512_characters_by_default() {
    let values = vec![1.5; 1_000_000];
    let (result, lines) = capture(|| mean(&values));
    assert_eq!(result, 1.5);
    let call = line_with(&lines, &["call"]);
    assert!(call.contains("values=[1.5, 1.5, 1.5,"), "{call}");
    assert!(call.ends_with("…(cut at 512 chars)"), "{call}");
    let logged = call.split("values=").nth(1).unwrap();
    assert_eq!(
        logged.chars().count(),
        512 + "…(cut at 512 chars)".chars().count()
    );
}

#[logged(max_len = 8)]
fn echo(text: String) -> Result<String, String> {
    if text.is_empty() {
        return Err("an empty text is not allowed here".into());
    }
    Ok(text)
}

#[logged(max_len = none)]
fn whole(values: &[u32]) -> usize {
    values.len()
}

#[test]
fn max_len_caps_arguments_return_values_and_errors_or_nothing() {
    let (_, lines) = capture(|| echo("abcdefghijkl".into()));
    line_with(&lines, &["call text=\"abcdefg…(cut at 8 chars)"]);
    line_with(&lines, &["return return=Ok(\"abcd…(cut at 8 chars)"]);
    let (_, lines) = capture(|| echo(String::new()));
    line_with(&lines, &["error=an empty…(cut at 8 chars)"]);

    let values: Vec<u32> = (0..1000).collect();
    let (_, lines) = capture(|| whole(&values));
    let call = line_with(&lines, &["call"]);
    assert!(call.ends_with("998, 999]"), "{call}");
    assert!(!call.contains("cut at"), "{call}");
}

#[logged(level = warning, err = "warning")]
fn spelled_warning(fail: bool) -> Result<(), String> {
    if fail {
        Err("bad".into())
    } else {
        Ok(())
    }
}

#[test]
fn warning_is_a_level() {
    let (_, lines) = capture(|| spelled_warning(false));
    line_with(&lines, &[" WARN spelled_warning: logged: call fail=false"]);
    let (_, lines) = capture(|| spelled_warning(true));
    line_with(&lines, &[" WARN spelled_warning: logged: error error=bad"]);
}

/// Parameters named like tracing's field macros (tracing #2278).
#[logged]
fn named_like_macros(debug: u8, display: &str) -> usize {
    usize::from(debug) + display.len()
}

#[test]
fn parameters_named_debug_and_display_are_logged() {
    let (sum, lines) = capture(|| named_like_macros(1, "ab"));
    assert_eq!(sum, 3);
    let call = line_with(&lines, &["debug=1 display=\"ab\""]);
    assert!(call.contains("call debug=1 display=\"ab\""), "{call}");
}
