//! Stress for a task's one-allocation cell (issue 11, item 3): many threads
//! racing a task's cancel against its start, its join against its finish,
//! its drop against both; panicking bodies; `on_done` racing the finish;
//! `as_completed` dropped while its tasks still finish. Arguments and
//! results count their drops, so a double drop or a leak shows as a count
//! off by one, whatever the interleaving.
//!
//! Each test has pools of its own (`threads = N` functions declared inside
//! it), as tests run concurrently. Every wait has a fail-safe ([`HANG`]);
//! no time is asserted.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use common::{quiet_panics, wait_until, within, Gate, EXPECTED, HANG};
use decor::{as_completed, spawn, Task};

/// Counts of one test's tracked values.
#[derive(Default)]
struct Counts {
    made: AtomicUsize,
    dropped: AtomicUsize,
}

impl Counts {
    fn made(&self) -> usize {
        self.made.load(Ordering::SeqCst)
    }
    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

/// A value that counts its making and its drop.
struct Tracked {
    value: u64,
    counts: Arc<Counts>,
}

impl Tracked {
    fn new(value: u64, counts: &Arc<Counts>) -> Tracked {
        counts.made.fetch_add(1, Ordering::SeqCst);
        Tracked {
            value,
            counts: counts.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counts.dropped.fetch_add(1, Ordering::SeqCst);
    }
}

/// What the test threads do with their share of the tasks.
#[derive(Clone, Copy)]
enum Fate {
    CancelThenJoin,
    CancelThenDrop,
    Join,
    Drop,
    OnDoneThenDrop,
    Await,
}

const FATES: [Fate; 6] = [
    Fate::CancelThenJoin,
    Fate::CancelThenDrop,
    Fate::Join,
    Fate::Drop,
    Fate::OnDoneThenDrop,
    Fate::Await,
];

#[test]
fn racing_cancel_start_join_and_drop_drops_every_value_once() {
    quiet_panics();
    within("the race", || {
        #[spawn(threads = 2)]
        fn body(
            gate: Gate,
            argument: Tracked,
            results: Arc<Counts>,
            ran: Arc<[AtomicUsize; 2]>,
        ) -> Tracked {
            gate.wait();
            ran[0].fetch_add(1, Ordering::SeqCst);
            if argument.value.is_multiple_of(97) {
                ran[1].fetch_add(1, Ordering::SeqCst);
                panic!("task {} fails {EXPECTED}", argument.value);
            }
            Tracked::new(argument.value * 2, &results)
        }

        const TASKS: u64 = 6_000;
        let arguments = Arc::new(Counts::default());
        let results = Arc::new(Counts::default());
        // Runs, and panics among them.
        let counters = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
        let (ran, panicked) = (&counters[0], &counters[1]);
        let cancelled = Arc::new(AtomicUsize::new(0));
        let callbacks = Arc::new(AtomicUsize::new(0));
        // Shut until some cancels have won, so that the pool's threads are
        // held on the first two tasks while the fates begin.
        let gate = Gate::new();
        // One share per fate, dealt round-robin so that every fate meets
        // tasks early and late in the queue.
        let mut shares: Vec<Vec<(u64, Task<Tracked>)>> = FATES.iter().map(|_| Vec::new()).collect();
        for i in 0..TASKS {
            let task = body(
                gate.clone(),
                Tracked::new(i, &arguments),
                results.clone(),
                counters.clone(),
            );
            shares[i as usize % FATES.len()].push((i, task));
        }
        let threads: Vec<_> = FATES
            .iter()
            .zip(shares)
            .map(|(&fate, share)| {
                let (cancelled, callbacks) = (cancelled.clone(), callbacks.clone());
                std::thread::spawn(move || {
                    for (i, task) in share {
                        let check = |result: Result<Tracked, decor::TaskError>,
                                     was_cancelled: bool| {
                            match result {
                                Ok(value) => {
                                    assert!(!was_cancelled, "task {i} was cancelled yet ran");
                                    assert_eq!(value.value, i * 2);
                                }
                                Err(error) if was_cancelled => {
                                    assert!(error.is_cancelled(), "{error}")
                                }
                                Err(error) => {
                                    assert!(i.is_multiple_of(97), "task {i}: {error}");
                                    assert!(error.is_panic(), "{error}");
                                    let expected = format!("task {i} fails {EXPECTED}");
                                    assert_eq!(error.panic_message(), Some(expected.as_str()));
                                }
                            }
                        };
                        match fate {
                            Fate::CancelThenJoin => {
                                let was_cancelled = task.cancel();
                                if was_cancelled {
                                    cancelled.fetch_add(1, Ordering::SeqCst);
                                    assert!(task.is_cancelled() && task.is_finished());
                                }
                                check(task.join(), was_cancelled);
                            }
                            Fate::CancelThenDrop => {
                                if task.cancel() {
                                    cancelled.fetch_add(1, Ordering::SeqCst);
                                }
                                drop(task);
                            }
                            Fate::Join => check(task.join(), false),
                            Fate::Drop => drop(task),
                            Fate::OnDoneThenDrop => {
                                let callbacks = callbacks.clone();
                                task.on_done(move |result| {
                                    if let Ok(value) = result {
                                        assert_eq!(value.value, i * 2);
                                    }
                                    callbacks.fetch_add(1, Ordering::SeqCst);
                                });
                                drop(task);
                            }
                            Fate::Await => check(common::block_on(task), false),
                        }
                    }
                })
            })
            .collect();
        // `CancelThenDrop` never blocks: its cancels win while the gate is
        // shut (all but the one its pool thread holds).
        wait_until("some cancels won", || {
            cancelled.load(Ordering::SeqCst) >= 10
        });
        gate.open();
        for thread in threads {
            thread.join().expect("a test thread");
        }
        let total = TASKS as usize;
        // Dropped tasks run on: wait for every task to have run or been
        // cancelled, and for every value to have been dropped.
        let cancelled = cancelled.load(Ordering::SeqCst);
        wait_until("every task run or cancelled", || {
            ran.load(Ordering::SeqCst) + cancelled == total
        });
        wait_until("every argument dropped", || arguments.dropped() >= total);
        wait_until("every result dropped", || {
            results.dropped() >= results.made()
        });
        wait_until("every callback run", || {
            callbacks.load(Ordering::SeqCst) == total / FATES.len()
        });
        assert_eq!(
            ran.load(Ordering::SeqCst),
            total - cancelled,
            "a cancelled task ran"
        );
        assert!(cancelled >= 10);
        // Each task that ran made one result, unless it panicked.
        let panicked = panicked.load(Ordering::SeqCst);
        assert_eq!(results.made(), total - cancelled - panicked);
        // Drops, after a pause in which a late double drop would show.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(arguments.made(), total);
        assert_eq!(
            arguments.dropped(),
            total,
            "arguments dropped twice or leaked"
        );
        assert_eq!(
            results.dropped(),
            results.made(),
            "results dropped twice or leaked"
        );
    });
}

#[test]
fn on_done_racing_the_finish_runs_each_callback_once() {
    within("on_done races", || {
        #[spawn(threads = 2)]
        fn double(x: u64) -> u64 {
            x * 2
        }

        const TASKS: u64 = 3_000;
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<Task<u64>> = (0..TASKS).map(double).collect();
        let tasks = Arc::new(tasks);
        // Two threads add callbacks to every task while the pool finishes
        // them: some land before the finish, some after, some during.
        let adders: Vec<_> = (0..2)
            .map(|_| {
                let (tasks, calls) = (tasks.clone(), calls.clone());
                std::thread::spawn(move || {
                    for (i, task) in tasks.iter().enumerate() {
                        let calls = calls.clone();
                        task.on_done(move |result| {
                            assert_eq!(*result.as_ref().unwrap(), i as u64 * 2);
                            calls.fetch_add(1, Ordering::SeqCst);
                        });
                    }
                })
            })
            .collect();
        for adder in adders {
            adder.join().expect("an adder");
        }
        let tasks = Arc::try_unwrap(tasks).expect("the adders are done");
        for (i, task) in tasks.into_iter().enumerate() {
            // `join` returns after every callback added before it.
            assert_eq!(task.join().unwrap(), i as u64 * 2);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2 * TASKS as usize);
    });
}

#[test]
fn as_completed_dropped_while_its_tasks_finish() {
    within("as_completed dropped early", || {
        #[spawn(threads = 2)]
        fn held(gate: Gate, value: Tracked) -> u64 {
            gate.wait();
            value.value
        }

        let counts = Arc::new(Counts::default());
        for round in 0..20 {
            let gate = Gate::new();
            let tasks: Vec<_> = (0..200)
                .map(|i| held(gate.clone(), Tracked::new(i, &counts)))
                .collect();
            let mut waiting = as_completed(tasks);
            gate.open();
            // Take a few, then drop the rest of the iterator while the pool
            // is still finishing them (their notices are taken back).
            let taken: Vec<_> = waiting.by_ref().take(round % 5).collect();
            assert_eq!(taken.len(), round % 5);
            for (i, result) in taken {
                assert_eq!(result.unwrap(), i as u64);
            }
            drop(waiting);
        }
        wait_until("every argument dropped", || {
            counts.dropped() >= counts.made()
        });
        assert_eq!(counts.made(), 20 * 200);
        assert_eq!(counts.dropped(), counts.made());
    });
}

#[test]
fn as_completed_into_pending_then_join_gives_every_value_once() {
    within("into_pending", || {
        #[spawn(threads = 2)]
        fn triple(x: u64) -> u64 {
            x * 3
        }

        for _ in 0..20 {
            let waiting = as_completed((0..500).map(triple));
            let mut seen = vec![0u8; 500];
            let mut waiting = waiting;
            for (i, result) in waiting.by_ref().take(100) {
                assert_eq!(result.unwrap(), i as u64 * 3);
                seen[i] += 1;
            }
            for (i, task) in waiting.into_pending() {
                assert_eq!(task.join().unwrap(), i as u64 * 3);
                seen[i] += 1;
            }
            assert!(seen.iter().all(|&n| n == 1), "each task once");
        }
    });
}

#[test]
fn a_cancelled_task_whose_argument_panics_on_drop_still_finishes() {
    quiet_panics();
    within("a panicking drop", || {
        #[spawn(threads = 1)]
        fn step(hold: Option<(Gate, mpsc::Sender<()>)>, _argument: Option<PanicsOnDrop>) -> u8 {
            if let Some((gate, started)) = hold {
                let _ = started.send(());
                gate.wait();
            }
            1
        }

        let gate = Gate::new();
        let (started, running) = mpsc::channel();
        let busy = step(Some((gate.clone(), started)), None);
        running.recv_timeout(HANG).expect("the holder starts");
        let queued = step(None, Some(PanicsOnDrop));
        // The cancel drops the argument, whose drop panics: reported, and
        // the task is cancelled all the same.
        assert!(queued.cancel());
        assert!(queued.is_finished());
        assert!(queued.join().unwrap_err().is_cancelled());
        gate.open();
        assert_eq!(busy.join().unwrap(), 1);
        // The pool's one thread lives on.
        assert_eq!(step(None, None).join().unwrap(), 1);
    });
}

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("an argument's drop {EXPECTED}");
    }
}
