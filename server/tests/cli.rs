//! The command line itself: `--help` explains every flag and its variable.
//! (Being an integration test of this package, it also makes
//! `cargo test --workspace` build the `moa-server` binary that the
//! end-to-end tests in `tests/` run as a process.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::process::Command;

#[test]
fn help_explains_every_flag_and_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_moa-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "--data-dir",
        "MOA_DATA_DIR",
        "./moa-data",
        "--bind",
        "MOA_BIND",
        "127.0.0.1:8080",
        "--database-url",
        "DATABASE_URL",
        "--demo",
        "MOA_DEMO",
        "--jwt-secret",
        "MOA_JWT_SECRET",
        "--log-format",
        "MOA_LOG_FORMAT",
        "user",
    ] {
        assert!(
            help.contains(expected),
            "--help does not mention {expected}:\n{help}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_moa-server"))
        .args(["user", "create", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--email") && help.contains("--role"),
        "{help}"
    );
}

#[test]
fn unknown_flags_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_moa-server"))
        .arg("--no-such-flag")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
}
