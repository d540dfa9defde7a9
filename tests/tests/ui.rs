//! Compile-time behaviour of the decorators: `ui/pass` programs must build
//! and run to completion, `ui/fail` programs must fail with exactly the
//! errors in their `.stderr` files (regenerate them with
//! `TRYBUILD=overwrite cargo test -p decor-tests --test ui`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
