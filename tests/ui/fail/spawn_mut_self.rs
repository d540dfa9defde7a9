struct Client {
    calls: u32,
}

impl Client {
    #[decor::spawn(threads = 2)]
    fn fetch(&mut self, id: u32) -> u32 {
        self.calls += 1;
        id
    }
}

fn main() {}
