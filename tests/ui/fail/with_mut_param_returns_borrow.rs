// A body run in a loop cannot return a borrow of a `&mut` argument (each
// run reborrows it): one error at the return type; callers report nothing.
fn audit(call: &decor::Call<'_>) {
    let _ = call;
}

#[decor::with(audit)]
fn first(values: &mut Vec<u8>) -> &mut u8 {
    &mut values[0]
}

#[decor::retry(delay = "0ms")]
fn entry<'a>(map: &'a mut Vec<String>, key: &str) -> Result<&'a mut String, String> {
    map.iter_mut().find(|k| *k == key).ok_or_else(|| key.to_owned())
}

fn main() {
    let mut values = vec![1];
    *first(&mut values) += 1;
    let mut keys = vec!["a".to_owned()];
    let _ = entry(&mut keys, "a");
}
