struct Client;

impl Client {
    #[decor::spawn(threads = 2)]
    fn fetch(&self, id: u32) -> u32 {
        id
    }
}

fn main() {}
