#[decor::spawn(pool = "io", recycle = 10)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
