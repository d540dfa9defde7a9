//! The shapes of `tracing-attributes`' own test suite and of its issue
//! regressions, under `#[timed]`, `#[logged]` and both stacked (each
//! order): each must compile as undecorated, return what it returns, be
//! counted by the timer and logged with its `return` value.

mod common;

use common::{block_on, capture, line_with};
use decor::{logged, timed};

// --- tracing #3306: a glob import in the body shadows the return type ------

type Score = u8;

#[allow(dead_code)]
enum Grade {
    Score,
    Fail,
}

#[timed]
fn grade_timed(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        Fail => 10,
    }
}

#[logged]
fn grade_logged(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        Fail => 10,
    }
}

#[timed]
#[logged]
fn grade_timed_logged(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        Fail => 10,
    }
}

#[logged]
#[timed]
fn grade_logged_timed(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        Fail => 10,
    }
}

#[logged]
#[timed]
async fn grade_async(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        Fail => 10,
    }
}

#[derive(Debug)]
struct ParseScore;

/// `Result` through an alias the glob import shadows too, with `?` and an
/// early `return`: the error is still counted.
#[timed]
#[logged]
fn grade_checked(g: Option<Grade>) -> Result<Score, ParseScore> {
    use Grade::*;
    let g = g.ok_or(ParseScore)?;
    if let Fail = g {
        return Ok(10);
    }
    Ok(90)
}

impl std::fmt::Display for ParseScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no grade")
    }
}

fn timer(name: &str) -> decor::timers::TimerStats {
    decor::timers::get(&format!("peer_shapes::{name}")).expect(name)
}

#[test]
fn glob_import_shadowing_the_return_type() {
    assert_eq!(grade_timed(Grade::Score), 90);
    assert_eq!(grade_timed(Grade::Fail), 10);
    assert_eq!(timer("grade_timed").calls(), 2);

    for (f, name) in [
        (grade_logged as fn(Grade) -> Score, "grade_logged"),
        (grade_timed_logged, "grade_timed_logged"),
        (grade_logged_timed, "grade_logged_timed"),
        (|g| block_on(grade_async(g)), "grade_async"),
    ] {
        let (score, lines) = capture(|| f(Grade::Score));
        assert_eq!(score, 90, "{name}");
        line_with(&lines, &[name, "return=90"]);
    }
    assert_eq!(timer("grade_timed_logged").calls(), 1);
    assert_eq!(timer("grade_logged_timed").calls(), 1);
    assert_eq!(timer("grade_async").calls(), 1);

    assert_eq!(grade_checked(Some(Grade::Fail)).ok(), Some(10));
    assert_eq!(grade_checked(Some(Grade::Score)).ok(), Some(90));
    let (result, lines) = capture(|| grade_checked(None));
    assert!(result.is_err());
    line_with(&lines, &["grade_checked", "error=no grade"]);
    let checked = timer("grade_checked");
    assert_eq!((checked.calls(), checked.errors()), (3, 1));
}

// --- The shapes of tracing-attributes' suite, four ways each -------------
//
// `four_ways!` writes a function four times, in modules `timed`, `logged`,
// `timed_logged` and `logged_timed`, under those decorators. Its tokens are
// the ones written here (`tt`s keep their spans), so each copy is the
// shape as written, not a macro's.

macro_rules! four_ways {
    ($($item:tt)*) => {
        pub mod timed {
            #[allow(unused_imports)]
            use {super::*, crate::*};
            #[decor::timed]
            $($item)*
        }
        pub mod logged {
            #[allow(unused_imports)]
            use {super::*, crate::*};
            #[decor::logged]
            $($item)*
        }
        pub mod timed_logged {
            #[allow(unused_imports)]
            use {super::*, crate::*};
            #[decor::timed]
            #[decor::logged]
            $($item)*
        }
        pub mod logged_timed {
            #[allow(unused_imports)]
            use {super::*, crate::*};
            #[decor::logged]
            #[decor::timed]
            $($item)*
        }
    };
}

