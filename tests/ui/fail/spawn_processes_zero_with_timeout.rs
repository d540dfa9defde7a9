// An invalid `processes` is the only error: `timeout` is not reported as
// lacking `processes` on top of it.
#[decor::spawn(processes = 0, timeout = "2s")]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
