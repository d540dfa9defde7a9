#[derive(Debug)]
struct MyError;

#[decor::timeout("500ms")]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
