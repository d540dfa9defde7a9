#[decor::spawn(threads = 2, timeout = "2s")]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
