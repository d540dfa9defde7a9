//! The link-time table of functions a worker can run, and the glue each
//! `processes = N` expansion hands it.
//!
//! Each decorated function puts one [`Entry`] in [`ENTRIES`], a `linkme`
//! distributed slice the linker gathers from every crate of the program.
//! Parent and worker are the same executable, so a worker finds the entry a
//! request names in its own copy of the table. Names, not addresses, cross
//! the pipe: nothing depends on where the loader put the code.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::outgoing::OutgoingRequest;
use super::{bulk, wire};

/// Decodes a call's arguments, runs it, and appends its encoded result.
pub type Handler = fn(arguments: &[u8], result: &mut Vec<u8>) -> Result<(), String>;

/// A function that worker processes can run, by name.
pub struct Entry {
    name: &'static str,
    handler: Handler,
}

impl Entry {
    /// An entry; `name` must be unique in the program, so expansions build
    /// it from the module path, the function's name and its source position.
    pub const fn new(name: &'static str, handler: Handler) -> Entry {
        Entry { name, handler }
    }

    /// The registered name.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

/// Every function of the program that may run in a worker process.
#[linkme::distributed_slice]
pub static ENTRIES: [Entry];

/// A pool's `init = path`: a `fn()` each of its workers runs once, before
/// its first call, found by `key` in `INITS` as functions are in
/// `ENTRIES`.
pub struct Init {
    key: &'static str,
    written: &'static str,
    run: fn(),
}

impl Init {
    /// `key` must be unique in the program (expansions build it from the
    /// decorated function's path and position); `written` is the path as
    /// the user wrote it, for messages.
    pub const fn new(key: &'static str, written: &'static str, run: fn()) -> Init {
        Init { key, written, run }
    }

    /// The registered name.
    pub(crate) fn key(&self) -> &'static str {
        self.key
    }

    /// The path as written, for messages.
    pub(crate) fn written(&self) -> &'static str {
        self.written
    }

    /// Runs it.
    pub(crate) fn run(&self) {
        (self.run)()
    }
}

/// Every `init` function of the program's process pools.
#[linkme::distributed_slice]
pub static INITS: [Init];

/// The `init` registered under `key`.
pub(crate) fn find_init(key: &str) -> Option<&'static Init> {
    INITS.iter().find(|init| init.key == key)
}

enum Found {
    One(Handler),
    /// Two entries share a name (one macro expanded twice at one place);
    /// running either could be the wrong one, so neither runs.
    Ambiguous,
}

fn table() -> &'static HashMap<&'static str, Found> {
    static TABLE: OnceLock<HashMap<&'static str, Found>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = HashMap::with_capacity(ENTRIES.len());
        for entry in ENTRIES.iter() {
            table
                .entry(entry.name)
                .and_modify(|found| *found = Found::Ambiguous)
                .or_insert(Found::One(entry.handler));
        }
        table
    })
}

/// The handler registered under `name`.
pub fn lookup(name: &str) -> Result<Handler, String> {
    match table().get(name) {
        Some(Found::One(handler)) => Ok(*handler),
        Some(Found::Ambiguous) => Err(format!(
            "two functions are registered as `{name}`; give them distinct names"
        )),
        None => Err(format!(
            "no function is registered as `{name}` in the worker's executable"
        )),
    }
}

/// How a `processes` function's result crosses back: encoded by the
/// worker, decoded by the parent. Each function has one, in a `static`,
/// and building it is the only place that requires `R: Crossing`, so a
/// result type that cannot cross is reported once, at the return type.
pub struct ResultWire<R> {
    encode: fn(&R, &mut Vec<u8>) -> Result<(), String>,
    decode: fn(&[u8]) -> Result<R, String>,
}

impl<R: Crossing> ResultWire<R> {
    /// The encoder and decoder of `R`.
    #[allow(clippy::new_without_default)] // built in `static`s: `const`
    pub const fn new() -> Self {
        ResultWire {
            encode: wire::encode_value::<R>,
            decode: wire::decode_value::<R>,
        }
    }
}

impl<R> ResultWire<R> {
    /// Appends `value`'s encoding to `frame`.
    pub(crate) fn encode(&self, value: &R, frame: &mut Vec<u8>) -> Result<(), String> {
        (self.encode)(value, frame)
    }

    /// The value encoded in `payload`.
    pub(crate) fn decode(&self, payload: &[u8]) -> Result<R, String> {
        (self.decode)(payload)
    }
}

/// The body of every generated `Handler`: `call` takes the arguments from
/// [`Arguments`] one by one, runs the function and hands back its result,
/// which is encoded (by `wire`) after the response header already in
/// `result`.
pub fn serve<R>(
    wire: &ResultWire<R>,
    arguments: &[u8],
    result: &mut Vec<u8>,
    call: impl FnOnce(&mut Arguments<'_>) -> Result<R, String>,
) -> Result<(), String> {
    let value = call(&mut Arguments { rest: arguments })?;
    wire.encode(&value, result)
}

/// A call's encoded arguments, decoded one parameter at a time, so each
/// parameter's type is checked (and reported) on its own.
pub struct Arguments<'a> {
    rest: &'a [u8],
}

impl Arguments<'_> {
    /// The next argument, as a `T`; `P` names the parameter (a marker type
    /// named after it, for the compiler's message).
    pub fn take<T: Receives<P>, P>(&mut self) -> Result<T, String> {
        let (value, rest) = wire::take_value::<T>(self.rest)?;
        self.rest = rest;
        Ok(value)
    }
}

