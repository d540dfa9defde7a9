fn setup() {}

#[decor::spawn(threads = 2, init = setup)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
