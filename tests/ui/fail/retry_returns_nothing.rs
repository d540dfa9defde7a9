// `#[retry]` on a function returning nothing: one error at its name.
#[decor::retry]
fn ping(host: &str) {
    let _ = host;
}

fn main() {
    ping("localhost");
}
