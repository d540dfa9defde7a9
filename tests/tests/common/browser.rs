//! Headless Chromium, for tests that look at a page the way a person would:
//! open it from disk, let its scripts run, then read the DOM or a screenshot.
//!
//! Use it from a test file with
//! `#[path = "common/browser.rs"] mod browser;`. Every function takes paths
//! and returns text or an error; none panics when Chromium is missing,
//! except under `DECOR_REQUIRE_SERVERS=1` (CI), where a skip is a failure.
//! Every run is bounded: Chromium is killed after [`TIMEOUT`].

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long one Chromium run may take before it is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The window [`screenshot`] renders at, so the PNG is this size.
pub const WINDOW: (u32, u32) = (1400, 700);

/// One browser at a time per test binary: the machine is small and shared,
/// and two cold starts at once only make each slower.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The Chromium binary: `$DECOR_CHROMIUM` when set (only that), else
/// `chromium`, `chromium-browser`, `google-chrome` or `google-chrome-stable`
/// on `PATH`, else `/usr/bin/chromium`.
///
/// When there is none it prints a loud `SKIPPED` line and returns `None`;
/// with `DECOR_REQUIRE_SERVERS=1` it panics instead.
/// (`DECOR_CHROMIUM=/nowhere` shows both on a machine that has one.)
pub fn chromium() -> Option<PathBuf> {
    let found = match std::env::var_os("DECOR_CHROMIUM") {
        Some(path) => Some(PathBuf::from(path)).filter(|path| path.is_file()),
        None => search(),
    };
    if found.is_none() {
        let line = "SKIPPED: install chromium (apt-get install chromium) to run the browser tests";
        if std::env::var("DECOR_REQUIRE_SERVERS").as_deref() == Ok("1") {
            panic!("{line}; DECOR_REQUIRE_SERVERS=1 makes this a failure");
        }
        eprintln!("\n========== {line} ==========\n");
    }
    found
}

fn search() -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .chain([PathBuf::from("/usr/bin/chromium")])
        .find(|candidate| candidate.is_file())
}

/// Opens `html` in headless Chromium, lets its scripts run, and returns the
/// DOM serialised as HTML (what `--dump-dom` prints).
pub fn dump_dom(html: &Path) -> Result<String, String> {
    let out = run(html, &["--dump-dom".to_owned()])?;
    if out.stdout.trim().is_empty() {
        return Err(format!(
            "chromium printed no DOM for {}; its stderr:\n{}",
            html.display(),
            out.stderr
        ));
    }
    Ok(out.stdout)
}

/// Opens `html` in headless Chromium at [`WINDOW`]'s size and writes a PNG
/// of what it shows to `png`.
pub fn screenshot(html: &Path, png: &Path) -> Result<(), String> {
    let png = absolute(png)?;
    let _ = std::fs::remove_file(&png);
    let out = run(
        html,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            "--hide-scrollbars".to_owned(),
        ],
    )?;
    if !png.is_file() {
        return Err(format!(
            "chromium wrote no screenshot to {}; its stderr:\n{}",
            png.display(),
            out.stderr
        ));
    }
    Ok(())
}

struct Output {
    stdout: String,
    stderr: String,
}

/// Runs Chromium once on `html` with `extra` flags, in a fresh profile,
/// killed (with every process it started) after [`TIMEOUT`].
fn run(html: &Path, extra: &[String]) -> Result<Output, String> {
    let binary = chromium().ok_or("chromium is not installed")?;
    let url = file_url(&absolute(html)?);
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());

    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let scratch = std::env::temp_dir().join(format!(
        "decor-chromium-{}-{}",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    let profile = scratch.join("profile");
    std::fs::create_dir_all(&profile).map_err(|e| format!("{}: {e}", profile.display()))?;
    let _cleanup = RemoveOnDrop(scratch.clone());
    // Files, not pipes: a large DOM would fill a pipe nobody reads while
    // we wait for the exit.
    let stdout_path = scratch.join("stdout");
    let stderr_path = scratch.join("stderr");
    let stdout = std::fs::File::create(&stdout_path).map_err(|e| e.to_string())?;
    let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;

    let mut command = Command::new(&binary);
    command
        .args([
            "--headless",
            // Tests run as root in CI, where the sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--mute-audio",
            // Lets the page's scripts finish before the DOM or the picture
            // is taken, without waiting in real time.
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .env("HOME", &scratch)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own process group, so a timeout kills the renderer and the
        // zygote too, not just the browser process.
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < TIMEOUT => {
                std::thread::sleep(Duration::from_millis(25))
            }
            Ok(None) => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(format!(
                    "chromium did not finish {} within {TIMEOUT:?}; killed. stderr:\n{}",
                    url,
                    std::fs::read_to_string(&stderr_path).unwrap_or_default()
                ));
            }
            Err(e) => {
                kill_group(child.id());
                let _ = child.wait();
                return Err(format!("waiting for chromium: {e}"));
            }
        }
    };
    let stdout = std::fs::read_to_string(&stdout_path).map_err(|e| e.to_string())?;
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "chromium exited with {status} on {url}; stderr:\n{stderr}"
        ));
    }
    Ok(Output { stdout, stderr })
}

