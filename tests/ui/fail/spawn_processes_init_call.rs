fn setup(level: u32) {
    let _ = level;
}

#[decor::spawn(processes = 2, init = setup(3))]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
