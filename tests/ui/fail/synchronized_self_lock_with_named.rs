struct Store {
    lock: decor::Lock,
}

impl Store {
    #[decor::synchronized(self.lock, lock = "store")]
    fn save(&self, row: u32) -> u32 {
        row
    }
}

fn main() {}
