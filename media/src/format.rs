//! Media types and content sniffing: the type of an upload is decided by its bytes (magic
//! numbers, the ISO-BMFF `ftyp` brands, the EBML header's doctype), never by its name.

/// A media type Moa knows about. Only JPEG, PNG and WebP can be decoded; the others are
/// recognised so they can be named in errors (HEIC, GIF) or stored as video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (the 8-byte PNG signature).
    Png,
    /// WebP (`RIFF....WEBP`).
    Webp,
    /// HEIF/HEIC still images (ISO-BMFF with a `heic`/`heix`/`mif1`... brand).
    Heic,
    /// GIF (`GIF87a`/`GIF89a`).
    Gif,
    /// MPEG-4 video (ISO-BMFF with an `isom`/`mp42`/`avc1`/3GPP... brand).
    Mp4,
    /// QuickTime video (ISO-BMFF with the `qt  ` brand).
    Mov,
    /// WebM video (EBML header with the `webm` doctype).
    Webm,
}

impl Format {
    /// The MIME type, e.g. `image/jpeg`.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
            Format::Heic => "image/heic",
            Format::Gif => "image/gif",
            Format::Mp4 => "video/mp4",
            Format::Mov => "video/quicktime",
            Format::Webm => "video/webm",
        }
    }

    /// Whether this is a still image type (JPEG, PNG, WebP, HEIC, GIF).
    pub fn is_image(self) -> bool {
        matches!(
            self,
            Format::Jpeg | Format::Png | Format::Webp | Format::Heic | Format::Gif
        )
    }

    /// Whether this is a video type (MP4, MOV, WebM).
    pub fn is_video(self) -> bool {
        matches!(self, Format::Mp4 | Format::Mov | Format::Webm)
    }

    /// The usual file extension, without the dot (`jpg`, `png`, `webp`, `heic`, `gif`, `mp4`,
    /// `mov`, `webm`). Also the name used in [`Error::Unsupported`](crate::Error::Unsupported).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Heic => "heic",
            Format::Gif => "gif",
            Format::Mp4 => "mp4",
            Format::Mov => "mov",
            Format::Webm => "webm",
        }
    }
}

/// Decide the type by content (magic bytes / ISO-BMFF ftyp brand / EBML header), never by name.
///
/// Returns `None` for anything else, including AVIF, Matroska (non-WebM) and audio-only MP4
/// (`M4A`); [`Error::Unsupported`](crate::Error::Unsupported) names those.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match detect(bytes) {
        Detected::Known(format) => Some(format),
        Detected::Other(_) | Detected::Unknown => None,
    }
}

/// A short name for the content's type, for [`Error::Unsupported`](crate::Error::Unsupported):
/// the extension of a known format, or e.g. `avif`, `matroska`, `m4a`, `unknown`.
pub(crate) fn describe(bytes: &[u8]) -> String {
    match detect(bytes) {
        Detected::Known(format) => format.extension().to_owned(),
        Detected::Other(name) => name.to_owned(),
        Detected::Unknown => "unknown".to_owned(),
    }
}

enum Detected {
    Known(Format),
    Other(&'static str),
    Unknown,
}

fn detect(b: &[u8]) -> Detected {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Detected::Known(Format::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Detected::Known(Format::Png)
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Detected::Known(Format::Webp)
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Detected::Known(Format::Gif)
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" {
        detect_ftyp(b)
    } else if b.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        detect_ebml(b)
    } else {
        Detected::Unknown
    }
}

/// What an ISO-BMFF brand says about the file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Brand {
    Avif,
    /// A HEVC-coded HEIF brand (`heic`, `heix`, ...).
    Heic,
    /// A generic HEIF brand (`mif1`, `msf1`): HEIC unless another brand says AVIF.
    Heif,
    Mov,
    Mp4,
    Audio,
}

fn brand(fourcc: &[u8]) -> Option<Brand> {
    Some(match fourcc {
        b"avif" | b"avis" => Brand::Avif,
        b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs" => {
            Brand::Heic
        }
        b"mif1" | b"msf1" | b"miaf" => Brand::Heif,
        b"qt  " => Brand::Mov,
        b"isom" | b"iso2" | b"iso3" | b"iso4" | b"iso5" | b"iso6" | b"iso7" | b"iso8" | b"iso9"
        | b"mp41" | b"mp42" | b"mp71" | b"avc1" | b"dash" | b"M4V " | b"M4VH" | b"M4VP"
        | b"f4v " | b"mmp4" | b"MSNV" | b"XAVC" | b"3gp4" | b"3gp5" | b"3gp6" | b"3gp7"
        | b"3gp8" | b"3gp9" | b"3g2a" | b"3g2b" | b"3g2c" | b"3ge6" | b"3ge7" | b"3gg6"
        | b"cmfc" | b"cmfs" => Brand::Mp4,
        b"M4A " | b"M4B " | b"M4P " | b"F4A " | b"F4B " => Brand::Audio,
        _ => return None,
    })
}

