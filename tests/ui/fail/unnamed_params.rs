// `skip` and `redact` name the bindings a parameter introduces; a wildcard
// binds nothing and a destructuring pattern binds its fields, not its type.
struct Point(i32, i32);

#[decor::logged(skip(_))]
fn wildcard(_: u8) {}

#[decor::logged(redact(Point))]
fn destructured(Point(x, y): Point) -> i32 {
    x + y
}

fn main() {
    wildcard(1);
    assert_eq!(destructured(Point(1, 2)), 3);
}
