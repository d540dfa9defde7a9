//! [`Combine`]: how `#[parallel]` joins the results of its chunks when no
//! `reduce = ...` is given.

use std::collections::{btree_map, hash_map, BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::ops::{Add, AddAssign};

/// Joins the results of `#[parallel]` chunks, in chunk order.
///
/// ```
/// #[decor::parallel(threads = 2)]
/// fn words(lines: &[&str]) -> Vec<String> {
///     lines.iter().flat_map(|l| l.split(' ')).map(str::to_owned).collect()
/// }
///
/// assert_eq!(words(&["a b", "c", "d e"]), ["a", "b", "c", "d", "e"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`#[parallel]` does not know how to combine the chunk results, of type `{Self}`",
    label = "results of this type cannot be combined",
    note = "add `reduce = |a, b| ...` to `#[parallel(...)]`, or implement `decor::Combine` for `{Self}`",
    note = "for results that add up (totals, counts, also as a map's values, which combine key by key), use `decor::Sum<{Self}>`"
)]
pub trait Combine: Sized {
    /// `self` is the result of the earlier chunk, `later` of the next one.
    fn combine(self, later: Self) -> Self;

    /// All chunks' results, in order; never empty.
    fn combine_all(parts: Vec<Self>) -> Self {
        parts
            .into_iter()
            .reduce(Combine::combine)
            .expect("#[parallel] always has at least one chunk")
    }
}

impl Combine for () {
    fn combine(self, _: ()) {}
}

impl<T> Combine for Vec<T> {
    fn combine(mut self, mut later: Self) -> Self {
        self.append(&mut later);
        self
    }

    fn combine_all(parts: Vec<Self>) -> Self {
        let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        for mut part in parts {
            all.append(&mut part);
        }
        all
    }
}

impl Combine for String {
    fn combine(mut self, later: Self) -> Self {
        self.push_str(&later);
        self
    }
}

/// `None` if any chunk gave `None`.
impl<C: Combine> Combine for Option<C> {
    fn combine(self, later: Self) -> Self {
        Some(self?.combine(later?))
    }
}

/// The first `Err`, in chunk order.
impl<C: Combine, E> Combine for Result<C, E> {
    fn combine(self, later: Self) -> Self {
        Ok(self?.combine(later?))
    }
}

/// Entries are merged key by key: a key present in several chunks gets its
/// values combined, in chunk order; nothing is overwritten.
///
/// ```
/// use std::collections::HashMap;
/// use decor::Sum;
///
/// #[decor::parallel(chunks = 3)]
/// fn count(words: &[&str]) -> HashMap<String, Sum<usize>> {
///     let mut counts = HashMap::new();
///     for word in words {
///         *counts.entry(word.to_string()).or_default() += 1;
///     }
///     counts
/// }
///
/// let counts = count(&["a", "b", "a", "c", "a", "b", "a", "a"]);
/// assert_eq!(counts["a"], Sum(5));
/// assert_eq!(counts["b"].0, 2);
/// ```
impl<K: Eq + Hash, V: Combine, S: BuildHasher> Combine for HashMap<K, V, S> {
    fn combine(mut self, later: Self) -> Self {
        for (key, value) in later {
            match self.entry(key) {
                hash_map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                hash_map::Entry::Occupied(entry) => {
                    let (key, earlier) = entry.remove_entry();
                    self.insert(key, earlier.combine(value));
                }
            }
        }
        self
    }
}

/// Entries are merged key by key, as for `HashMap`.
impl<K: Ord, V: Combine> Combine for BTreeMap<K, V> {
    fn combine(mut self, later: Self) -> Self {
        for (key, value) in later {
            match self.entry(key) {
                btree_map::Entry::Vacant(entry) => {
                    entry.insert(value);
                }
                btree_map::Entry::Occupied(entry) => {
                    let (key, earlier) = entry.remove_entry();
                    self.insert(key, earlier.combine(value));
                }
            }
        }
        self
    }
}

/// A value that `#[parallel]` combines by adding: the count or total kept
/// per key in a map, where combining by any other rule would be a guess.
///
/// ```
/// let mut total = decor::Sum::default();
/// total += 2u32;
/// total += 3;
/// assert_eq!(total, decor::Sum(5));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sum<T>(pub T);

impl<T: Add<Output = T>> Combine for Sum<T> {
    fn combine(self, later: Self) -> Self {
        Sum(self.0 + later.0)
    }
}

impl<T: AddAssign> AddAssign<T> for Sum<T> {
    fn add_assign(&mut self, more: T) {
        self.0 += more;
    }
}

impl<T: std::fmt::Display> std::fmt::Display for Sum<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Eq + Hash, S: BuildHasher> Combine for HashSet<T, S> {
    fn combine(mut self, later: Self) -> Self {
        self.extend(later);
        self
    }
}

impl<T: Ord> Combine for BTreeSet<T> {
    fn combine(mut self, mut later: Self) -> Self {
        self.append(&mut later);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combines_in_chunk_order() {
        assert_eq!(
            Vec::combine_all(vec![vec![1], vec![], vec![2, 3]]),
            [1, 2, 3]
        );
        assert_eq!(String::combine_all(vec!["ab".into(), "c".into()]), "abc");
        let results: Vec<Result<Vec<u8>, &str>> = vec![Ok(vec![1]), Err("second"), Err("third")];
        assert_eq!(Result::combine_all(results), Err("second"));
        assert_eq!(
            Option::combine_all(vec![Some(vec![1]), Some(vec![2])]),
            Some(vec![1, 2])
        );
        assert_eq!(
            Option::<Vec<u8>>::combine_all(vec![Some(vec![1]), None]),
            None
        );
        let maps = vec![
            BTreeMap::from([(1, vec!["a"]), (2, vec!["b"])]),
            BTreeMap::from([(2, vec!["c"])]),
        ];
        assert_eq!(
            BTreeMap::combine_all(maps),
            BTreeMap::from([(1, vec!["a"]), (2, vec!["b", "c"])])
        );
        let counts = vec![
            HashMap::from([("a", Sum(2)), ("b", Sum(1))]),
            HashMap::from([("a", Sum(3))]),
        ];
        assert_eq!(
            HashMap::combine_all(counts),
            HashMap::from([("a", Sum(5)), ("b", Sum(1))])
        );
    }
}
