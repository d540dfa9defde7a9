//! `crate = path` lets the expansions reach decor under another name.

use decor as my_decor;

mod nested {
    #[crate::my_decor::timed(crate = crate::my_decor)]
    pub fn timed_in_module(n: u8) -> Result<u8, String> {
        if n == 0 {
            return Err("zero".to_owned());
        }
        Ok(n)
    }

    #[crate::my_decor::logged(crate = crate::my_decor, skip(secret))]
    pub fn logged_in_module(n: u8, secret: &str) -> u8 {
        n + secret.len() as u8
    }
}

#[my_decor::timed(crate = my_decor)]
fn timed_root(n: u8) -> u8 {
    n + 1
}

#[my_decor::logged(crate = my_decor)]
fn logged_root(n: u8) -> Result<u8, String> {
    let doubled = n.checked_mul(2).ok_or("overflow")?;
    Ok(doubled)
}

#[my_decor::timed(crate = my_decor)]
#[my_decor::logged(crate = my_decor)]
async fn both(n: u8) -> u8 {
    n
}

#[my_decor::main(crate = my_decor, log = "warn")]
fn main() {
    assert_eq!(timed_root(1), 2);
    assert_eq!(logged_root(2), Ok(4));
    assert!(logged_root(200).is_err());
    assert_eq!(nested::timed_in_module(3), Ok(3));
    assert!(nested::timed_in_module(0).is_err());
    assert_eq!(nested::logged_in_module(1, "ab"), 3);
    assert_eq!(futures_executor::block_on(both(5)), 5);

    let root = my_decor::timers::get(concat!(module_path!(), "::timed_root")).unwrap();
    assert_eq!(root.calls(), 1);
    let nested =
        my_decor::timers::get(concat!(module_path!(), "::nested::timed_in_module")).unwrap();
    assert_eq!((nested.calls(), nested.errors()), (2, 1));
    assert_eq!(
        my_decor::timers::get(concat!(module_path!(), "::both"))
            .unwrap()
            .calls(),
        1
    );
}