/// Calls `shape::way::f(args)` (awaited when written `.await`) the four
/// ways and asserts the value; the three timed ways count the call, the
/// three logged ways log its exit event.
macro_rules! check {
    ($($shape:ident)::+ => $f:ident ( $($arg:expr),* ) $(.$await:ident)? == $want:expr) => {{
        check!(@one [$($shape)::+] timed $f ($($arg),*) [$($await)?] == $want);
        check!(@one [$($shape)::+] logged $f ($($arg),*) [$($await)?] == $want);
        check!(@one [$($shape)::+] timed_logged $f ($($arg),*) [$($await)?] == $want);
        check!(@one [$($shape)::+] logged_timed $f ($($arg),*) [$($await)?] == $want);
    }};
    (@one [$($shape:ident)::+] $way:ident $f:ident ( $($arg:expr),* ) [$($await:ident)?] == $want:expr) => {{
        let way = stringify!($way);
        let shape = stringify!($($shape)::+);
        let (value, lines) = capture(|| block_on(async { $($shape::)+ $way::$f($($arg),*) $(.$await)? }));
        assert_eq!(value, $want, "{shape}::{way}");
        if way.contains("logged") {
            let exit = |line: &&String| {
                line.contains(concat!(stringify!($f), ": "))
                    && (line.contains(": return ") || line.contains(": error "))
            };
            assert_eq!(lines.iter().filter(exit).count(), 1, "{lines:#?}");
        }
        if way.contains("timed") {
            let name = format!("peer_shapes::{}::{way}::{}", shape.replace(' ', ""), stringify!($f));
            let calls = decor::timers::get(&name).map_or(0, |stats| stats.calls());
            assert!(calls >= 1, "{name} not counted");
        }
    }};
}

mod named {
    four_ways! {
        pub fn show(debug: u32, display: &str) -> String {
            format!("{debug} {display}")
        }
    }
}

#[test]
fn parameters_named_debug_and_display() {
    // tracing #2278: `debug` and `display` are tracing's field helpers.
    check!(named => show(1, "x") == "1 x");
}

// --- destructuring.rs: patterns in parameters -----------------------------

pub struct Point {
    pub x: i32,
    pub y: i32,
}

pub struct Pair(pub u32, pub u32);

mod tuple {
    four_ways! {
        pub fn tuple((a, b): (u32, u32)) -> u32 {
            a + b
        }
    }
}

mod nested {
    four_ways! {
        pub fn nested(((a, b), (c, d)): ((u32, u32), (u32, u32)), &(e, _): &(u32, u8)) -> u32 {
            a + b + c + d + e
        }
    }
}

mod strukt {
    four_ways! {
        pub fn strukt(Point { x, y: why }: Point, Pair(p, ..): Pair, _: ()) -> i32 {
            x * why + i32::try_from(p).unwrap()
        }
    }
}

mod muts {
    four_ways! {
        pub fn muts(mut v: Vec<u32>, mut x: u32) -> Vec<u32> {
            x += 1;
            v.push(x);
            v.sort_unstable();
            v
        }
    }
}

#[test]
fn patterns_in_parameters() {
    check!(tuple => tuple((1, 2)) == 3);
    check!(nested => nested(((1, 2), (3, 4)), &(5, 0)) == 15);
    check!(strukt => strukt(Point { x: 2, y: 3 }, Pair(4, 0), ()) == 10);
    check!(muts => muts(vec![9, 1], 4) == vec![1, 5, 9]);
}

// --- instrument.rs / ret.rs: generics, lifetimes, `impl Trait`, `unsafe`,
// const generics, names a generic shadows --------------------------------

mod generic {
    four_ways! {
        pub fn longest<'a, 'b: 'a, T>(a: &'a T, b: &'b T) -> &'a T
        where
            T: PartialOrd + std::fmt::Debug + ?Sized,
        {
            if b > a {
                return b;
            }
            a
        }
    }
}

mod impl_trait {
    four_ways! {
        pub fn evens(xs: impl IntoIterator<Item = u32>) -> impl Iterator<Item = u32> {
            xs.into_iter().filter(|x| x % 2 == 0)
        }
    }
}

mod impl_trait_in_result {
    // err.rs: a `Result` whose `Ok` is opaque.
    four_ways! {
        pub fn parsed(text: &str) -> Result<impl Iterator<Item = u32> + '_, std::num::ParseIntError> {
            let first: u32 = text.split(',').next().unwrap_or_default().parse()?;
            Ok(text.split(',').filter_map(|t| t.parse::<u32>().ok()).map(move |x| x + first))
        }
    }
}

