// A non-`Send` argument is reported once, at the parameter, by name; the
// callers' `.join()` reports nothing.
use std::cell::RefCell;
use std::rc::Rc;

#[decor::spawn(threads = 2)]
fn not_send(counter: Rc<u8>, n: u32) -> u32 {
    *counter as u32 + n
}

#[decor::spawn(dedicated)]
fn capture(frames: u32, buffer: Rc<RefCell<Vec<u8>>>) -> usize {
    buffer.borrow().len() + frames as usize
}

fn main() {
    let _ = not_send(Rc::new(1), 2).join();
    let _ = capture(3, Rc::new(RefCell::new(Vec::new()))).join();
}
