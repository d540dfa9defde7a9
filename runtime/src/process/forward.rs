//! Logging across the process boundary: the events a call logs in a worker
//! reach the parent's subscriber as children of the caller's span.
//!
//! - **Parent, at the call.** If any subscriber of the parent wants any
//!   level (one load of `tracing`'s global maximum; nothing more when none
//!   does), the call keeps the caller's dispatcher and current span
//!   ([`Context`]) and the request carries that maximum level.
//! - **Worker.** A worker always runs the subscriber [`install`] sets: a
//!   span registry and a layer that, for events and spans on the thread
//!   running a call and at or below the call's level, writes each event as
//!   an event frame on the response pipe, with its target, level, fields
//!   and the worker-side span scope as text. Levels above the parent's
//!   maximum are disabled at their callsites, so they cost what a disabled
//!   event costs. The level changes (and callsite interest is rebuilt) only
//!   when a request asks for another.
//! - **Parent, reader thread.** Each event frame is dispatched ([`emit`])
//!   to the caller's dispatcher with the caller's span as its explicit
//!   parent, so any subscriber (decor's fmt one, a JSON layer, a test's
//!   capturing one) sees it inside that span, and filters it by its own
//!   target and level: each distinct (target, level, name, fields) gets a
//!   callsite of its own, made once and kept, so filters by target keep
//!   working. Values cross as integers, floats, booleans, strings or, for
//!   everything else, the text `{:?}` makes of them (displayed as is). Two
//!   fields are added: `worker.spans` (the worker-side span scope, when there
//!   is one) and `worker.pid`.
//!
//! Events logged by other threads the call's code starts in the worker
//! belong to no call: they never cross. When decor installed the parent's
//! subscriber, the worker writes them to its own stderr (which is the
//! parent's) through a fmt layer with the parent's filter, as it writes
//! anything logged outside calls; otherwise they are dropped.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use parking_lot::Mutex;
use tracing::callsite::{Callsite, Identifier};
use tracing::field::{Field, FieldSet, Value, Visit};
use tracing::level_filters::LevelFilter;
use tracing::metadata::Kind;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Span, Subscriber};
use tracing_subscriber::layer::{Context as LayerContext, Filter, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use super::wire::{self, Status};

// ----- Parent ---------------------------------------------------------------

/// Where a call's forwarded events go: the caller's dispatcher, inside the
/// caller's span. Kept with the call until it ends.
pub(crate) struct Context {
    dispatch: Dispatch,
    span: Span,
}

impl Context {
    /// The calling thread's dispatcher and current span.
    pub(crate) fn current() -> Context {
        Context {
            dispatch: tracing::dispatcher::get_default(Dispatch::clone),
            span: Span::current(),
        }
    }
}

/// A field's value as it crosses: how to read `bits` and `text`.
mod kind {
    /// `text` is what `{:?}` printed; the parent displays it as is.
    pub const TEXT: u8 = 0;
    /// `text` is a string value.
    pub const STR: u8 = 1;
    /// `bits` is an `i64`.
    pub const I64: u8 = 2;
    /// `bits` is a `u64`.
    pub const U64: u8 = 3;
    /// `bits` are an `f64`'s.
    pub const F64: u8 = 4;
    /// `bits` is 0 or 1.
    pub const BOOL: u8 = 5;
}

/// One field as it crosses: name, kind, bits, text.
type WireField<S> = (S, u8, u64, S);

/// An event as it crosses (see `wire`): level, target, name, module path,
/// file, line, span scope, fields.
type WireEvent<S> = (
    u8,
    S,
    S,
    Option<S>,
    Option<S>,
    Option<u32>,
    S,
    Vec<WireField<S>>,
);

/// A callsite made in the parent for events of one shape logged in
/// workers; leaked, as callsites live for the program.
///
/// It caches no interest: the dispatcher an event goes to is the caller's,
/// which may not be the one asked when the callsite was registered, so each
/// event asks its dispatcher (`enabled`), as a span-filtered subscriber
/// would be asked anyway.
struct Forwarded {
    meta: OnceLock<Metadata<'static>>,
}

impl Callsite for Forwarded {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        self.meta
            .get()
            .expect("set before the callsite is registered")
    }
}

