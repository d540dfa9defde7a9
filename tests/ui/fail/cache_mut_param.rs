#[decor::cache]
fn push(values: &mut Vec<u32>, n: u32) -> usize {
    values.push(n);
    values.len()
}

fn main() {
    push(&mut Vec::new(), 1);
}
