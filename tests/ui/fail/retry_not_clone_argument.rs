// An argument taken by value is handed to every attempt, so it must be
// `Clone`: one error, at the parameter, naming it; callers report nothing.
struct Connection {
    port: u16,
}

#[decor::retry(attempts = 2, delay = "0ms")]
fn send(id: u32, connection: Connection, body: &str) -> Result<usize, String> {
    Ok(id as usize + connection.port as usize + body.len())
}

fn main() {
    let sent: Result<usize, String> = send(1, Connection { port: 80 }, "hi");
    assert!(sent.is_ok());
}
