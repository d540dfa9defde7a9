//! `#[decor::main]` above other decorators on `main`: its set-up runs
//! first, then the timed and logged body.

use std::num::ParseIntError;

#[decor::main(log = "warn")]
#[decor::timed]
#[decor::logged]
fn main() -> Result<(), ParseIntError> {
    let n: u32 = "42".parse()?;
    assert_eq!(n, 42);
    if n > 0 {
        return Ok(());
    }
    Ok(())
}
