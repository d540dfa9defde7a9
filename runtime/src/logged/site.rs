//! The static a `#[logged]` function keeps: its span and event callsites,
//! built in `const` context from what the macro read, and the one place the
//! event schema is written.

use std::fmt;
use std::time::Duration;

use tracing::callsite::{DefaultCallsite, Identifier};
use tracing::field::{debug, FieldSet, Value};
use tracing::metadata::Kind;
use tracing::{Event, Level, Metadata, Span};

use super::capped::{Capped, CappedText};
use super::guard::Guard;
use super::{level_enabled, panic_hook, Exit};
use crate::probe::{DebugOrName, ErrorText};

/// What the macro knows about one `#[logged]` function; every field is a
/// constant of the expansion.
pub struct Spec {
    /// The span's name: the function's, or `name = "..."`.
    pub name: &'static str,
    /// The events' target: the function's module, or `target = "..."`.
    pub target: &'static str,
    /// `module_path!()` where the function is written.
    pub module_path: &'static str,
    /// `file!()` and `line!()` of the attribute.
    pub file: &'static str,
    /// See `file`.
    pub line: u32,
    /// The events' name, `"event <file>:<line>"` as `tracing` spells it.
    pub event: &'static str,
    /// The level of the span and of the `call`, `return` and `cancelled`
    /// events.
    pub level: Level,
    /// The level of the `error` event (`err = warn`).
    pub err_level: Level,
    /// The `call` event's fields: `"message"`, then each logged parameter.
    pub arguments: &'static [&'static str],
    /// The span's fields (`fields(key = value, ...)`).
    pub fields: &'static [&'static str],
    /// The cap on each logged value, in characters; `usize::MAX` for none.
    pub max_len: usize,
}

/// One span or event callsite: its metadata, and `tracing`'s registration
/// and cached interest for it. The two refer to each other, as in the
/// statics `tracing`'s macros write.
pub struct Point {
    callsite: DefaultCallsite,
    meta: Metadata<'static>,
}

impl Point {
    const fn new(
        this: &'static Point,
        spec: &Spec,
        name: &'static str,
        level: Level,
        fields: &'static [&'static str],
        kind: Kind,
    ) -> Point {
        Point {
            callsite: DefaultCallsite::new(&this.meta),
            meta: Metadata::new(
                name,
                spec.target,
                level,
                Some(spec.file),
                Some(spec.line),
                Some(spec.module_path),
                FieldSet::new(fields, Identifier(&this.callsite)),
                kind,
            ),
        }
    }

    /// Whether a subscriber wants this span or event now: the level against
    /// the global maximum, then the callsite's cached interest, then (when
    /// the interest is "sometimes") the current dispatcher.
    fn enabled(&'static self) -> bool {
        if !level_enabled(*self.meta.level()) {
            return false;
        }
        let interest = self.callsite.interest();
        !interest.is_never()
            && (interest.is_always()
                || tracing::dispatcher::get_default(|current| current.enabled(&self.meta)))
    }

    /// Dispatches the event with `values`, one per field in order (`None`
    /// leaves a field out), if it is enabled.
    fn emit(&'static self, values: &[Option<&dyn Value>]) {
        if self.enabled() {
            Event::dispatch(&self.meta, &self.meta.fields().value_set_all(values));
        }
    }
}

// The schema of the exit events: field names, in order. `function` is
// filled only when the call's level was disabled: then no span names it.
const RETURN: &[&str] = &["message", "return", "elapsed"];
const ERROR: &[&str] = &["message", "error", "elapsed", "function"];
const PANIC: &[&str] = &["message", "panic", "elapsed", "function"];
const CANCELLED: &[&str] = &["message", "elapsed"];

/// Everything one `#[logged]` function logs with: a span and five events.
/// Built by [`Site::new`] into a static beside the function.
pub struct Site {
    span: Point,
    call: Point,
    ret: Point,
    error: Point,
    panic: Point,
    cancelled: Point,
    max_len: usize,
}

