#[decor::spawn(threads = 2, name = "capture")]
fn capture(frames: u32) -> u32 {
    frames
}

fn main() {}
