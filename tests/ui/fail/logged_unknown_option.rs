#[decor::logged(skip_args(password))]
fn login(user: &str, password: &str) -> bool {
    user.len() < password.len()
}

fn main() {
    assert!(login("ada", "correct horse"));
}
