// The result crosses back from the worker process: a result type without
// `Serialize`/`Deserialize` is reported at the return type.
struct Point {
    x: u32,
    y: u32,
}

#[decor::spawn(processes = 2)]
fn origin(shift: u32) -> Point {
    Point { x: shift, y: shift }
}

fn main() {
    let _ = origin(1);
}
