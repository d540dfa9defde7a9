#[decor::logged(skip_all, skip(password))]
fn login(user: &str, password: &str) -> bool {
    user.len() < password.len()
}

#[decor::logged(skip_all(user))]
fn flag_with_list(user: &str) -> usize {
    user.len()
}

fn main() {
    assert!(login("ada", "correct horse"));
    assert_eq!(flag_with_list("ada"), 3);
}
