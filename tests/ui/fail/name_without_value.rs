#[decor::timed(name)]
fn timed_bare() {}

#[decor::logged(name(span))]
fn logged_list() {}

#[decor::timed(name = my_function)]
fn timed_ident() {}

#[decor::main(log)]
fn main() {
    timed_bare();
    logged_list();
    timed_ident();
}
