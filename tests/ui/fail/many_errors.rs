// Every problem in one attribute is reported at once, each at its own
// tokens, and the function is still emitted: the call in `main` resolves.
#[decor::logged(level = loud, bogus, skip(nope), ret = maybe, name, level = warn)]
fn login(user: &str, password: &str) -> bool {
    user.len() < password.len()
}

#[decor::timed(threshold = 1, level = loud, warn_over = "soon", name = 5)]
const fn answer() -> u32 {
    42
}

fn main() {
    assert!(login("ada", "correct horse"));
    assert_eq!(answer(), 42);
}
