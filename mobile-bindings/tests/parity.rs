//! Parity: every public method of client-core's `Client` and of each handle
//! it hands out (`OutboxHandle`, `RoomHandle`, ... — every `pub struct
//! *Handle` in client-core) has a method of the same name on the bindings'
//! object for it (`MoaClient`, `MoaOutbox`, `MoaRoom`, ...), exported to
//! uniffi. A method added to client-core (what the desktop app calls) and
//! not to the bindings fails here, named, until it is bound or listed in
//! [`NOT_BOUND`] with the reason.
//!
//! Both sides are read from their source text, as rustfmt leaves it: a
//! top-level `impl Type {` block (not `impl Trait for Type`) up to its
//! closing `}` in column 0, and in it the methods declared `pub fn` or
//! `pub async fn` at one indent (so `pub(crate)` helpers, trait impls and
//! `#[cfg(test)]` modules, which are indented, do not count). On the
//! bindings' side only blocks under `#[uniffi::export...]` count. The test
//! also checks that it found each type and a plausible number of methods,
//! so a change of layout cannot make it pass by finding nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// client-core type -> the bindings' object for it.
const OBJECTS: &[(&str, &str)] = &[
    ("Client", "MoaClient"),
    ("OutboxHandle", "MoaOutbox"),
    ("RoomHandle", "MoaRoom"),
    ("MediaHandle", "MoaMedia"),
    ("SearchHandle", "MoaSearch"),
    ("ShopHandle", "MoaShop"),
    ("RequestsHandle", "MoaRequests"),
    ("WalletHandle", "MoaWallet"),
    ("AdminHandle", "MoaAdmin"),
];

/// What is deliberately not bound, with why. Everything else must be.
const NOT_BOUND: &[(&str, &str, &str)] = &[
    // A test seam: a `Transport` implemented in Rust carries the requests
    // (a scripted server); apps always talk HTTP (`open`, `openWith`).
    (
        "Client",
        "open_over",
        "Rust-only test seam (a Transport object)",
    ),
    // A tokio `watch` receiver cannot cross; the same status reaches apps
    // as `Event.Status` through `subscribe`, and `status()` reads it now.
    (
        "Client",
        "watch_status",
        "tokio watch channel; apps use Status events",
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(".."))
}

/// Every `.rs` file under `dir`, sorted.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The type of a top-level inherent `impl` line (`impl Client {`,
/// `impl<T> Foo<T> {`), or `None` (trait impls, anything else).
fn inherent_impl(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("impl")?;
    let rest = rest.strip_suffix(" {")?;
    if rest.contains(" for ") {
        return None;
    }
    let rest = if let Some(generic) = rest.strip_prefix('<') {
        generic.split_once('>')?.1
    } else {
        rest
    };
    let name = rest.trim();
    let name = name.split('<').next()?;
    name.chars()
        .all(|c| c.is_alphanumeric() || c == '_')
        .then_some(name)
}

/// The name of a `pub fn` / `pub async fn` declared at one indent.
fn public_method(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("    pub ")?;
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let rest = rest.strip_prefix("fn ")?;
    let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&rest[..end])
}

/// type -> its public inherent methods, from the files under `dir`; with
/// `exported_only`, only `impl` blocks right under a `#[uniffi::export...]`.
fn surface(dir: &Path, exported_only: bool) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(dir) {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut current: Option<String> = None;
        let mut previous = "";
        for line in text.lines() {
            match &current {
                None => {
                    if let Some(ty) = inherent_impl(line) {
                        let exported = previous.starts_with("#[uniffi::export");
                        if exported || !exported_only {
                            current = Some(ty.to_owned());
                            found.entry(ty.to_owned()).or_default();
                        }
                    }
                }
                Some(ty) => {
                    if line == "}" {
                        current = None;
                    } else if let Some(name) = public_method(line) {
                        found.entry(ty.clone()).or_default().insert(name.to_owned());
                    }
                }
            }
            previous = line;
        }
    }
    found
}

/// Names of the `pub struct ...Handle` types client-core declares.
fn core_handles(dir: &Path) -> BTreeSet<String> {
    let mut handles = BTreeSet::new();
    for file in sources(dir) {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("pub struct ") {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if name.ends_with("Handle") {
                    handles.insert(name);
                }
            }
        }
    }
    handles
}

#[test]
fn every_client_core_method_is_bound() {
    let root = workspace();
    let core_dir = root.join("client-core/src");
    let bindings_dir = root.join("mobile-bindings/src");
    let core = surface(&core_dir, false);
    let bindings = surface(&bindings_dir, true);
    let objects: BTreeMap<&str, &str> = OBJECTS.iter().copied().collect();

    let mut problems = Vec::new();
    // A new handle in client-core needs its object here (and a line above).
    for handle in core_handles(&core_dir) {
        if !objects.contains_key(handle.as_str()) {
            problems.push(format!(
                "client-core has a new handle `{handle}`: bind it as an object (see src/outbox.rs) and map it in OBJECTS"
            ));
        }
    }

    let mut checked = 0;
    for (core_type, object) in OBJECTS {
        let Some(methods) = core.get(*core_type) else {
            problems.push(format!("no `impl {core_type}` found in client-core/src"));
            continue;
        };
        let Some(bound) = bindings.get(*object) else {
            problems.push(format!(
                "no `#[uniffi::export] impl {object}` found in mobile-bindings/src"
            ));
            continue;
        };
        for method in methods {
            checked += 1;
            let allowed = NOT_BOUND
                .iter()
                .any(|(t, m, _)| t == core_type && m == method);
            if !bound.contains(method) && !allowed {
                problems.push(format!(
                    "`{core_type}::{method}` is not bound: add `{object}::{method}` (or list it in NOT_BOUND with the reason)"
                ));
            }
        }
    }
    // Entries of the allow-list must still name real, unbound methods.
    for (core_type, method, why) in NOT_BOUND {
        let exists = core.get(*core_type).is_some_and(|m| m.contains(*method));
        if !exists {
            problems.push(format!(
                "NOT_BOUND names `{core_type}::{method}` ({why}), which client-core no longer has"
            ));
        }
        let object = objects.get(core_type).copied().unwrap_or("?");
        if bindings.get(object).is_some_and(|m| m.contains(*method)) {
            problems.push(format!(
                "NOT_BOUND names `{core_type}::{method}`, which is bound now: remove it from the list"
            ));
        }
    }
    assert!(
        checked > 150,
        "only {checked} client-core methods found: has the source layout changed?"
    );
    assert!(
        problems.is_empty(),
        "bindings parity:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_source_reader_sees_what_rustfmt_writes() {
    assert_eq!(inherent_impl("impl Client {"), Some("Client"));
    assert_eq!(inherent_impl("impl<T: Clone> Page<T> {"), Some("Page"));
    assert_eq!(inherent_impl("impl Drop for Inner {"), None);
    assert_eq!(inherent_impl("    impl Client {"), None);
    assert_eq!(public_method("    pub async fn sign_in("), Some("sign_in"));
    assert_eq!(
        public_method("    pub fn media(&self) -> MediaHandle {"),
        Some("media")
    );
    assert_eq!(public_method("    pub(crate) fn account(&self)"), None);
    assert_eq!(public_method("        pub fn nested()"), None);
    assert_eq!(public_method("    /// pub fn in a comment"), None);
}
