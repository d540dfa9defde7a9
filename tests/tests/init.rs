//! `decor::init()` and `decor::Init`: set-up by hand. In its own binary,
//! since it sets the process's global subscriber.

use std::sync::{Arc, Mutex};

#[test]
fn init_keeps_a_subscriber_the_program_already_set() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let buffer = seen.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || Writer(buffer.clone()))
        .with_ansi(false)
        .without_time()
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let guard = decor::Init::new().log("trace").report(false).install();
    assert!(
        !guard.installed_subscriber(),
        "the program's subscriber stays"
    );
    let again = decor::init();
    assert!(!again.installed_subscriber());

    tracing::info!("through the program's own subscriber");
    let text = String::from_utf8(seen.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("through the program's own subscriber"),
        "{text}"
    );
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
