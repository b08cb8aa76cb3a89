//! The end-to-end test harness: real servers on real sockets against real
//! databases, and a small HTTP client to drive them.
//!
//! [`TestServer::start`] runs the server in-process on `127.0.0.1:0` with its
//! own data directory and, for [`Engine::Postgres`], its own fresh database
//! on the cluster named by `MOA_TEST_POSTGRES_URL` (`scripts/test` starts a
//! throwaway cluster and sets it). [`both_engines!`] turns one async test
//! body into a SQLite test and a PostgreSQL test, so every database-touching
//! test runs on both engines through one body.
//!
//! [`server_binary`] finds the real `moa-server` executable for the tests
//! that run it as a separate process.
//!
//! Media tests run on both stores: [`both_stores!`] gives a SQLite server
//! with media on disk and a PostgreSQL server with media in the S3-compatible
//! server named by `MOA_TEST_S3_ENDPOINT` (`scripts/test` starts `s3s-fs`),
//! each under a prefix of its own. [`test_jpeg`] and [`upload_photo`] make
//! and upload real photos.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use moa_server::{AppState, Settings};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;
use tokio::sync::oneshot;

/// The database engine a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Runs one async test body (a function `async fn(Engine)`) on both engines:
/// `both_engines!(my_test);` defines `my_test::sqlite` and `my_test::postgres`.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::Engine::Postgres).await
            }
        }
    )*};
}

/// The admin URL of the test PostgreSQL cluster.
pub fn postgres_admin_url() -> String {
    std::env::var("MOA_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "MOA_TEST_POSTGRES_URL is not set. Run ./scripts/test, which starts a throwaway \
             PostgreSQL cluster, or point it at one: postgres://user@127.0.0.1:5432/postgres"
        )
    })
}

/// Where a test server keeps media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Disk,
    S3,
}

/// Runs one async test body (`async fn(Engine, Store)`) with media on disk
/// (on SQLite) and in S3 (on PostgreSQL): `both_stores!(t);` defines
/// `t::disk` and `t::s3`.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn disk() {
                super::$name($crate::Engine::Sqlite, $crate::Store::Disk).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn s3() {
                super::$name($crate::Engine::Postgres, $crate::Store::S3).await
            }
        }
    )*};
}

/// Settings for the test S3 server, under a fresh prefix.
pub fn s3_settings() -> moa_server::state::S3Settings {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set. Run ./scripts/test, which starts an S3-compatible server \
                 (s3s-fs), or set MOA_TEST_S3_ENDPOINT, MOA_TEST_S3_BUCKET, \
                 MOA_TEST_S3_ACCESS_KEY and MOA_TEST_S3_SECRET_KEY"
            )
        })
    };
    moa_server::state::S3Settings {
        bucket: var("MOA_TEST_S3_BUCKET"),
        endpoint: Some(var("MOA_TEST_S3_ENDPOINT")),
        region: "us-east-1".into(),
        access_key_id: var("MOA_TEST_S3_ACCESS_KEY"),
        secret_access_key: var("MOA_TEST_S3_SECRET_KEY"),
        prefix: Some(format!("t-{}", uuid::Uuid::now_v7().simple())),
    }
}

/// A real photo as client-core sends it: `width` x `height` pixels of a
/// gradient with noise from `seed` (so each seed is a different file),
/// compressed to JPEG without metadata.
pub fn test_jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let png = test_png(width, height, seed);
    let opts = moa_media::CompressOptions {
        max_edge: width.max(height),
        ..Default::default()
    };
    moa_media::compress(&png, &opts, &mut |_| {})
        .unwrap()
        .image
        .bytes
}

