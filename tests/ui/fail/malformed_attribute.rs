#[decor::timed(level = )]
fn missing_value() -> u8 {
    1
}

#[decor::logged(level = info skip(a))]
fn missing_comma(a: u8) -> u8 {
    a
}

fn main() {
    assert_eq!(missing_value(), 1);
    assert_eq!(missing_comma(2), 2);
}
