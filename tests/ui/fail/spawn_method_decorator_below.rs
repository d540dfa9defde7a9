use std::sync::Arc;

struct Client;

impl Client {
    #[decor::spawn(threads = 2)]
    #[decor::timed]
    fn fetch(self: Arc<Self>, id: u32) -> u32 {
        id
    }
}

fn main() {}
