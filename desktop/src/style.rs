//! The stylesheet, compiled into the binary and put in the page's head (no
//! files to ship or find at run time).

pub const CSS: &str = include_str!("../assets/app.css");

/// The `<head>` additions: the stylesheet, and `extra` after it.
pub fn head(extra: &str) -> String {
    format!("<meta charset=\"utf-8\"><style>{CSS}</style>{extra}")
}
