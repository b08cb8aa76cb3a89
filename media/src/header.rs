//! Header parsing without decoding pixels: dimensions (JPEG marker walk, PNG `IHDR`, WebP
//! `VP8 `/`VP8L`/`VP8X`, GIF screen descriptor), the JPEG EXIF chunk (for orientation), and
//! whether privacy-relevant metadata is present.

use crate::format::describe;
use crate::{Error, Format, sniff};

/// Width and height in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dimensions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Dimensions {
    /// `width * height` without overflow.
    pub fn pixels(self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// Width and height read from the header only (no pixel decode); JPEG via a marker walk, PNG
/// IHDR, WebP VP8/VP8L/VP8X (the canvas), GIF the logical screen.
///
/// These are the dimensions as stored, before any EXIF orientation is applied (a portrait
/// phone photo stored landscape with orientation 6 reports its landscape size here;
/// [`inspect_photo`](crate::inspect_photo) reports the upright size).
///
/// Errors: [`Error::Unsupported`] for other types (HEIC, video, unknown), [`Error::Corrupt`]
/// if the header is truncated or malformed.
pub fn image_dimensions(bytes: &[u8]) -> Result<(Format, Dimensions), Error> {
    let format = sniff(bytes).ok_or_else(|| Error::Unsupported {
        format: describe(bytes),
    })?;
    let dims = match format {
        Format::Jpeg => scan_jpeg(bytes)?.dims,
        Format::Png => scan_png(bytes)?.dims,
        Format::Webp => scan_webp(bytes)?.dims,
        Format::Gif => gif_dims(bytes)?,
        _ => {
            return Err(Error::Unsupported {
                format: format.extension().to_owned(),
            });
        }
    };
    Ok((format, dims))
}

/// What a header walk found.
#[derive(Debug)]
pub(crate) struct Scan<'a> {
    pub dims: Dimensions,
    /// The EXIF chunk from its TIFF header on (JPEG `APP1 Exif\0\0`), if any.
    pub exif: Option<&'a [u8]>,
    /// EXIF, XMP, IPTC or comments (JPEG); eXIf or text chunks (PNG); EXIF or XMP (WebP).
    pub has_metadata: bool,
}

fn corrupt(what: &str) -> Error {
    Error::Corrupt(what.to_owned())
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 3)?;
    Some(u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

fn nonzero(width: u32, height: u32) -> Result<Dimensions, Error> {
    if width == 0 || height == 0 {
        return Err(corrupt("zero width or height in the header"));
    }
    Ok(Dimensions { width, height })
}

/// Fails with [`Error::TooManyPixels`] if `dims` is over `max`.
pub(crate) fn check_pixels(dims: Dimensions, max: u64) -> Result<(), Error> {
    if dims.pixels() > max {
        return Err(Error::TooManyPixels {
            width: dims.width,
            height: dims.height,
            max,
        });
    }
    Ok(())
}

const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const XMP_EXTENSION: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";

/// Walks the JPEG markers up to the first scan: the frame size, the EXIF chunk, metadata.
pub(crate) fn scan_jpeg(b: &[u8]) -> Result<Scan<'_>, Error> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return Err(corrupt("not a JPEG"));
    }
    let truncated = || corrupt("truncated JPEG header");
    let mut pos = 2;
    let mut dims = None;
    let mut exif = None;
    let mut has_metadata = false;
    loop {
        if *b.get(pos).ok_or_else(truncated)? != 0xFF {
            return Err(corrupt("JPEG marker expected"));
        }
        while b.get(pos) == Some(&0xFF) {
            pos += 1; // fill bytes
        }
        let marker = *b.get(pos).ok_or_else(truncated)?;
        pos += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue,
            0xD9 | 0xDA => break,
            _ => {}
        }
        let len = usize::from(be16(b, pos).ok_or_else(truncated)?);
        let seg = b
            .get(pos + 2..pos + len)
            .filter(|_| len >= 2)
            .ok_or_else(truncated)?;
        pos += len;
        match marker {
            // SOFn (not DHT C4, JPG C8, DAC CC)
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && dims.is_none() => {
                let h = be16(seg, 1).ok_or_else(truncated)?;
                let w = be16(seg, 3).ok_or_else(truncated)?;
                dims = Some(nonzero(u32::from(w), u32::from(h))?);
            }
            0xE1 => {
                if let Some(tiff) = seg.strip_prefix(b"Exif\0\0") {
                    has_metadata = true;
                    exif.get_or_insert(tiff);
                } else if seg.starts_with(XMP) || seg.starts_with(XMP_EXTENSION) {
                    has_metadata = true;
                }
            }
            0xED if seg.starts_with(b"Photoshop 3.0\0") => has_metadata = true,
            0xFE => has_metadata = true,
            _ => {}
        }
    }
    let dims = dims.ok_or_else(|| corrupt("no JPEG frame header before the scan"))?;
    Ok(Scan {
        dims,
        exif,
        has_metadata,
    })
}

