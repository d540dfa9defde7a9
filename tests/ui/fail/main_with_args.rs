#[decor::main(report)]
fn main(args: Vec<String>) {
    println!("{args:?}");
}
