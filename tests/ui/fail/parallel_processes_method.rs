struct Scale {
    factor: u64,
}

impl Scale {
    #[decor::parallel(processes = 2, reduce = |a, b| a + b)]
    fn sum(&self, chunk: &[u64]) -> u64 {
        chunk.iter().map(|n| n * self.factor).sum()
    }
}

fn main() {}
