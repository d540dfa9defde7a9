#[derive(Debug)]
struct MyError;

#[decor::rate_limit(calls = 10, per = "1s", wait = false)]
fn send() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {
    let _ = send();
}
