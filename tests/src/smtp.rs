//! A real SMTP server for the tests: aiosmtpd (from PyPI) running
//! `tests/smtp/capture.py`, which keeps every message it receives as a
//! JSON line. `scripts/test` installs aiosmtpd in a venv and names its
//! Python in `MOA_TEST_SMTP_PYTHON`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// One message the server received.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub content_type: String,
    /// The plain-text body, decoded.
    pub body: String,
    /// The message as it crossed the wire.
    pub raw: String,
}

/// A running capture server; stopped when dropped.
pub struct SmtpCapture {
    pub port: u16,
    out: PathBuf,
    _dir: tempfile::TempDir,
    _child: Child,
}

impl SmtpCapture {
    pub async fn start() -> SmtpCapture {
        let python = std::env::var("MOA_TEST_SMTP_PYTHON").unwrap_or_else(|_| {
            panic!(
                "MOA_TEST_SMTP_PYTHON is not set. Run ./scripts/test, which installs aiosmtpd \
                 in a venv, or point it at a Python with aiosmtpd installed."
            )
        });
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smtp/capture.py");
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail.jsonl");
        // A port another process takes between the probe and the bind only
        // costs a retry.
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            let mut child = Command::new(&python)
                .arg(&script)
                .arg(port.to_string())
                .arg(&out)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
            let stdout = child.stdout.take().unwrap();
            let mut lines = BufReader::new(stdout).lines();
            let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
            if let Ok(Ok(Some(line))) = ready
                && line.trim() == "ready"
            {
                return SmtpCapture {
                    port,
                    out,
                    _dir: dir,
                    _child: child,
                };
            }
            let _ = child.kill().await;
        }
        panic!("the SMTP capture server did not start");
    }

    /// The URL the server's `--smtp-url` takes (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let Ok(text) = std::fs::read_to_string(&self.out) else {
            return Vec::new();
        };
        // The capture server may be writing a line right now: only whole
        // lines (ended by a newline) are read.
        let whole = match text.rfind('\n') {
            Some(end) => &text[..end],
            None => "",
        };
        whole
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Waits (up to 15 s) until `to` has received `n` messages; answers them.
    pub async fn wait_for(&self, to: &str, n: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got: Vec<Mail> = self
                .messages()
                .into_iter()
                .filter(|m| m.to.iter().any(|t| t == to))
                .collect();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "{to} received {} messages, expected {n}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
