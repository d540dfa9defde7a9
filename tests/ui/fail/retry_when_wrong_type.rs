// `when` is called with `&E`, the function's error type: a closure taking
// another type is an error at the closure.
#[derive(Debug)]
struct Busy;

#[decor::retry(delay = "0ms", when = |e: &std::io::Error| e.kind() == std::io::ErrorKind::TimedOut)]
fn fetch(id: u32) -> Result<u32, Busy> {
    Ok(id)
}

fn main() {
    assert_eq!(fetch(1).unwrap(), 1);
}
