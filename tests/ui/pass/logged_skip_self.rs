//! `skip(self)` and `redact(self)`: the receiver is logged as a field named
//! `self`, and can be skipped or redacted like any parameter.

#[derive(Debug)]
struct Connection {
    password: String,
}

impl Connection {
    #[decor::logged(skip(self))]
    fn query(&self, sql: &str) -> usize {
        sql.len() + self.password.len()
    }

    #[decor::timed]
    #[decor::logged(skip(self))]
    fn buffer(&mut self) -> &mut String {
        &mut self.password
    }
}

fn main() {
    let mut connection = Connection {
        password: "hunter2".to_owned(),
    };
    assert_eq!(connection.query("select 1"), 15);
    connection.buffer().push('!');
    assert_eq!(connection.password, "hunter2!");
}
