//! A task that joins another task queued on its own pool, when that pool
//! has a single thread: the waiting thread runs the queued task itself
//! instead of blocking the only thread the other task could run on.

#[decor::spawn(pool = "single")]
fn outer(x: u64) -> u64 {
    inner(x).join().unwrap() + 1
}

#[decor::spawn(pool = "single")]
fn inner(x: u64) -> u64 {
    x * 2
}

#[test]
fn joining_a_task_of_the_same_one_thread_pool_from_inside_it_finishes() {
    decor::pools::configure("single", 1).unwrap();
    let tasks: Vec<_> = (0..20).map(outer).collect();
    let results: Vec<u64> = decor::join_all(tasks)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(results, (0..20).map(|x| x * 2 + 1).collect::<Vec<_>>());
    assert_eq!(decor::pools::threads("single"), Some(1));
}
