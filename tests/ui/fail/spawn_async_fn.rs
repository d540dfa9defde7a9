#[decor::spawn(threads = 2)]
async fn fetch(id: u32) -> u32 {
    id
}

fn main() {}
