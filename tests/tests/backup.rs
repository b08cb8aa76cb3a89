//! `moa-server backup` and `moa-server restore`, the real binary against a
//! real server's data directory: a backup taken while members keep
//! writing restores into a new data directory on which a server starts
//! with every review, photo and signing key from before the backup began,
//! and a device syncs from it; what it refuses (PostgreSQL, S3, a used
//! target, a directory that is not a backup).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use moa_client_core::FeedTab;
use moa_server::backup::{self, BackupError};
use moa_server::state::MediaStoreConfig;
use moa_tests::{Engine, TestServer, server_binary, upload_photo};
use serde_json::json;

/// Runs `moa-server --data-dir DIR ARGS…`, answering (success, stdout, stderr).
async fn moa_server(
    data_dir: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (bool, String, String) {
    let mut cmd = tokio::process::Command::new(server_binary());
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("MOA_MEDIA_STORE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("run moa-server");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_to_a_working_server() {
    let server = TestServer::start(Engine::Sqlite).await;
    let api = server.api();
    let bora = api.signup("bora").await;
    let photo = upload_photo(&api, &bora, 7).await;
    let (status, _, photo_bytes) = api
        .bytes(&format!("/v1/media/{photo}"), bora.token(), &[])
        .await;
    assert_eq!(status, 200);
    let snap = api
        .post(
            "/v1/reviews",
            bora.token(),
            json!({"kind": "snap", "body": "백업 전 사진 리뷰", "photos": [photo]}),
        )
        .await
        .expect(201);
    let snap_id = snap.body["id"].as_str().unwrap().to_owned();

    // Two members keep writing while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let written: Arc<Mutex<Vec<(Instant, String)>>> = Arc::default();
    let mut writers = Vec::new();
    for handle in ["mina", "hana"] {
        let session = api.signup(handle).await;
        let (api, stop, written) = (server.api(), stop.clone(), written.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let r = api
                    .post(
                        "/v1/reviews",
                        session.token(),
                        json!({"kind": "story", "title": format!("{handle} {n}"), "body": "쓰는 중에 백업"}),
                    )
                    .await
                    .expect(201);
                let id = r.body["id"].as_str().unwrap().to_owned();
                written.lock().unwrap().push((Instant::now(), id));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(400)).await;

    let backup_dir = tempfile::tempdir().unwrap();
    let to = backup_dir.path().join("moa-backup");
    let began = Instant::now();
    let (ok, stdout, stderr) = moa_server(
        server.data_dir.path(),
        &["backup", "--to", to.to_str().unwrap()],
        &[],
    )
    .await;
    assert!(ok, "backup failed: {stderr}");
    assert!(stdout.contains("backup in"), "{stdout}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let written = written.lock().unwrap().clone();
    let before: Vec<&String> = written
        .iter()
        .filter(|(at, _)| *at < began)
        .map(|(_, id)| id)
        .collect();
    assert!(
        before.len() >= 5,
        "only {} reviews before the backup",
        before.len()
    );
    assert!(
        written.len() > before.len(),
        "members kept writing while the backup ran"
    );

    // A backup goes into a new directory only.
    let (ok, _, stderr) = moa_server(
        server.data_dir.path(),
        &["backup", "--to", to.to_str().unwrap()],
        &[],
    )
    .await;
    assert!(!ok && stderr.contains("not empty"), "{stderr}");

    // Restore into a new data directory and start a server on it.
    let restored = tempfile::tempdir().unwrap();
    let (ok, stdout, stderr) = moa_server(
        restored.path(),
        &["restore", "--from", to.to_str().unwrap()],
        &[],
    )
    .await;
    assert!(ok, "restore failed: {stderr}");
    assert!(stdout.contains("restored"), "{stdout}");
    // … once: the data directory has a database now.
    let (ok, _, stderr) = moa_server(
        restored.path(),
        &["restore", "--from", to.to_str().unwrap()],
        &[],
    )
    .await;
    assert!(!ok && stderr.contains("data directory already"), "{stderr}");
    server.stop().await;

    let dir = restored.path().to_owned();
    let second = TestServer::start_with(Engine::Sqlite, |s| s.data_dir = dir).await;
    let api = second.api();
    api.get("/health", None).await.expect(200);
    for id in &before {
        api.get(&format!("/v1/reviews/{id}"), None)
            .await
            .expect(200);
    }
    let got = api
        .get(&format!("/v1/reviews/{snap_id}"), None)
        .await
        .expect(200);
    assert_eq!(got.body["body"], "백업 전 사진 리뷰");
    let (status, _, bytes) = api
        .bytes(&format!("/v1/media/{photo}"), bora.token(), &[])
        .await;
    assert_eq!(status, 200);
    assert_eq!(bytes, photo_bytes, "the photo came back byte for byte");
    // The signing key came back too: a token issued before still works.
    api.get("/v1/me", bora.token()).await.expect(200);

    // A device signs in and syncs from the restored server.
    let (client, _dir) = moa_tests::open_client(&second.url("")).await;
    client
        .sign_in("bora@test.kr", "password-bora")
        .await
        .unwrap();
    client.sync().await.unwrap();
    // Its feed is the restored community's.
    let feed = client.feed(FeedTab::Latest).await.unwrap();
    assert!(!feed.is_empty());
    for r in &feed {
        assert!(
            r.id == snap_id || written.iter().any(|(_, id)| *id == r.id),
            "{} is not from this community",
            r.id
        );
    }
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_backup_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("out");
    // PostgreSQL and S3 have their own tools; nothing is written.
    let e = backup::backup(
        dir.path(),
        Some("postgres://moa@127.0.0.1/moa"),
        &MediaStoreConfig::Disk,
        &to,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, BackupError::Postgres));
    assert!(e.to_string().contains("pg_dump"), "{e}");
    let e = backup::backup(
        dir.path(),
        None,
        &MediaStoreConfig::S3(moa_server::state::S3Settings {
            bucket: "moa".into(),
            endpoint: Some("http://127.0.0.1:1".into()),
            region: "us-east-1".into(),
            access_key_id: "key".into(),
            secret_access_key: "secret".into(),
            prefix: None,
        }),
        &to,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("bucket versioning"), "{e}");
    assert!(!to.exists());
    // The binary says so and fails.
    let (ok, _, stderr) = moa_server(
        dir.path(),
        &["backup", "--to", to.to_str().unwrap()],
        &[("DATABASE_URL", "postgres://moa@127.0.0.1:1/moa")],
    )
    .await;
    assert!(!ok && stderr.contains("pg_dump"), "{stderr}");
    let (ok, _, stderr) = moa_server(
        dir.path(),
        &[
            "backup",
            "--to",
            to.to_str().unwrap(),
            "--media-store",
            "s3",
        ],
        &[],
    )
    .await;
    assert!(!ok && stderr.contains("bucket versioning"), "{stderr}");
    // No database in the data directory.
    let e = backup::backup(dir.path(), None, &MediaStoreConfig::Disk, &to)
        .await
        .unwrap_err();
    assert!(matches!(e, BackupError::NoDatabase(_)), "{e}");
    // A directory without a manifest is not a backup.
    std::fs::create_dir_all(&to).unwrap();
    std::fs::write(to.join("moa.db"), b"not a database").unwrap();
    let e = backup::restore(&to, &dir.path().join("new"))
        .await
        .unwrap_err();
    assert!(matches!(e, BackupError::NotABackup(_)), "{e}");
    // A damaged database is refused before anything is written.
    std::fs::write(
        to.join("backup.json"),
        r#"{"taken_at":1,"version":"0","database_bytes":14,"media_files":0,"media_bytes":0,"key":false}"#,
    )
    .unwrap();
    let target = dir.path().join("new");
    assert!(backup::restore(&to, &target).await.is_err());
    assert!(!target.join("moa.db").exists());
    // A data directory with a signing key of its own is a server's: refused.
    std::fs::create_dir_all(&target).unwrap();
    std::fs::write(target.join("jwt-secret"), b"someone else's key").unwrap();
    let e = backup::restore(&to, &target).await.unwrap_err();
    assert!(matches!(e, BackupError::DataDirInUse(_)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_run_as_a_job_keep_the_newest_and_show_in_metrics() {
    let folder = tempfile::tempdir().unwrap();
    let dir = folder.path().to_owned();
    let server = TestServer::start_with(Engine::Sqlite, |s| {
        s.backup_every = Some(Duration::from_secs(3600));
        s.backup_keep = 2;
        s.backup_dir = Some(dir);
    })
    .await;
    let api = server.api();
    let s = api.signup("sora").await;
    api.post(
        "/v1/reviews",
        s.token(),
        json!({"kind": "story", "title": "예약 백업", "body": "본문"}),
    )
    .await
    .expect(201);
    let finished = |dir: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("backup.json").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // An unfinished backup left by a crash is cleared by the next run.
    std::fs::create_dir_all(folder.path().join("moa-0000000000001")).unwrap();
    let mut seen = Vec::new();
    for run in 0..3 {
        let now = moa_server::util::now_ms();
        server
            .state
            .write_quiet(async |tx| {
                moa_server::jobs::schedule(
                    tx,
                    moa_server::backup::JOB,
                    &format!("test-backup-{run}"),
                    &json!({}),
                    now,
                    now,
                )
                .await
            })
            .await
            .unwrap();
        server.state.jobs_kick.notify_one();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let names = finished(folder.path());
            if names.len() == (run + 1).min(2) && names.last() != seen.last() {
                seen = names;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "backup {run} did not run: {names:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Folder names are milliseconds: the next run gets a new one.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(seen.len(), 2, "the oldest went: {seen:?}");
    assert!(!folder.path().join("moa-0000000000001").exists());
    // Each is a whole backup: it restores.
    let restored = tempfile::tempdir().unwrap();
    let newest = folder.path().join(seen.last().unwrap());
    let m = backup::restore(&newest, restored.path()).await.unwrap();
    assert!(m.key && m.database_bytes > 0);
    // The next run is scheduled for the next slot.
    assert!(
        server
            .count("jobs WHERE kind = 'backup' AND done_at IS NULL")
            .await
            >= 1
    );
    moa_server::media::store::install_tls_provider();
    let metrics = reqwest::get(server.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("moa_jobs_total{kind=\"backup\",outcome=\"done\"} 3"),
        "{metrics}"
    );
    assert!(metrics.contains("moa_backup_last_success_timestamp_seconds "));
    assert!(metrics.contains("moa_backup_last_bytes "));
    server.stop().await;
}
