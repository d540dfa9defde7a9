//! Traces of what decorated code did, and a timeline to look at them.
//!
//! [`timeline_html`](crate::trace::timeline_html) turns Chrome
//! trace-event JSON into one self-contained HTML page: lanes per thread and
//! worker process, bars per call, no network.

mod timeline;

pub use timeline::timeline_html;
