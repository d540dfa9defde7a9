struct Store {
    lock: decor::Lock,
}

impl Store {
    #[decor::synchronized(self.lock)]
    async fn save(&self, row: u32) -> u32 {
        row
    }
}

fn main() {}
