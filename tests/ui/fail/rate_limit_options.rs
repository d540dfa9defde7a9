#[decor::rate_limit(calls = 10, per = "1s", every = "1s")]
fn unknown() {}

#[decor::rate_limit(calls = 10, per = "1s", calls = 5)]
fn duplicate() {}

#[decor::rate_limit(calls = 10, per = "1s", wait = "no")]
fn wait_text() {}

fn main() {
    unknown();
    duplicate();
    wait_text();
}
