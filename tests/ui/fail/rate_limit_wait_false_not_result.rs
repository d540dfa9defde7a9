#[decor::rate_limit(calls = 10, per = "1s", wait = false)]
fn number() -> u32 {
    1
}

#[decor::rate_limit(calls = 10, per = "1s", wait = false)]
fn nothing() {}

#[decor::rate_limit(calls = 10, per = "1s", wait = false)]
async fn later() -> Option<u32> {
    None
}

fn main() {
    number();
    nothing();
    let _ = later();
}
