//! Pictures in the webview. Photos are files client-core keeps (or fetches
//! once) on the device; the webview asks for them as `/media/<id>` (add
//! `?thumb=1` for the thumbnail) and [`serve`] answers from client-core.
//! Until a photo is there, its blurhash stands in, decoded here into a tiny
//! bitmap data URI.

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

/// Opens a web link in the system browser.
pub fn open_external(url: &str) {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return;
    }
    let program = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(program).arg(url).spawn() {
        tracing::warn!("cannot open {url}: {e}");
    }
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
}
