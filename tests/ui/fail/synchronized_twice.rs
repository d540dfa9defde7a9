#[decor::synchronized(lock = "outer")]
#[decor::synchronized(lock = "inner")]
fn write(line: &str) -> usize {
    line.len()
}

fn main() {}
