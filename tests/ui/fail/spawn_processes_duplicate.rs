#[decor::spawn(processes = 2, processes = 4)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
