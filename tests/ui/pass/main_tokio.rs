//! `#[decor::main]` composes with `#[tokio::main]` placed below it: decor's
//! set-up runs inside the runtime's `main`, and async decorated functions
//! run on it.

#[decor::timed]
#[decor::logged]
async fn fetch(id: u32) -> Result<u32, String> {
    tokio::task::yield_now().await;
    if id == 0 {
        return Err("no id".into());
    }
    Ok(id * 2)
}

#[decor::main(log = "warn")]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(fetch(21).await, Ok(42));
    assert!(fetch(0).await.is_err());
    let stats = decor::timers::get(concat!(module_path!(), "::fetch")).unwrap();
    assert_eq!((stats.calls(), stats.errors()), (2, 1));
}