/// Kills the process group of a child not yet reaped (so its pid, and the
/// group's id, cannot have been reused).
fn kill_group(pid: u32) {
    // SAFETY: kill(2) with a negative pid signals the process group we made
    // for this child; no memory is involved.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn absolute(path: &Path) -> Result<PathBuf, String> {
    std::path::absolute(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// `file://` URL of an absolute path, with the bytes a URL cannot hold
/// percent-encoded.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(byte as char)
            }
            _ => url.push_str(&format!("%{byte:02X}")),
        }
    }
    url
}

/// One element of a dumped DOM: its tag, attributes (entities decoded) and
/// parent, enough to ask "which lane is this bar in".
#[derive(Debug, Clone)]
pub struct Element {
    pub tag: String,
    pub attrs: BTreeMap<String, String>,
    pub parent: Option<usize>,
    /// The element's text when it holds nothing but text (`<title>`, a
    /// label), entities decoded.
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).map(String::as_str)
    }
}

/// A dumped DOM as a flat list of elements in document order.
#[derive(Debug)]
pub struct Dom {
    pub elements: Vec<Element>,
}

/// Elements that never have an end tag in HTML serialisation.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

impl Dom {
    /// Reads Chromium's serialisation: every non-void element has an end
    /// tag, attribute values are double-quoted with `&quot;` and `&amp;`
    /// escaped; `<script>`, `<style>` and comments are skipped.
    pub fn parse(html: &str) -> Dom {
        let mut elements: Vec<Element> = Vec::new();
        let mut open: Vec<usize> = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            let text = &rest[..at];
            if let Some(&current) = open.last() {
                elements[current].text.push_str(&decode(text));
            }
            rest = &rest[at..];
            if let Some(after) = rest.strip_prefix("<!--") {
                rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            } else if rest.starts_with("<!") {
                rest = rest.find('>').map_or("", |end| &rest[end + 1..]);
            } else if let Some(after) = rest.strip_prefix("</") {
                let end = after.find('>').unwrap_or(after.len());
                let tag = after[..end].trim().to_ascii_lowercase();
                if let Some(pos) = open.iter().rposition(|&i| elements[i].tag == tag) {
                    open.truncate(pos);
                }
                rest = after.get(end + 1..).unwrap_or("");
            } else {
                let (element, self_closing, after) = start_tag(&rest[1..]);
                let raw = element.tag == "script" || element.tag == "style";
                let void = VOID.contains(&element.tag.as_str());
                let tag = element.tag.clone();
                elements.push(Element {
                    parent: open.last().copied(),
                    ..element
                });
                rest = after;
                if raw {
                    let close = format!("</{tag}");
                    rest = find_ci(rest, &close).map_or("", |end| &rest[end..]);
                    open.push(elements.len() - 1);
                } else if !void && !self_closing {
                    open.push(elements.len() - 1);
                }
            }
        }
        Dom { elements }
    }

    /// The elements that have attribute `name`, in document order.
    pub fn with_attr<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (usize, &'a Element)> {
        self.elements
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.attrs.contains_key(name))
    }

    /// The element with `id`.
    pub fn by_id(&self, id: &str) -> Option<&Element> {
        self.elements.iter().find(|e| e.attr("id") == Some(id))
    }

    /// The nearest ancestor of element `index` (not itself) with attribute
    /// `name`.
    pub fn ancestor_with(&self, index: usize, name: &str) -> Option<&Element> {
        let mut at = self.elements[index].parent;
        while let Some(i) = at {
            if self.elements[i].attrs.contains_key(name) {
                return Some(&self.elements[i]);
            }
            at = self.elements[i].parent;
        }
        None
    }

    /// The children of element `index` with tag `tag`.
    pub fn children<'a>(&'a self, index: usize, tag: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements
            .iter()
            .filter(move |e| e.parent == Some(index) && e.tag == tag)
    }
}

/// Parses `tag attr="v" ...>` (after the `<`); returns the element, whether
/// it ended in `/>`, and the text after the `>`.
fn start_tag(s: &str) -> (Element, bool, &str) {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' && bytes[i] != b'/'
    {
        i += 1;
    }
    let tag = s[..i].to_ascii_lowercase();
    let mut attrs = BTreeMap::new();
    let mut self_closing = false;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        match bytes[i] {
            b'>' => {
                i += 1;
                break;
            }
            b'/' => {
                self_closing = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let start = i;
        while i < bytes.len()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
            && !bytes[i].is_ascii_whitespace()
        {
            i += 1;
        }
        let name = s[start..i].to_ascii_lowercase();
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                i += 1;
                let from = i;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                value = decode(&s[from..i]);
                i += 1;
            } else {
                let from = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value = decode(&s[from..i]);
            }
        }
        self_closing = false;
        attrs.insert(name, value);
    }
    let element = Element {
        tag,
        attrs,
        parent: None,
        text: String::new(),
    };
    (element, self_closing, s.get(i..).unwrap_or(""))
}

/// Decodes the character references a serialiser writes.
fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').filter(|&end| end <= 10);
        let decoded = end.and_then(|end| {
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ if entity.starts_with("#x") || entity.starts_with("#X") => {
                    u32::from_str_radix(&entity[2..], 16)
                        .ok()
                        .and_then(char::from_u32)
                }
                _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Byte offset of `needle` in `haystack`, ASCII case-insensitively.
fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    (0..=h.len().saturating_sub(n.len()))
        .find(|&i| h.len() >= n.len() && h[i..i + n.len()].eq_ignore_ascii_case(n))
}
