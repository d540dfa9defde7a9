// A body run in a closure (maybe more than once) cannot return a borrow of
// `&mut self`: one error at the return type; callers report nothing.
fn audit(call: &decor::Call<'_>) {
    let _ = call;
}

struct Buffer {
    bytes: Vec<u8>,
}

impl Buffer {
    #[decor::with(audit)]
    fn bytes(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }
}

fn main() {
    let mut buffer = Buffer { bytes: vec![] };
    buffer.bytes().push(1);
}
