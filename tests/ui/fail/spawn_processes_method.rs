struct Counter {
    start: u64,
}

impl Counter {
    #[decor::spawn(processes = 2)]
    fn count(self, n: u64) -> u64 {
        self.start + n
    }
}

fn main() {}
