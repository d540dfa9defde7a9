use std::collections::HashMap;

// Counts in a map: `usize` values have no rule to combine them by, so this
// is an error that points to `decor::Sum<usize>`, never a silent overwrite.
#[decor::parallel(threads = 2)]
fn count(words: &[&str]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for word in words {
        *counts.entry(word.to_string()).or_insert(0) += 1;
    }
    counts
}

fn main() {
    let _ = count(&["a", "b", "a"]);
}
