struct Report(String);

#[decor::cache]
fn report(n: u32) -> Report {
    Report(n.to_string())
}

fn main() {
    report(1);
}
