// A result holding a foreign error type (`std::io::Error` is not serde) is
// reported once, at the return type, with the fix that works for a type of
// another crate; callers' `.join()` reports nothing.
#[decor::spawn(processes = 2)]
fn file_len(path: String) -> Result<u64, std::io::Error> {
    std::fs::metadata(path).map(|m| m.len())
}

fn main() {
    let _ = file_len("Cargo.toml".into()).join();
}
