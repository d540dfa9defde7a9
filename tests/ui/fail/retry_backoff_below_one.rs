#[decor::retry(backoff = 0.5)]
fn fetch() -> Result<u32, String> {
    Ok(1)
}

fn main() {
    assert_eq!(fetch(), Ok(1));
}
