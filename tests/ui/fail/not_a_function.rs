#[decor::timed]
struct Timed {
    value: u8,
}

#[decor::logged]
#[derive(Debug)]
enum Logged {
    One,
}

#[decor::main]
static MAIN: u8 = 0;

#[decor::timed]
impl Timed {
    fn value(&self) -> u8 {
        self.value
    }
}

fn main() {
    assert_eq!(Timed { value: MAIN }.value(), 0);
    println!("{:?}", Logged::One);
}
