// The attribute is wrong, but the function, its impl and its trait are
// still emitted: the only errors are the attribute's, no "cannot find
// function" or "no method named" errors follow from it.
#[decor::timed(levle = info)]
fn work(n: u32) -> u32 {
    n * 2
}

struct Service;

impl Service {
    #[decor::logged(skip(nope))]
    fn handle(&self, request: u32) -> u32 {
        request + 1
    }
}

trait Greet {
    #[decor::timed(name = 1)]
    fn greet(&self) -> String {
        "hello".to_owned()
    }
}

impl Greet for Service {}

fn main() {
    assert_eq!(work(2), 4);
    assert_eq!(Service.handle(1), 2);
    assert_eq!(Service.greet(), "hello");
}
