struct File {
    lock: std::sync::Mutex<()>,
    count: u32,
}

impl File {
    #[decor::synchronized(self.lock)]
    fn write(&self, line: &str) -> usize {
        line.len()
    }

    #[decor::synchronized(self.count)]
    fn count(&self) -> u32 {
        self.count
    }
}

fn main() {}
