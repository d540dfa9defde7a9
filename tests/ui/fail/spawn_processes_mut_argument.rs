// With processes the worker gets a copy of each argument, so a `&mut`
// argument's changes could not come back: rejected at its type.
#[decor::spawn(processes = 2)]
fn grow(items: &mut Vec<u32>) -> usize {
    items.push(1);
    items.len()
}

fn main() {}
