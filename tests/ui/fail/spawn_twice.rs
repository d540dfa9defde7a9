// `#[spawn]` twice would give `Task<Task<u32>>`; it is rejected like any
// decorator written twice.
#[decor::spawn(threads = 2)]
#[decor::spawn(threads = 2)]
fn twice(x: u32) -> u32 {
    x
}

fn main() {}
