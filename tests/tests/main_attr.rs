//! `#[decor::main]` end to end: this test is a program whose `main` carries
//! the attribute. Run without arguments it re-runs itself once per scenario
//! and checks what each run printed to stderr and how it exited.
//! (`harness = false`: the attribute must sit on the real `main`.)

use std::process::{Command, Output};

#[decor::timed]
fn work(n: u64) -> Result<u64, String> {
    if n == 0 {
        Err("zero".into())
    } else {
        Ok(n * 2)
    }
}

/// Writes `saved` to `path` a little after it is called: still running when
/// `main` returns, unless `main` waits.
#[decor::spawn(threads = 1)]
#[decor::timed]
fn save(path: String) {
    std::thread::sleep(std::time::Duration::from_millis(200));
    std::fs::write(path, "saved").unwrap();
}

#[decor::main(report, log = "warn")]
fn main() -> Result<(), String> {
    match std::env::var("DECOR_MAIN_SCENARIO").as_deref() {
        Ok("ok") => {
            work(1)?;
            work(2)?;
            tracing::info!("hidden at the default warn filter");
            tracing::warn!("shown at the default warn filter");
            Ok(())
        }
        Ok("err") => {
            work(3)?;
            work(0)?;
            unreachable!("work(0) fails")
        }
        Ok("unjoined") => {
            let path = std::env::var("DECOR_MAIN_OUT").map_err(|e| e.to_string())?;
            save(path).detach();
            Ok(())
        }
        Ok("panic") => {
            work(4)?;
            panic!("main blew up");
        }
        _ => run_scenarios(),
    }
}

fn run(scenario: &str, rust_log: Option<&str>) -> (Output, String) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .env("DECOR_MAIN_SCENARIO", scenario)
        .env_remove("RUST_LOG");
    if let Some(filter) = rust_log {
        command.env("RUST_LOG", filter);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stderr)
}

fn report_row(stderr: &str) -> &str {
    row_of(stderr, "main_attr::work")
}

fn row_of<'a>(stderr: &'a str, function: &str) -> &'a str {
    stderr
        .lines()
        .find(|line| line.starts_with(function))
        .unwrap_or_else(|| panic!("no report row for {function} in:\n{stderr}"))
}

fn check(passed: &mut u32, name: &str, f: impl FnOnce()) {
    f();
    println!("test {name} ... ok");
    *passed += 1;
}

fn run_scenarios() -> Result<(), String> {
    let mut passed = 0;
    check(&mut passed, "report_after_ok_return", || {
        let (output, stderr) = run("ok", None);
        assert!(output.status.success(), "{stderr}");
        let header = stderr.lines().find(|l| l.starts_with("function")).unwrap();
        assert!(
            header.contains("calls") && header.contains("p99"),
            "{header}"
        );
        let row: Vec<&str> = report_row(&stderr).split_whitespace().collect();
        assert_eq!(
            &row[1..4],
            ["2", "0", "0"],
            "calls, errors, panics: {row:?}"
        );
        assert!(
            stderr.contains("shown at the default warn filter"),
            "{stderr}"
        );
        assert!(!stderr.contains("hidden at the default"), "{stderr}");
    });
    check(&mut passed, "report_after_err_return", || {
        let (output, stderr) = run("err", None);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let row: Vec<&str> = report_row(&stderr).split_whitespace().collect();
        assert_eq!(&row[1..4], ["2", "1", "0"], "{row:?}");
        assert!(stderr.contains("Error: \"zero\""), "{stderr}");
    });
    check(&mut passed, "report_after_panic", || {
        let (output, stderr) = run("panic", None);
        assert!(!output.status.success());
        assert!(stderr.contains("main blew up"), "{stderr}");
        let row: Vec<&str> = report_row(&stderr).split_whitespace().collect();
        assert_eq!(&row[1..4], ["1", "0", "0"], "{row:?}");
    });
    check(
        &mut passed,
        "main_waits_for_unjoined_tasks_then_reports",
        || {
            let out = std::env::temp_dir().join(format!("decor-main-{}.txt", std::process::id()));
            let _ = std::fs::remove_file(&out);
            let output = Command::new(std::env::current_exe().unwrap())
                .env("DECOR_MAIN_SCENARIO", "unjoined")
                .env("DECOR_MAIN_OUT", &out)
                .env_remove("RUST_LOG")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{stderr}");
            let written = std::fs::read_to_string(&out);
            let _ = std::fs::remove_file(&out);
            assert_eq!(written.ok().as_deref(), Some("saved"), "{stderr}");
            let row: Vec<&str> = row_of(&stderr, "main_attr::save")
                .split_whitespace()
                .collect();
            assert_eq!(&row[1..4], ["1", "0", "0"], "the report counts it: {row:?}");
        },
    );
    check(&mut passed, "no_colour_codes_when_stderr_is_a_pipe", || {
        let (output, stderr) = run("ok", Some("warn"));
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains("shown at the default warn filter"),
            "{stderr}"
        );
        assert!(
            !stderr.contains('\x1b'),
            "colour codes in a pipe: {stderr:?}"
        );
    });
    check(&mut passed, "rust_log_overrides_the_default_filter", || {
        let (_, stderr) = run("ok", Some("info"));
        assert!(
            stderr.contains("hidden at the default warn filter"),
            "{stderr}"
        );
    });
    check(
        &mut passed,
        "bad_rust_log_is_reported_and_the_default_used",
        || {
            let (output, stderr) = run("ok", Some("=[{"));
            assert!(output.status.success(), "{stderr}");
            assert!(
                stderr.contains("decor: ignoring RUST_LOG=\"=[{\""),
                "{stderr}"
            );
            assert!(
                stderr.contains("shown at the default warn filter"),
                "{stderr}"
            );
        },
    );
    println!("\ntest result: ok. {passed} passed; 0 failed; 0 ignored; 0 measured; 0 filtered out");
    Ok(())
}
