//! Decorators written inside `macro_rules!`, with options and functions
//! passed in as fragments (`$level:expr`, `$krate:path`, `$name:ident`).

macro_rules! timed_fn {
    ($name:ident, $level:expr, $warn:expr, $krate:path) => {
        #[decor::timed(level = $level, warn_over = $warn, crate = $krate)]
        fn $name(text: &str) -> Result<u32, std::num::ParseIntError> {
            let n: u32 = text.parse()?;
            Ok(n)
        }
    };
}

macro_rules! logged_fn {
    ($name:ident, $level:expr, $ret:expr, $span:literal, $($skip:ident),*) => {
        #[decor::logged(level = $level, ret = $ret, name = $span, skip($($skip),*))]
        fn $name(a: u32, b: u32) -> u32 {
            if a == 0 {
                return b;
            }
            a + b
        }
    };
}

macro_rules! decorate {
    ($(#[$attr:meta])* fn $name:ident() -> $ty:ty $body:block) => {
        $(#[$attr])*
        fn $name() -> $ty $body
    };
}

timed_fn!(parse_info, info, "1s", decor);
timed_fn!(parse_quoted, "debug", "10ms", ::decor);
logged_fn!(add_debug, debug, false, "adder", a);
logged_fn!(add_warn, "warn", true, "warner", a, b);

decorate! {
    #[decor::timed]
    #[decor::logged]
    fn forwarded() -> u8 { 7 }
}

fn main() {
    assert_eq!(parse_info("5"), Ok(5));
    assert!(parse_quoted("x").is_err());
    assert_eq!(add_debug(0, 2), 2);
    assert_eq!(add_warn(1, 2), 3);
    assert_eq!(forwarded(), 7);
    let stats = decor::timers::get(concat!(module_path!(), "::parse_quoted")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (1, 1));
    assert_eq!(
        decor::timers::get(concat!(module_path!(), "::forwarded"))
            .unwrap()
            .calls(),
        1
    );
}