/// Reads the PNG `IHDR` and walks the chunks for metadata.
pub(crate) fn scan_png(b: &[u8]) -> Result<Scan<'_>, Error> {
    let truncated = || corrupt("truncated PNG header");
    if be32(b, 8).ok_or_else(truncated)? != 13 || b.get(12..16) != Some(b"IHDR") {
        return Err(corrupt("PNG without IHDR"));
    }
    let dims = nonzero(
        be32(b, 16).ok_or_else(truncated)?,
        be32(b, 20).ok_or_else(truncated)?,
    )?;
    let mut has_metadata = false;
    let mut pos = 8;
    while let (Some(len), Some(kind)) = (be32(b, pos), b.get(pos + 4..pos + 8)) {
        match kind {
            b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" => has_metadata = true,
            b"IEND" => break,
            _ => {}
        }
        pos = pos.saturating_add(12).saturating_add(len as usize);
    }
    Ok(Scan {
        dims,
        exif: None,
        has_metadata,
    })
}

/// Reads the WebP canvas size from the first chunk and walks the chunks for metadata.
pub(crate) fn scan_webp(b: &[u8]) -> Result<Scan<'_>, Error> {
    let truncated = || corrupt("truncated WebP header");
    let kind = b.get(12..16).ok_or_else(truncated)?;
    let data = b.get(20..).ok_or_else(truncated)?;
    let dims = match kind {
        b"VP8 " => {
            if data.get(3..6) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(corrupt("bad VP8 frame header"));
            }
            let le14 = |at: usize| {
                let s = data.get(at..at + 2)?;
                Some(u16::from_le_bytes([s[0], s[1]]) & 0x3FFF)
            };
            let w = le14(6).ok_or_else(truncated)?;
            let h = le14(8).ok_or_else(truncated)?;
            nonzero(u32::from(w), u32::from(h))?
        }
        b"VP8L" => {
            if data.first() != Some(&0x2F) {
                return Err(corrupt("bad VP8L signature"));
            }
            let bits = le32(data, 1).ok_or_else(truncated)?;
            nonzero((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)?
        }
        b"VP8X" => nonzero(
            le24(data, 4).ok_or_else(truncated)? + 1,
            le24(data, 7).ok_or_else(truncated)? + 1,
        )?,
        _ => return Err(corrupt("unknown first WebP chunk")),
    };
    let mut has_metadata = false;
    let mut pos = 12;
    while let (Some(kind), Some(len)) = (b.get(pos..pos + 4), le32(b, pos + 4)) {
        if kind == b"EXIF" || kind == b"XMP " {
            has_metadata = true;
        }
        let padded = (len as usize).saturating_add(len as usize & 1);
        pos = pos.saturating_add(8).saturating_add(padded);
    }
    Ok(Scan {
        dims,
        exif: None,
        has_metadata,
    })
}

fn gif_dims(b: &[u8]) -> Result<Dimensions, Error> {
    let s = b
        .get(6..10)
        .ok_or_else(|| corrupt("truncated GIF header"))?;
    nonzero(
        u32::from(u16::from_le_bytes([s[0], s[1]])),
        u32::from(u16::from_le_bytes([s[2], s[3]])),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webp_headers() {
        // VP8L 3x2: width-1 = 2, height-1 = 1 -> bits = 2 | 1 << 14.
        let bits: u32 = 2 | (1 << 14);
        let mut b = b"RIFF\0\0\0\0WEBPVP8L\x05\0\0\0\x2F".to_vec();
        b.extend_from_slice(&bits.to_le_bytes());
        assert_eq!(
            image_dimensions(&b).unwrap().1,
            Dimensions {
                width: 3,
                height: 2
            }
        );

        let mut x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x08\0\0\0".to_vec();
        x.extend_from_slice(&[0x0F, 0x42, 0x00, 0x3F, 0x42, 0x0F]); // 16911 x 999_999+1
        x.extend_from_slice(b"EXIF\x02\0\0\0ab");
        let scan = scan_webp(&x).unwrap();
        assert_eq!(
            scan.dims,
            Dimensions {
                width: 0x420F + 1,
                height: 0x0F423F + 1
            }
        );
        assert!(scan.has_metadata);

        assert!(matches!(image_dimensions(&x[..22]), Err(Error::Corrupt(_))));
    }

    #[test]
    fn jpeg_marker_walk_errors() {
        assert!(matches!(scan_jpeg(b"\xFF\xD8\xFF"), Err(Error::Corrupt(_))));
        assert!(matches!(
            scan_jpeg(b"\xFF\xD8\xFF\xE0\x00\x10JFIF"),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(
            scan_jpeg(b"\xFF\xD8\xFF\xDA\x00\x02"),
            Err(Error::Corrupt(_))
        ));
        assert!(matches!(scan_jpeg(b"\xFF\xD8\x00"), Err(Error::Corrupt(_))));
        let sof = b"\xFF\xD8\xFF\xC0\x00\x0B\x08\x00\x02\x00\x03\x01\x01\x11\x00\xFF\xDA";
        assert_eq!(
            scan_jpeg(sof).unwrap().dims,
            Dimensions {
                width: 3,
                height: 2
            }
        );
    }

    #[test]
    fn gif_and_unsupported() {
        let gif = b"GIF89a\x05\x00\x07\x00";
        assert_eq!(
            image_dimensions(gif).unwrap(),
            (
                Format::Gif,
                Dimensions {
                    width: 5,
                    height: 7
                }
            )
        );
        match image_dimensions(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic") {
            Err(Error::Unsupported { format }) => assert_eq!(format, "heic"),
            other => panic!("{other:?}"),
        }
    }
}
