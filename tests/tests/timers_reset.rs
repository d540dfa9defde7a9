//! `decor::timers::reset` zeroes every timer. In its own test binary, since
//! it would race the counts asserted by tests running beside it.

#[decor::timed]
fn step(fail: bool) -> Result<(), ()> {
    if fail {
        Err(())
    } else {
        Ok(())
    }
}

#[test]
fn reset_zeroes_counts_and_timing_resumes_after() {
    step(false).unwrap();
    step(true).unwrap_err();
    let name = "timers_reset::step";
    assert_eq!(decor::timers::get(name).unwrap().calls(), 2);

    decor::timers::reset();
    let zeroed = decor::timers::get(name).expect("still registered");
    assert_eq!((zeroed.calls(), zeroed.errors()), (0, 0));
    assert_eq!(zeroed.total(), std::time::Duration::ZERO);
    assert_eq!(zeroed.percentile(50.0), std::time::Duration::ZERO);
    assert!(decor::timers::report().is_empty(), "no row without calls");

    step(true).unwrap_err();
    let again = decor::timers::get(name).unwrap();
    assert_eq!((again.calls(), again.errors()), (1, 1));
    assert_eq!(again.min(), again.max());
}
