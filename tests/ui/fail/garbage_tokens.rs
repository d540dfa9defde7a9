// Odd token soup gets an error at the offending tokens, never a panic of
// the macro ("proc macro panicked").
#[decor::timed(= = =)]
fn equals() {}

#[decor::timed(crate = <u8 as Default>::default)]
fn qualified_crate() {}

#[decor::logged(skip(a,, b))]
fn double_comma(a: u8, b: u8) -> u8 {
    a + b
}

#[decor::logged(fields(a.b.c =))]
fn field_without_value() {}

#[decor::logged(level = info::debug, target = "")]
fn path_level() {}

#[decor::timed(level = "", name = "")]
fn empty_strings() {}

#[decor::logged(crate::level = info)]
fn path_option() {}

fn main() {
    equals();
    qualified_crate();
    assert_eq!(double_comma(1, 2), 3);
    field_without_value();
    path_level();
    empty_strings();
    path_option();
}
