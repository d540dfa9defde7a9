#[decor::logged(ret = maybe)]
fn ret_maybe() -> u8 {
    1
}

#[decor::logged(skip = password)]
fn skip_value(password: &str) -> usize {
    password.len()
}

#[decor::logged(fields(= 1))]
fn fields_without_key() {}

#[decor::logged(fields = 1)]
fn fields_value() {}

#[decor::timed(crate = "decor")]
fn crate_string() {}

#[decor::main(log = debug)]
fn main() {
    assert_eq!(ret_maybe(), 1);
    assert_eq!(skip_value("x"), 1);
    fields_without_key();
    fields_value();
    crate_string();
}
