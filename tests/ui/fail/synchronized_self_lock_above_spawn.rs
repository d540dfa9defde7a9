use std::sync::Arc;

struct Store {
    lock: decor::Lock,
}

impl Store {
    #[decor::synchronized(self.lock)]
    #[decor::spawn(threads = 2)]
    fn save(self: Arc<Self>, row: u32) -> u32 {
        row
    }
}

fn main() {}
