#[decor::timed(warn_over = 10)]
fn number() {}

#[decor::timed(warn_over = 10ms)]
fn suffixed() {}

fn main() {
    number();
    suffixed();
}
