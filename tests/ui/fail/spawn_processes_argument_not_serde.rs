// Every argument crosses to the worker process as bytes: a type without
// `Serialize`/`Deserialize` is reported at the parameter's type.
struct Point {
    x: u32,
    y: u32,
}

#[decor::spawn(processes = 2)]
fn norm(label: String, point: Point) -> u32 {
    label.len() as u32 + point.x * point.x + point.y * point.y
}

fn main() {}
