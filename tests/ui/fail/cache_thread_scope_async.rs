#[decor::cache(scope = thread)]
async fn f(n: u32) -> u32 {
    n
}

fn main() {
    let _ = f(1);
}
