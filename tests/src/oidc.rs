//! A real OpenID Connect provider for the sign-in tests: oidc-provider-mock
//! (from PyPI, built on Authlib) in its own process. `scripts/test`
//! installs it in a venv and names its command in `MOA_TEST_OIDC_PROVIDER`.
//!
//! Its authorization endpoint is a login form; a test "signs in" by
//! posting the subject to it and reading the redirect, as a browser would.

use std::process::Stdio;
use std::time::{Duration, Instant};

use moa_server::auth::social::oidc::OidcSettings;
use serde_json::Value;
use tokio::process::{Child, Command};

/// A running provider; stopped when dropped.
pub struct OidcProvider {
    /// `http://127.0.0.1:PORT` (also the issuer its tokens name).
    pub issuer: String,
    http: reqwest::Client,
    _child: Child,
}

impl OidcProvider {
    /// Starts a provider; `args` are extra command-line flags (e.g.
    /// `--token-max-age=-300` for tokens expired when issued).
    pub async fn start(args: &[&str]) -> OidcProvider {
        let command = std::env::var("MOA_TEST_OIDC_PROVIDER").unwrap_or_else(|_| {
            panic!(
                "MOA_TEST_OIDC_PROVIDER is not set. Run ./scripts/test, which installs \
                 oidc-provider-mock in a venv, or point it at its command."
            )
        });
        moa_server::media::store::install_tls_provider();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .unwrap()
                .port();
            let mut child = Command::new(&command)
                .arg("--port")
                .arg(port.to_string())
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {command}: {e}"));
            let issuer = format!("http://127.0.0.1:{port}");
            let discovery = format!("{issuer}/.well-known/openid-configuration");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // exited (the port was taken): try another
                }
                if let Ok(r) = http.get(&discovery).send().await
                    && r.status().is_success()
                {
                    return OidcProvider {
                        issuer,
                        http,
                        _child: child,
                    };
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = child.kill().await;
        }
        panic!("the OpenID provider did not start");
    }

    /// Settings that make the server a client of this provider.
    pub fn settings(&self, client_id: &str) -> OidcSettings {
        OidcSettings {
            issuer: self.issuer.clone(),
            client_id: client_id.to_owned(),
            client_secret: format!("{client_id}-secret"),
            scopes: "openid email profile".into(),
        }
    }

    /// Sets the claims of account `sub` (email, email_verified, name...).
    pub async fn set_user(&self, sub: &str, claims: Value) {
        let r = self
            .http
            .put(format!("{}/users/{sub}", self.issuer))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_success(),
            "setting user {sub}: {}",
            r.status()
        );
    }

    /// Signs `sub` in on the login page `authorize_url` leads to; answers
    /// the redirect (the app's redirect URI with `code` and `state`).
    pub async fn authorize(&self, authorize_url: &str, sub: &str) -> String {
        authorize_as(&self.http, authorize_url, &[("sub", sub)]).await
    }
}

/// Posts `form` to a provider's login page as its form would, and answers
/// the redirect's `Location`.
pub async fn authorize_as(
    http: &reqwest::Client,
    authorize_url: &str,
    form: &[(&str, &str)],
) -> String {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let r = http
        .post(authorize_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_redirection(),
        "the login page answered {} instead of a redirect",
        r.status()
    );
    r.headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a Location")
        .to_owned()
}

/// `code` and `state` of a redirect URL.
pub fn code_and_state(location: &str) -> (String, String) {
    let url = url::Url::parse(location).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {k} in {location}"))
    };
    (get("code"), get("state"))
}
