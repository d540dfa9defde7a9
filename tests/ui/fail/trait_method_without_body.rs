trait Store {
    #[decor::timed]
    fn load(&self, key: u32) -> Option<String>;

    #[decor::logged(skip(key))]
    fn save(&mut self, key: u32, value: String);
}

struct Memory(Vec<String>);

impl Store for Memory {
    fn load(&self, key: u32) -> Option<String> {
        self.0.get(key as usize).cloned()
    }

    fn save(&mut self, _key: u32, value: String) {
        self.0.push(value);
    }
}

fn main() {
    let mut memory = Memory(Vec::new());
    memory.save(0, "zero".to_owned());
    assert_eq!(memory.load(0).as_deref(), Some("zero"));
}
