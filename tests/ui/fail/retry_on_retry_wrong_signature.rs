// `on_retry` takes a `fn(&decor::RetryInfo)`: a function of another shape is
// an error at the path.
fn log_retry(attempt: u32, error: &str) {
    let _ = (attempt, error);
}

#[decor::retry(delay = "0ms", on_retry = log_retry)]
fn fetch(id: u32) -> Result<u32, String> {
    Ok(id)
}

fn main() {
    assert_eq!(fetch(1), Ok(1));
}
