//! `#[spawn]` on methods with owned receivers: `self`, `mut self`,
//! `self: Arc<Self>` and `self: Box<Self>`, with generic impls and
//! `Self` in the signature and the body.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
struct Job {
    id: u32,
    items: Vec<u32>,
}

impl Job {
    #[decor::spawn(threads = 2)]
    fn run(self, factor: u32) -> u32 {
        self.items.iter().map(|i| i * factor).sum::<u32>() + self.id
    }

    #[decor::spawn(threads = 2)]
    fn grown(mut self, extra: u32) -> Self {
        self.items.push(extra);
        self
    }

    #[decor::spawn]
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }

    #[decor::spawn(dedicated, name = "job-runner")]
    fn dedicated(self) -> String {
        format!("{} on {}", self.id, std::thread::current().name().unwrap())
    }

    #[decor::spawn(pool = "methods")]
    fn nothing(self) {}

    #[decor::spawn(threads = 2)]
    fn apply<F, U>(self, f: F) -> U
    where
        F: FnOnce(Vec<u32>) -> U + Send + 'static,
        U: Send + 'static,
    {
        f(self.items)
    }

    #[decor::spawn(threads = 2)]
    fn patterns(self, (a, b): (u32, u32), _: ()) -> u32 {
        self.id + a + b
    }

    #[decor::spawn(threads = 2)]
    fn early(self, fail: bool) -> Result<u32, String> {
        if fail {
            return Err(format!("job {} failed", self.id));
        }
        let n: u32 = "7".parse().map_err(|_| String::new())?;
        Ok(n + self.id)
    }

    #[decor::spawn(threads = 2)]
    fn ids(self) -> impl Iterator<Item = u32> + Send {
        self.items.into_iter()
    }
}

struct Counter {
    hits: AtomicU32,
}

impl Counter {
    #[decor::spawn(threads = 2)]
    fn hit(self: Arc<Self>, by: u32) -> u32 {
        self.hits.fetch_add(by, Ordering::SeqCst) + by
    }

    #[decor::spawn(threads = 2)]
    fn read(self: Arc<Self>) -> u32 {
        self.hits.load(Ordering::SeqCst)
    }
}

struct Wrapper<T>(T);

impl<T: Clone + Send + 'static> Wrapper<T> {
    #[decor::spawn(threads = 2)]
    fn pair(self) -> (T, T) {
        (self.0.clone(), self.0)
    }
}

trait Named {
    fn name(&self) -> String;
}

struct Dog;

impl Named for Dog {
    fn name(&self) -> String {
        "dog".into()
    }
}

impl Dog {
    #[decor::spawn(threads = 1)]
    fn shout(self) -> String {
        Named::name(&self).to_uppercase()
    }
}

fn main() {
    let job = Job {
        id: 1,
        items: vec![1, 2, 3],
    };
    assert_eq!(job.clone().run(10).join().unwrap(), 61);
    assert_eq!(
        job.clone().grown(4).join().unwrap(),
        Job {
            id: 1,
            items: vec![1, 2, 3, 4]
        }
    );
    assert_eq!(Box::new(job.clone()).boxed().join().unwrap(), 3);
    assert_eq!(job.clone().dedicated().join().unwrap(), "1 on job-runner");
    assert_eq!(
        job.clone().apply(|items| items.len() * 2).join().unwrap(),
        6
    );
    assert_eq!(job.clone().patterns((2, 3), ()).join().unwrap(), 6);
    assert_eq!(
        job.clone().early(true).join().unwrap(),
        Err("job 1 failed".into())
    );
    assert_eq!(job.clone().early(false).join().unwrap(), Ok(8));
    assert_eq!(job.clone().ids().join().unwrap().sum::<u32>(), 6);
    job.nothing().join().unwrap();

    let counter = Arc::new(Counter {
        hits: AtomicU32::new(0),
    });
    let tasks: Vec<_> = (1..=4).map(|by| counter.clone().hit(by)).collect();
    let mut after: Vec<u32> = decor::join_all(tasks)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    after.sort();
    assert_eq!(after.last(), Some(&10));
    assert_eq!(counter.clone().read().join().unwrap(), 10);

    assert_eq!(
        Wrapper("x".to_owned()).pair().join().unwrap(),
        ("x".to_owned(), "x".to_owned())
    );
    assert_eq!(Dog.shout().join().unwrap(), "DOG");
}
