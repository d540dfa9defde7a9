#[decor::main(reports)]
fn main() {}
