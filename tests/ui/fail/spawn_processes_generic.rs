#[decor::spawn(processes = 2)]
fn double<T: std::ops::Add<Output = T> + Copy + Send + 'static>(value: T) -> T {
    value + value
}

fn main() {}