mod unsafe_fn {
    four_ways! {
        pub unsafe fn read(p: *const u32) -> u32 {
            // SAFETY: the caller passes a valid pointer.
            unsafe { *p }
        }
    }
}

mod const_generic {
    four_ways! {
        pub fn sum_n<const N: usize>(xs: [u32; N]) -> u32 {
            xs.iter().sum()
        }
    }
}

/// A type named like the generics below: inside the functions the generic
/// wins, in the expansion as in the signature.
#[allow(dead_code)]
pub struct T;
#[allow(dead_code)]
pub type R = std::convert::Infallible;

mod shadowed_by_generic {
    four_ways! {
        pub fn identity<T: Clone, R: From<T>>(t: &T) -> R {
            R::from(t.clone())
        }
    }
}

mod never {
    // `-> !`: the call is counted as a panic and logged, and it unwinds.
    four_ways! {
        pub fn fail(message: &str) -> ! {
            panic!("{message}")
        }
    }
}

#[test]
fn generics_lifetimes_impl_trait_unsafe_const_generics() {
    check!(generic => longest("a", "b") == "b");
    check!(generic => longest(&1, &0) == &1);
    fn evens(it: impl Iterator<Item = u32>) -> Vec<u32> {
        it.collect()
    }
    assert_eq!(evens(impl_trait::timed::evens(0..5)), [0, 2, 4]);
    assert_eq!(evens(impl_trait::logged::evens(vec![1, 2])), [2]);
    assert_eq!(evens(impl_trait::timed_logged::evens([4])), [4]);
    assert_eq!(evens(impl_trait::logged_timed::evens(0..3)), [0, 2]);
    fn sum<E>(r: Result<impl Iterator<Item = u32>, E>) -> Result<u32, E> {
        r.map(Iterator::sum)
    }
    assert_eq!(sum(impl_trait_in_result::timed::parsed("1,2")), Ok(5));
    assert_eq!(sum(impl_trait_in_result::logged::parsed("1,2")), Ok(5));
    assert!(sum(impl_trait_in_result::timed_logged::parsed("x")).is_err());
    assert!(sum(impl_trait_in_result::logged_timed::parsed("x,1")).is_err());
    let errors = decor::timers::get("peer_shapes::impl_trait_in_result::timed_logged::parsed")
        .unwrap()
        .errors();
    assert_eq!(errors, 1, "a `?` out of an opaque `Result` is an error");
    let x = 7;
    // SAFETY: `x` is alive and a `u32`.
    unsafe {
        assert_eq!(unsafe_fn::timed::read(&raw const x), 7);
        assert_eq!(unsafe_fn::logged::read(&raw const x), 7);
        assert_eq!(unsafe_fn::timed_logged::read(&raw const x), 7);
        assert_eq!(unsafe_fn::logged_timed::read(&raw const x), 7);
    }
    check!(const_generic => sum_n([1, 2, 3]) == 6);
    check!(const_generic => sum_n([]) == 0);
    use shadowed_by_generic as shadowed;
    assert_eq!(shadowed::timed::identity::<u8, u64>(&3), 3);
    assert_eq!(shadowed::logged::identity::<u8, u64>(&3), 3);
    assert_eq!(shadowed::timed_logged::identity::<u8, u64>(&3), 3);
    assert_eq!(shadowed::logged_timed::identity::<u8, u64>(&3), 3);
}

#[test]
fn never_returning() {
    for (way, f) in [
        ("timed", never::timed::fail as fn(&str) -> !),
        ("logged", never::logged::fail),
        ("timed_logged", never::timed_logged::fail),
        ("logged_timed", never::logged_timed::fail),
    ] {
        let (result, lines) = capture(|| std::panic::catch_unwind(|| f("boom")));
        assert!(result.is_err(), "{way}");
        if way.contains("logged") {
            line_with(&lines, &["fail: ", "panic=boom"]);
        }
        if way.contains("timed") {
            let stats = timer(&format!("never::{way}::fail"));
            assert_eq!((stats.calls(), stats.panics()), (1, 1), "{way}");
        }
    }
}

// --- Methods: `Self` in return types, borrows of `self` in `Result` --------

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    name: String,
    balance: i64,
}

#[derive(Debug, PartialEq)]
pub struct Overdrawn;

impl std::fmt::Display for Overdrawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("overdrawn")
    }
}

