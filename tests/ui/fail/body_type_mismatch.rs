// A body of the wrong type is reported at the user's expression, as it is
// undecorated (tracing-attributes' `async_instrument` case): for a plain and
// an `async fn`, under each decorator and a stack.

#[decor::timed]
fn plain() -> String {
    ""
}

#[decor::logged]
#[decor::timed]
async fn asynchronous() -> String {
    ""
}

#[decor::logged]
async fn early(fail: bool) -> Result<String, String> {
    if fail {
        return Err(1);
    }
    Ok(String::new())
}

fn main() {}
