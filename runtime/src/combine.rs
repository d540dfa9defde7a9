//! [`Combine`]: how `#[parallel]` joins the results of its chunks when no
//! `reduce = ...` is given.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

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
    note = "add `reduce = |a, b| ...` to `#[parallel(...)]`, or implement `decor::Combine` for `{Self}`"
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

/// Later chunks' entries win on equal keys.
impl<K: Eq + Hash, V, S: BuildHasher> Combine for HashMap<K, V, S> {
    fn combine(mut self, later: Self) -> Self {
        self.extend(later);
        self
    }
}

/// Later chunks' entries win on equal keys.
impl<K: Ord, V> Combine for BTreeMap<K, V> {
    fn combine(mut self, mut later: Self) -> Self {
        self.append(&mut later);
        self
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
            BTreeMap::from([(1, "a"), (2, "b")]),
            BTreeMap::from([(2, "c")]),
        ];
        assert_eq!(
            BTreeMap::combine_all(maps),
            BTreeMap::from([(1, "a"), (2, "c")])
        );
    }
}
