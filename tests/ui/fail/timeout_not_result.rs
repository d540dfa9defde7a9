#[decor::timeout("500ms")]
async fn number() -> u32 {
    1
}

#[decor::timeout("500ms")]
async fn nothing() {}

fn main() {
    let _ = number();
    let _ = nothing();
}
