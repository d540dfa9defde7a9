// One attempt consumes `self`: an error at the receiver; callers report
// nothing.
struct Request {
    url: String,
}

impl Request {
    #[decor::retry(delay = "0ms")]
    fn send(self) -> Result<usize, String> {
        Ok(self.url.len())
    }
}

fn main() {
    let sent: Result<usize, String> = Request { url: "x".into() }.send();
    assert_eq!(sent, Ok(1));
}
