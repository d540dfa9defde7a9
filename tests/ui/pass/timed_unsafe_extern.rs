//! `#[timed]` on `unsafe fn` and `extern "C" fn`.

#[path = "support/mod.rs"]
mod support;

use support::stats;

/// # Safety
/// `ptr` must be valid for reads.
#[decor::timed]
unsafe fn read_ptr(ptr: *const u32) -> u32 {
    *ptr
}

/// # Safety
/// `ptr` must be valid for writes.
#[decor::timed]
unsafe fn write_ptr(ptr: *mut u32, value: u32) -> Result<(), String> {
    if ptr.is_null() {
        return Err("null".to_owned());
    }
    *ptr = value;
    Ok(())
}

#[decor::timed]
extern "C" fn add_c(a: i32, b: i32) -> i32 {
    a + b
}

#[decor::timed]
#[no_mangle]
pub extern "C" fn decor_ui_timed_exported(x: u32) -> u32 {
    x * 2
}

/// # Safety
/// `ptr` must be valid for reads.
#[decor::timed]
pub unsafe extern "C" fn read_c(ptr: *const u8) -> u8 {
    *ptr
}

struct Cell(u32);

impl Cell {
    /// # Safety
    /// None really; it is a test.
    #[decor::timed]
    unsafe fn get_unchecked(&self) -> u32 {
        self.0
    }
}

fn main() {
    let mut value = 5;
    assert_eq!(unsafe { read_ptr(&value) }, 5);
    assert_eq!(unsafe { write_ptr(&mut value, 6) }, Ok(()));
    assert_eq!(value, 6);
    assert!(unsafe { write_ptr(std::ptr::null_mut(), 6) }.is_err());
    let writes = stats!("write_ptr");
    assert_eq!((writes.calls(), writes.errors()), (2, 1));

    assert_eq!(add_c(2, 3), 5);
    let as_pointer: extern "C" fn(i32, i32) -> i32 = add_c;
    assert_eq!(as_pointer(4, 4), 8);
    assert_eq!(stats!("add_c").calls(), 2);

    assert_eq!(decor_ui_timed_exported(4), 8);
    let byte = 9u8;
    assert_eq!(unsafe { read_c(&byte) }, 9);
    assert_eq!(unsafe { Cell(3).get_unchecked() }, 3);
    assert_eq!(stats!("read_ptr").calls(), 1);
    assert_eq!(stats!("read_c").calls(), 1);
    assert_eq!(stats!("get_unchecked").calls(), 1);
    assert_eq!(stats!("decor_ui_timed_exported").calls(), 1);
}
