//! The self-contained HTML timeline written beside a trace's JSON.
//!
//! The page is one file: the trace JSON sits inside it as data, and inline
//! JS draws it as SVG. Nothing is parsed on the Rust side, so any
//! trace-event JSON works, decor's or another tool's, and a trace that does
//! not parse still gives a page (one that says so).

/// The page, with [`MARK`] where the trace goes. Kept as a real `.html` file
/// so it can be edited and opened like one.
const TEMPLATE: &str = include_str!("timeline.html");

/// Where the trace JSON goes: the whole content of the page's
/// `<script type="application/json" id="trace">` element.
const MARK: &str = "@@DECOR_TRACE_JSON@@";

/// Turns trace-event JSON text into a self-contained HTML timeline page.
///
/// `trace_json` is Chrome trace-event JSON, in its object form
/// (`{"traceEvents": [...]}`) or as a bare array of events, from decor's
/// recorder or any other tool. It is embedded as it is and parsed by the
/// page's own script, which draws one lane per thread (grouped by process),
/// bars coloured by category, a time axis and a legend. The page loads
/// nothing from the network: open it with a double click. If the JSON does
/// not parse, the page shows why instead of a timeline.
///
/// ```
/// let json = r#"{"traceEvents": [
///     {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "main"}},
///     {"ph": "X", "name": "app::load", "cat": "timed", "ts": 0.0, "dur": 1500.0,
///      "pid": 1, "tid": 1, "args": {"outcome": "ok"}}
/// ]}"#;
/// let html = decor::trace::timeline_html(json);
/// assert!(html.starts_with("<!DOCTYPE html>"));
/// assert!(html.contains(r#""name": "app::load""#));
/// # let dir = std::env::temp_dir().join(format!("decor-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("trace.html");
/// std::fs::write(&path, html)?;
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn timeline_html(trace_json: &str) -> String {
    // A split that always succeeds: the template test below checks the mark
    // is there exactly once.
    let (head, tail) = TEMPLATE.split_once(MARK).unwrap_or((TEMPLATE, ""));
    let mut html = String::with_capacity(TEMPLATE.len() + trace_json.len() + 64);
    html.push_str(head);
    push_script_safe(&mut html, trace_json);
    html.push_str(tail);
    html
}

/// Appends `json` so that nothing in it can end the `<script>` element it
/// sits in, while `JSON.parse` still reads the same value.
///
/// The HTML parser ends a script at `</script` whatever the quoting, so a
/// function named `</script><script>...` would otherwise run as code;
/// `<\/` is the same string to JSON. `<!--` followed by `<script` would make
/// the parser skip the real `</script>`, so `<!--` is written `\u003c!--`.
/// Both only ever occur inside JSON strings, where these escapes are valid;
/// in JSON that does not parse anyway they change nothing that matters.
fn push_script_safe(html: &mut String, json: &str) {
    let mut rest = json;
    while let Some(at) = rest.find('<') {
        html.push_str(&rest[..at]);
        let from = &rest[at..];
        if let Some(after) = from.strip_prefix("</") {
            html.push_str("<\\/");
            rest = after;
        } else if let Some(after) = from.strip_prefix("<!--") {
            html.push_str("\\u003c!--");
            rest = after;
        } else {
            html.push('<');
            rest = &from[1..];
        }
    }
    html.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_one_place_for_the_trace() {
        assert_eq!(TEMPLATE.matches(MARK).count(), 1);
        let at = TEMPLATE.find(MARK).unwrap();
        assert!(TEMPLATE[..at].ends_with(r#"<script type="application/json" id="trace">"#));
        assert!(TEMPLATE[at + MARK.len()..].starts_with("</script>"));
    }

    #[test]
    fn the_trace_is_embedded_verbatim_when_it_has_no_angle_brackets() {
        let json = r#"{"traceEvents":[{"ph":"X","name":"a & b","ts":1,"dur":2}]}"#;
        let html = timeline_html(json);
        assert!(html.contains(&format!(r#"id="trace">{json}</script>"#)));
        assert!(!html.contains(MARK));
    }

    #[test]
    fn a_name_cannot_close_the_script_element() {
        let json = r#"[{"ph":"X","name":"</script><script>alert(1)</SCRIPT>","ts":0}]"#;
        let html = timeline_html(json);
        let data = embedded(&html);
        assert_eq!(
            data,
            r#"[{"ph":"X","name":"<\/script><script>alert(1)<\/SCRIPT>","ts":0}]"#
        );
        // The only `</` left in the embedded text is none at all.
        assert!(!data.contains("</"));
    }

    #[test]
    fn a_comment_opener_cannot_swallow_the_closing_tag() {
        let html = timeline_html(r#"["<!--<script>", "a<b"]"#);
        assert_eq!(embedded(&html), r#"["\u003c!--<script>", "a<b"]"#);
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        let html = timeline_html("[]").to_ascii_lowercase();
        for needle in ["http://", "https://", "src=", "href=", "@import", "//cdn"] {
            assert!(!html.contains(needle), "the page contains {needle:?}");
        }
    }

    /// The text between the trace element's tags.
    fn embedded(html: &str) -> &str {
        let open = r#"<script type="application/json" id="trace">"#;
        let start = html.find(open).unwrap() + open.len();
        let len = html[start..].find("</script>").unwrap();
        &html[start..start + len]
    }
}
