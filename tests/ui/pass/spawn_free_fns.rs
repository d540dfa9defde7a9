//! `#[spawn]` on free functions, on each kind of pool: the function's own
//! (`threads = N`), a named one sized by `decor::pools::configure`, a
//! dedicated thread per call, and the default pool.

use std::thread;

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

#[decor::spawn(threads = 3)]
fn own_pool(x: u64) -> (u64, String) {
    (x * 2, thread_name())
}

#[decor::spawn(pool = "io")]
fn on_io(text: String) -> (usize, String) {
    (text.len(), thread_name())
}

#[decor::spawn(pool = "io")]
fn also_on_io() -> String {
    thread_name()
}

#[decor::spawn(dedicated, name = "capture")]
fn capture(frames: u32) -> (u32, String) {
    (frames + 1, thread_name())
}

#[decor::spawn(dedicated)]
fn unnamed_dedicated() -> String {
    thread_name()
}

#[decor::spawn]
fn on_default(a: i32, b: i32) -> (i32, String) {
    (a + b, thread_name())
}

#[decor::spawn(threads = 2)]
fn returns_unit(sink: std::sync::mpsc::Sender<&'static str>) {
    sink.send("done").unwrap();
}

#[decor::spawn(threads = 1)]
pub fn public(n: u8) -> u8 {
    n
}

fn main() {
    decor::pools::configure("io", 2).unwrap();

    let tasks: Vec<_> = (0..6).map(own_pool).collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let (doubled, name) = task.join().unwrap();
        assert_eq!(doubled, 2 * i as u64);
        assert!(name.starts_with("decor-own_pool-"), "{name}");
    }

    let (len, name) = on_io("hello".to_owned()).join().unwrap();
    assert_eq!(len, 5);
    assert!(name.starts_with("decor-io-"), "{name}");
    assert!(also_on_io().join().unwrap().starts_with("decor-io-"));
    assert_eq!(decor::pools::threads("io"), Some(2));

    assert_eq!(capture(9).join().unwrap(), (10, "capture".to_owned()));
    assert_eq!(unnamed_dedicated().join().unwrap(), "unnamed_dedicated");

    let (sum, name) = on_default(2, 3).join().unwrap();
    assert_eq!(sum, 5);
    assert!(name.starts_with("decor-default-"), "{name}");

    let (send, receive) = std::sync::mpsc::channel();
    let task: decor::Task<()> = returns_unit(send);
    task.join().unwrap();
    assert_eq!(receive.recv().unwrap(), "done");

    assert_eq!(public(7).join().unwrap(), 7);
}
