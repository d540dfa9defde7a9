#[decor::spawn(processes = 2, timeout = "soon")]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