fn detect_ftyp(b: &[u8]) -> Detected {
    let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
    // size 0: the box runs to the end of the file; 1: a 64-bit size follows (never seen on ftyp).
    let end = match size {
        0 => b.len(),
        1..=15 => return Detected::Unknown,
        _ => size.min(b.len()),
    };
    let major = &b[8..12];
    let compatible: Vec<Brand> = b
        .get(16..end)
        .unwrap_or(&[])
        .chunks_exact(4)
        .filter_map(brand)
        .collect();
    let all = || brand(major).into_iter().chain(compatible.iter().copied());
    if all().any(|x| x == Brand::Avif) {
        return Detected::Other("avif");
    }
    let from = |x: Brand| match x {
        Brand::Heic | Brand::Heif => Detected::Known(Format::Heic),
        Brand::Mov => Detected::Known(Format::Mov),
        Brand::Mp4 => Detected::Known(Format::Mp4),
        Brand::Audio => Detected::Other("m4a"),
        Brand::Avif => Detected::Other("avif"),
    };
    match brand(major) {
        Some(x) => from(x),
        None => {
            // An unknown major brand: the first recognised compatible brand decides, the
            // still-image brands first (an image sequence also lists video brands).
            let pick = [
                Brand::Heic,
                Brand::Heif,
                Brand::Mov,
                Brand::Mp4,
                Brand::Audio,
            ]
            .into_iter()
            .find(|want| compatible.contains(want));
            pick.map_or(Detected::Other("iso-bmff"), from)
        }
    }
}

/// Reads an EBML variable-length integer: `(value, length)`, the length marker removed unless
/// `keep_marker` (element IDs keep it). `None` if truncated or longer than 8 bytes.
fn vint(b: &[u8], keep_marker: bool) -> Option<(u64, usize)> {
    let first = *b.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || b.len() < len {
        return None;
    }
    let mut value = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & (0xFF >> len)
    };
    for &byte in &b[1..len] {
        value = (value << 8) | u64::from(byte);
    }
    Some((value, len))
}

fn detect_ebml(b: &[u8]) -> Detected {
    let doctype = (|| {
        let (size, n) = vint(&b[4..], false)?;
        let start = 4 + n;
        let end = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s));
        let end = end.map_or(b.len(), |e| e.min(b.len()));
        let mut pos = start;
        while pos < end {
            let (id, n) = vint(&b[pos..], true)?;
            pos += n;
            let (len, n) = vint(&b[pos..], false)?;
            pos += n;
            let len = usize::try_from(len).ok()?;
            if id == 0x4282 {
                let value = b.get(pos..pos.checked_add(len)?)?;
                let trimmed = value.split(|&c| c == 0).next().unwrap_or(value);
                return Some(trimmed);
            }
            pos = pos.checked_add(len)?;
        }
        None
    })();
    match doctype {
        Some(b"webm") => Detected::Known(Format::Webm),
        Some(b"matroska") => Detected::Other("matroska"),
        _ => Detected::Other("ebml"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut b = (size as u32).to_be_bytes().to_vec();
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(major);
        b.extend_from_slice(&[0, 0, 0, 0]);
        for c in compatible {
            b.extend_from_slice(*c);
        }
        b.extend_from_slice(&[0, 0, 0, 8, b'f', b'r', b'e', b'e']);
        b
    }

    #[test]
    fn iso_bmff_brands() {
        assert_eq!(
            sniff(&ftyp(b"isom", &[b"isom", b"iso2", b"avc1", b"mp41"])),
            Some(Format::Mp4)
        );
        assert_eq!(
            sniff(&ftyp(b"mp42", &[b"isom", b"mp42"])),
            Some(Format::Mp4)
        );
        assert_eq!(sniff(&ftyp(b"qt  ", &[b"qt  "])), Some(Format::Mov));
        assert_eq!(
            sniff(&ftyp(b"heic", &[b"mif1", b"heic"])),
            Some(Format::Heic)
        );
        assert_eq!(
            sniff(&ftyp(b"mif1", &[b"mif1", b"heic"])),
            Some(Format::Heic)
        );
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1"])), Some(Format::Heic));
        assert_eq!(sniff(&ftyp(b"avif", &[b"mif1", b"avif"])), None);
        assert_eq!(describe(&ftyp(b"avif", &[b"mif1", b"avif"])), "avif");
        assert_eq!(sniff(&ftyp(b"mif1", &[b"mif1", b"avif"])), None);
        assert_eq!(sniff(&ftyp(b"M4A ", &[b"M4A ", b"isom"])), None);
        assert_eq!(
            sniff(&ftyp(b"zzzz", &[b"zzzz", b"isom"])),
            Some(Format::Mp4)
        );
        assert_eq!(sniff(&ftyp(b"zzzz", &[b"zzzz"])), None);
        // A box too short to hold the minor version.
        assert_eq!(sniff(b"\0\0\0\x0cftypisom"), None);
    }

    #[test]
    fn ebml_doctype() {
        let webm = [
            0x1A, 0x45, 0xDF, 0xA3, 0xA0, 0x42, 0x86, 0x81, 0x01, 0x42, 0xF7, 0x81, 0x01, 0x42,
            0xF2, 0x81, 0x04, 0x42, 0xF3, 0x81, 0x08, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm',
            0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02,
        ];
        assert_eq!(sniff(&webm), Some(Format::Webm));
        let mut mkv = webm[..24].to_vec();
        mkv[4] = 0x9B;
        mkv[23] = 0x88;
        mkv.extend_from_slice(b"matroska");
        assert_eq!(sniff(&mkv), None);
        assert_eq!(describe(&mkv), "matroska");
        assert_eq!(sniff(&webm[..10]), None);
    }

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n"), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(Format::Gif));
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"hello, world"), None);
        assert_eq!(describe(b"hello, world"), "unknown");
    }

    #[test]
    fn names() {
        for f in [
            Format::Jpeg,
            Format::Png,
            Format::Webp,
            Format::Heic,
            Format::Gif,
            Format::Mp4,
            Format::Mov,
            Format::Webm,
        ] {
            assert_ne!(f.is_image(), f.is_video());
            assert!(
                f.mime()
                    .starts_with(if f.is_image() { "image/" } else { "video/" })
            );
            assert!(!f.extension().is_empty());
        }
    }
}
