// A misspelt option is one error at the option: the function keeps the
// signature `#[spawn]` gives it (`-> Task<u64>`), so callers' `.join()`
// and `as_completed` report nothing; the same for an `async fn`.
#[decor::spawn(thread = 2)]
fn square(x: u64) -> u64 {
    x * x
}

#[decor::spawn]
async fn fetch(id: u32) -> String {
    format!("{id}")
}

struct Cache;

impl Cache {
    #[decor::spawn(pool = 3)]
    fn refresh(self: std::sync::Arc<Self>, keys: Vec<String>) -> usize {
        keys.len()
    }
}

fn main() {
    let answer: u64 = square(3).join().unwrap();
    let tasks = vec![square(1), square(2)];
    for (_, result) in decor::as_completed(tasks) {
        let _: u64 = result.unwrap() + answer;
    }
    let _: String = fetch(7).join().unwrap();
    let cache = std::sync::Arc::new(Cache);
    let _: usize = cache.refresh(vec![]).join().unwrap();
}
