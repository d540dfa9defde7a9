#[decor::spawn(threads = 2)]
fn ask(prompt: &str) -> usize {
    prompt.len()
}

fn main() {}