/// An RGB PNG of a gradient with noise from `seed`.
pub fn test_png(width: u32, height: u32, seed: u64) -> Vec<u8> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let n: u8 = rng.gen_range(0..24);
        image::Rgb([
            (x * 255 / width.max(1)) as u8 ^ n,
            (y * 255 / height.max(1)) as u8,
            ((x + y) % 256) as u8 ^ n,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads `bytes` as `kind` in chunks of `chunk` bytes and completes it;
/// returns the completion reply (201 with the media, or the refusal).
pub async fn upload(api: &Api, s: &Session, kind: &str, bytes: &[u8], chunk: usize) -> Reply {
    let sha = moa_media::sha256_hex(bytes);
    let r = api
        .post(
            "/v1/media/uploads",
            s.token(),
            serde_json::json!({"sha256": sha, "size": bytes.len(), "kind": kind}),
        )
        .await;
    if r.status.is_client_error() || r.body.get("media").is_some() {
        return r;
    }
    let id = r.body["upload"]["id"].as_str().unwrap().to_owned();
    let mut offset = r.body["upload"]["received"].as_u64().unwrap() as usize;
    while offset < bytes.len() {
        let end = (offset + chunk).min(bytes.len());
        let r = api
            .chunk(&id, s.token(), offset as u64, bytes[offset..end].to_vec())
            .await
            .expect(200);
        offset = r.body["received"].as_u64().unwrap() as usize;
    }
    api.post(
        &format!("/v1/media/uploads/{id}/complete"),
        s.token(),
        serde_json::json!({}),
    )
    .await
}

/// Uploads a fresh test photo (seeded by `seed`) and returns its media id.
pub async fn upload_photo(api: &Api, s: &Session, seed: u64) -> String {
    let jpeg = test_jpeg(64, 48, seed);
    let r = upload(api, s, "photo", &jpeg, 1 << 20).await;
    assert!(r.status.is_success(), "upload failed: {}", r.body);
    let media = r.body.get("media").unwrap_or(&r.body);
    media["id"].as_str().unwrap().to_owned()
}

/// A client-core device on a fresh data directory talking to `url`, with
/// background sync off (tests call `sync()` when they mean it).
pub async fn open_client(url: &str) -> (moa_client_core::Client, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let client = open_client_at(dir.path(), url, false).await;
    (client, dir)
}

/// A client on `dir` (opened again after a restart keeps its data), with
/// its background sync on or off.
pub async fn open_client_at(
    dir: &std::path::Path,
    url: &str,
    background: bool,
) -> moa_client_core::Client {
    moa_client_core::Client::open_with(
        dir,
        url,
        moa_client_core::Options {
            background_sync: background,
            ..moa_client_core::Options::default()
        },
    )
    .await
    .unwrap()
}

/// `url` with its database name replaced by `db`.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates a fresh, empty PostgreSQL database and returns its URL.
pub async fn fresh_postgres_database() -> String {
    let admin = postgres_admin_url();
    let name = format!("moa_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&admin)
        .await
        .expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    with_database(&admin, &name)
}

/// A server running in-process on a real socket.
pub struct TestServer {
    pub engine: Engine,
    pub addr: SocketAddr,
    pub state: AppState,
    pub data_dir: tempfile::TempDir,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    /// Default settings, except rate limits high enough not to interfere.
    pub async fn start(engine: Engine) -> TestServer {
        Self::start_with(engine, |_| {}).await
    }

    /// A server on `engine` keeping media in `store`.
    pub async fn start_store(engine: Engine, store: Store) -> TestServer {
        Self::start_with(engine, |s| {
            if store == Store::S3 {
                s.media.store = moa_server::state::MediaStoreConfig::S3(s3_settings());
            }
        })
        .await
    }

    /// Like [`TestServer::start`], with `configure` adjusting the settings.
    pub async fn start_with(engine: Engine, configure: impl FnOnce(&mut Settings)) -> TestServer {
        let data_dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::new(data_dir.path());
        settings.auth_rate_per_ip = 10_000;
        settings.auth_rate_per_account = 10_000;
        if engine == Engine::Postgres {
            settings.database_url = Some(fresh_postgres_database().await);
        }
        configure(&mut settings);
        Self::launch(engine, data_dir, settings).await
    }

    /// A second node on this server's database, with its own data directory
    /// and the same settings (several nodes share one PostgreSQL).
    pub async fn another_node(&self) -> TestServer {
        let data_dir = tempfile::tempdir().unwrap();
        let mut settings = self.state.settings.clone();
        settings.data_dir = data_dir.path().to_owned();
        Self::launch(self.engine, data_dir, settings).await
    }

    /// Stops this server and starts a new one on the same data directory and
    /// database (and so the same signing key: tokens stay valid). It listens
    /// on a new port: take a new [`TestServer::api`].
    pub async fn restart(mut self) -> TestServer {
        let engine = self.engine;
        let settings = self.state.settings.clone();
        let data_dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        self.stop().await;
        Self::launch(engine, data_dir, settings).await
    }

    /// [`TestServer::restart`] with `configure` adjusting the settings
    /// first (a new `jwt_secret`, say, so every access token is refused while
    /// refresh tokens still work).
    pub async fn restart_with(mut self, configure: impl FnOnce(&mut Settings)) -> TestServer {
        let engine = self.engine;
        let mut settings = self.state.settings.clone();
        configure(&mut settings);
        let data_dir = std::mem::replace(&mut self.data_dir, tempfile::tempdir().unwrap());
        self.stop().await;
        Self::launch(engine, data_dir, settings).await
    }

    async fn launch(engine: Engine, data_dir: tempfile::TempDir, settings: Settings) -> TestServer {
        if std::env::var_os("MOA_TEST_LOG").is_some() {
            // The server's log in the test's output (e.g. MOA_TEST_LOG=1 to see a 500's cause).
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
                .with_test_writer()
                .try_init();
        }
        let state = moa_server::start(settings).await.expect("server starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(moa_server::serve(listener, state.clone(), async move {
            let _ = rx.await;
        }));
        TestServer {
            engine,
            addr,
            state,
            data_dir,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn api(&self) -> Api {
        moa_server::media::store::install_tls_provider();
        Api {
            base: format!("http://{}", self.addr),
            http: reqwest::Client::new(),
        }
    }

    /// Counts rows of `table` straight from the database.
    /// Runs one statement in a write transaction (a test moving the clock).
    pub async fn exec(&self, sql: &str) {
        let mut tx = self.state.db.begin_write().await.unwrap();
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.state.db.read())
            .await
            .unwrap()
    }

    /// Stops serving (finishing in-flight requests) and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A response: status, headers and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"]
            .as_str()
            .unwrap_or("<no error code>")
    }

    /// The field named by a validation error.
    pub fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("<no field>")
    }

    /// Asserts the status, printing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Reply {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    /// Asserts an error status and code.
    #[track_caller]
    pub fn expect_error(self, status: u16, code: &str) -> Reply {
        let r = self.expect(status);
        assert_eq!(r.code(), code, "unexpected error code; body: {}", r.body);
        assert!(
            r.body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "no message"
        );
        r
    }
}

