//! The real `moa-server` binary as a separate process: start-up with demo
//! data, the key file, restarts, PostgreSQL through `DATABASE_URL`, the
//! `user` subcommand, operational endpoints and graceful shutdown.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use moa_tests::{Api, server_binary, wait_until_up};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// A running `moa-server` process and the address it bound.
struct Process {
    child: Child,
    base: String,
    stdout: String,
}

impl Process {
    /// Starts the binary on port 0 and reads the bound address from its JSON log.
    async fn start(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut cmd = Command::new(server_binary());
        cmd.args([
            "--data-dir",
            data_dir.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ])
        .args(args)
        .env_remove("DATABASE_URL")
        .env("MOA_AUTH_RATE_PER_IP", "1000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn moa-server");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let addr = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                let Ok(event) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if let Some(addr) = event["addr"].as_str() {
                    return addr.to_owned();
                }
                assert_ne!(event["level"], "ERROR", "server failed: {line}");
            }
            panic!("moa-server exited before listening");
        })
        .await
        .expect("moa-server did not start in time");
        // Keep draining the log so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let base = format!("http://{addr}");
        wait_until_up(&format!("{base}/health"), Duration::from_secs(10)).await;
        // Demo credentials are printed before the server listens.
        let mut stdout = String::new();
        let mut out = child.stdout.take().unwrap();
        let mut buf = vec![0u8; 64 * 1024];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(300), out.read(&mut buf)).await
        {
            stdout = String::from_utf8_lossy(&buf[..n]).into_owned();
        }
        Process {
            child,
            base,
            stdout,
        }
    }

    fn api(&self) -> Api {
        Api {
            base: self.base.clone(),
            http: {
                moa_server::media::store::install_tls_provider();
                reqwest::Client::new()
            },
        }
    }

    /// Sends SIGTERM and returns the exit status.
    async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running");
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("exits")
            .unwrap()
    }
}