impl Site {
    /// The site of one function; `this` is the static being initialised,
    /// which its callsites point back into.
    pub const fn new(this: &'static Site, spec: Spec) -> Site {
        Site {
            span: Point::new(
                &this.span,
                &spec,
                spec.name,
                spec.level,
                spec.fields,
                Kind::SPAN,
            ),
            call: Point::new(
                &this.call,
                &spec,
                spec.event,
                spec.level,
                spec.arguments,
                Kind::EVENT,
            ),
            ret: Point::new(
                &this.ret,
                &spec,
                spec.event,
                spec.level,
                RETURN,
                Kind::EVENT,
            ),
            error: Point::new(
                &this.error,
                &spec,
                spec.event,
                spec.err_level,
                ERROR,
                Kind::EVENT,
            ),
            panic: Point::new(
                &this.panic,
                &spec,
                spec.event,
                Level::ERROR,
                PANIC,
                Kind::EVENT,
            ),
            cancelled: Point::new(
                &this.cancelled,
                &spec,
                spec.event,
                spec.level,
                CANCELLED,
                Kind::EVENT,
            ),
            max_len: spec.max_len,
        }
    }

    /// Opens the call's span, logs the `call` event inside it with the
    /// arguments, and returns the span. `fields` are the span's values.
    #[cold]
    #[inline(never)]
    pub fn open(
        &'static self,
        arguments: &[DebugOrName<'_>],
        fields: &[Option<&dyn Value>],
    ) -> Span {
        panic_hook::install();
        let span = if self.span.enabled() {
            Span::new(
                &self.span.meta,
                &self.span.meta.fields().value_set_all(fields),
            )
        } else {
            Span::none()
        };
        if self.call.enabled() {
            let _entered = span.enter();
            let message = format_args!("call");
            let capped: Vec<_> = arguments
                .iter()
                .map(|argument| debug(Capped::new(argument, self.max_len)))
                .collect();
            let mut values: Vec<Option<&dyn Value>> = Vec::with_capacity(capped.len() + 1);
            values.push(Some(&message));
            values.extend(capped.iter().map(|value| Some(value as &dyn Value)));
            self.call.emit(&values);
        }
        span
    }

    /// The guard of a synchronous call: `span` is what [`Site::open`]
    /// returned when the level is enabled (the guard enters it and starts
    /// the clock), `None` when it is disabled (the guard logs only an `Err`
    /// or a panic, if their level is enabled).
    #[inline(always)]
    pub fn guard(&'static self, returns_result: bool, span: Option<Span>) -> Guard {
        match span {
            Some(span) => Guard::active(self, span, returns_result),
            None => Guard::quiet(self, returns_result),
        }
    }

    /// Logs how a call ended, inside its span if one is entered. `elapsed`
    /// is `None` for a call whose level was disabled: no clock was read and
    /// no span was opened, so the event names the function itself.
    #[cold]
    #[inline(never)]
    pub(crate) fn exit(&'static self, exit: Exit<'_>, elapsed: Option<Duration>) {
        let function = self.span.meta.name();
        let function = match elapsed {
            Some(_) => None,
            None => Some(&function as &dyn Value),
        };
        let elapsed = elapsed.map(debug);
        let elapsed = elapsed.as_ref().map(|value| value as &dyn Value);
        match exit {
            Exit::Return(value) => {
                let message = format_args!("return");
                let value = value
                    .as_ref()
                    .map(|value| debug(Capped::new(value, self.max_len)));
                let value = value.as_ref().map(|value| value as &dyn Value);
                self.ret.emit(&[Some(&message), value, elapsed]);
            }
            Exit::Error(error) => {
                let message = format_args!("error");
                let error = debug(CappedText::new(&error, self.max_len));
                self.error
                    .emit(&[Some(&message), Some(&error), elapsed, function]);
            }
            Exit::Panic(text) => {
                let message = format_args!("panic");
                let text = debug(CappedText::new(&text, self.max_len));
                self.panic
                    .emit(&[Some(&message), Some(&text), elapsed, function]);
            }
            Exit::Cancelled => {
                let message = format_args!("cancelled");
                self.cancelled.emit(&[Some(&message), elapsed]);
            }
        }
    }

    /// Logs the panic this thread is unwinding with.
    #[cold]
    #[inline(never)]
    pub(crate) fn panicked(&'static self, elapsed: Option<Duration>) {
        panic_hook::with_message(|message| self.exit(Exit::Panic(message), elapsed));
    }

    /// Logs the `Err` of a call that ended without passing a visible exit
    /// (returned from inside another macro, such as `bail!`).
    #[cold]
    #[inline(never)]
    pub(crate) fn unseen_error(&'static self, elapsed: Option<Duration>) {
        self.exit(Exit::Error(ErrorText::Unseen), elapsed);
    }
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Site")
            .field("span", &self.span.meta.name())
            .field("target", &self.span.meta.target())
            .field("level", self.span.meta.level())
            .finish_non_exhaustive()
    }
}
