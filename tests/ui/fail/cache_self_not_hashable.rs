struct Service {
    url: String,
}

impl Service {
    #[decor::cache]
    fn get(&self, path: &str) -> String {
        format!("{}/{path}", self.url)
    }
}

fn main() {
    let service = Service { url: "h".into() };
    service.get("p");
}
