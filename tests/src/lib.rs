//! Integration, UI and expansion tests of decor; see `tests/`.
