#[decor::main]
fn start() -> Result<(), String> {
    Ok(())
}

fn main() {
    start().unwrap();
}
