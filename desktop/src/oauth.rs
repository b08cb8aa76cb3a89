//! Sign-in with Kakao, Naver and Google from the desktop, as RFC 8252 asks
//! of native apps: the provider's page opens in the system browser (where
//! the member already trusts the address bar and may be signed in), never
//! inside the app, and the provider sends the browser back to a loopback
//! address the app listens on — `http://127.0.0.1:PORT/oauth/callback`, on
//! a port the system picks (§7.3), bound to 127.0.0.1 only.
//!
//! [`Loopback`] is that listener: it waits for the one
//! `GET /oauth/callback?…` the provider's redirect makes (other requests,
//! such as the browser's `/favicon.ico`, get a 404 and the wait goes on;
//! connections that never send anything do not hold it up), answers the
//! browser with a short page saying to go back to Moa, and hands the whole
//! redirect URL to client-core's `finish_social_sign_in`. It gives up after
//! [`WAIT`]; dropping the wait (the sign-in screen's 취소 cancels its task)
//! closes the port at once. [`through_browser`] runs the whole round:
//! listen, ask the server where to go, open the browser, wait.

use std::future::Future;
use std::time::Duration;

use moa_client_core::protocol::SocialStart;
use moa_client_core::{OauthRedirect, loopback_redirect_uri, parse_oauth_redirect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// How long the member has to finish in the browser.
pub const WAIT: Duration = Duration::from_secs(5 * 60);

/// The path the provider comes back to (the end of
/// [`loopback_redirect_uri`]).
const CALLBACK_PATH: &str = "/oauth/callback";
/// A request head larger than this is not the provider's redirect.
const HEAD_LIMIT: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a provider sign-in did not come back.
#[derive(Debug, thiserror::Error)]
pub enum OauthError {
    /// No loopback port to listen on.
    #[error("cannot listen for the browser's return: {0}")]
    Listen(#[source] std::io::Error),
    /// The system browser could not be started.
    #[error("cannot open the browser: {0}")]
    Browser(#[source] std::io::Error),
    /// Nothing came back within [`WAIT`].
    #[error("the browser did not come back in time")]
    TimedOut,
    /// The member pressed cancel on the provider's page.
    #[error("the sign-in was cancelled in the browser")]
    Cancelled,
    /// The server refused or could not be reached.
    #[error(transparent)]
    Core(#[from] moa_client_core::Error),
}

/// The loopback listener for one provider sign-in.
#[derive(Debug)]
pub struct Loopback {
    listener: TcpListener,
    port: u16,
}

impl Loopback {
    /// Listens on 127.0.0.1 on a port the system picks.
    pub async fn bind() -> std::io::Result<Loopback> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(Loopback { listener, port })
    }

    /// Where the provider should send the browser back.
    pub fn redirect_uri(&self) -> String {
        loopback_redirect_uri(self.port)
    }

    /// Waits up to `limit` for the provider's redirect and answers its URL
    /// (the redirect URI with the query the browser brought). Each
    /// connection is served on its own, so a silent one (a browser's
    /// preconnect) never holds up the redirect behind it.
    pub async fn wait(self, limit: Duration) -> Result<String, OauthError> {
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                () = &mut deadline => return Err(OauthError::TimedOut),
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        connections.spawn(serve(stream, self.port));
                    }
                    Err(e) => {
                        // (Out of file descriptors, say: not a reason to
                        // give up, nor to spin.)
                        tracing::warn!(error = %e, "the sign-in listener could not accept");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(served) = connections.join_next(), if !connections.is_empty() => {
                    if let Ok(Some(url)) = served {
                        return Ok(url);
                    }
                }
            }
        }
    }
}

/// One provider round: listens, asks `start` (given the redirect URI) where
/// to send the member, opens the system browser there and waits for its
/// return; answers the redirect URL for `finish_social_sign_in`.
pub async fn through_browser<F, Fut>(start: F) -> Result<String, OauthError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = moa_client_core::Result<SocialStart>>,
{
    through_browser_with(start, crate::media::open_in_browser, WAIT).await
}

/// [`through_browser`] with the browser and the wait given (for tests).
async fn through_browser_with<F, Fut>(
    start: F,
    open: impl FnOnce(&str) -> std::io::Result<()>,
    limit: Duration,
) -> Result<String, OauthError>
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = moa_client_core::Result<SocialStart>>,
{
    let loopback = Loopback::bind().await.map_err(OauthError::Listen)?;
    let started = start(loopback.redirect_uri()).await?;
    open(&started.authorize_url).map_err(OauthError::Browser)?;
    let url = loopback.wait(limit).await?;
    match parse_oauth_redirect(&url) {
        Ok(OauthRedirect::Refused { error, .. }) if error == "access_denied" => {
            Err(OauthError::Cancelled)
        }
        _ => Ok(url),
    }
}

/// What a request gets: its status, and for the provider's redirect, the
/// path and query it came to.
#[derive(Debug, PartialEq, Eq)]
struct Reply {
    status: u16,
    callback: Option<String>,
    cancelled: bool,
}

/// Decides the reply to a request head (sans I/O): `GET /oauth/callback`
/// with a code and state, or a provider's refusal, is the one awaited;
/// the callback path without them is a 400; anything else a 404.
fn reply_to(head: &str) -> Reply {
    let not = |status| Reply {
        status,
        callback: None,
        cancelled: false,
    };
    let mut words = head.lines().next().unwrap_or_default().split_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return not(400);
    };
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if method != "GET" || path != CALLBACK_PATH {
        return not(404);
    }
    match parse_oauth_redirect(target) {
        Ok(redirect) => Reply {
            status: 200,
            callback: Some(target.to_owned()),
            cancelled: matches!(redirect, OauthRedirect::Refused { .. }),
        },
        Err(_) => not(400),
    }
}

