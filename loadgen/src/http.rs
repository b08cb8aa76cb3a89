//! A minimal HTTP/1.1 client for the few setup calls (sign-up, room
//! creation): one connection per request, `Connection: close`, JSON in and
//! out. Plain `http://` only, like the rest of the load generator; it keeps
//! the build free of an HTTP client stack that only the setup phase would use.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Where the server is: `--url http://HOST:PORT[/PREFIX]`.
#[derive(Debug, Clone)]
pub struct Target {
    /// `HOST:PORT`, for connecting and the `Host` header.
    pub authority: String,
    /// Path prefix without a trailing slash (usually empty).
    pub prefix: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target> {
        let rest = if let Some(rest) = url.strip_prefix("http://") {
            rest
        } else if let Some(rest) = url.strip_prefix("ws://") {
            rest
        } else if url.starts_with("https://") || url.starts_with("wss://") {
            bail!("TLS is not supported: use http://HOST:PORT");
        } else {
            bail!("--url must look like http://HOST:PORT, got {url:?}");
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.is_empty() {
            bail!("--url has no host: {url:?}");
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Target {
            authority,
            prefix: path.trim_end_matches('/').to_owned(),
        })
    }

    /// `ws://HOST:PORT/PREFIX{path}`.
    pub fn ws_url(&self, path_and_query: &str) -> String {
        format!("ws://{}{}{}", self.authority, self.prefix, path_and_query)
    }
}

/// An answer: status, `Retry-After` seconds if given, body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub retry_after: Option<u64>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `POST {prefix}{path}` with a JSON body, optionally with a bearer token.
pub async fn post_json(
    target: &Target,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> Result<Response> {
    let fut = async {
        let mut stream = TcpStream::connect(&target.authority)
            .await
            .with_context(|| format!("connecting to {}", target.authority))?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let head = format!(
            "POST {}{} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Accept: application/json\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n",
            target.prefix,
            path,
            target.authority,
            body.len(),
            auth
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut raw = Vec::with_capacity(4096);
        stream.read_to_end(&mut raw).await?;
        parse_response(&raw)
    };
    tokio::time::timeout(Duration::from_secs(60), fut)
        .await
        .with_context(|| format!("POST {path}: no answer within 60 s"))?
}

fn parse_response(raw: &[u8]) -> Result<Response> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut res = httparse::Response::new(&mut headers);
    let head_len = match res.parse(raw).context("malformed HTTP response")? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => bail!("truncated HTTP response ({} bytes)", raw.len()),
    };
    let status = res.code.unwrap_or(0);
    let header = |name: &str| {
        res.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_owned())
    };
    let retry_after = header("retry-after").and_then(|v| v.parse().ok());
    let chunked = header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let rest = raw.get(head_len..).unwrap_or_default();
    let body = if chunked {
        dechunk(rest)?
    } else {
        match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
            Some(n) => rest.get(..n).context("truncated HTTP body")?.to_vec(),
            None => rest.to_vec(),
        }
    };
    Ok(Response {
        status,
        retry_after,
        body,
    })
}

/// Decodes a `Transfer-Encoding: chunked` body.
fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("truncated chunk size")?;
        let size_str = std::str::from_utf8(rest.get(..line_end).unwrap_or_default())?;
        let size_str = size_str.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_str, 16).context("bad chunk size")?;
        rest = rest.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(rest.get(..size).context("truncated chunk")?);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.authority, "127.0.0.1:8080");
        assert_eq!(t.ws_url("/v1/realtime"), "ws://127.0.0.1:8080/v1/realtime");
        let t = Target::parse("http://localhost/api/").unwrap();
        assert_eq!(t.authority, "localhost:80");
        assert_eq!(t.ws_url("/x"), "ws://localhost:80/api/x");
        assert!(Target::parse("https://a:1").is_err());
        assert!(Target::parse("a:1").is_err());
    }

    #[test]
    fn responses() {
        let r = parse_response(
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3\r\ncontent-length: 2\r\n\r\n{}",
        )
        .unwrap();
        assert_eq!(
            (r.status, r.retry_after, r.text().as_str()),
            (429, Some(3), "{}")
        );
        let r = parse_response(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.status, r.text().as_str()), (201, "abcde"));
    }
}
