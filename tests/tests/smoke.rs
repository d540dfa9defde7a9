use decor::{logged, timed};

#[timed]
#[logged]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[logged(skip(b))]
#[timed]
fn parse(a: &str, b: u8) -> Result<u32, std::num::ParseIntError> {
    let _ = b;
    if a.is_empty() {
        return Ok(0);
    }
    let n: u32 = a.parse()?;
    Ok(n)
}

struct S {
    v: Vec<u8>,
}
impl S {
    #[timed]
    #[logged]
    fn get(&mut self) -> &mut Vec<u8> {
        &mut self.v
    }
    #[timed]
    #[track_caller]
    fn loc(&self) -> &'static std::panic::Location<'static> {
        std::panic::Location::caller()
    }
}

#[timed]
#[logged]
async fn fut(x: u8) -> Result<u8, String> {
    if x == 0 {
        return Err("zero".into());
    }
    Ok(x)
}

#[test]
fn smoke() {
    let _d = decor::init();
    assert_eq!(add(1, 2), 3);
    assert_eq!(parse("12", 1).unwrap(), 12);
    assert!(parse("x", 1).is_err());
    let mut s = S { v: vec![] };
    s.get().push(1);
    let here = line!() + 1;
    let loc = s.loc();
    assert_eq!(loc.line(), here);
    assert_eq!(futures_executor::block_on(fut(0)), Err("zero".into()));
    let st = decor::timers::get(concat!(module_path!(), "::parse")).unwrap();
    assert_eq!((st.calls(), st.errors()), (2, 1));
    let st = decor::timers::get(concat!(module_path!(), "::fut")).unwrap();
    assert_eq!((st.calls(), st.errors()), (1, 1));
    println!("{}", decor::timers::report());
}