/// Serves one connection: reads its request head, answers it, and for the
/// provider's redirect answers the full redirect URL.
async fn serve(mut stream: TcpStream, port: u16) -> Option<String> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(head)) => head,
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "a sign-in listener connection failed");
            return None;
        }
        Err(_) => return None,
    };
    let reply = reply_to(&head);
    let (status, body) = match reply.status {
        200 => ("200 OK", page(reply.cancelled)),
        400 => ("400 Bad Request", "bad request\n".to_owned()),
        _ => ("404 Not Found", "not found\n".to_owned()),
    };
    let content_type = if reply.status == 200 {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if let Err(e) = stream.write_all(answer.as_bytes()).await {
        tracing::debug!(error = %e, "could not answer the browser");
    }
    let _ = stream.shutdown().await;
    let target = reply.callback?;
    let query = target.strip_prefix(CALLBACK_PATH).unwrap_or_default();
    Some(format!("{}{query}", loopback_redirect_uri(port)))
}

/// The request line and headers, up to the blank line (or [`HEAD_LIMIT`]).
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < HEAD_LIMIT {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The page the browser shows once it is back: Korean first, English too.
fn page(cancelled: bool) -> String {
    let (ko, en) = if cancelled {
        (
            "로그인을 취소했어요. 모아로 돌아가세요. 이 창은 닫아도 됩니다.",
            "Sign-in cancelled. Return to Moa; you can close this window.",
        )
    } else {
        (
            "모아로 돌아가세요. 이 창은 닫아도 됩니다.",
            "Return to Moa. You can close this window.",
        )
    };
    format!(
        "<!doctype html><html lang=\"ko\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>모아 Moa</title>\
         <style>body{{font-family:system-ui,'Noto Sans KR',sans-serif;margin:0;min-height:100vh;\
         display:flex;align-items:center;justify-content:center;background:#faf7f2;color:#2b2623}}\
         main{{text-align:center;padding:32px}}b{{color:#ff6b3d;font-size:28px}}\
         h1{{font-size:20px;margin:16px 0 8px}}p{{color:#8a837c;margin:0}}</style>\
         <main><b>모아</b><h1>{ko}</h1><p>{en}</p></main></html>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` to the listener on `port` and reads the whole answer.
    async fn send(port: u16, request: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8(answer).unwrap()
    }

    fn get(path: &str) -> String {
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n")
    }

    #[test]
    fn the_callback_path_is_the_redirect_uris() {
        assert!(loopback_redirect_uri(4242).ends_with(CALLBACK_PATH));
    }

    #[test]
    fn only_the_callback_with_a_code_or_a_refusal_is_awaited() {
        let ok = reply_to("GET /oauth/callback?code=c&state=s HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(
            ok,
            Reply {
                status: 200,
                callback: Some("/oauth/callback?code=c&state=s".into()),
                cancelled: false
            }
        );
        let refused = reply_to("GET /oauth/callback?error=access_denied&state=s HTTP/1.1\r\n\r\n");
        assert_eq!((refused.status, refused.cancelled), (200, true));
        for (head, status) in [
            ("GET /favicon.ico HTTP/1.1\r\n\r\n", 404),
            ("POST /oauth/callback?code=c&state=s HTTP/1.1\r\n\r\n", 404),
            ("GET /oauth/callbackx?code=c&state=s HTTP/1.1\r\n\r\n", 404),
            ("GET /oauth/callback HTTP/1.1\r\n\r\n", 400),
            ("GET /oauth/callback?code=c HTTP/1.1\r\n\r\n", 400),
            ("", 400),
            ("garbage", 400),
        ] {
            let reply = reply_to(head);
            assert_eq!((reply.status, reply.callback), (status, None), "{head:?}");
        }
    }

    #[tokio::test]
    async fn the_redirect_is_answered_and_handed_back_whole() {
        let loopback = Loopback::bind().await.unwrap();
        let redirect_uri = loopback.redirect_uri();
        let port = loopback.port;
        let waiting = tokio::spawn(loopback.wait(Duration::from_secs(10)));
        let answer = send(port, &get("/oauth/callback?code=a%2Bb&state=xyz")).await;
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("text/html; charset=utf-8"));
        assert!(answer.contains("모아로 돌아가세요. 이 창은 닫아도 됩니다."));
        assert!(answer.contains("Return to Moa"));
        let url = waiting.await.unwrap().unwrap();
        assert_eq!(url, format!("{redirect_uri}?code=a%2Bb&state=xyz"));
        assert_eq!(
            parse_oauth_redirect(&url).unwrap(),
            OauthRedirect::Code {
                code: "a+b".into(),
                state: "xyz".into()
            }
        );
    }

    #[tokio::test]
    async fn stray_and_silent_connections_do_not_end_or_hold_up_the_wait() {
        let loopback = Loopback::bind().await.unwrap();
        let port = loopback.port;
        let waiting = tokio::spawn(loopback.wait(Duration::from_secs(10)));
        // A browser's preconnect: a connection that sends nothing (yet).
        let _silent = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let favicon = send(port, &get("/favicon.ico")).await;
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        let bare = send(port, &get("/oauth/callback")).await;
        assert!(bare.starts_with("HTTP/1.1 400"), "{bare}");
        assert!(!waiting.is_finished());
        let answer = send(port, &get("/oauth/callback?state=s&code=c")).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let url = tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert!(url.ends_with("/oauth/callback?state=s&code=c"), "{url}");
    }

    #[tokio::test]
    async fn nothing_coming_back_times_out() {
        let loopback = Loopback::bind().await.unwrap();
        let started = std::time::Instant::now();
        let result = loopback.wait(Duration::from_millis(200)).await;
        assert!(matches!(result, Err(OauthError::TimedOut)), "{result:?}");
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[tokio::test]
    async fn dropping_the_wait_closes_the_port() {
        let loopback = Loopback::bind().await.unwrap();
        let port = loopback.port;
        let waiting = tokio::spawn(loopback.wait(Duration::from_secs(60)));
        waiting.abort();
        let _ = waiting.await;
        assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    }

    /// A start that sends the "browser" straight back with `query`, as a
    /// provider that needs no clicks would.
    fn start_answering(
        query: &'static str,
    ) -> impl FnOnce(String) -> std::future::Ready<moa_client_core::Result<SocialStart>> {
        move |redirect_uri| {
            std::future::ready(Ok(SocialStart {
                provider: moa_client_core::protocol::SocialProvider::Naver,
                authorize_url: format!("{redirect_uri}?{query}"),
                state: "s".into(),
                expires_at: 0,
            }))
        }
    }

    /// A "browser" that GETs the address it is given.
    fn browser(url: &str) -> std::io::Result<()> {
        let rest = url
            .strip_prefix("http://127.0.0.1:")
            .ok_or_else(|| std::io::Error::other("not a loopback address"))?;
        let (port, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let port: u16 = port.parse().map_err(std::io::Error::other)?;
        let path = path.to_owned();
        tokio::spawn(async move { send(port, &get(&path)).await });
        Ok(())
    }

    #[tokio::test]
    async fn a_whole_round_answers_the_redirect_and_a_refusal_is_a_cancel() {
        let url = through_browser_with(
            start_answering("code=c1&state=s"),
            browser,
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert!(url.ends_with("/oauth/callback?code=c1&state=s"), "{url}");

        let cancelled = through_browser_with(
            start_answering("error=access_denied&state=s"),
            browser,
            Duration::from_secs(10),
        )
        .await;
        assert!(
            matches!(cancelled, Err(OauthError::Cancelled)),
            "{cancelled:?}"
        );

        let no_browser = through_browser_with(
            start_answering("code=c&state=s"),
            |_: &str| Err(std::io::Error::other("no browser here")),
            Duration::from_secs(10),
        )
        .await;
        assert!(
            matches!(no_browser, Err(OauthError::Browser(_))),
            "{no_browser:?}"
        );
    }
}
