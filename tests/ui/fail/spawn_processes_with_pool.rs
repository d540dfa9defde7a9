#[decor::spawn(processes = 2, pool = "io")]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
