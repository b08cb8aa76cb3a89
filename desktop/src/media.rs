//! Pictures in the webview. Photos are files client-core keeps (or fetches
//! once) on the device; the webview asks for them as `/media/<id>` (add
//! `?thumb=1` for the thumbnail) and [`serve`] answers from client-core.
//! Until a photo is there, its blurhash stands in, decoded here into a tiny
//! bitmap data URI. Web links (checkouts, provider sign-ins) open in the
//! system browser through [`open_in_browser`].

use base64::Engine;
use dioxus::desktop::wry::RequestAsyncResponder;
use dioxus::desktop::wry::http::{Request, Response, StatusCode};
use moa_client_core::Client;

/// The URL of a photo (or its thumbnail) for `img src`.
pub fn url(media_id: &str, thumbnail: bool) -> String {
    if thumbnail {
        format!("/media/{media_id}?thumb=1")
    } else {
        format!("/media/{media_id}")
    }
}

/// What `/media/...` asks for: the media id and whether the thumbnail.
pub fn parse(path: &str, query: Option<&str>) -> Option<(String, bool)> {
    let id = path.strip_prefix("/media/")?;
    if !moa_client_core::protocol::is_media_id(id) {
        return None;
    }
    let thumb = query.is_some_and(|q| q.split('&').any(|kv| kv == "thumb=1"));
    Some((id.to_owned(), thumb))
}

/// The content type of image bytes, by their signature.
pub fn sniff(bytes: &[u8]) -> &'static str {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => "image/webp",
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => "video/mp4",
        [0x1A, 0x45, 0xDF, 0xA3, ..] => "video/webm",
        _ => "application/octet-stream",
    }
}

/// Answers one webview request for a photo, from client-core (on the tokio
/// runtime; the responder is called once, whatever happens).
pub fn serve(client: Client, request: Request<Vec<u8>>, responder: RequestAsyncResponder) {
    let Some((id, thumb)) = parse(request.uri().path(), request.uri().query()) else {
        responder.respond(status(StatusCode::NOT_FOUND));
        return;
    };
    tokio::spawn(async move {
        let file = match client.media().file(&id, thumb).await {
            Ok(path) => tokio::fs::read(path).await.ok(),
            Err(_) => None,
        };
        let response = match file {
            Some(bytes) => Response::builder()
                .header("Content-Type", sniff(&bytes))
                .header("Cache-Control", "max-age=31536000, immutable")
                .body(bytes)
                .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)),
            None => status(StatusCode::NOT_FOUND),
        };
        responder.respond(response);
    });
}

fn status(code: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = code;
    response
}

/// A blurhash as a small BMP data URI (scaled up by the webview, which
/// blurs it further).
pub fn placeholder(blurhash: &str) -> Option<String> {
    const W: u32 = 16;
    const H: u32 = 12;
    let rgba = blurhash::decode(blurhash, W, H, 1.0).ok()?;
    Some(format!(
        "data:image/bmp;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bmp(W, H, &rgba))
    ))
}

/// A 32-bit top-down BMP of RGBA pixels.
fn bmp(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    let pixels = width * height * 4;
    let mut out = Vec::with_capacity(54 + pixels as usize);
    out.extend_from_slice(b"BM");
    out.extend_from_slice(&(54 + pixels).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&54u32.to_le_bytes());
    out.extend_from_slice(&40u32.to_le_bytes());
    out.extend_from_slice(&(width as i32).to_le_bytes());
    out.extend_from_slice(&(-(height as i32)).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&32u16.to_le_bytes());
    out.extend_from_slice(&[0; 24]);
    for px in rgba.chunks_exact(4) {
        out.extend_from_slice(&[px[2], px[1], px[0], 255]);
    }
    out
}

/// Opens a web link in the system browser (logged when it cannot).
pub fn open_external(url: &str) {
    if let Err(e) = open_in_browser(url) {
        tracing::warn!("cannot open {url}: {e}");
    }
}

/// Opens a web link in the system browser: the `BROWSER` environment
/// variable's command when set (its entries separated by `:`, each a
/// command whose `%s` is the link, else the link goes last), else the
/// system's opener (`xdg-open`, `open`, `explorer`). Only `http(s)` links.
pub fn open_in_browser(url: &str) -> std::io::Result<()> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a web link",
        ));
    }
    let commands = match std::env::var("BROWSER") {
        Ok(browser) if !browser.trim().is_empty() => browser_commands(&browser, url),
        _ => vec![vec![system_opener().to_owned(), url.to_owned()]],
    };
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no browser command");
    for command in commands {
        let Some((program, args)) = command.split_first() else {
            continue;
        };
        match std::process::Command::new(program).args(args).spawn() {
            Ok(mut child) => {
                // Reaped when it ends, so no zombie stays behind.
                std::thread::spawn(move || child.wait());
                return Ok(());
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The system's way of opening a link.
fn system_opener() -> &'static str {
    if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        // (Not `cmd /c start`: cmd would read the `&` of a query.)
        "explorer"
    } else {
        "xdg-open"
    }
}

/// The commands a `BROWSER` value names for `url`, in order: entries
/// separated by `:`, words by spaces, `%s` replaced by the link (appended
/// when there is none).
fn browser_commands(browser: &str, url: &str) -> Vec<Vec<String>> {
    browser
        .split(':')
        .map(|entry| {
            let mut words: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
            if words.iter().any(|w| w.contains("%s")) {
                for w in &mut words {
                    *w = w.replace("%s", url);
                }
            } else if !words.is_empty() {
                words.push(url.to_owned());
            }
            words
        })
        .filter(|words| !words.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_paths_parse_and_refuse_anything_else() {
        let id = "a".repeat(64);
        assert_eq!(
            parse(&format!("/media/{id}"), None),
            Some((id.clone(), false))
        );
        assert_eq!(
            parse(&format!("/media/{id}"), Some("thumb=1")),
            Some((id.clone(), true))
        );
        assert_eq!(parse("/media/../../etc/passwd", None), None);
        assert_eq!(parse("/other/x", None), None);
        assert_eq!(url(&id, true), format!("/media/{id}?thumb=1"));
    }

    #[test]
    fn blurhash_becomes_a_bitmap_of_its_colours() {
        let uri = placeholder("LEHV6nWB2yk8pyo0adR*.7kCMdnj").expect("decodes");
        let b64 = uri.strip_prefix("data:image/bmp;base64,").expect("bmp uri");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        assert_eq!(&bytes[..2], b"BM");
        assert_eq!(bytes.len(), 54 + 16 * 12 * 4);
        assert!(placeholder("nonsense").is_none());
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), "image/jpeg");
    }

    #[test]
    fn browser_variable_names_commands_with_the_link() {
        let url = "http://x/a?b=1&c=2";
        assert_eq!(
            browser_commands("/tmp/open-it", url),
            vec![vec!["/tmp/open-it".to_owned(), url.to_owned()]]
        );
        assert_eq!(
            browser_commands("firefox --new-window %s:lynx", url),
            vec![
                vec![
                    "firefox".to_owned(),
                    "--new-window".to_owned(),
                    url.to_owned()
                ],
                vec!["lynx".to_owned(), url.to_owned()],
            ]
        );
        assert!(browser_commands(" : ", url).is_empty());
        assert!(open_in_browser("file:///etc/passwd").is_err());
    }
}