impl<'a> Arguments<'a> {
    /// The next argument for a `&[E]` parameter: the received bytes
    /// themselves when `E` is a plain number type and they are aligned for
    /// it (no copy), a decoded `Vec<E>` otherwise. `P` names the parameter.
    pub fn take_slice<E, P>(&mut self) -> Result<Slice<'a, E>, String>
    where
        Vec<E>: Receives<P>,
    {
        if let Some(borrowed) = bulk::borrow_slice::<E>(self.rest) {
            let (slice, rest) = borrowed?;
            self.rest = rest;
            return Ok(Slice::Borrowed(slice));
        }
        self.take::<Vec<E>, P>().map(Slice::Owned)
    }

    /// The next argument for a `&str` parameter, borrowed from the received
    /// bytes. `P` names the parameter.
    pub fn take_str<P>(&mut self) -> Result<&'a str, String>
    where
        String: Receives<P>,
    {
        let (text, rest) = bulk::borrow_str(self.rest)?;
        self.rest = rest;
        Ok(text)
    }
}

/// A `&[E]` parameter's value in the worker (see [`Arguments::take_slice`]).
pub enum Slice<'a, E> {
    /// The received bytes, in place.
    Borrowed(&'a [E]),
    /// Decoded.
    Owned(Vec<E>),
}

impl<E> std::ops::Deref for Slice<'_, E> {
    type Target = [E];

    fn deref(&self) -> &[E] {
        match self {
            Slice::Borrowed(slice) => slice,
            Slice::Owned(vec) => vec,
        }
    }
}

/// Appends one argument to a request: `value` as the worker will decode it,
/// a `W`. A value is sent as itself, a `[T]` as a `Vec<T>`, a `str` as a
/// `String`; the worker passes the function a reference to what it decodes.
/// `P` names the parameter, as in [`Arguments::take`].
pub fn send<'a, W, P, V>(value: &'a V, request: &mut OutgoingRequest<'a>) -> Result<(), String>
where
    V: SendsAs<W, P> + ?Sized,
{
    wire::encode_argument(value, request)
}

/// [`send`] without lending: `value`'s bytes are copied into the request
/// now. For a `#[parallel]` chunk the expansion owns (a `Vec` or range),
/// which does not live until the request is sent.
pub fn send_copied<W, P, V>(value: &V, request: &mut OutgoingRequest<'_>) -> Result<(), String>
where
    V: SendsAs<W, P> + ?Sized,
{
    wire::encode_value(value, request.frame_mut())
}

/// Values the parent sends for parameter `P` that cross as a `W` (see
/// [`send`]).
#[diagnostic::on_unimplemented(
    message = "the argument `{P}` cannot cross to a worker process: `{Self}` is not `Serialize + DeserializeOwned`",
    label = "`{P}` is sent to a worker process, so its type must implement `serde::Serialize` and `serde::de::DeserializeOwned`",
    note = "derive both with `#[derive(serde::Serialize, serde::Deserialize)]`, or run this function on threads instead of `processes`"
)]
pub trait SendsAs<W, P>: Serialize {}

// `do_not_recommend`: a type that cannot cross is reported once, as itself,
// with the message above, not once per missing serde trait.
#[diagnostic::do_not_recommend]
impl<T: Crossing, P> SendsAs<T, P> for T {}
#[diagnostic::do_not_recommend]
impl<T: Crossing, P> SendsAs<Vec<T>, P> for [T] {}
#[diagnostic::do_not_recommend]
impl<P> SendsAs<String, P> for str {}

/// Types a worker decodes for parameter `P` (see [`Arguments::take`]).
#[diagnostic::on_unimplemented(
    message = "the argument `{P}` cannot cross to a worker process: `{Self}` is not `Serialize + DeserializeOwned`",
    label = "`{P}` is decoded in a worker process, so its type must implement `serde::Serialize` and `serde::de::DeserializeOwned`",
    note = "derive both with `#[derive(serde::Serialize, serde::Deserialize)]`, or run this function on threads instead of `processes`"
)]
pub trait Receives<P>: DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: Crossing, P> Receives<P> for T {}

/// Types that may cross to a worker process and back: every
/// `Serialize + DeserializeOwned` type, implemented for all of them.
/// Required of a `processes` function's result.
///
/// A type of your own crosses once it derives `serde::Serialize` and
/// `serde::Deserialize` (serde's `derive` feature). A type of another crate
/// that does not implement them cannot be given them here (Rust's orphan
/// rule): convert it to one that does, as with `io::Error` below.
///
/// ```no_run
/// #[decor::spawn(processes = 2)]
/// fn file_len(path: String) -> Result<u64, String> {
///     std::fs::metadata(path).map(|m| m.len()).map_err(|e| e.to_string())
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "the result `{Self}` cannot cross back from a worker process",
    label = "returned from a worker process, so it must implement `serde::Serialize` and `serde::de::DeserializeOwned`",
    note = "a type of your own: add `#[derive(serde::Serialize, serde::Deserialize)]` (serde's `derive` feature)",
    note = "a type of another crate, such as `std::io::Error`, cannot derive them here: convert it, e.g. `.map_err(|e| e.to_string())` to return `Result<T, String>`, or into a type of your own that derives them",
    note = "or run this function on threads instead of `processes`"
)]
pub trait Crossing: Serialize + DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: Serialize + DeserializeOwned> Crossing for T {}
