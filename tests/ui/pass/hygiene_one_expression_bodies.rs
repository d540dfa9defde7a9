//! Hygiene: one-expression bodies on one line, as `rustfmt` would not
//! write them, raise no rustc warning (`unused_braces` at the user's
//! braces, which `cargo fix` would delete). Unit tails without a `;`, which
//! `tests/tests/lint_clean.rs` cannot write under `clippy::pedantic`, are
//! here; that file has the rest, linted by clippy too.

#![deny(warnings)]

struct Model {
    w: u64,
}

fn note(_: u64) {}

#[rustfmt::skip]
impl Model {
    #[decor::parallel(threads = 2)]
    fn predict(&self, xs: &[u64]) -> Vec<u64> { xs.iter().map(|x| x * self.w).collect() }

    #[decor::parallel(threads = 2)]
    fn each(&self, xs: &[u64]) { note(xs.len() as u64 * self.w) }

    #[decor::timed]
    #[decor::logged]
    fn unit(&mut self) { note(self.w) }

    #[decor::synchronized]
    fn locked(&self) { note(self.w) }

    #[decor::spawn(threads = 1)]
    fn spawned(self) { note(self.w) }
}

#[rustfmt::skip]
#[decor::timed]
fn timed() { note(1) }

#[rustfmt::skip]
#[decor::logged]
#[decor::timed]
async fn stacked_async() { note(2) }

#[rustfmt::skip]
#[decor::spawn(processes = 2)]
fn in_process(x: u64) { note(x) }

#[rustfmt::skip]
#[decor::spawn(dedicated)]
fn dedicated() { note(3) }

#[rustfmt::skip]
#[decor::parallel(processes = 2)]
fn chunks(xs: &[u64]) { note(xs.len() as u64) }

fn run() {
    let mut model = Model { w: 2 };
    assert_eq!(model.predict(&[1, 2]), [2, 4]);
    model.each(&[1]);
    model.unit();
    model.locked();
    model.spawned().join().unwrap();
    timed();
    futures_executor::block_on(stacked_async());
    in_process(1).join().unwrap();
    dedicated().join().unwrap();
    chunks(&[1, 2, 3]);
}

#[rustfmt::skip]
#[decor::main(report = false, log = "off")]
fn main() { run() }
