// A parameter named like the expansion's own locals does not collide with
// them (they are mixed-site).
#[decor::parallel(threads = 2, chunks = 2)]
fn cloned(chunk: Vec<u8>, extra: String, __decor_chunk: &u8) -> Vec<String> {
    chunk
        .iter()
        .map(|c| format!("{extra}{c}{__decor_chunk}"))
        .collect()
}

fn main() {
    assert_eq!(cloned(vec![1, 2], "x".into(), &0), ["x10", "x20"]);
}
