//! Links from outside the app: `moa://review/ID` (the scheme the system
//! hands the app; `scripts/install-desktop-entry.sh` registers it on Linux)
//! and share links (`https://HOST/r/ID`), both read by
//! [`crate::route::Route`]. One app runs per data directory: a second
//! launch with a link passes it to the running one over a Unix socket in
//! that directory and quits, and the running one opens it.

use std::path::{Path, PathBuf};

/// The socket the running app listens on.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("links.sock")
}

/// Longest link a socket message may carry.
const MAX_LINK_BYTES: usize = 2048;

/// Hands `link` to an app already running on `data_dir`; `true` when one
/// took it (this launch should then quit).
#[cfg(unix)]
pub fn hand_over(data_dir: &Path, link: &str) -> bool {
    use std::io::Write;
    let Ok(mut stream) = std::os::unix::net::UnixStream::connect(socket_path(data_dir)) else {
        return false;
    };
    let _ = stream.set_write_timeout(Some(std::time::Duration::from_secs(2)));
    stream
        .write_all(format!("{}\n", link.trim()).as_bytes())
        .and_then(|()| stream.flush())
        .is_ok()
}

#[cfg(not(unix))]
pub fn hand_over(_data_dir: &Path, _link: &str) -> bool {
    false
}

/// Listens for links from later launches, unless another app already runs
/// on `data_dir` (then that one gets them). A socket file left by an app
/// that died is replaced.
#[cfg(unix)]
pub fn listen(data_dir: &Path) -> Option<tokio::net::UnixListener> {
    let path = socket_path(data_dir);
    if std::os::unix::net::UnixStream::connect(&path).is_ok() {
        return None;
    }
    let _ = std::fs::remove_file(&path);
    tokio::net::UnixListener::bind(&path)
        .inspect_err(|e| tracing::warn!(error = %e, "cannot listen for links"))
        .ok()
}

/// The next link a later launch handed over (`None` when the listener
/// fails for good). Messages that are not one short line are dropped.
#[cfg(unix)]
pub async fn next_link(listener: &tokio::net::UnixListener) -> Option<String> {
    use tokio::io::AsyncReadExt;
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "the link socket failed");
                return None;
            }
        };
        let mut bytes = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            stream
                .take(MAX_LINK_BYTES as u64 + 1)
                .read_to_end(&mut bytes),
        )
        .await;
        if !matches!(read, Ok(Ok(_))) || bytes.len() > MAX_LINK_BYTES {
            continue;
        }
        if let Ok(text) = String::from_utf8(bytes) {
            let link = text.trim();
            if !link.is_empty() && !link.contains('\n') {
                return Some(link.to_owned());
            }
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_launch_hands_its_link_to_the_first() {
        let dir = tempfile::tempdir().unwrap();
        // Nobody listens yet: nothing to hand over to.
        assert!(!hand_over(dir.path(), "moa://review/x"));
        // A stale socket file (an app that died) is replaced.
        std::fs::write(socket_path(dir.path()), b"").unwrap();
        let listener = listen(dir.path()).expect("listening");
        // A second app on the same directory does not take over.
        assert!(listen(dir.path()).is_none());
        let path = dir.path().to_path_buf();
        let sender = std::thread::spawn(move || {
            hand_over(
                &path,
                "  https://moa.example/r/0190b7a0-0000-7000-8000-000000000001 ",
            )
        });
        assert_eq!(
            next_link(&listener).await.as_deref(),
            Some("https://moa.example/r/0190b7a0-0000-7000-8000-000000000001")
        );
        assert!(sender.join().unwrap());
        // Garbage and oversized messages are dropped; the next good one
        // still arrives.
        let path = dir.path().to_path_buf();
        let sender = std::thread::spawn(move || {
            use std::io::Write;
            let mut s = std::os::unix::net::UnixStream::connect(socket_path(&path)).unwrap();
            s.write_all(&vec![b'a'; MAX_LINK_BYTES + 10]).unwrap();
            drop(s);
            hand_over(&path, "moa://campaign/y")
        });
        assert_eq!(
            next_link(&listener).await.as_deref(),
            Some("moa://campaign/y")
        );
        assert!(sender.join().unwrap());
    }
}
