// A size written as a `const` is checked when the pool's static is built.
const WORKERS: usize = 0;

#[decor::spawn(processes = WORKERS)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
