// `pool = "name"` with `processes` names a shared process pool; `threads`
// is a third placement.
#[decor::spawn(processes = 2, pool = "io", threads = 2)]
fn work(n: u32) -> u32 {
    n
}

fn main() {}
