struct Store {
    lock: decor::Lock,
}

impl Store {
    fn lock(&self) -> &decor::Lock {
        &self.lock
    }

    #[decor::synchronized(self.lock())]
    fn save(&self, row: u32) -> u32 {
        row
    }

    #[decor::synchronized(other.lock)]
    fn load(&self, other: &Store) -> bool {
        let _ = other;
        true
    }

    #[decor::synchronized(self)]
    fn clear(&self) {}

    #[decor::synchronized(self.lock, self.lock)]
    fn twice(&self) {}
}

fn main() {}