/// What makes two forwarded events share a callsite.
#[derive(PartialEq, Eq, Hash)]
struct Shape {
    level: u8,
    target: String,
    name: String,
    module_path: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    fields: Vec<String>,
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The metadata of events of `shape`, its callsite made and registered on
/// first use.
fn callsite(shape: Shape) -> &'static Metadata<'static> {
    static CALLSITES: OnceLock<Mutex<HashMap<Shape, &'static Forwarded>>> = OnceLock::new();
    let mut callsites = CALLSITES.get_or_init(Default::default).lock();
    if let Some(found) = callsites.get(&shape) {
        return found.metadata_static();
    }
    let names: Vec<&'static str> = shape.fields.iter().cloned().map(leak).collect();
    let level = wire::level_filter(shape.level)
        .into_level()
        .unwrap_or(Level::TRACE);
    let callsite: &'static Forwarded = Box::leak(Box::new(Forwarded {
        meta: OnceLock::new(),
    }));
    let _ = callsite.meta.set(Metadata::new(
        leak(shape.name.clone()),
        leak(shape.target.clone()),
        level,
        shape.file.clone().map(leak),
        shape.line,
        shape.module_path.clone().map(leak),
        FieldSet::new(names.leak(), Identifier(callsite)),
        Kind::EVENT,
    ));
    // Registered after the lock is released: registering asks subscribers,
    // whose code must not run under it.
    callsites.insert(shape, callsite);
    drop(callsites);
    tracing::callsite::register(callsite);
    callsite.metadata_static()
}

impl Forwarded {
    fn metadata_static(&'static self) -> &'static Metadata<'static> {
        self.meta.get().expect("set when made")
    }
}

/// A decoded field value, borrowed from the frame, ready to record.
enum Owned<'a> {
    Text(tracing::field::DisplayValue<&'a str>),
    Str(&'a str),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

impl Owned<'_> {
    fn value(&self) -> &dyn Value {
        match self {
            Owned::Text(text) => text,
            Owned::Str(text) => text,
            Owned::I64(value) => value,
            Owned::U64(value) => value,
            Owned::F64(value) => value,
            Owned::Bool(value) => value,
        }
    }
}

/// In the parent: dispatches the event of an event frame from worker
/// process `pid`, inside the caller's span when `context` is the call's.
pub(crate) fn emit(context: Option<&Context>, pid: u32, payload: &[u8]) -> Result<(), String> {
    let (level, target, name, module_path, file, line, spans, fields): WireEvent<String> =
        wire::decode(payload)?;
    let event_level = wire::level_filter(level);
    if event_level > LevelFilter::current() {
        return Ok(());
    }
    let mut names: Vec<String> = fields.iter().map(|field| field.0.clone()).collect();
    if !spans.is_empty() {
        names.push("worker.spans".to_owned());
    }
    names.push("worker.pid".to_owned());
    let shape = Shape {
        level,
        target,
        name,
        module_path,
        file,
        line,
        fields: names,
    };
    let mut values: Vec<Owned<'_>> = fields
        .iter()
        .map(|(_, kind, bits, text)| match *kind {
            kind::STR => Owned::Str(text.as_str()),
            kind::I64 => Owned::I64(*bits as i64),
            kind::U64 => Owned::U64(*bits),
            kind::F64 => Owned::F64(f64::from_bits(*bits)),
            kind::BOOL => Owned::Bool(*bits != 0),
            _ => Owned::Text(tracing::field::display(text.as_str())),
        })
        .collect();
    if !spans.is_empty() {
        values.push(Owned::Text(tracing::field::display(spans.as_str())));
    }
    values.push(Owned::U64(u64::from(pid)));
    let values: Vec<Option<&dyn Value>> = values.iter().map(|value| Some(value.value())).collect();
    let parent = context.and_then(|context| context.span.id());
    let send = |dispatch: &Dispatch, shape: Shape| {
        // Made with the caller's dispatcher as this thread's default: with
        // a single dispatcher, `tracing` asks only the current thread's
        // default about a new callsite, and this thread has none of its own.
        let meta = callsite(shape);
        if dispatch.enabled(meta) {
            let fields = meta.fields().value_set_all(&values);
            dispatch.event(&Event::new_child_of(parent.clone(), meta, &fields));
        }
    };
    match context {
        Some(context) => {
            tracing::dispatcher::with_default(&context.dispatch, || send(&context.dispatch, shape))
        }
        None => {
            let mut shape = Some(shape);
            tracing::dispatcher::get_default(|dispatch| {
                if let Some(shape) = shape.take() {
                    send(dispatch, shape);
                }
            });
        }
    }
    Ok(())
}

// ----- Worker ---------------------------------------------------------------

/// The most verbose level the current call's parent wants, as a `log` byte.
static LEVEL: AtomicU8 = AtomicU8::new(0);

/// The response pipe, once the worker serves.
static PIPE: OnceLock<File> = OnceLock::new();

thread_local! {
    /// The id of the call this thread is running, if it is running one.
    static CALL: Cell<Option<u64>> = const { Cell::new(None) };
}

/// In a worker: keeps the response pipe where the forwarding layer finds
/// it, and returns it.
pub(crate) fn set_pipe(pipe: File) -> &'static File {
    PIPE.get_or_init(|| pipe)
}

