// The type in the message reads as written: `&HashMap<u64, u64>`.
use std::collections::HashMap;

#[decor::parallel(over = table, reduce = |a, b| a + b)]
fn sum(items: &[u64], table: &HashMap<u64, u64>) -> u64 {
    items.iter().map(|i| table[i]).sum()
}

fn main() {}
