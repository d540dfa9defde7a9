#[decor::spawn(threads = "eight")]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
