//! Hygiene (tracing #3306): a glob import in the body brings in a variant
//! named like the return type's alias. The expansion names the return type
//! only where the body's items cannot reach, as the signature does; under
//! `#![deny(warnings)]`, for every decorator and stack, sync and async.

#![deny(warnings)]

type Unit = ();
type Score = u8;

#[allow(dead_code)]
enum Grade {
    Unit,
    Score,
    Fail,
}

#[decor::timed]
fn unit_timed() -> Unit {
    #[allow(unused_imports)]
    use Grade::*;
}

#[decor::logged]
#[decor::timed]
fn unit_stacked() -> Unit {
    #[allow(unused_imports)]
    use Grade::*;
}

#[decor::timed]
fn timed(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        _ => 10,
    }
}

#[decor::logged]
fn logged(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        _ => 10,
    }
}

#[decor::timed]
#[decor::logged]
#[decor::synchronized]
fn stacked(g: Grade) -> Result<Score, String> {
    use Grade::*;
    if let Fail = g {
        return Err("fail".to_owned());
    }
    Ok(90)
}

#[decor::logged]
#[decor::timed]
#[decor::synchronized]
async fn stacked_async(g: Grade) -> Result<Score, String> {
    use Grade::*;
    if let Fail = g {
        return Err("fail".to_owned());
    }
    Ok(90)
}

#[decor::spawn(threads = 1)]
#[decor::timed]
#[decor::logged]
fn spawned(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        _ => 10,
    }
}

#[decor::parallel(threads = 2, reduce = |a, b| a + b)]
#[decor::logged]
fn graded(gs: &[u8]) -> Score {
    use Grade::*;
    let _ = (Unit, Fail);
    gs.iter().sum()
}

fn audit(call: &decor::Call<'_>) {
    assert!(!call.name().is_empty());
}

#[decor::with(audit)]
fn with_sync(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        _ => 10,
    }
}

#[decor::with(audit)]
async fn with_async(g: Grade) -> Score {
    use Grade::*;
    match g {
        Score => 90,
        _ => 10,
    }
}

#[decor::retry(delay = "0ms")]
async fn retry_async(g: &Grade) -> Result<Score, Unit> {
    use Grade::*;
    match g {
        Score => Ok(90),
        _ => Err(()),
    }
}

#[decor::main(report = false, log = "off")]
fn main() {
    assert_eq!(with_sync(Grade::Score), 90);
    assert_eq!(futures_executor::block_on(with_async(Grade::Score)), 90);
    assert_eq!(futures_executor::block_on(retry_async(&Grade::Score)), Ok(90));
    assert!(futures_executor::block_on(retry_async(&Grade::Fail)).is_err());
    unit_timed();
    unit_stacked();
    assert_eq!(timed(Grade::Score), 90);
    assert_eq!(logged(Grade::Fail), 10);
    assert_eq!(stacked(Grade::Score), Ok(90));
    assert!(stacked(Grade::Fail).is_err());
    assert_eq!(futures_executor::block_on(stacked_async(Grade::Score)), Ok(90));
    assert_eq!(spawned(Grade::Score).join().unwrap(), 90);
    assert_eq!(graded(&[1, 2, 3]), 6);
    let stats = decor::timers::get(concat!(module_path!(), "::stacked")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
}
