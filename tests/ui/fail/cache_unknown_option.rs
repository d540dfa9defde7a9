#[decor::cache(maxsize = 128)]
fn f(n: u32) -> u32 {
    n
}

fn main() {
    f(1);
}
