// A shared `&T` whose `T` is not `Sync` is rejected by the compiler. Known
// weakness: the error points at the attribute, not at the parameter.
use std::cell::Cell;

#[decor::parallel(threads = 2)]
fn not_sync(items: &[u8], seen: &Cell<u8>) -> Vec<u8> {
    seen.set(1);
    items.to_vec()
}

fn main() {}
