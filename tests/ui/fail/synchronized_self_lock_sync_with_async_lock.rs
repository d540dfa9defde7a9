struct Store {
    lock: decor::AsyncLock,
}

impl Store {
    #[decor::synchronized(self.lock)]
    fn save(&self, row: u32) -> u32 {
        row
    }
}

fn main() {}
