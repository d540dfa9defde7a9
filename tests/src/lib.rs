//! Integration, UI and expansion tests of decor; see `tests/`.

/// `processes = N` in a unit-test binary (`cargo test -p decor-tests --lib`):
/// libtest's `main` never runs in the workers it starts.
#[cfg(test)]
mod process_unit_tests {
    #[decor::spawn(processes = 1)]
    fn plus_one_and_pid(x: u64) -> (u64, u32) {
        (x + 1, std::process::id())
    }

    #[test]
    fn spawn_processes_work_in_a_unit_test_binary() {
        let me = std::process::id();
        let results = decor::join_all((0..10).map(plus_one_and_pid));
        let mut workers = std::collections::BTreeSet::new();
        for (x, result) in (0..10).zip(results) {
            let (value, pid) = result.unwrap();
            assert_eq!(value, x + 1);
            assert_ne!(pid, me, "the call ran in the test's own process");
            workers.insert(pid);
        }
        assert_eq!(workers.len(), 1, "processes = 1 ran on {workers:?}");
    }
}
