#[decor::cache]
fn area(width: f64, name: &str) -> String {
    format!("{name}: {width}")
}

fn main() {
    area(1.0, "x");
}