/// A minimal JSON client for the API.
#[derive(Debug, Clone)]
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        Self::reply(
            method.as_str(),
            path,
            req.send().await.expect("request sent"),
        )
        .await
    }

    /// Sends one upload chunk at `offset`.
    pub async fn chunk(
        &self,
        upload: &str,
        token: Option<&str>,
        offset: u64,
        bytes: Vec<u8>,
    ) -> Reply {
        let mut req = self
            .http
            .patch(format!("{}/v1/media/uploads/{upload}", self.base))
            .header("upload-offset", offset.to_string())
            .header("content-type", "application/offset+octet-stream")
            .body(bytes);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let path = format!("/v1/media/uploads/{upload}");
        Self::reply("PATCH", &path, req.send().await.expect("request sent")).await
    }

    /// GETs raw bytes with extra request headers: status, headers, body.
    pub async fn bytes(
        &self,
        path: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.expect("body").to_vec())
    }

    /// Sends `body` as raw bytes with the given content type.
    pub async fn raw(&self, path: &str, content_type: Option<&str>, body: Vec<u8>) -> Reply {
        let mut req = self.http.post(format!("{}{path}", self.base)).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        Self::reply("POST", path, req.send().await.expect("request sent")).await
    }

    /// The reply, checked against the published document (see `conform`).
    async fn reply(method: &str, path: &str, resp: reqwest::Response) -> Reply {
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        conform::enforce(method, path, status.as_u16(), &body);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(reqwest::Method::POST, path, token, Some(&body))
            .await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(reqwest::Method::PUT, path, token, Some(&body))
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(reqwest::Method::PATCH, path, token, Some(&body))
            .await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        self.send(reqwest::Method::DELETE, path, token, body.as_ref())
            .await
    }

    /// Signs up `handle` (email `handle@test.kr`, password `password-<handle>`).
    pub async fn signup(&self, handle: &str) -> Session {
        let r = self
            .post(
                "/v1/auth/signup",
                None,
                serde_json::json!({
                    "email": format!("{handle}@test.kr"),
                    "password": format!("password-{handle}"),
                    "handle": handle,
                    "display_name": format!("테스트 {handle}"),
                }),
            )
            .await
            .expect(201);
        Session::from_body(&r.body)
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/v1/auth/login",
            None,
            serde_json::json!({"email": email, "password": password}),
        )
        .await
    }
}

