//! `#[logged]` on `unsafe fn` and `extern "C" fn`.

#[path = "support/mod.rs"]
mod support;

use support::Capture;

/// # Safety
/// `ptr` must be valid for reads.
#[decor::logged]
unsafe fn read_ptr(ptr: *const u32) -> u32 {
    *ptr
}

/// # Safety
/// `ptr` must be valid for writes.
#[decor::logged]
unsafe fn write_ptr(ptr: *mut u32, value: u32) -> Result<(), String> {
    if ptr.is_null() {
        return Err("null".to_owned());
    }
    *ptr = value;
    Ok(())
}

#[decor::logged]
extern "C" fn add_c(a: i32, b: i32) -> i32 {
    a + b
}

#[decor::logged]
#[no_mangle]
pub extern "C" fn decor_ui_logged_exported(x: u32) -> u32 {
    x * 2
}

/// # Safety
/// `ptr` must be valid for reads.
#[decor::logged]
pub unsafe extern "C" fn read_c(ptr: *const u8) -> u8 {
    *ptr
}

struct Cell(u32);

impl Cell {
    /// # Safety
    /// None really; it is a test.
    #[decor::logged]
    unsafe fn get_unchecked(&self) -> u32 {
        self.0
    }
}

fn main() {
    let capture = Capture::install();

    let mut value = 5;
    assert_eq!(unsafe { read_ptr(&value) }, 5);
    assert_eq!(unsafe { write_ptr(&mut value, 6) }, Ok(()));
    assert_eq!(value, 6);
    assert!(unsafe { write_ptr(std::ptr::null_mut(), 6) }.is_err());
    let log = capture.take();
    assert!(
        log.contains("read_ptr: ") && log.contains("return=5"),
        "{log}"
    );
    assert!(log.contains("error=null"), "{log}");

    assert_eq!(add_c(2, 3), 5);
    let as_pointer: extern "C" fn(i32, i32) -> i32 = add_c;
    assert_eq!(as_pointer(4, 4), 8);
    assert!(capture.take().contains("a=4 b=4"));

    assert_eq!(decor_ui_logged_exported(4), 8);
    let byte = 9u8;
    assert_eq!(unsafe { read_c(&byte) }, 9);
    assert_eq!(unsafe { Cell(3).get_unchecked() }, 3);
    let log = capture.take();
    assert!(
        log.contains("return=8") && log.contains("return=9") && log.contains("return=3"),
        "{log}"
    );
}
