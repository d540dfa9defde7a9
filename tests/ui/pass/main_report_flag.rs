//! `#[decor::main(report = false)]`: a flag may be written `= false`; `main`
//! may return a `Box<dyn Error>` result and use `?` on different errors.

use std::error::Error;

#[decor::main(report = false, log = "error")]
fn main() -> Result<(), Box<dyn Error>> {
    let n: u32 = "5".parse()?;
    let text = String::from_utf8(vec![b'a'; n as usize])?;
    assert_eq!(text, "aaaaa");
    Ok(())
}