/// (email, password) pairs from the demo table.
fn demo_credentials(stdout: &str) -> Vec<(String, String, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() >= 4 && cols[1].contains('@'))
                .then(|| (cols[0].to_owned(), cols[1].to_owned(), cols[2].to_owned()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_server_on_sqlite_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Process::start(dir.path(), &["--demo"], &[]).await;
    let creds = demo_credentials(&server.stdout);
    assert!(creds.len() >= 6, "demo accounts printed: {}", server.stdout);
    let (role, email, password) = creds
        .iter()
        .find(|c| c.0 == "admin")
        .cloned()
        .expect("an admin");
    assert_eq!(role, "admin");
    let api = server.api();
    let login = api.login(&email, &password).await.expect(200);
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let users = api.get("/v1/admin/users", Some(&token)).await.expect(200);
    let names: Vec<&str> = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_name"].as_str().unwrap())
        .collect();
    assert!(
        names
            .iter()
            .any(|n| n.chars().any(|c| ('가'..='힣').contains(&c))),
        "Korean names: {names:?}"
    );

    // Files: SQLite in WAL mode and a private signing key.
    assert!(dir.path().join("moa.db").exists());
    assert!(dir.path().join("moa.db-wal").exists(), "WAL mode");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("jwt-secret"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    assert!(server.terminate().await.success());

    // Restart with --demo: no second community, the same key (old tokens still valid).
    let again = Process::start(dir.path(), &["--demo"], &[]).await;
    assert!(
        demo_credentials(&again.stdout).is_empty(),
        "demo data added twice: {}",
        again.stdout
    );
    again.api().get("/v1/me", Some(&token)).await.expect(200);
    again.api().login(&email, &password).await.expect(200);
    assert!(again.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_postgres_via_database_url() {
    let url = moa_tests::fresh_postgres_database().await;
    let dir = tempfile::tempdir().unwrap();
    let server = Process::start(dir.path(), &["--demo"], &[("DATABASE_URL", &url)]).await;
    assert!(
        !dir.path().join("moa.db").exists(),
        "no SQLite file on PostgreSQL"
    );
    let api = server.api();
    api.get("/ready", None).await.expect(200);
    let creds = demo_credentials(&server.stdout);
    let (_, email, password) = creds.first().cloned().expect("demo accounts");
    api.login(&email, &password).await.expect(200);
    api.signup("pguser").await;
    assert!(server.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_subcommand_creates_and_promotes() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(server_binary())
            .args([
                "--data-dir",
                dir.path().to_str().unwrap(),
                "--log-format",
                "json",
            ])
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = run(&[
        "user",
        "create",
        "--email",
        "root@moa.example",
        "--role",
        "admin",
    ]);
    assert!(ok, "{err}");
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("generated password")
        .to_owned();
    assert!(out.contains("as admin"));
    let (ok, _, err) = run(&["user", "create", "--email", "root@moa.example"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = run(&["user", "create", "--email", "bad"]);
    assert!(!ok && err.contains("email"), "{err}");
    let (ok, _, _) = run(&[
        "user",
        "create",
        "--email",
        "kim@moa.example",
        "--handle",
        "kim",
        "--display-name",
        "김운영",
    ]);
    assert!(ok);
    let (ok, out, err) = run(&[
        "user",
        "promote",
        "--email",
        "KIM@moa.example",
        "--role",
        "moderator",
    ]);
    assert!(ok && out.contains("moderator"), "{err}");
    let (ok, _, err) = run(&[
        "user",
        "promote",
        "--email",
        "ghost@moa.example",
        "--role",
        "admin",
    ]);
    assert!(!ok && err.contains("no account"), "{err}");

    let server = Process::start(dir.path(), &[], &[]).await;
    let api = server.api();
    let login = api.login("root@moa.example", &password).await.expect(200);
    assert_eq!(login.body["user"]["role"], "admin");
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let list = api
        .get("/v1/admin/users?q=kim", Some(&token))
        .await
        .expect(200);
    assert_eq!(list.body["items"][0]["role"], "moderator");
    assert!(server.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_ready_metrics_and_docs() {
    let dir = tempfile::tempdir().unwrap();
    let server = Process::start(dir.path(), &[], &[]).await;
    let api = server.api();
    assert_eq!(
        api.get("/health", None).await.expect(200).body["status"],
        "ok"
    );
    assert_eq!(
        api.get("/ready", None).await.expect(200).body["status"],
        "ready"
    );
    api.signup("metrics").await;
    api.login("metrics@test.kr", "wrong-password")
        .await
        .expect(401);

    let metrics = api
        .http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap();
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(
            r#"moa_http_requests_total{method="POST",route="/v1/auth/signup",status="201"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"moa_http_requests_total{method="POST",route="/v1/auth/login",status="401"} 1"#
    ));
    assert!(text.contains(
        r#"moa_http_request_duration_seconds_count{method="GET",route="/ready",status="200"} 1"#
    ));

    let doc = api.get("/v1/openapi.json", None).await.expect(200).body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/v1/auth/signup",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/auth/logout",
        "/v1/me",
        "/v1/me/password",
        "/v1/users/{id}",
        "/v1/users/by-handle/{handle}",
        "/v1/admin/users",
        "/v1/admin/users/{id}/role",
        "/v1/admin/users/{id}/suspension",
        "/v1/admin/audit",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI document"
        );
    }
    let signup = &paths["/v1/auth/signup"]["post"];
    assert!(signup["requestBody"].is_object());
    for status in ["201", "409", "422", "429"] {
        assert!(
            signup["responses"][status].is_object(),
            "signup documents {status}"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());

    let docs = api
        .http
        .get(format!("{}/docs", server.base))
        .send()
        .await
        .unwrap();
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = docs.text().await.unwrap();
    assert!(html.contains("/v1/auth/signup") && html.contains("SignupRequest"));
    assert!(server.terminate().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = Process::start(dir.path(), &[], &[]).await;
    let api = server.api();
    // Sign-ups hash passwords (tens of ms each on 2 cores): 12 at once are
    // still in flight when SIGTERM arrives, and every one must complete.
    let mut inflight = Vec::new();
    for i in 0..12 {
        let api = api.clone();
        inflight.push(tokio::spawn(async move {
            let body = json!({"email": format!("u{i}@test.kr"), "password": "password-123", "handle": format!("user{i}"), "display_name": "동시"});
            api.post("/v1/auth/signup", None, body).await.status.as_u16()
        }));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    let status = server.terminate().await;
    assert!(status.success(), "clean exit: {status:?}");
    for task in inflight {
        assert_eq!(task.await.unwrap(), 201, "an in-flight request was cut off");
    }
    // And it really stopped listening.
    assert!(reqwest::get(format!("{}/health", api.base)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(server_binary())
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--jwt-secret",
            "too-short",
        ])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 32 bytes"));
    let out = std::process::Command::new(server_binary())
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--database-url",
            "mysql://u:hunter2@h/db",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("unsupported database URL"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "the password must not be printed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_in_s3_configured_from_the_environment() {
    // Incomplete S3 settings stop the server with the missing setting named
    // (and the secret never printed).
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(server_binary())
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--media-store",
            "s3",
        ])
        .env_remove("DATABASE_URL")
        .env("MOA_S3_SECRET_ACCESS_KEY", "hunter2-secret")
        .env_remove("MOA_S3_BUCKET")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--s3-bucket"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));

    // Complete ones put uploads in the bucket, not in the data dir.
    let s3 = moa_tests::s3_settings();
    let endpoint = s3.endpoint.clone().unwrap();
    let prefix = s3.prefix.clone().unwrap();
    let server = Process::start(
        dir.path(),
        &["--media-store", "s3"],
        &[
            ("MOA_S3_BUCKET", s3.bucket.as_str()),
            ("MOA_S3_ENDPOINT", endpoint.as_str()),
            ("MOA_S3_ACCESS_KEY_ID", s3.access_key_id.as_str()),
            ("MOA_S3_SECRET_ACCESS_KEY", s3.secret_access_key.as_str()),
            ("MOA_S3_PREFIX", prefix.as_str()),
            ("MOA_MAX_PHOTO_BYTES", "100000"),
        ],
    )
    .await;
    let api = server.api();
    let s = api.signup("minji").await;
    let id = moa_tests::upload_photo(&api, &s, 9).await;
    let (status, _, _) = api.bytes(&format!("/v1/media/{id}"), s.token(), &[]).await;
    assert_eq!(status, 200);
    assert!(
        !dir.path().join("media").join("media").exists(),
        "nothing on disk"
    );
    let store = moa_server::media::store::MediaStore::open(
        &moa_server::state::MediaStoreConfig::S3(s3),
        dir.path(),
    )
    .unwrap();
    assert_eq!(store.list("media").await.unwrap().len(), 2);
    // The configured limit applies.
    api.post(
        "/v1/media/uploads",
        s.token(),
        serde_json::json!({"sha256": "ab".repeat(32), "size": 100_001, "kind": "photo"}),
    )
    .await
    .expect_error(413, "payload_too_large");
    assert!(server.terminate().await.success());
}

/// Two server processes on one PostgreSQL: members connected to different
/// nodes chat in real time (fan-out through LISTEN/NOTIFY), including a
/// message too large for one notification, typing, and a membership change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_fan_out_through_postgres() {
    use moa_tests::ws::Ws;
    let url = moa_tests::fresh_postgres_database().await;
    let secret = "two-nodes-share-this-signing-secret-0123456789";
    let env = [("DATABASE_URL", url.as_str()), ("MOA_JWT_SECRET", secret)];
    let (dir1, dir2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let node1 = Process::start(dir1.path(), &[], &env).await;
    let node2 = Process::start(dir2.path(), &[], &env).await;
    let (api1, api2) = (node1.api(), node2.api());
    let a = api1.signup("alice").await;
    let b = api2.signup("bora").await;
    let c = api1.signup("chul").await;
    let room = uuid::Uuid::now_v7().to_string();
    api1.post(
        "/v1/rooms",
        a.token(),
        json!({"id": room, "kind": "group", "name": "두 노드", "members": [b.user_id]}),
    )
    .await
    .expect(201);
    let mut wa = Ws::connect(&node1.base, &a.access).await;
    let mut wb = Ws::connect(&node2.base, &b.access).await;
    let mut wc = Ws::connect(&node1.base, &c.access).await;
    // node1 -> node2, in order.
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(wa.say(&room, &format!("노드 {i}")).await);
    }
    let long = "긴".repeat(4_000); // ~12 KB: more than one notification carries
    ids.push(wa.say(&room, &long).await);
    for (i, id) in ids.iter().enumerate() {
        let f = wb.next_of("message").await;
        assert_eq!(f["message"]["id"], id.as_str());
        assert_eq!(f["message"]["seq"], i as i64 + 1);
    }
    // node2 -> node1 over REST, typing too.
    api2.post(
        &format!("/v1/rooms/{room}/messages"),
        b.token(),
        json!({"id": uuid::Uuid::now_v7().to_string(), "body": "답장"}),
    )
    .await
    .expect(201);
    assert_eq!(wa.next_of("message").await["message"]["body"], "답장");
    wb.send(json!({"type": "typing", "room_id": room})).await;
    assert_eq!(wa.next_of("typing").await["user_id"], b.user_id.as_str());
    // A member invited on node2 hears the room on node1 at once.
    api2.put(
        &format!("/v1/rooms/{room}/members/{}", c.user_id),
        b.token(),
        Value::Null,
    )
    .await
    .expect(200);
    assert_eq!(wc.next_of("room").await["room_id"], room.as_str());
    wb.say(&room, "어서 와").await;
    assert_eq!(wc.next_of("message").await["message"]["body"], "어서 와");
    assert!(node1.terminate().await.success());
    assert!(node2.terminate().await.success());
}

/// A node killed (SIGKILL) while its refund job waits on the payment
/// provider leaves the order REFUND_PENDING; restarted, the job is retaken
/// once its lease runs out and the refund completes, with the provider's
/// payment cancelled exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_during_a_refund_finishes_it_once_after_a_restart() {
    let fake = fake_portone::Fake::start(fake_portone::Config::default(), "127.0.0.1:0")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(server_binary())
        .args([
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--log-format",
            "json",
        ])
        .args([
            "user",
            "create",
            "--email",
            "boss@moa.example",
            "--role",
            "admin",
        ])
        .args(["--password", "password-boss"])
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let secret = fake.config().api_secret.clone();
    let webhook_secret = fake.config().webhook_secret.clone();
    let env = [
        ("MOA_PORTONE_API_BASE", fake.url()),
        ("MOA_PORTONE_API_SECRET", secret.as_str()),
        ("MOA_PORTONE_WEBHOOK_SECRET", webhook_secret.as_str()),
        ("MOA_PORTONE_STORE_ID", "store-kill"),
        ("MOA_PORTONE_CHECKOUT_BASE", fake.url()),
        ("MOA_JOB_POLL_MS", "100"),
        ("MOA_JOB_LEASE", "2"),
    ];
    let mut node = Process::start(dir.path(), &[], &env).await;
    let api = node.api();
    let admin = api
        .login("boss@moa.example", "password-boss")
        .await
        .expect(200);
    let admin = admin.body["access_token"].as_str().unwrap().to_owned();
    let product = api
        .post(
            "/v1/admin/shop/products",
            Some(&admin),
            json!({"name": "텀블러", "base_price_krw": 10000}),
        )
        .await
        .expect(201);
    let campaign = api
        .post(
            "/v1/admin/shop/campaigns",
            Some(&admin),
            json!({"product_id": product.body["id"], "group_price_krw": 9000,
                   "min_participants": 1, "stock": 10, "per_member_limit": 2,
                   "deadline_at": moa_server::util::now_ms() + 3_600_000}),
        )
        .await
        .expect(201);
    let member = api.signup("killtest").await;
    let placed = api
        .post(
            "/v1/orders",
            Some(&member.access),
            json!({"id": uuid::Uuid::now_v7().to_string(), "campaign_id": campaign.body["id"],
                   "quantity": 1}),
        )
        .await
        .expect(201);
    let order = placed.body["order"]["id"].as_str().unwrap().to_owned();
    fake.pay(&order, "store-kill", "텀블러", 9000, false);
    api.post(
        &format!("/v1/orders/{order}/payment"),
        Some(&member.access),
        json!({}),
    )
    .await
    .expect(200);
    // The provider takes the cancel at once but answers only after 5 s:
    // the node is killed in between.
    fake.set_cancel_delay(Duration::from_secs(5));
    let r = api
        .post(
            &format!("/v1/orders/{order}/cancel"),
            Some(&member.access),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "refund_pending");
    for _ in 0..100 {
        if fake.payment(&order).unwrap().cancels == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        fake.payment(&order).unwrap().cancels,
        1,
        "the cancel reached the provider"
    );
    node.child.start_kill().unwrap();
    node.child.wait().await.unwrap();
    fake.set_cancel_delay(Duration::ZERO);

    let node = Process::start(dir.path(), &[], &env).await;
    let api = node.api();
    let mut last = Value::Null;
    for _ in 0..200 {
        last = api
            .get(&format!("/v1/orders/{order}"), Some(&member.access))
            .await
            .expect(200)
            .body;
        if last["status"] == "refunded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["status"], "refunded", "{last}");
    let refunded = last["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "refunded")
        .count();
    assert_eq!(refunded, 1);
    assert_eq!(fake.payment(&order).unwrap().cancels, 1, "cancelled once");
    assert!(node.terminate().await.success());
}
