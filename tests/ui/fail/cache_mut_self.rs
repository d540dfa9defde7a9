#[derive(Clone, Hash, PartialEq, Eq)]
struct Counter {
    n: u32,
}

impl Counter {
    #[decor::cache]
    fn bump(&mut self) -> u32 {
        self.n += 1;
        self.n
    }
}

fn main() {
    Counter { n: 0 }.bump();
}
