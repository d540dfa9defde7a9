#[decor::spawn(processes(4))]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
