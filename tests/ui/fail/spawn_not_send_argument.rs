// A non-`Send` argument is rejected by the compiler. Known weakness: the
// error points at the attribute ("within this closure"), not at the
// parameter.
use std::rc::Rc;

#[decor::spawn(threads = 2)]
fn not_send(counter: Rc<u8>, n: u32) -> u32 {
    *counter as u32 + n
}

fn main() {}
