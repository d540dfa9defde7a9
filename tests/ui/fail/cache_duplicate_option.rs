#[decor::cache(size = 10, size = 20)]
fn f(n: u32) -> u32 {
    n
}

fn main() {
    f(1);
}
