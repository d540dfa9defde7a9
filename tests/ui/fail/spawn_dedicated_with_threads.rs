#[decor::spawn(dedicated, threads = 2)]
fn capture(frames: u32) -> u32 {
    frames
}

fn main() {}
