//! Hygiene for `#[rate_limit]` and `#[timeout]`: a crate-root `mod core`,
//! a `Result` alias that is not `std`'s, parameters named like the
//! expansions' own, `#![deny(warnings)]` on user code.

#![deny(warnings)]

#[allow(dead_code)]
mod core {
    pub struct Shadow;
}

#[allow(dead_code)]
type Result = ();

#[allow(dead_code)]
struct Some;

#[decor::rate_limit(calls = 100, per = "1s", key = __decor_key, wait = false)]
fn shadowing(
    __decor_key: u32,
    __decor_limited: u32,
) -> std::result::Result<u32, decor::RateLimited> {
    Ok(__decor_key + __decor_limited)
}

#[decor::rate_limit(calls = 100, per = "1s")]
fn diverging_tail(fail: bool) -> u32 {
    if fail {
        unimplemented!();
    }
    1
}

#[decor::timeout("1s")]
async fn with_items() -> std::result::Result<u8, decor::Elapsed> {
    use std::result::Result::Ok as Fine;
    #[allow(dead_code)]
    struct Limit;
    Fine(1)
}

fn main() {
    assert_eq!(shadowing(1, 2), Ok(3));
    assert_eq!(diverging_tail(false), 1);
    assert_eq!(futures_executor::block_on(with_items()), Ok(1));
}