impl Account {
    #[timed]
    #[logged]
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            balance: 0,
        }
    }

    #[logged]
    #[timed]
    pub fn deposited(mut self, amount: i64) -> Self {
        self.balance += amount;
        self
    }

    #[timed]
    pub fn boxed(self) -> Box<Self> {
        Box::new(self)
    }

    #[logged]
    pub fn name_if_funded(&self) -> Result<&str, Overdrawn> {
        if self.balance < 0 {
            return Err(Overdrawn);
        }
        Ok(&self.name)
    }

    #[timed]
    #[logged]
    pub fn name_checked(&self) -> Result<&str, Overdrawn> {
        let name = self.name_if_funded()?;
        Ok(name)
    }

    #[logged]
    #[timed]
    pub fn withdraw(&mut self, amount: i64) -> Result<&mut i64, Overdrawn> {
        if amount > self.balance {
            return Err(Overdrawn);
        }
        self.balance -= amount;
        Ok(&mut self.balance)
    }

    #[timed]
    #[logged]
    pub fn pair(&self, other: &Self) -> (Self, Option<&Self>) {
        (other.clone(), (self.balance > 0).then_some(self))
    }
}

#[test]
fn methods_returning_self_and_borrows_of_self() {
    let (account, lines) = capture(|| Account::new("ann").deposited(5));
    assert_eq!(account.balance, 5);
    line_with(&lines, &["new: ", "return=Account"]);
    line_with(&lines, &["deposited: ", "return=Account", "balance: 5"]);
    assert_eq!(account.clone().boxed().balance, 5);
    let mut account = account;
    assert_eq!(account.name_checked(), Ok("ann"));
    let (result, lines) = capture(|| account.withdraw(9).map(|b| *b));
    assert_eq!(result, Err(Overdrawn));
    line_with(&lines, &["withdraw: ", "error=overdrawn"]);
    *account.withdraw(5).unwrap() -= 1;
    assert_eq!(account.name_checked(), Err(Overdrawn));
    assert_eq!(account.name_if_funded(), Err(Overdrawn));
    let checked = timer("name_checked");
    assert_eq!((checked.calls(), checked.errors()), (2, 1));
    let withdraw = timer("withdraw");
    assert_eq!((withdraw.calls(), withdraw.errors()), (2, 1));
    let other = Account::new("bob");
    assert_eq!(account.pair(&other).1, None);
    assert_eq!(other.pair(&account).0, account);
    assert_eq!(timer("new").calls(), 2);
}

// --- async_fn.rs: async shapes ---------------------------------------------

mod asyncs {
    use std::future::Future;
    use std::pin::Pin;

    four_ways! {
        pub async fn early(n: u32) -> Result<u32, String> {
            let doubled = async {
                if n == 0 {
                    return Err("zero".to_owned());
                }
                Ok(n * 2)
            }
            .await?;
            Ok(doubled)
        }
    }

    pub mod borrowed {
        four_ways! {
            pub async fn first<'a>(words: &'a [&'a str]) -> Option<&'a str> {
                words.first().copied()
            }
        }
    }

    pub mod returns_future {
        use super::*;
        // Not an `async fn`: the call returns a future; timing the call
        // times building it.
        four_ways! {
            pub fn later(n: u32) -> impl Future<Output = u32> {
                async move { n + 1 }
            }
        }
    }

    pub mod boxed_future {
        use super::*;
        // The shape `#[async_trait]` writes, by hand: the boxed async block
        // is decorated, so the call is timed when it completes.
        four_ways! {
            pub fn later(n: u32) -> Pin<Box<dyn Future<Output = Result<u32, String>> + Send>> {
                Box::pin(async move {
                    if n == 0 {
                        return Err("zero".to_owned());
                    }
                    Ok(n + 1)
                })
            }
        }
    }
}

#[async_trait::async_trait]
pub trait Store {
    async fn get(&self, key: u32) -> Result<u32, String>;
    async fn first_key(&self) -> Option<u32>;
}

pub struct Mem(Vec<u32>);

#[async_trait::async_trait]
impl Store for Mem {
    #[timed]
    #[logged]
    async fn get(&self, key: u32) -> Result<u32, String> {
        let value = self
            .0
            .get(key as usize)
            .ok_or_else(|| "missing".to_owned())?;
        Ok(*value)
    }

