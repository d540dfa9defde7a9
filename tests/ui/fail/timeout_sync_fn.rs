#[derive(Debug)]
struct Error;

impl From<decor::Elapsed> for Error {
    fn from(_: decor::Elapsed) -> Self {
        Error
    }
}

#[decor::timeout("500ms")]
fn blocking() -> Result<u32, Error> {
    Ok(1)
}

fn main() {
    let _ = blocking();
}
