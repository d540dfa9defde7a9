// List options take parentheses, as in `skip(a, b)`.
#[decor::logged(skip[password])]
fn brackets(password: &str) -> usize {
    password.len()
}

#[decor::logged(fields { user = 1 })]
fn braces() {}

fn main() {
    assert_eq!(brackets("x"), 1);
    braces();
}
