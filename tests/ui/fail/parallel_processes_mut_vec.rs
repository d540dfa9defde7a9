// `&mut Vec<T>` splits as `&mut [T]` on threads, but a worker process would
// change a copy: rejected at the parameter's type.
#[decor::parallel(processes = 2)]
fn double(values: &mut Vec<u64>) {
    for x in values.iter_mut() {
        *x *= 2;
    }
}

fn main() {
    let mut values = vec![1, 2, 3];
    double(&mut values);
}