/// Tokens and identity from a sign-up, sign-in or refresh.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub access: String,
    pub refresh: String,
}

impl Session {
    pub fn from_body(body: &Value) -> Session {
        Session {
            user_id: body["user"]["id"].as_str().expect("user.id").to_owned(),
            access: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
        }
    }

    pub fn token(&self) -> Option<&str> {
        Some(&self.access)
    }
}

/// Creates an account with `role` directly through the server's service
/// layer (as `moa-server user create` does), then signs it in over HTTP.
pub async fn account_with_role(
    server: &TestServer,
    handle: &str,
    role: moa_protocol::Role,
) -> Session {
    let input = moa_server::auth::service::ValidSignup {
        email: format!("{handle}@test.kr"),
        handle: handle.to_owned(),
        display_name: handle.to_owned(),
        password: format!("password-{handle}"),
        community_id: None,
    };
    moa_server::auth::service::create_account(&server.state.db, input, role)
        .await
        .unwrap();
    let r = server
        .api()
        .login(&format!("{handle}@test.kr"), &format!("password-{handle}"))
        .await;
    Session::from_body(&r.expect(200).body)
}

/// The real `moa-server` executable of this build (`cargo test --workspace`
/// builds it, because the `moa-server` package has integration tests).
pub fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test binary> -> target/<profile>/moa-server
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join(format!("moa-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not found: build it first (cargo build --workspace) or run ./scripts/test",
        bin.display()
    );
    bin
}

/// Polls `url` until it answers 200, for up to `timeout`.
pub async fn wait_until_up(url: &str, timeout: Duration) {
    moa_server::media::store::install_tls_provider();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Ok(r) = reqwest::get(url).await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{url} did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_in_urls() {
        assert_eq!(
            super::with_database("postgres://u@127.0.0.1:5/postgres?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5/x?sslmode=disable"
        );
        assert_eq!(
            super::with_database("postgres://u@h:5", "x"),
            "postgres://u@h:5/x"
        );
    }
}
pub mod conform;
pub mod oidc;
pub mod proxy;
pub mod recorded;
pub mod shop;
pub mod slack;
pub mod smtp;
pub mod ws;

/// Verifies `number` for the member `access` as their app does: asks for a
/// code, reads it from what the fake SENS received, confirms it. Answers
/// the account (`Me`).
pub async fn verify_phone(
    api: &Api,
    fake: &moa_server::sms::fake::FakeSens,
    access: &str,
    number: &str,
) -> Value {
    let sent = api
        .post(
            "/v1/me/phone/verification",
            Some(access),
            serde_json::json!({ "phone": number }),
        )
        .await
        .expect(202);
    let domestic = moa_protocol::korean_mobile(number).expect("a Korean mobile number");
    assert_eq!(sent.body["phone"], moa_protocol::e164(&domestic));
    let code = texted_code(fake, &domestic).expect("a code texted to the number");
    api.post(
        "/v1/me/phone/verification/confirm",
        Some(access),
        serde_json::json!({ "code": code }),
    )
    .await
    .expect(200)
    .body
}

/// The code in the last verification text the fake received for
/// `domestic` (`01012345678`).
pub fn texted_code(fake: &moa_server::sms::fake::FakeSens, domestic: &str) -> Option<String> {
    fake.received()
        .iter()
        .rev()
        .find(|t| t.to == [domestic] && t.content.contains("인증번호"))
        .and_then(|t| {
            let start = t.content.find('[')? + 1;
            let digits: String = t.content[start..]
                .chars()
                .skip_while(|c| !c.is_ascii_digit())
                .take_while(char::is_ascii_digit)
                .collect();
            (digits.len() == 6).then_some(digits)
        })
}
