#[decor::logged(skip(pasword))]
fn login(user: &str, password: &str) -> bool {
    user.len() < password.len()
}

#[decor::logged(redact(token, secret))]
fn fetch(url: &str, token: &str) -> usize {
    url.len() + token.len()
}

#[decor::logged(skip(anything))]
fn no_parameters() {}

#[decor::logged(skip(a, c), redact(a))]
fn both(a: u8, b: u8) -> u8 {
    a + b
}

fn main() {
    assert!(login("ada", "correct horse"));
    assert_eq!(fetch("x", "y"), 2);
    no_parameters();
    assert_eq!(both(1, 2), 3);
}
