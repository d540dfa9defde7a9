#[decor::parallel]
fn nothing() -> Vec<u8> {
    Vec::new()
}

fn main() {}