    #[logged]
    #[timed]
    async fn first_key(&self) -> Option<u32> {
        use Grade::*;
        let _ = (Score, Fail);
        self.0.first().copied()
    }
}

#[test]
fn async_shapes() {
    check!(asyncs => early(2).await == Ok(4));
    check!(asyncs => early(0).await == Err("zero".to_owned()));
    let words = ["a", "b"];
    check!(asyncs::borrowed => first(&words).await == Some("a"));
    for way in ["timed", "timed_logged", "logged_timed"] {
        let stats = timer(&format!("asyncs::{way}::early"));
        assert_eq!((stats.calls(), stats.errors()), (2, 1), "{way}");
    }
    check!(asyncs::returns_future => later(1).await == 2);
    check!(asyncs::boxed_future => later(1).await == Ok(2));
    check!(asyncs::boxed_future => later(0).await == Err("zero".to_owned()));
    let stats = timer("asyncs::boxed_future::timed::later");
    assert_eq!((stats.calls(), stats.errors()), (2, 1));

    let mem = Mem(vec![7]);
    let ((got, missing), lines) =
        capture(|| block_on(async { (mem.get(0).await, mem.get(3).await) }));
    assert_eq!((got, missing), (Ok(7), Err("missing".to_owned())));
    line_with(&lines, &["get: ", "return=Ok(7)"]);
    line_with(&lines, &["get: ", "error=missing"]);
    assert_eq!(block_on(mem.first_key()), Some(7));
    let get = timer("get");
    assert_eq!((get.calls(), get.errors()), (2, 1));
}

// --- Bodies: `?` in closures, nested functions, functions a macro writes --

mod closures {
    four_ways! {
        pub fn total(texts: &[&str]) -> Result<u32, std::num::ParseIntError> {
            // The closure's `?` leaves the closure; the function's leaves it.
            let parse = |text: &str| -> Result<u32, std::num::ParseIntError> {
                let n = text.trim().parse::<u32>()?;
                Ok(n)
            };
            let each = texts.iter().map(|t| parse(t)).collect::<Result<Vec<_>, _>>()?;
            Ok(each.into_iter().sum())
        }
    }
}

mod nested_fns {
    four_ways! {
        pub fn outer(n: u32) -> Score {
            // Nested items: their `return`s, and the names they declare,
            // are their own.
            use Grade::*;
            fn inner(g: Grade) -> u8 {
                if let Fail = g {
                    return 10;
                }
                90
            }
            struct Local(u32);
            let local = Local(n);
            inner(if local.0 > 0 { Score } else { Fail })
        }
    }
}

macro_rules! decorated {
    ($name:ident, $ty:ty) => {
        #[decor::timed]
        #[decor::logged]
        pub fn $name(x: $ty) -> Result<$ty, String> {
            if x == 0 {
                return Err(stringify!($name).to_owned());
            }
            Ok(x)
        }
    };
}

decorated!(from_macro, u16);

#[test]
fn bodies_with_closures_nested_items_and_macros() {
    check!(closures => total(&["1", " 2"]) == Ok(3));
    check!(closures => total(&["1", "x"]) == Err("x".parse::<u32>().unwrap_err()));
    check!(nested_fns => outer(1) == 90);
    check!(nested_fns => outer(0) == 10);
    let (result, lines) = capture(|| from_macro(0));
    assert_eq!(result, Err("from_macro".to_owned()));
    line_with(&lines, &["from_macro: ", "error=from_macro"]);
    assert_eq!(from_macro(2), Ok(2));
    let stats = timer("from_macro");
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
}

// --- fields.rs, names.rs, targets.rs, err.rs, ret.rs: `#[logged]`'s options
// on the shapes above ------------------------------------------------------

#[logged(name = "renamed", target = "peer::target", fields(len = texts.len(), first = %texts[0]))]
#[timed(name = "peer::renamed")]
fn with_options((texts, _): (&[&str], ()), mut extra: u32) -> Result<u32, String> {
    extra += 1;
    let n = texts.len() as u32;
    if n == 1 {
        return Err(format!("only {}", texts[0]));
    }
    Ok(n + extra)
}

#[logged(err = warn, ret = false, skip(secret), redact(pin))]
#[timed]
fn quiet_errors(secret: &str, pin: u32, fail: bool) -> Result<u32, String> {
    let _ = (secret, pin);
    if fail {
        Err("no".to_owned())?;
    }
    Ok(1)
}

#[test]
fn logged_options_on_peer_shapes() {
    let (result, lines) = capture(|| with_options((&["a", "b"], ()), 1));
    assert_eq!(result, Ok(4));
    line_with(
        &lines,
        &[
            "renamed{len=2 first=a}: peer::target: call texts=",
            "extra=1",
        ],
    );
    line_with(
        &lines,
        &["renamed{len=2 first=a}: peer::target: return return=Ok(4)"],
    );
    let (result, lines) = capture(|| with_options((&["z"], ()), 1));
    assert_eq!(result, Err("only z".to_owned()));
    line_with(&lines, &["ERROR renamed", "error=only z"]);
    let stats = decor::timers::get("peer::renamed").unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));

    let (result, lines) = capture(|| quiet_errors("s", 1234, true));
    assert!(result.is_err());
    let call = line_with(&lines, &["quiet_errors: ", "call"]);
    assert!(!call.contains("secret") && !call.contains("1234"), "{call}");
    line_with(&lines, &["WARN quiet_errors", "error=no"]);
    let ((), lines) = capture(|| assert_eq!(quiet_errors("s", 1, false), Ok(1)));
    let exit = line_with(&lines, &["quiet_errors: ", "return"]);
    assert!(!exit.contains("return="), "{exit}");
}

