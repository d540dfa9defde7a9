#[decor::rate_limit(calls = 0, per = "1s")]
fn no_calls() {}

#[decor::rate_limit(calls = 10, per = "0s")]
fn no_time() {}

#[decor::rate_limit(calls = 10, per = "1s", burst = 0)]
fn no_burst() {}

#[decor::rate_limit(calls = 10, per = "soon")]
fn vague() {}

#[decor::rate_limit(calls = 10)]
fn no_per() {}

#[decor::rate_limit(calls = 10, per = "1s", max_keys = 100)]
fn cap_without_key() {}

fn main() {
    no_calls();
    no_time();
    no_burst();
    vague();
    no_per();
    cap_without_key();
}
