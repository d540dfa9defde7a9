#[decor::spawn(pool = "io", processes = 2, dedicated)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
