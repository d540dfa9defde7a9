#[decor::spawn(threads = 4, processes = 2)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
