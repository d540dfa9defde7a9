#[decor::timed(crate = my_decor)]
fn timed_renamed() -> u8 {
    1
}

fn main() {
    assert_eq!(timed_renamed(), 1);
}
