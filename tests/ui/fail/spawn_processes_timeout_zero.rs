#[decor::spawn(processes = 2, timeout = "0s")]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
