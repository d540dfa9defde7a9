#[decor::spawn(processes = 2, recycle = 0)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
