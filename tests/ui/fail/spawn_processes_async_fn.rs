#[decor::spawn(processes = 2)]
async fn work(n: u32) -> u32 {
    n
}

fn main() {}
