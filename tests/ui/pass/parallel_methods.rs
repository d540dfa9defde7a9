//! `#[parallel]` on `&self` methods: `self` is shared between the chunks,
//! the split parameter is the first after it (or `over = name`), and the
//! other parameters are shared or cloned as for free functions.

use std::collections::HashMap;

struct Index {
    words: HashMap<String, u32>,
    scale: u32,
}

impl Index {
    #[decor::parallel(threads = 2, chunks = 2)]
    fn lookup(&self, keys: &[&str]) -> Vec<Option<u32>> {
        keys.iter()
            .map(|k| self.words.get(*k).map(|v| v * self.scale))
            .collect()
    }

    #[decor::parallel(threads = 2, chunks = 3, reduce = |a, b| a + b)]
    fn total(&self, keys: Vec<String>, bonus: u32) -> u32 {
        keys.iter().filter_map(|k| self.words.get(k)).sum::<u32>() + bonus
    }

    #[decor::parallel(threads = 2, chunks = 2, over = range)]
    fn offsets(&self, base: &u32, range: std::ops::Range<u32>) -> Vec<u32> {
        range.map(|i| i * self.scale + base).collect()
    }

    #[decor::parallel(threads = 2, chunks = 2)]
    fn fallible(&self, keys: &Vec<String>) -> Result<Vec<u32>, String> {
        keys.iter()
            .map(|k| self.words.get(k).copied().ok_or_else(|| format!("no {k}")))
            .collect()
    }

    #[decor::parallel(threads = 2, chunks = 2)]
    fn with_try(&self, keys: &[&str]) -> Option<Vec<u32>> {
        let mut out = Vec::new();
        for key in keys {
            let value = self.words.get(*key)?;
            out.push(*value);
        }
        Some(out)
    }
}

struct Scaler<T> {
    factor: T,
}

impl<T: Copy + Sync + std::ops::Mul<Output = T> + Send> Scaler<T> {
    #[decor::parallel(threads = 2, chunks = 2)]
    fn scale(&self, items: &mut [T]) {
        for item in items {
            *item = *item * self.factor;
        }
    }

    #[decor::parallel(threads = 2, chunks = 2)]
    fn scaled(&self, items: Vec<T>) -> Vec<T> {
        items.into_iter().map(|x| x * self.factor).collect()
    }
}

fn main() {
    let index = Index {
        words: [("a", 1), ("b", 2), ("c", 3)]
            .map(|(k, v)| (k.to_owned(), v))
            .into_iter()
            .collect(),
        scale: 10,
    };
    assert_eq!(index.lookup(&["a", "x", "c"]), [Some(10), None, Some(30)]);
    let keys: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    // 3 chunks, each adding the bonus: 1 + 2 + 3 + 3 x 100.
    assert_eq!(index.total(keys.clone(), 100), 306);
    assert_eq!(index.offsets(&1, 0..4), [1, 11, 21, 31]);
    assert_eq!(index.fallible(&keys), Ok(vec![1, 2, 3]));
    assert_eq!(
        index.fallible(&vec!["a".into(), "z".into()]),
        Err("no z".into())
    );
    assert_eq!(index.with_try(&["a", "b"]), Some(vec![1, 2]));
    assert_eq!(index.with_try(&["a", "q"]), None);

    let scaler = Scaler { factor: 3 };
    let mut items = vec![1, 2, 3, 4, 5];
    scaler.scale(&mut items);
    assert_eq!(items, [3, 6, 9, 12, 15]);
    assert_eq!(scaler.scaled(vec![1, 2]), [3, 6]);
    assert_eq!(Scaler { factor: 1.5 }.scaled(vec![1.0, 2.0]), [1.5, 3.0]);
}
