#[decor::timed(level = loud)]
fn timed_loud() {}

#[decor::timed(level = 3)]
fn timed_number() {}

// `off` is for `#[timed]`'s per-call event; a logged function always logs.
#[decor::logged(level = off)]
fn logged_off() {}

#[decor::logged(err = "fatal")]
fn logged_fatal() -> Result<(), String> {
    Ok(())
}

fn main() {
    timed_loud();
    timed_number();
    logged_off();
    logged_fatal().unwrap();
}