/// In a worker, before each call: forwards events up to the level the
/// request asked for. Rebuilding callsite interest is costly, so it is done
/// only when the level changes.
pub(crate) fn set_level(log: u8) {
    if LEVEL.swap(log, Ordering::Relaxed) != log {
        tracing::callsite::rebuild_interest_cache();
    }
}

/// While alive, events on this thread belong to call `id`.
pub(crate) struct OnCall(());

impl OnCall {
    pub(crate) fn enter(id: u64) -> OnCall {
        CALL.set(Some(id));
        OnCall(())
    }
}

impl Drop for OnCall {
    fn drop(&mut self) {
        CALL.set(None);
    }
}

fn on_call() -> bool {
    CALL.get().is_some()
}

/// In a worker, before anything else: the forwarding subscriber, and, when
/// the parent runs decor's subscriber (`directives` is its filter), a fmt
/// layer with that filter for events outside calls.
pub(crate) fn install(directives: Option<&str>) {
    let stderr = directives
        .and_then(|directives| tracing_subscriber::EnvFilter::try_new(directives).ok())
        .map(|filter| {
            use tracing_subscriber::filter::FilterExt as _;
            let hint = Filter::<tracing_subscriber::Registry>::max_level_hint(&filter)
                .unwrap_or(LevelFilter::TRACE);
            let off_call =
                tracing_subscriber::filter::filter_fn(|_| !on_call()).with_max_level_hint(hint);
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(crate::init::colours())
                .with_filter(filter.and(off_call))
        });
    let subscriber = tracing_subscriber::registry()
        .with(Forward.with_filter(ForCall))
        .with(stderr);
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The forwarding layer's filter: on a call's thread, up to its level.
struct ForCall;

impl<S> Filter<S> for ForCall {
    fn enabled(&self, meta: &Metadata<'_>, _: &LayerContext<'_, S>) -> bool {
        wire::level_filter(LEVEL.load(Ordering::Relaxed)) >= *meta.level() && on_call()
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> Interest {
        if wire::level_filter(LEVEL.load(Ordering::Relaxed)) >= *meta.level() {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(wire::level_filter(LEVEL.load(Ordering::Relaxed)))
    }
}

/// A worker-side span's fields as text, `a=1 b="x"`.
struct SpanFields(String);

/// Writes the events it sees to the response pipe as event frames.
struct Forward;

impl<S> Layer<S> for Forward
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut text = String::new();
            attributes.record(&mut AsText(&mut text));
            span.extensions_mut().insert(SpanFields(text));
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(SpanFields(text)) = extensions.get_mut::<SpanFields>() {
                values.record(&mut AsText(text));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: LayerContext<'_, S>) {
        let (Some(call), Some(mut pipe)) = (CALL.get(), PIPE.get()) else {
            return;
        };
        let mut spans = String::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if !spans.is_empty() {
                    spans.push(':');
                }
                spans.push_str(span.name());
                if let Some(SpanFields(text)) = span.extensions().get::<SpanFields>() {
                    if !text.is_empty() {
                        let _ = write!(spans, "{{{text}}}");
                    }
                }
            }
        }
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        let meta = event.metadata();
        let crossing: WireEvent<&str> = (
            wire::log_level(LevelFilter::from_level(*meta.level())),
            meta.target(),
            meta.name(),
            meta.module_path(),
            meta.file(),
            meta.line(),
            &spans,
            fields
                .0
                .iter()
                .map(|(name, kind, bits, text)| (*name, *kind, *bits, text.as_str()))
                .collect(),
        );
        let mut frame = Vec::new();
        wire::response(&mut frame, call, Status::Event);
        if wire::encode_into(&crossing, &mut frame).is_ok() {
            wire::seal(&mut frame);
            // Only the thread running a call gets here, and it is the one
            // that writes responses: frames never interleave. A failed
            // write means the parent is gone; the call's response will
            // fail the same way.
            let _ = pipe.write_all(&frame);
        }
    }
}

