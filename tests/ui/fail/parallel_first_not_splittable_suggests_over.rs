// The first parameter cannot be split but a later one can: the error says
// which `over = name` to write.
#[decor::parallel(reduce = |a, b| a + b)]
fn total(scale: u64, items: &[u64], offsets: Vec<u64>) -> u64 {
    items.iter().zip(&offsets).map(|(i, o)| i * scale + o).sum()
}

fn main() {
    assert_eq!(total(2, &[1, 2], vec![0, 0]), 6);
}

// Nothing else to split: no suggestion.
#[decor::parallel]
fn labels(scale: u64, label: String) -> Vec<String> {
    vec![format!("{label}{scale}")]
}