// --- instrument.rs / async_fn.rs: traits, generic impls, native `async fn`
// in traits, `?` converting errors, `let else` and labelled blocks ---------

pub trait Describe {
    #[timed]
    #[logged]
    fn describe(&self) -> String
    where
        Self: std::fmt::Debug,
    {
        format!("{self:?}")
    }
}

#[derive(Debug)]
pub struct Wrapper<T>(T);

impl<T: std::fmt::Debug> Describe for Wrapper<T> {}

impl<T: Clone + Into<u64>> Wrapper<T> {
    #[logged]
    #[timed]
    pub fn doubled<U>(&self, extra: U) -> u64
    where
        U: Into<u64>,
    {
        self.0.clone().into() * 2 + extra.into()
    }
}

pub trait Fetch {
    fn fetch(&self, key: u32) -> impl std::future::Future<Output = Option<u32>> + Send;
}

impl Fetch for Wrapper<u32> {
    #[timed]
    #[logged]
    async fn fetch(&self, key: u32) -> Option<u32> {
        (key == self.0).then_some(key)
    }
}

mod converting_try {
    four_ways! {
        pub fn read(text: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
            let n: u32 = text.parse()?;
            let Some(doubled) = n.checked_mul(2) else {
                return Err("overflow".into());
            };
            let label = 'label: {
                if doubled > 100 {
                    break 'label doubled - 100;
                }
                doubled
            };
            Ok(label)
        }
    }
}

#[test]
fn traits_generic_impls_and_control_flow() {
    let (text, lines) = capture(|| Wrapper(3u8).describe());
    assert_eq!(text, "Wrapper(3)");
    line_with(&lines, &["describe: ", "return=\"Wrapper(3)\""]);
    assert_eq!(Wrapper(3u8).doubled(1u16), 7);
    assert_eq!(timer("doubled").calls(), 1);
    let (found, lines) = capture(|| block_on(Wrapper(5u32).fetch(5)));
    assert_eq!(found, Some(5));
    line_with(&lines, &["fetch: ", "return=Some(5)"]);
    assert_eq!(timer("fetch").calls(), 1);

    type Read = fn(&str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>>;
    for (way, read) in [
        ("timed", converting_try::timed::read as Read),
        ("logged", converting_try::logged::read),
        ("timed_logged", converting_try::timed_logged::read),
        ("logged_timed", converting_try::logged_timed::read),
    ] {
        let (results, lines) = capture(|| {
            ["7", "70", "x", "4000000000"].map(|text| read(text).map_err(|e| e.to_string()))
        });
        assert_eq!(results[..2], [Ok(14), Ok(40)], "{way}");
        assert!(results[2].as_ref().unwrap_err().contains("invalid digit"));
        assert_eq!(results[3], Err("overflow".to_owned()), "{way}");
        if way.contains("logged") {
            line_with(&lines, &["read: ", "error=overflow"]);
        }
        if way.contains("timed") {
            let stats = timer(&format!("converting_try::{way}::read"));
            assert_eq!((stats.calls(), stats.errors()), (4, 2), "{way}");
        }
    }
}