/// Appends fields as ` name=value`, values as `{:?}` prints them.
struct AsText<'a>(&'a mut String);

impl Visit for AsText<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        let _ = write!(self.0, "{}={value:?}", field.name());
    }
}

/// An event's fields as they cross.
struct Fields(Vec<(&'static str, u8, u64, String)>);

impl Visit for Fields {
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0
            .push((field.name(), kind::I64, value as u64, String::new()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push((field.name(), kind::U64, value, String::new()));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0
            .push((field.name(), kind::F64, value.to_bits(), String::new()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0
            .push((field.name(), kind::BOOL, u64::from(value), String::new()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name(), kind::STR, 0, value.to_owned()));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .push((field.name(), kind::TEXT, 0, value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .push((field.name(), kind::TEXT, 0, format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// An event frame decoded on another thread, as the reader thread does,
    /// lands in the caller's subscriber inside the caller's span.
    #[test]
    fn an_event_frame_is_dispatched_inside_the_callers_span_with_its_fields() {
        let event: WireEvent<&str> = (
            wire::log_level(LevelFilter::DEBUG),
            "my_crate::io",
            "event src/io.rs:3",
            Some("my_crate::io"),
            Some("src/io.rs"),
            Some(3),
            r#"load{path="a"}"#,
            vec![
                ("message", kind::TEXT, 0, "reading"),
                ("bytes", kind::U64, 21, ""),
                ("name", kind::STR, 0, "x"),
                ("neg", kind::I64, (-3i64) as u64, ""),
                ("ratio", kind::F64, 0.5f64.to_bits(), ""),
                ("ok", kind::BOOL, 1, ""),
                ("shape", kind::TEXT, 0, "Circle { r: 1 }"),
            ],
        );
        let mut payload = Vec::new();
        wire::encode_into(&event, &mut payload).unwrap();

        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(Level::TRACE)
            .with_ansi(false)
            .without_time()
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let context = tracing::info_span!("handler", req = 7).in_scope(Context::current);
            std::thread::scope(|scope| {
                scope.spawn(|| emit(Some(&context), 42, &payload).unwrap());
            });
        });
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert_eq!(
            text.trim_start(),
            "DEBUG handler{req=7}: my_crate::io: reading bytes=21 name=\"x\" neg=-3 \
             ratio=0.5 ok=true shape=Circle { r: 1 } worker.spans=load{path=\"a\"} \
             worker.pid=42\n"
        );
    }

    #[test]
    fn a_malformed_event_frame_is_an_error() {
        assert!(emit(None, 1, &[0xff, 0xff]).is_err());
    }
}
