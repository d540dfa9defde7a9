//! `#[decor::main]` on `fn main() -> Result<..>` with every option; `?`
//! and early `return` in `main` work as undecorated.

use std::num::ParseIntError;

#[decor::timed]
fn parse(text: &str) -> Result<u32, ParseIntError> {
    text.parse()
}

#[decor::main(report, log = "warn", crate = ::decor)]
fn main() -> Result<(), String> {
    let n = parse("21").map_err(|e| e.to_string())?;
    assert_eq!(n, 21);
    assert!(parse("x").is_err());
    let stats = decor::timers::get(concat!(module_path!(), "::parse")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
    if n > 0 {
        return Ok(());
    }
    Err("unreachable".to_owned())
}
