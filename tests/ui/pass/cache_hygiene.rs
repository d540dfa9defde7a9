//! Hygiene: `#[cache]` expansions are not captured by a crate-root
//! `mod core {}`, a `type Result`, or glob imports, and are clean under
//! `#![deny(warnings)]` and `#![deny(clippy::all)]`.

#![deny(warnings)]
#![deny(clippy::all)]

#[allow(dead_code)]
mod core {
    pub struct Shadow;
}

#[allow(dead_code)]
type Result = ();

#[allow(dead_code)]
struct Site;

#[decor::cache]
fn parse(text: &str) -> std::result::Result<u32, std::num::ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

#[decor::cache]
fn one_expression(n: u32) -> u32 {
    n
}

#[decor::cache]
fn shadowing_items(n: u32) -> u32 {
    #[allow(dead_code)]
    struct KeepProbe;
    let __decor_key = n + 1;
    __decor_key
}

#[decor::cache]
async fn asynchronous(n: u32) -> std::result::Result<u32, String> {
    Ok(n)
}

fn main() {
    assert_eq!(parse("4"), Ok(4));
    assert_eq!(one_expression(1), 1);
    assert_eq!(shadowing_items(1), 2);
    assert_eq!(futures_executor::block_on(asynchronous(2)), Ok(2));
}
